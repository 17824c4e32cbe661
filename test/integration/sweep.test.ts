/**
 * client.sweep(): every unsettled entry of the client's tenant is resolved against the sandbox over real
 * HTTP, announcements that failed are made again, two sweepers announce once, and a gateway answering
 * 40014 (调用次数超限) slows the sweep down instead of failing it.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryDedupeStore } from '../../src/core/dedupe.js';
import { type JournalEntry, type JournalStore, MemoryJournalStore } from '../../src/core/journal.js';
import { FileJournalStore } from '../../src/core/journal-file.js';
import type { SettlementEvent } from '../../src/core/settle.js';
import type { SweepProgress } from '../../src/core/sweep.js';
import {
  ConfigurationError,
  MemoryTokenStore,
  OneCardClient,
  OutcomeUnknownError,
  ValidationError,
} from '../../src/index.js';
import { ONECARD_GATEWAY_PATH, type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { startFront } from '../helpers/front.js';
import { journalEntry } from '../helpers/journal.js';

let sb: Sandbox;
const key = (tag: string) => `W${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}${tag}`;
const MINUTES = 60_000;
/** One token store for every client of the file, so that they share the sandbox's one token. */
const tokenStore = new MemoryTokenStore();

beforeAll(async () => {
  sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 } });
  // Clients at another gateway URL (the 40014 front) fetch their own token, which replaces this one.
  maker = new OneCardClient({ ...sb.onecard, tokenStore, retryBaseMs: 1, moneyOnInvalidToken: 'resend' });
});
afterAll(() => sb.close());

function client(journal: JournalStore, extra: object = {}) {
  const events: SettlementEvent[] = [];
  const c = new OneCardClient({
    ...sb.onecard,
    tokenStore,
    retryBaseMs: 1,
    journal,
    onSettled: (e: SettlementEvent) => void events.push(e),
    ...extra,
  });
  return { c, events };
}

/** Makes orders without a journal: each test puts in the journal the entry it needs. */
let maker: OneCardClient;

/** A recharge made at the gateway; the journal holds it as `state`, last touched ten minutes ago. */
async function recharge(c: OneCardClient, journal: JournalStore, state: JournalEntry['state']) {
  const order_no = key('r');
  const r = await maker.recharge({
    client_type: 'web',
    pay_type: 'alipay',
    account: '10001',
    acctype: '###',
    order_no,
    order_amount: 600,
    return_url: 'https://m.test/r',
    notify_url: 'https://m.test/n',
  });
  const old = Date.now() - 10 * MINUTES;
  const e = journalEntry(c.tenant, 'onecard', 'recharge', order_no, {
    amount: 600,
    state,
    createdAt: old,
    updatedAt: old,
  });
  await journal.create(e);
  return { e, outId: r.out_id };
}

describe('sweep', () => {
  it('resolves the unsettled entries of its tenant, leaves young, final and foreign ones, and reports', async () => {
    const journal = new MemoryJournalStore();
    const { c, events } = client(journal);
    const paid = await recharge(c, journal, 'intent');
    const waiting = await recharge(c, journal, 'unknown');
    const failed = await recharge(c, journal, 'pending');
    sb.onecardGateway.settle(paid.outId, true);
    sb.onecardGateway.settle(failed.outId, false);
    const old = Date.now() - 10 * MINUTES;
    const transfer = journalEntry(c.tenant, 'onecard', 'transfer', key('t'), {
      state: 'intent',
      updatedAt: old,
      context: { account: '10002', src_acctype: '###', dst_acctype: '001' },
    });
    const young = journalEntry(c.tenant, 'onecard', 'recharge', key('y'), { state: 'intent' });
    const foreign = journalEntry('http://other.test/gw#app', 'onecard', 'recharge', key('f'), {
      updatedAt: old,
    });
    const final = journalEntry(c.tenant, 'onecard', 'recharge', key('d'), {
      state: 'failed',
      updatedAt: old,
      announcedAt: old,
    });
    for (const e of [transfer, young, foreign, final]) await journal.create(e);

    const progress: SweepProgress[] = [];
    const sum = await c.sweep({ onProgress: (p) => void progress.push(p) });
    expect(sum).toMatchObject({
      total: 4,
      states: { succeeded: 1, pending: 1, failed: 1, 'needs-review': 1 },
      errorCount: 0,
      aborted: false,
    });
    const state = async (e: JournalEntry) => (await journal.get(e.id))?.state;
    expect(await state(paid.e)).toBe('succeeded');
    expect(await state(waiting.e)).toBe('pending');
    expect(await state(failed.e)).toBe('failed');
    expect(await state(transfer)).toBe('needs-review');
    expect([await state(young), await state(foreign), await state(final)]).toEqual([
      'intent',
      'unknown',
      'failed',
    ]);
    expect(events.map((e) => [e.orderKey, e.state, e.source]).sort()).toEqual(
      [
        [paid.e.orderKey, 'succeeded', 'sweep'],
        [failed.e.orderKey, 'failed', 'sweep'],
        [transfer.orderKey, 'needs-review', 'sweep'],
      ].sort(),
    );
    expect(sum.announced).toBe(3);
    const resolving = progress.filter((p) => p.phase === 'resolve');
    expect(resolving.map((p) => p.done)).toEqual([1, 2, 3, 4]);
    expect(resolving.every((p) => p.total === 4)).toBe(true);
  });

  it('announces again what failed to announce (also a state settled by hand after needs-review), once', async () => {
    const journal = new MemoryJournalStore();
    let down = true;
    const seen: SettlementEvent[] = [];
    const { c } = client(journal, {
      onSettled: (e: SettlementEvent) => {
        if (down) throw new Error('down');
        seen.push(e);
      },
    });
    const lost = await recharge(c, journal, 'unknown');
    sb.onecardGateway.settle(lost.outId, true);
    await c.resolve(lost.e, { deadlineMs: 0 }); // succeeded, but onSettled threw
    expect((await journal.get(lost.e.id))?.announcedAt).toBeUndefined();

    const reviewed = journalEntry(c.tenant, 'onecard', 'transfer', key('h'), { state: 'needs-review' });
    await journal.create(reviewed);
    await journal.markAnnounced(reviewed.id, Date.now());
    // A person settles it in the journal directly: the new state is due to be announced.
    await journal.advance(reviewed.id, { state: 'succeeded', at: Date.now(), note: 'checked the statement' });

    down = false;
    const first = await c.sweep({ olderThanMs: 0 });
    expect(first.announced).toBe(2);
    expect(seen.map((e) => [e.orderKey, e.state, e.source]).sort()).toEqual(
      [
        [lost.e.orderKey, 'succeeded', 'sweep'],
        [reviewed.orderKey, 'succeeded', 'sweep'],
      ].sort(),
    );
    const second = await c.sweep({ olderThanMs: 0 });
    expect(second.announced).toBe(0);
    expect(seen).toHaveLength(2);
  });

  it('two sweepers sharing the journal and the dedupe store announce each entry once', async () => {
    const journal = new MemoryJournalStore();
    const dedupeStore = new MemoryDedupeStore();
    const a = client(journal, { dedupeStore });
    const b = client(journal, { dedupeStore, onSettled: (e: SettlementEvent) => void a.events.push(e) });
    const made = [];
    for (let i = 0; i < 6; i++) made.push(await recharge(a.c, journal, i % 2 ? 'intent' : 'unknown'));
    for (const m of made) sb.onecardGateway.settle(m.outId, true);
    await Promise.all([a.c.sweep({ concurrency: 3 }), b.c.sweep({ concurrency: 3 })]);
    expect(a.events.map((e) => e.orderKey).sort()).toEqual(made.map((m) => m.e.orderKey).sort());
  });

  it('slows down on 40014 (调用次数超限) and still resolves every entry', async () => {
    // A gateway front that answers the next queries with a signed 40014, as an overloaded gateway does.
    let refuse = 0;
    let refused = 0;
    const front = await startFront(sb.url, (form) => {
      const method = form.get('method') ?? '';
      if (method !== 'synjones.onecard.paygw.query.order' || refuse === 0) return undefined;
      refuse--;
      refused++;
      return sb.onecardGateway.encode({ errcode: '40014', method });
    });
    try {
      const gatewayUrl = front.url + ONECARD_GATEWAY_PATH;
      const journal = new MemoryJournalStore();
      const { c } = client(journal, { gatewayUrl });
      const made = [];
      for (let i = 0; i < 8; i++) made.push(await recharge(c, journal, 'unknown'));
      for (const m of made) sb.onecardGateway.settle(m.outId, true);
      refuse = 2;
      front.stats.most = 0;
      const limits: number[] = [];
      const sum = await c.sweep({ concurrency: 4, onProgress: (p) => void limits.push(p.concurrency) });
      expect(refused).toBe(2);
      expect(sum).toMatchObject({ total: 8, states: { succeeded: 8 }, errorCount: 0, throttled: 2 });
      expect(Math.min(...limits)).toBeLessThan(4);
      expect(front.stats.most).toBeLessThanOrEqual(4);
    } finally {
      await front.close();
    }
  });

  it('an entry whose query fails is listed and left for the next sweep', async () => {
    const journal = new MemoryJournalStore();
    const { c } = client(journal, { maxRetries: 0 });
    const e = (await recharge(c, journal, 'unknown')).e;
    sb.faults.set({ serverError: 1 });
    try {
      const sum = await c.sweep();
      expect(sum.errorCount).toBe(1);
      expect(sum.errors[0]).toMatchObject({
        entryId: e.id,
        orderKey: e.orderKey,
        error: expect.stringMatching(/502/),
      });
    } finally {
      sb.faults.clear();
    }
    expect((await journal.get(e.id))?.state).toBe('unknown');
  });

  it('a damaged entry in a file journal is reported and skipped; the rest is settled and announced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'campus-pay-sweep-'));
    try {
      const path = join(dir, 'journal.jsonl');
      const journal = new FileJournalStore(path);
      const { c, events } = client(journal);
      const paid = await recharge(c, journal, 'unknown');
      const bad = await recharge(c, journal, 'unknown');
      sb.onecardGateway.settle(paid.outId, true);
      // A transfer goes to needs-review with the balances as evidence (fields a reply leaves out included).
      const transfer = journalEntry(c.tenant, 'onecard', 'transfer', key('t'), {
        state: 'intent',
        updatedAt: Date.now() - 10 * MINUTES,
        context: { account: '10002', src_acctype: '###', dst_acctype: '001' },
      });
      await journal.create(transfer);
      appendFileSync(path, `${JSON.stringify({ op: 'advance', id: bad.e.id, t: { state: 'paid' } })}\n`);
      const sum = await c.sweep();
      expect(sum.states).toEqual({ succeeded: 1, 'needs-review': 1 });
      expect(sum.errorCount).toBe(1);
      expect(sum.errors[0]).toMatchObject({
        entryId: bad.e.id,
        method: 'recharge',
        orderKey: bad.e.orderKey,
        error: expect.stringMatching(/malformed/),
      });
      expect(events.map((e) => [e.orderKey, e.state]).sort()).toEqual(
        [
          [paid.e.orderKey, 'succeeded'],
          [transfer.orderKey, 'needs-review'],
        ].sort(),
      );
      // What was written stays readable: a new handle on the file reads both entries.
      const again = new FileJournalStore(path);
      expect((await again.get(transfer.id))?.state).toBe('needs-review');
      expect((await again.get(paid.e.id))?.state).toBe('succeeded');
      await again.close();
      await journal.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops on abort; checks its options before any I/O; needs a journal', async () => {
    const journal = new MemoryJournalStore();
    const { c } = client(journal);
    await recharge(c, journal, 'unknown');
    const sum = await c.sweep({ signal: AbortSignal.abort() });
    expect(sum).toMatchObject({ aborted: true, states: {} });

    for (const [opts, path] of [
      [{ concurrency: 0 }, 'options.concurrency'],
      [{ olderThanMs: -1 }, 'options.olderThanMs'],
      [{ states: ['succeeded'] }, 'options.states'],
      [{ onProgress: 'bar' }, 'options.onProgress'],
    ] as const) {
      const err = await c.sweep(opts as never).catch((x) => x);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues[0]?.path).toBe(path);
    }
    const none = new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore() });
    await expect(none.sweep()).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('an intent whose outcome was never written (a lost reply, then a failed write) is settled by the sweep', async () => {
    const journal = new MemoryJournalStore();
    let writes = false;
    // The journal is down for the outcome write, as when the process dies between the send and the write.
    const flaky: JournalStore = {
      create: (e) => journal.create(e),
      advance: (id, t) => (writes ? journal.advance(id, t) : Promise.reject(new Error('down'))),
      markAnnounced: (id, at) => journal.markAnnounced(id, at),
      get: (id) => journal.get(id),
      list: (f) => journal.list(f),
    };
    const { c, events } = client(flaky);
    const order_no = key('k');
    await c.queryCard({ idtype: 'acc', id: '10001' });
    sb.faults.next('dropAfterProcess');
    const sent = c.recharge({
      client_type: 'web',
      pay_type: 'alipay',
      account: '10001',
      acctype: '###',
      order_no,
      order_amount: 900,
      return_url: 'https://m.test/r',
      notify_url: 'https://m.test/n',
    });
    await expect(sent).rejects.toBeInstanceOf(OutcomeUnknownError);
    const e = (await journal.get(`${c.tenant}|recharge|${order_no}`))!;
    expect(e.state).toBe('intent');
    writes = true;
    const outId = [...sb.onecardGateway.ledger.recharges.values()].find(
      (o) => o.order_no === order_no,
    )!.out_id;
    sb.onecardGateway.settle(outId, true);
    await c.sweep({ olderThanMs: 0 });
    expect(await journal.get(e.id)).toMatchObject({ state: 'succeeded', refs: { out_id: outId } });
    expect(events).toEqual([
      expect.objectContaining({ orderKey: order_no, state: 'succeeded', source: 'sweep' }),
    ]);
  });
});

/**
 * onSettled exactly once: per order and state, whichever of a query, a notice or a second instance learns
 * it; a throwing handler loses nothing. Notices reach the handlers by real HTTP from the sandbox's notifier.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryDedupeStore } from '../../../src/core/dedupe.js';
import { type JournalStore, MemoryJournalStore } from '../../../src/core/journal.js';
import { FileJournalStore } from '../../../src/core/journal-file.js';
import type { SettlementEvent } from '../../../src/core/settle.js';
import { MemoryTokenStore, OneCardClient, ValidationError, ZhixiaoPayClient } from '../../../src/index.js';
import { type Sandbox, startSandbox } from '../../../src/sandbox/index.js';
import { journalEntry } from '../../helpers/journal.js';
import { startMerchant } from '../../helpers/merchant.js';

let sb: Sandbox;
const key = (tag: string) => `E${Date.now().toString(36)}${tag}`;
const HOURS = 3600_000;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 }, notifications: { retryDelaysMs: [0, 30] } });
});
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});
afterAll(() => sb.close());

/** A client of either gateway with a journal (or none) and an onSettled that records its events. */
function setup<C>(make: (o: object) => C, extra: { journal?: JournalStore | false; fail?: number } = {}) {
  const events: SettlementEvent[] = [];
  let failures = extra.fail ?? 0;
  const journal = extra.journal === false ? undefined : (extra.journal ?? new MemoryJournalStore());
  const client = make({
    ...(journal ? { journal } : {}),
    onSettled: (e: SettlementEvent) => {
      if (failures-- > 0) throw new Error('the merchant database is down');
      events.push(e);
    },
  });
  return { client, events, journal };
}
const zhixiao = (o: object) => new ZhixiaoPayClient({ ...sb.zhixiao, retryBaseMs: 1, ...o });
const onecard = (o: object) =>
  new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore(), retryBaseMs: 1, ...o });

/** An order the journal holds as waiting for its payer, as after a createOrder or recharge reply. */
const pendingEntry = (...[tenant, gateway, method, orderKey, over]: Parameters<typeof journalEntry>) =>
  journalEntry(tenant, gateway, method, orderKey, { amount: 500, state: 'pending', ...over });

/** Waits for the gateway's notice about `ref` to be acknowledged; the test's own timeout bounds the wait. */
async function delivered(ref: string) {
  while (!sb.notifications.some((n) => n.ref === ref && n.acknowledged))
    await new Promise((r) => setTimeout(r, 20));
}

/** An order made by a client without journal or onSettled: each test puts in the journal what it needs. */
async function paidOrder(notifyUrl = 'https://m.test/n') {
  const out_trade_no = key('o');
  const o = await zhixiao({}).createOrder({ body: 'x', out_trade_no, total_fee: 500, notify_url: notifyUrl });
  return { out_trade_no, order_id: o.order_id, pay: () => sb.zhixiaoGateway.settle(o.order_id, true) };
}

describe('onSettled from replies', () => {
  const pay = async (c: OneCardClient, tranamt: number, opts = {}) => {
    const { barcode } = await c.getBarcode({ account: '10001', paytype: '1' });
    return c.payByBarcode({ barcode, mercacc: '1000060', tranamt, dineseq: '1' }, opts);
  };

  it('with a journal: a paid barcode and a refused transfer are announced once, a recharge waits', async () => {
    const { client, events, journal } = setup(onecard);
    await pay(client, 100, { journalKey: 'sale-1' });
    const refused = await client
      .transfer(
        { account: '10001', tranamt: 40_000, src_acctype: '###', dst_acctype: '001' },
        { journalKey: 'move-1' },
      )
      .catch((e) => e);
    expect(refused.gatewayCode).toBe('60010');
    await client.recharge({
      client_type: 'web',
      pay_type: 'alipay',
      account: '10001',
      acctype: '###',
      order_no: key('q'),
      order_amount: 100,
      return_url: 'https://m.test/r',
      notify_url: 'https://m.test/n',
    });
    expect(events.map((e) => [e.method, e.orderKey, e.state, e.source])).toEqual([
      ['payByBarcode', 'sale-1', 'succeeded', 'reply'],
      ['transfer', 'move-1', 'failed', 'reply'],
    ]);
    const sale = await journal!.get(`${client.tenant}|payByBarcode|sale-1`);
    expect(sale).toMatchObject({ state: 'succeeded', announcedAt: expect.any(Number) });
  });

  it('without a journal: a verified reply is announced by a claim; an order that waits is not', async () => {
    const { client, events } = setup(onecard, { journal: false });
    await pay(client, 100);
    const z = setup(zhixiao, { journal: false });
    const out_trade_no = key('n');
    const o = await z.client.createOrder({
      body: 'x',
      out_trade_no,
      total_fee: 300,
      notify_url: 'https://m.test/n',
    });
    sb.zhixiaoGateway.settle(o.order_id, true);
    await z.client.refundOrder({ out_trade_no, refund_fee: 100 });
    expect(events).toEqual([
      expect.objectContaining({ method: 'payByBarcode', amount: 100, state: 'succeeded', source: 'reply' }),
    ]);
    expect(z.events).toEqual([
      expect.objectContaining({
        method: 'refundOrder',
        context: { out_trade_no },
        refs: { order_id: o.order_id },
        amount: 100,
        state: 'succeeded',
      }),
    ]);
  });

  it('a Zhixiao refusal is never announced failed: none proves nothing moved (its sign binds no request)', async () => {
    for (const journal of [undefined, false] as const) {
      const z = setup(zhixiao, journal === false ? { journal } : {});
      const refund = await z.client
        .refundOrder(
          { out_trade_no: key('none'), refund_fee: 100 },
          journal === false ? {} : { journalKey: key('rf') },
        )
        .catch((e) => e);
      expect(refund.gatewayCode).toBe('-1');
      sb.zhixiaoGateway.frozen = true;
      try {
        const frozen = await z.client
          .createOrder({ body: 'x', out_trade_no: key('fz'), total_fee: 300, notify_url: 'https://m.test/n' })
          .catch((e) => e);
        expect(frozen.gatewayCode).toBe('-3');
      } finally {
        sb.zhixiaoGateway.frozen = false;
      }
      expect(
        z.events.map((e) => [e.method, e.state, e.code]),
        String(journal),
      ).toEqual([]);
    }
  });
});

describe('onSettled from queries', () => {
  it('fires once per order and state, with the entry facts; a final entry is not announced again', async () => {
    const { client, events, journal } = setup(zhixiao);
    const o = await paidOrder();
    const e = pendingEntry(client.tenant, 'zhixiao', 'createOrder', o.out_trade_no);
    await journal!.create(e);
    o.pay();
    await client.resolve(e, { deadlineMs: 0 });
    await client.resolve(e, { deadlineMs: 0 });
    expect(events).toEqual([
      {
        entryId: e.id,
        gateway: 'zhixiao',
        tenant: client.tenant,
        method: 'createOrder',
        orderKey: o.out_trade_no,
        amount: 500,
        state: 'succeeded',
        source: 'query',
        refs: expect.objectContaining({ order_id: o.order_id }),
        code: '2',
        note: expect.any(String),
        evidence: expect.any(Object),
      },
    ]);
    expect((await journal!.get(e.id))?.announcedAt).toEqual(expect.any(Number));
  });

  it('two instances sharing the journal resolve the same order at once: one event', async () => {
    const journal = new MemoryJournalStore();
    const a = setup(zhixiao, { journal });
    const b = setup(zhixiao, { journal });
    const o = await paidOrder();
    const e = pendingEntry(a.client.tenant, 'zhixiao', 'createOrder', o.out_trade_no);
    await journal.create(e);
    o.pay();
    const both = await Promise.all([
      a.client.resolve(e, { deadlineMs: 0 }),
      b.client.resolve(e, { deadlineMs: 0 }),
    ]);
    expect(both.map((r) => r.state)).toEqual(['succeeded', 'succeeded']);
    expect([...a.events, ...b.events]).toHaveLength(1);
  });

  it('two processes (each its own FileJournalStore and dedupe store on one file) resolve at once: one event', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'campus-pay-settle-'));
    let stores: FileJournalStore[] = [];
    try {
      const file = join(dir, 'journal.jsonl');
      stores = [new FileJournalStore(file), new FileJournalStore(file)];
      const a = setup(zhixiao, { journal: stores[0] });
      const b = setup(zhixiao, { journal: stores[1] });
      const o = await paidOrder();
      const e = pendingEntry(a.client.tenant, 'zhixiao', 'createOrder', o.out_trade_no);
      expect(await a.journal!.create(e)).toBe(true);
      o.pay();
      await Promise.all([a.client.resolve(e, { deadlineMs: 0 }), b.client.resolve(e, { deadlineMs: 0 })]);
      expect([...a.events, ...b.events].map((x) => [x.orderKey, x.state])).toEqual([
        [o.out_trade_no, 'succeeded'],
      ]);
      expect((await b.journal!.get(e.id))?.announcedAt).toEqual(expect.any(Number));
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('needs-review is announced, and the final state after it again', async () => {
    const { client, events, journal } = setup(zhixiao);
    const o = await paidOrder();
    const e = pendingEntry(client.tenant, 'zhixiao', 'createOrder', o.out_trade_no, {
      createdAt: Date.now() - 2 * HOURS,
    });
    await journal!.create(e);
    await client.resolve(e, { deadlineMs: 0 }); // unpaid past its hour: a person's
    const first = (await journal!.get(e.id))!;
    expect(first).toMatchObject({ state: 'needs-review', announcedAt: expect.any(Number) });
    o.pay();
    await client.resolve(e, { deadlineMs: 0 });
    expect(events.map((x) => x.state)).toEqual(['needs-review', 'succeeded']);
    expect((await journal!.get(e.id))?.announcedAt).toEqual(expect.any(Number));
  });

  it('a throwing onSettled leaves the entry unannounced and the call unharmed, and is reported', async () => {
    const warned = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const { client, events, journal } = setup(zhixiao, { fail: 1 });
    const o = await paidOrder();
    const e = pendingEntry(client.tenant, 'zhixiao', 'createOrder', o.out_trade_no);
    await journal!.create(e);
    o.pay();
    await expect(client.resolve(e, { deadlineMs: 0 })).resolves.toMatchObject({ state: 'succeeded' });
    expect(events).toEqual([]);
    const stored = await journal!.get(e.id);
    expect(stored?.state).toBe('succeeded');
    expect(stored?.announcedAt).toBeUndefined();
    expect(warned).toHaveBeenCalledWith(
      expect.stringMatching(/onSettled threw/),
      'CampusPaySettlementWarning',
    );
    warned.mockRestore();
  });

  it('without a journal: the dedupe store makes it once; a throw lets the next learner fire it', async () => {
    const dedupeStore = new MemoryDedupeStore();
    const { client, events } = setup((o) => zhixiao({ ...o, dedupeStore }), { journal: false, fail: 1 });
    const other = setup((o) => zhixiao({ ...o, dedupeStore }), { journal: false });
    const o = await paidOrder();
    o.pay();
    const ref = { orderKey: o.out_trade_no, amount: 500 };
    await client.resolve(ref, { deadlineMs: 0 }); // onSettled throws: not announced
    expect(events).toEqual([]);
    await client.resolve(ref, { deadlineMs: 0 });
    await other.client.resolve(ref, { deadlineMs: 0 });
    expect(events).toEqual([expect.objectContaining({ orderKey: o.out_trade_no, state: 'succeeded' })]);
    expect(other.events).toEqual([]);
  });
});

describe('notices feed the journal and announce once', () => {
  /** A merchant endpoint on real HTTP: the client's own node handler, with no callback of its own. */
  async function endpoint(handler: Parameters<typeof startMerchant>[0]) {
    const m = await startMerchant(handler);
    closers.push(m.close);
    return `${m.url}/notify`;
  }
  const post = (url: string, body: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
    }).then(async (r) => ({ status: r.status, body: await r.text() }));

  it('Zhixiao: a paid notice moves the entry to succeeded and fires once; a repeated notice does not', async () => {
    const { client, events, journal } = setup(zhixiao);
    const url = await endpoint(client.nodeNotificationHandler());
    const o = await paidOrder(url);
    const e = pendingEntry(client.tenant, 'zhixiao', 'createOrder', o.out_trade_no);
    await journal!.create(e);
    const order = o.pay();
    await delivered(o.order_id);
    expect(await journal!.get(e.id)).toMatchObject({ state: 'succeeded', refs: { order_id: o.order_id } });
    const again = await post(url, sb.zhixiaoGateway.notificationBody(order));
    expect(again).toEqual({ status: 200, body: 'success' });
    expect(events).toEqual([
      expect.objectContaining({ entryId: e.id, state: 'succeeded', source: 'notice' }),
    ]);
  });

  it('an order made before the journal was enabled gets an entry from its notice', async () => {
    const { client, events, journal } = setup(zhixiao);
    const url = await endpoint(client.nodeNotificationHandler());
    const o = await paidOrder(url);
    o.pay();
    await delivered(o.order_id);
    const id = `${client.tenant}|createOrder|${o.out_trade_no}`;
    // Zhixiao notices name no amount: the entry says 0 and why.
    expect(await journal!.get(id)).toMatchObject({ state: 'succeeded', amount: 0, orderKey: o.out_trade_no });
    expect(events).toEqual([expect.objectContaining({ entryId: id, amount: 0, source: 'notice' })]);
  });

  it('OneCard: the notice amount is checked against the journal; a missing entry is made with it', async () => {
    const { client, events, journal } = setup(onecard);
    const url = await endpoint(client.nodeNotificationHandler());
    const maker = onecard({});
    const recharge = (order_no: string, amount: number) =>
      maker.recharge({
        client_type: 'web',
        pay_type: 'alipay',
        account: '10002',
        acctype: '###',
        order_no,
        order_amount: amount,
        return_url: 'https://m.test/r',
        notify_url: url,
      });
    const off = await recharge(key('a'), 700);
    await journal!.create(pendingEntry(client.tenant, 'onecard', 'recharge', off.order_no, { amount: 701 }));
    const unknown = await recharge(key('b'), 300);
    const failed = await recharge(key('c'), 300);
    sb.onecardGateway.settle(off.out_id, true);
    sb.onecardGateway.settle(unknown.out_id, true);
    sb.onecardGateway.settle(failed.out_id, false); // a 77 notice: nothing to settle yet
    for (const r of [off, unknown, failed]) await delivered(r.out_id);
    const byKey = Object.fromEntries(events.map((x) => [x.orderKey, x]));
    expect(byKey[off.order_no]).toMatchObject({ state: 'needs-review', amount: 701, source: 'notice' });
    expect(byKey[off.order_no]?.evidence).toMatchObject({ noticeAmount: 700, journalAmount: 701 });
    expect(byKey[unknown.order_no]).toMatchObject({
      state: 'succeeded',
      amount: 300,
      refs: { out_id: unknown.out_id },
    });
    expect(byKey[failed.order_no]).toBeUndefined();
    expect(await journal!.get(`${client.tenant}|recharge|${failed.order_no}`)).toBeUndefined();
    expect(events).toHaveLength(2);
  });

  it('without a journal, a throwing onSettled answers fail: the gateway repeats and the next delivery fires', async () => {
    const { client, events } = setup(zhixiao, { journal: false, fail: 1 });
    const seen: string[] = [];
    const handler = client.webNotificationHandler({ onNotification: (n) => void seen.push(n.out_trade_no) });
    const url = await endpoint(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const answer = await handler(
        new Request('http://m.test/notify', { method: 'POST', body: Buffer.concat(chunks) }),
      );
      res.statusCode = answer.status;
      res.end(await answer.text());
    });
    const o = await paidOrder(url);
    o.pay();
    await delivered(o.order_id);
    const record = sb.notifications.find((n) => n.ref === o.order_id)!;
    expect(record.attempts.map((a) => a.answer)).toEqual(['fail', 'success']);
    expect(events).toEqual([expect.objectContaining({ orderKey: o.out_trade_no, source: 'notice' })]);
    expect(seen).toEqual([o.out_trade_no]); // the user's callback runs after settling, so once here
  });

  it('a handler with nothing to feed needs onNotification', () => {
    const plain = zhixiao({});
    expect(() => plain.nodeNotificationHandler()).toThrow(ValidationError);
    expect(() => setup(zhixiao).client.nodeNotificationHandler()).not.toThrow();
  });
});

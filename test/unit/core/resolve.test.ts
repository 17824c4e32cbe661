/**
 * client.resolve(): each money method's outcome, read by real HTTP from the sandbox after the sandbox's own
 * ledger was driven into each state (paid, failed, refunded, never made, still waiting). The expected
 * meaning of each status is written here from the specs' tables (2.2.4.5, 2.2), not read from the
 * resolvers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryJournalStore } from '../../../src/core/journal.js';
import {
  GatewayError,
  MemoryTokenStore,
  OneCardClient,
  OutcomeUnknownError,
  ProtocolError,
  TransportError,
  ValidationError,
  ZhixiaoPayClient,
} from '../../../src/index.js';
import { type Sandbox, startSandbox } from '../../../src/sandbox/index.js';
import { journalEntry } from '../../helpers/journal.js';

let sb: Sandbox;
const HOURS = 3600_000;
const key = (tag: string) => `S${Date.now().toString(36)}${tag}`;

beforeAll(async () => {
  sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 } });
});
afterAll(() => sb.close());

function onecardClient(extra: object = {}) {
  return new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore(), retryBaseMs: 1, ...extra });
}
function zhixiaoClient(extra: object = {}) {
  return new ZhixiaoPayClient({ ...sb.zhixiao, retryBaseMs: 1, ...extra });
}

const RECHARGE = {
  client_type: 'web',
  pay_type: 'alipay',
  account: '10001',
  acctype: '###',
  return_url: 'https://merchant.test/r',
  notify_url: 'https://merchant.test/n',
} as const;

/** A recharge the gateway processed but whose reply was lost: the client's journal holds it as `unknown`. */
async function lostRecharge(client: OneCardClient, journal: MemoryJournalStore, amount = 1200) {
  const order_no = key('r');
  await client.queryCard({ idtype: 'acc', id: '10001' }); // the token first, so the fault hits the recharge
  sb.faults.next('dropAfterProcess');
  await expect(client.recharge({ ...RECHARGE, order_no, order_amount: amount })).rejects.toBeInstanceOf(
    OutcomeUnknownError,
  );
  // The journal wrote the intent before the send, and `unknown` once the reply was lost.
  const e = (await journal.get(`${client.tenant}|recharge|${order_no}`))!;
  expect(e).toMatchObject({ state: 'unknown', amount });
  const outId = [...sb.onecardGateway.ledger.recharges.values()].find((o) => o.order_no === order_no)!.out_id;
  return { e, order_no, outId };
}

describe('OneCard recharge: resolved by queryRechargeOrder (2.2.4.5)', () => {
  it('a lost recharge reads pending while unpaid, then succeeded once paid; the journal follows', async () => {
    const journal = new MemoryJournalStore();
    const client = onecardClient({ journal });
    expect(client.tenant).toBe(`${sb.onecard.gatewayUrl}#${sb.onecard.appKey}`);
    const { e, outId } = await lostRecharge(client, journal);

    const waiting = await client.resolve(e, { deadlineMs: 0 });
    expect(waiting.state).toBe('pending');
    expect((await journal.get(e.id))?.state).toBe('pending');

    sb.onecardGateway.settle(outId, true);
    const paid = await client.resolve(e, { deadlineMs: 0 });
    expect(paid).toMatchObject({ state: 'succeeded', reply: { order_status: '60', out_id: outId } });
    const stored = await journal.get(e.id);
    expect(stored).toMatchObject({ state: 'succeeded', refs: { out_id: outId } });

    // Final: answered from the journal, without asking the gateway.
    let asked = 0;
    const counting = onecardClient({ journal, hooks: { onRequest: () => void asked++ } });
    await expect(counting.resolve(e)).resolves.toMatchObject({ state: 'succeeded' });
    expect(asked).toBe(0);
  });

  it('polls a paid order through 40 and 50 until it is credited (60)', async () => {
    const slow = await startSandbox({ onecard: { tokenMinIntervalMs: 0, creditDelayMs: 150 } });
    try {
      let queries = 0;
      const client = new OneCardClient({
        ...slow.onecard,
        tokenStore: new MemoryTokenStore(),
        hooks: { onRequest: (a) => void (a.method === 'queryRechargeOrder' && queries++) },
      });
      const order_no = key('p');
      const r = await client.recharge({ ...RECHARGE, order_no, order_amount: 700 });
      expect(slow.onecardGateway.settle(r.out_id, true).order_status).toBe('40');
      const out = await client.resolve({ orderKey: order_no, amount: 700 }, { deadlineMs: 60_000 });
      expect(out.state).toBe('succeeded');
      expect(queries).toBeGreaterThan(1);
    } finally {
      await slow.close();
    }
  });

  it('77 is failed; 80 (refund started) needs a person; both with the gateway answer', async () => {
    const client = onecardClient();
    const a = await client.recharge({ ...RECHARGE, order_no: key('f'), order_amount: 300 });
    sb.onecardGateway.settle(a.out_id, false);
    await expect(
      client.resolve({ orderKey: a.order_no, amount: 300 }, { deadlineMs: 0 }),
    ).resolves.toMatchObject({ state: 'failed', reply: { order_status: '77' } });

    const b = await client.recharge({ ...RECHARGE, order_no: key('b'), order_amount: 300 });
    sb.onecardGateway.settle(b.out_id, true);
    sb.onecardGateway.refund(b.out_id);
    const refunded = await client.resolve({ orderKey: b.order_no, amount: 300 }, { deadlineMs: 0 });
    expect(refunded).toMatchObject({ state: 'needs-review', reply: { order_status: '80' } });
    expect(refunded.note).toMatch(/refund/);
  });

  it('78 (no such order): unknown while young, failed past the order life, needs-review if the gateway once answered', async () => {
    const journal = new MemoryJournalStore();
    const client = onecardClient({ journal });
    const young = journalEntry(client.tenant, 'onecard', 'recharge', key('y'));
    const old = journalEntry(client.tenant, 'onecard', 'recharge', key('o'), {
      createdAt: Date.now() - 3 * HOURS,
    });
    const answered = journalEntry(client.tenant, 'onecard', 'recharge', key('a'), {
      state: 'pending',
      refs: { out_id: '123' },
    });
    for (const e of [young, old, answered]) await journal.create(e);

    await expect(client.resolve(young, { deadlineMs: 0 })).resolves.toMatchObject({ state: 'unknown' });
    await expect(client.resolve(old, { deadlineMs: 0 })).resolves.toMatchObject({ state: 'failed' });
    await expect(client.resolve(answered, { deadlineMs: 0 })).resolves.toMatchObject({
      state: 'needs-review',
    });
    expect((await journal.get(old.id))?.state).toBe('failed');
    // A reference without createdAt is never old enough to be read as never made.
    await expect(client.resolve({ orderKey: key('n'), amount: 5 }, { deadlineMs: 0 })).resolves.toMatchObject(
      {
        state: 'unknown',
      },
    );
    // The order life is an option.
    const short = onecardClient({ orderLifeMs: 1 });
    await expect(
      short.resolve({ orderKey: key('s'), amount: 5, createdAt: Date.now() - 1000 }, { deadlineMs: 0 }),
    ).resolves.toMatchObject({ state: 'failed' });
  });

  it('an order still waiting past the order life needs a person', async () => {
    const client = onecardClient();
    const r = await client.recharge({ ...RECHARGE, order_no: key('w'), order_amount: 400 });
    const out = await client.resolve(
      { orderKey: r.order_no, amount: 400, createdAt: new Date(Date.now() - 3 * HOURS) },
      { deadlineMs: 0 },
    );
    expect(out).toMatchObject({ state: 'needs-review', reply: { order_status: '10' } });
  });

  it('a wrong amount is refused by the gateway (60002): needs a person, the amount may differ', async () => {
    const client = onecardClient();
    const r = await client.recharge({ ...RECHARGE, order_no: key('m'), order_amount: 400 });
    const out = await client.resolve({ orderKey: r.order_no, amount: 401 }, { deadlineMs: 0 });
    expect(out.state).toBe('needs-review');
    expect(out.note).toMatch(/60002/);
  });

  it('a gateway that keeps failing: the last error once the deadline passes; a refusal at once', async () => {
    const client = onecardClient({ maxRetries: 0 });
    await client.queryCard({ idtype: 'acc', id: '10001' });
    sb.faults.set({ serverError: 1 });
    try {
      // Every answer is a 502 page (a ProtocolError); under load an attempt may time out instead.
      const failed = await client
        .resolve({ orderKey: key('e'), amount: 5 }, { deadlineMs: 1000 })
        .catch((e) => e);
      expect([ProtocolError, TransportError].some((c) => failed instanceof c)).toBe(true);
    } finally {
      sb.faults.clear();
    }
    const wrongKey = onecardClient({ appKey: 'not-this-app' });
    const err = await wrongKey
      .resolve({ orderKey: key('k'), amount: 5 }, { deadlineMs: 60_000 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).gatewayCode).toBe('40002');
  });
});

describe('OneCard transfer and barcode pay: no query can tell, so a person decides with evidence', () => {
  it('a transfer gets the balances of the accounts it names, now, and the intent', async () => {
    const journal = new MemoryJournalStore();
    const client = onecardClient({ journal });
    const e = journalEntry(client.tenant, 'onecard', 'transfer', key('t'), {
      amount: 250,
      state: 'intent',
      context: { account: '10001', src_acctype: '###', dst_acctype: '001' },
    });
    await journal.create(e);
    const out = await client.resolve(e);
    expect(out.state).toBe('needs-review');
    const card = sb.onecardGateway.ledger.cardholders.find((c) => c.account === '10001')!;
    const expected = card.accounts.map((a) => ({ type: a.type, name: a.name, balance: a.balance }));
    expect(out.evidence).toMatchObject({
      account: '10001',
      balances: expected,
      intent: { method: 'transfer', amount: 250, account: '10001' },
    });
    expect(await journal.get(e.id)).toMatchObject({ state: 'needs-review', evidence: out.evidence });
  });

  it('a barcode payment names no account: the evidence says so; nothing is guessed', async () => {
    const client = onecardClient();
    const out = await client.resolve({ method: 'payByBarcode', orderKey: key('c'), amount: 90 });
    expect(out.state).toBe('needs-review');
    expect(out.evidence?.balancesError).toMatch(/no card account/);
  });
});

describe('Zhixiao: createOrder by queryOrder (2.2), refundOrder to a person', () => {
  it('a lost order reads pending, then succeeded once paid, with its order_id', async () => {
    const journal = new MemoryJournalStore();
    const client = zhixiaoClient({ journal });
    expect(client.tenant).toBe(`${sb.zhixiao.baseUrl}#${sb.zhixiao.appId}`);
    const out_trade_no = key('z');
    sb.faults.next('dropAfterProcess');
    await expect(
      client.createOrder({ body: 'x', out_trade_no, total_fee: 800, notify_url: 'https://m.test/n' }),
    ).rejects.toBeInstanceOf(OutcomeUnknownError);
    const e = (await journal.get(`${client.tenant}|createOrder|${out_trade_no}`))!;
    expect(e).toMatchObject({ state: 'unknown', amount: 800 });
    await expect(client.resolve(e, { deadlineMs: 0 })).resolves.toMatchObject({ state: 'pending' });
    const order = [...sb.zhixiaoGateway.orders.values()].find((o) => o.out_trade_no === out_trade_no)!;
    sb.zhixiaoGateway.settle(order.order_id, true);
    await expect(client.resolve(e, { deadlineMs: 0 })).resolves.toMatchObject({ state: 'succeeded' });
    expect(await journal.get(e.id)).toMatchObject({ state: 'succeeded', refs: { order_id: order.order_id } });
  });

  it('failed, cancelled and expired orders read failed; a refunded order still succeeded', async () => {
    const client = zhixiaoClient();
    const make = async (tag: string) => {
      const out_trade_no = key(tag);
      const o = await client.createOrder({
        body: 'x',
        out_trade_no,
        total_fee: 100,
        notify_url: 'https://m.test/n',
      });
      return { ...o, ref: { orderKey: out_trade_no, amount: 100 } };
    };
    const failed = await make('f');
    sb.zhixiaoGateway.settle(failed.order_id, false);
    const cancelled = await make('c');
    await client.cancelOrder({ out_trade_no: cancelled.out_trade_no });
    const refunded = await make('r');
    sb.zhixiaoGateway.settle(refunded.order_id, true);
    await client.refundOrder({ out_trade_no: refunded.out_trade_no, refund_fee: 100 });
    for (const o of [failed, cancelled])
      await expect(client.resolve(o.ref, { deadlineMs: 0 })).resolves.toMatchObject({ state: 'failed' });
    await expect(client.resolve(refunded.ref, { deadlineMs: 0 })).resolves.toMatchObject({
      state: 'succeeded',
    });

    const brief = await startSandbox({ zhixiao: { orderTtlMs: 1 } });
    try {
      const c = new ZhixiaoPayClient({ ...brief.zhixiao, retryBaseMs: 1 });
      const out_trade_no = key('e');
      await c.createOrder({ body: 'x', out_trade_no, total_fee: 100, notify_url: 'https://m.test/n' });
      await new Promise((r) => setTimeout(r, 5));
      await expect(
        c.resolve({ orderKey: out_trade_no, amount: 100 }, { deadlineMs: 0 }),
      ).resolves.toMatchObject({ state: 'failed' });
    } finally {
      await brief.close();
    }
  });

  it('an order the gateway does not know: unknown while young, failed past the hour', async () => {
    const client = zhixiaoClient();
    await expect(client.resolve({ orderKey: key('n'), amount: 5 }, { deadlineMs: 0 })).resolves.toMatchObject(
      {
        state: 'unknown',
      },
    );
    await expect(
      client.resolve({ orderKey: key('o'), amount: 5, createdAt: Date.now() - 2 * HOURS }, { deadlineMs: 0 }),
    ).resolves.toMatchObject({ state: 'failed' });
  });

  it('a refund needs a person, with the order as the gateway answers it', async () => {
    const journal = new MemoryJournalStore();
    const client = zhixiaoClient({ journal });
    const out_trade_no = key('d');
    const o = await client.createOrder({
      body: 'x',
      out_trade_no,
      total_fee: 900,
      notify_url: 'https://m.test/n',
    });
    sb.zhixiaoGateway.settle(o.order_id, true);
    const e = journalEntry(client.tenant, 'zhixiao', 'refundOrder', out_trade_no, { amount: 300 });
    await journal.create(e);
    const out = await client.resolve(e);
    expect(out.state).toBe('needs-review');
    expect(out.evidence).toMatchObject({
      order: { out_trade_no, order_id: o.order_id, status: 2 },
      intent: { method: 'refundOrder', amount: 300 },
    });
  });
});

describe('resolve checks its input before any I/O', () => {
  it('refuses another tenant, a bad amount, a method that moves no money, a bad deadline', async () => {
    let asked = 0;
    const client = onecardClient({ hooks: { onRequest: () => void asked++ } });
    const other = journalEntry('http://elsewhere/#x', 'onecard', 'recharge', 'k');
    const cases: Array<[unknown, object, string]> = [
      [other, {}, 'tenant'],
      [{ orderKey: 'k', amount: 1.5 }, {}, 'amount'],
      [{ orderKey: '', amount: 1 }, {}, 'orderKey'],
      [{ method: 'queryCard', orderKey: 'k', amount: 1 }, {}, 'method'],
      [{ orderKey: 'k', amount: 1, createdAt: new Date(Number.NaN) }, {}, 'createdAt'],
      [null, {}, '(root)'],
      [{ orderKey: 'k', amount: 1 }, { deadlineMs: -1 }, 'options.deadlineMs'],
    ];
    for (const [target, opts, path] of cases) {
      const err = await client.resolve(target as never, opts).catch((e) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues.map((i) => i.path)).toContain(path);
    }
    expect(asked).toBe(0);
    expect(() => onecardClient({ orderLifeMs: 0 })).toThrow(/orderLifeMs/);
    expect(() => zhixiaoClient({ journal: {} })).toThrow(/journal/);
  });
});

/**
 * reconcile(): every kind of ledger row against the sandbox over real HTTP, in input order; a ledger of
 * 100,000 rows read no further ahead than the concurrency (memory stays flat); an interrupted run resumed
 * from its checkpoint; a busy gateway (Zhixiao -1 系统繁忙) slowing it down instead of failing rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReconcileResult, reconcile, SETTLEMENT } from '../../../src/core/reconcile.js';
import type { GatewayResolver } from '../../../src/core/resolve.js';
import { Settlement } from '../../../src/core/settle.js';
import { MemoryTokenStore, OneCardClient, ZhixiaoPayClient } from '../../../src/index.js';
import { type Sandbox, startSandbox } from '../../../src/sandbox/index.js';
import { startFront } from '../../helpers/front.js';

let sb: Sandbox;
let onecard: OneCardClient;
let zhixiao: ZhixiaoPayClient;
const key = (tag: string) => `L${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}${tag}`;

beforeAll(async () => {
  sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 } });
  onecard = new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore(), retryBaseMs: 1 });
  zhixiao = new ZhixiaoPayClient({ ...sb.zhixiao, retryBaseMs: 1 });
});
afterAll(() => sb.close());

async function collect(results: AsyncIterable<ReconcileResult>) {
  const out: ReconcileResult[] = [];
  for await (const r of results) out.push(r);
  return out;
}

async function recharge(amount: number) {
  return onecard.recharge({
    client_type: 'web',
    pay_type: 'alipay',
    account: '10001',
    acctype: '###',
    order_no: key('r'),
    order_amount: amount,
    return_url: 'https://m.test/r',
    notify_url: 'https://m.test/n',
  });
}
async function order(amount: number) {
  return zhixiao.createOrder({
    body: 'x',
    out_trade_no: key('z'),
    total_fee: amount,
    notify_url: 'https://m.test/n',
  });
}

describe('reconcile against the sandbox', () => {
  it('classifies every kind of row, in input order, and never stops on a bad one', async () => {
    const paid = await recharge(500);
    sb.onecardGateway.settle(paid.out_id, true);
    const waiting = await recharge(300);
    const zPaid = await order(800);
    sb.zhixiaoGateway.settle(zPaid.order_id, true);
    const zFailed = await order(800);
    sb.zhixiaoGateway.settle(zFailed.order_id, false);

    const rows: unknown[] = [
      { gateway: 'onecard', orderKey: paid.order_no, amount: '500', state: 'succeeded' },
      { gateway: 'onecard', orderKey: waiting.order_no, amount: 300, state: 'succeeded' },
      { gateway: 'onecard', orderKey: paid.order_no, amount: 501, state: 'succeeded' },
      { gateway: 'onecard', orderKey: key('never'), amount: 10, state: 'failed' },
      { gateway: 'zhixiao', orderKey: zPaid.out_trade_no, amount: 800, state: 'succeeded' },
      { gateway: 'zhixiao', orderKey: zFailed.out_trade_no, amount: 800, state: 'succeeded', line: 17 },
      { gateway: 'zhixiao', orderKey: key('never'), amount: 10, state: 'pending' },
      { gateway: 'onecard', method: 'transfer', orderKey: 'T1', amount: 10, state: 'succeeded' },
      {
        gateway: 'zhixiao',
        method: 'refundOrder',
        orderKey: zPaid.out_trade_no,
        amount: 10,
        state: 'succeeded',
      },
      { gateway: 'onecard', orderKey: 'X1', amount: '12.50', state: 'succeeded' },
      { gateway: 'alipay', orderKey: 'X2', amount: 1, state: 'succeeded' },
      { gateway: 'zhixiao', orderKey: 'X3', amount: 1, state: 'paid' },
      'not,a,row',
      { gateway: 'onecard', method: 'queryCard', orderKey: 'X4', amount: 1, state: 'succeeded' },
      { gateway: 'zhixiao', tenant: 'http://other#app', orderKey: 'X5', amount: 1, state: 'succeeded' },
    ];
    const results = await collect(reconcile(rows, { clients: [onecard, zhixiao], concurrency: 3 }));
    expect(results.map((r) => r.status)).toEqual([
      'matched',
      'state-mismatch',
      'amount-mismatch',
      'missing',
      'matched',
      'state-mismatch',
      'missing',
      'not-queryable',
      'not-queryable',
      'unreadable',
      'unreadable',
      'unreadable',
      'unreadable',
      'unreadable',
      'error',
    ]);
    expect(results.map((r) => r.checkpoint)).toEqual(rows.map((_, i) => i + 1));
    expect(results.map((r) => r.line)).toEqual(rows.map((_, i) => (i === 5 ? 17 : i + 1)));
    expect(results[1]).toMatchObject({ found: { state: 'pending' }, amount: 300, state: 'succeeded' });
    expect(results[5]).toMatchObject({ found: { state: 'failed' } });
    expect(results[9]?.reason).toMatch(/^amount: /);
    expect(results[10]?.reason).toMatch(/^gateway: /);
    expect(results[11]?.reason).toMatch(/^state: /);
    expect(results[13]?.reason).toMatch(/method/);
    expect(results[14]?.reason).toMatch(/no client/);
  });

  it('a client reconciles its own gateway; rows of another are errors, not crashes', async () => {
    const o = await order(100);
    const rows = [
      { gateway: 'zhixiao', orderKey: o.out_trade_no, amount: 100, state: 'pending' },
      { gateway: 'onecard', orderKey: 'R', amount: 100, state: 'pending' },
    ];
    const results = await collect(zhixiao.reconcile(rows));
    expect(results.map((r) => r.status)).toEqual(['matched', 'error']);
  });

  it('a busy gateway (-1 系统繁忙) slows the run down; every row still gets its answer', async () => {
    let busy = 3;
    const front = await startFront(sb.url, () => {
      if (busy === 0) return undefined;
      busy--;
      return sb.zhixiaoGateway.encode({ ret_code: -1, content: '系统繁忙，请稍后再试' });
    });
    try {
      const c = new ZhixiaoPayClient({ ...sb.zhixiao, baseUrl: front.url, retryBaseMs: 1 });
      const orders = [];
      for (let i = 0; i < 6; i++) orders.push(await order(100));
      busy = 3;
      front.stats.most = 0;
      const limits: number[] = [];
      const rows = orders.map((o) => ({
        gateway: 'zhixiao',
        orderKey: o.out_trade_no,
        amount: 100,
        state: 'pending',
      }));
      const results = await collect(
        c.reconcile(rows, { concurrency: 4, onProgress: (p) => void limits.push(p.concurrency) }),
      );
      expect(results.map((r) => r.status)).toEqual(rows.map(() => 'matched'));
      expect(busy).toBe(0);
      expect(Math.min(...limits)).toBeLessThan(4);
      expect(front.stats.most).toBeLessThanOrEqual(4);
    } finally {
      await front.close();
    }
  });
});

/** A client whose gateway answers from memory after a random number of turns: no HTTP, any scale. */
function memoryClient(answer: (orderKey: string) => 'succeeded' | 'failed' = () => 'succeeded') {
  const resolver: GatewayResolver = {
    gateway: 'zhixiao',
    methods: { createOrder: 'query', refundOrder: 'review' },
    defaultMethod: 'createOrder',
    issues: () => [],
    async ask(facts, opts) {
      for (let i = Math.floor(Math.random() * 4); i > 0; i--) await new Promise((r) => setImmediate(r));
      if (opts.signal?.aborted) throw new Error('aborted');
      return { state: answer(facts.orderKey), note: 'from memory' };
    },
    throttled: () => false,
  };
  return { [SETTLEMENT]: new Settlement({ gateway: 'zhixiao', tenant: 'mem#1', resolver, options: {} }) };
}

describe('reconcile at scale', () => {
  it('100,000 rows: never more than the concurrency read ahead, results in input order', async () => {
    const N = 100_000;
    const concurrency = 8;
    let pulled = 0;
    let widest = 0;
    async function* ledger() {
      for (let i = 1; i <= N; i++) {
        pulled++;
        yield { gateway: 'zhixiao', orderKey: `O${i}`, amount: i, state: 'succeeded' };
      }
    }
    let seen = 0;
    let inOrder = true;
    for await (const r of reconcile(ledger(), { clients: [memoryClient()], concurrency })) {
      seen++;
      inOrder &&= r.checkpoint === seen && r.orderKey === `O${seen}` && r.status === 'matched';
      widest = Math.max(widest, pulled - seen);
    }
    expect(seen).toBe(N);
    expect(inOrder).toBe(true);
    expect(widest).toBeLessThanOrEqual(concurrency);
  });

  it('an interrupted run resumes from its last checkpoint: every row once, none twice', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({
      gateway: 'zhixiao',
      orderKey: `K${i + 1}`,
      amount: 1,
      state: i % 3 ? 'succeeded' : 'failed',
    }));
    const client = memoryClient((k) => (Number(k.slice(1)) % 3 === 1 ? 'failed' : 'succeeded'));
    const written: ReconcileResult[] = [];
    // Interrupted by the consumer (a crash after writing 13 results)…
    for await (const r of reconcile(rows, { clients: [client], concurrency: 5 })) {
      written.push(r);
      if (written.length === 13) break;
    }
    // …and by an abort half way through the rest.
    const stop = new AbortController();
    for await (const r of reconcile(rows, {
      clients: [client],
      concurrency: 5,
      resumeFrom: written.at(-1)!.checkpoint,
      signal: stop.signal,
      onProgress: (p) => p.checkpoint >= 25 && stop.abort(),
    }))
      written.push(r);
    expect(written.length).toBeLessThan(40);
    for await (const r of reconcile(rows, { clients: [client], resumeFrom: written.at(-1)!.checkpoint }))
      written.push(r);
    expect(written.map((r) => r.orderKey)).toEqual(rows.map((r) => r.orderKey));
    expect(written.every((r) => r.status === 'matched')).toBe(true);
  });

  it('checks its options before reading a row', async () => {
    let read = 0;
    const rows = {
      *[Symbol.iterator]() {
        read++;
        yield {};
      },
    };
    for (const bad of [
      { clients: [] },
      { clients: [memoryClient()], concurrency: 0 },
      { clients: [memoryClient()], resumeFrom: -1 },
    ]) {
      await expect(collect(reconcile(rows, bad as never))).rejects.toThrow(/options\./);
    }
    expect(read).toBe(0);
  });
});

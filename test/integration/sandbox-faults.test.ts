/**
 * The sandbox plays the field's failures, over real HTTP: a money call booked whose reply is lost,
 * refusals under load, notices lost, late or repeated, and `next()` leaving OneCard's unseen token fetch
 * alone unless asked.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  GatewayError,
  MemoryTokenStore,
  OneCardClient,
  OutcomeUnknownError,
  ZhixiaoPayClient,
} from '../../src/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { startMerchant } from '../helpers/merchant.js';
import { scaled } from '../helpers/timeouts.js';

let sb: Sandbox;
let onecard: OneCardClient;
let zhixiao: ZhixiaoPayClient;
beforeAll(async () => {
  sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 }, notifications: { retryDelaysMs: [0, 30] } });
  onecard = new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore(), retryBaseMs: 1 });
  zhixiao = new ZhixiaoPayClient({ ...sb.zhixiao, retryBaseMs: 1 });
});
afterEach(() => sb.faults.clear());
afterAll(() => sb.close());

const balance = (account: string, type = '###') =>
  sb.onecardGateway.ledger.cardholders
    .find((c) => c.account === account)!
    .accounts.find((a) => a.type === type)!.balance;
let n = 0;
const tradeNo = (tag: string) => `F${Date.now()}${tag}${++n}`;
const orders = (out_trade_no: string) =>
  [...sb.zhixiaoGateway.orders.values()].filter((o) => o.out_trade_no === out_trade_no);
const newOrder = (out_trade_no: string, notify_url = 'http://127.0.0.1:9/n') => ({
  body: 'x',
  out_trade_no,
  total_fee: 100,
  notify_url,
});
const freshOneCard = () => new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore() });

describe('commitThenDrop / commitThenServerError: the money moved, the reply is lost', () => {
  it('a OneCard transfer is booked, then the connection drops; queries and refusals do not use the fault up', async () => {
    sb.faults.next('commitThenDrop');
    await onecard.queryCard({ idtype: 'acc', id: '10001' });
    await expect(
      onecard.transfer({ account: '10001', tranamt: 40_000, src_acctype: '001', dst_acctype: '###' }),
    ).rejects.toMatchObject({ gatewayCode: '60010' });
    const before = [balance('10001'), balance('10001', '001')];
    const err = await onecard
      .transfer({ account: '10001', tranamt: 300, src_acctype: '001', dst_acctype: '###' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err.reason).toBe('transport');
    expect([balance('10001'), balance('10001', '001')]).toEqual([before[0]! + 300, before[1]! - 300]);
  });

  it('a barcode payment is booked, then a 502 HTML page answers', async () => {
    const code = await onecard.getBarcode({ account: '10002', paytype: '1' });
    const before = balance('10002');
    sb.faults.next('commitThenServerError');
    const err = await onecard
      .payByBarcode({ barcode: code.barcode, mercacc: '1000060', tranamt: 25, dineseq: '1' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err).toMatchObject({ reason: 'protocol', cause: { status: 502 } });
    expect(balance('10002')).toBe(before - 25);
  });

  it('a recharge is booked, then dropped: the advised query finds it', async () => {
    sb.faults.next('commitThenDrop');
    const err = await onecard
      .recharge({
        client_type: 'web',
        pay_type: 'alipay',
        account: '10001',
        acctype: '###',
        order_no: 'CTD-R1',
        order_amount: 500,
        order_time: new Date(),
        return_url: 'https://merchant.test/r',
        notify_url: 'http://127.0.0.1:9/n',
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    await expect(
      onecard.queryRechargeOrder({ order_no: 'CTD-R1', order_amount: 500 }),
    ).resolves.toMatchObject({
      order_status: '10',
    });
  });

  it('a Zhixiao order is created and a refund made, each answered by a lost reply', async () => {
    const out_trade_no = tradeNo('c');
    sb.faults.next('commitThenDrop');
    await expect(zhixiao.createOrder(newOrder(out_trade_no))).rejects.toBeInstanceOf(OutcomeUnknownError);
    expect(orders(out_trade_no)).toHaveLength(1);
    sb.zhixiaoGateway.settle(orders(out_trade_no)[0]!.order_id, true);
    sb.faults.next('commitThenServerError');
    await expect(zhixiao.refundOrder({ out_trade_no, refund_fee: 40 })).rejects.toMatchObject({
      reason: 'protocol',
      cause: { status: 502 },
    });
    expect(orders(out_trade_no)[0]!.refunded).toBe(40);
  });
});

describe('next() and the token call', () => {
  it('skips the unseen token fetch by default: the fault meets the call the test makes', async () => {
    const client = freshOneCard();
    const fetches = sb.onecardGateway.tokenFetches;
    const before = balance('10001', '001');
    sb.faults.next('serverError');
    const err = await client
      .transfer({ account: '10001', tranamt: 5, src_acctype: '###', dst_acctype: '001' })
      .catch((e) => e);
    expect(sb.onecardGateway.tokenFetches).toBe(fetches + 1);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(balance('10001', '001')).toBe(before); // the 502 came before processing
  });

  it('with includeToken, the token fetch takes it', async () => {
    const client = freshOneCard();
    const fetches = sb.onecardGateway.tokenFetches;
    sb.faults.next('busy', { includeToken: true });
    await expect(client.queryCard({ idtype: 'acc', id: '10001' })).rejects.toMatchObject({
      gatewayCode: '40014',
    });
    expect(sb.onecardGateway.tokenFetches).toBe(fetches);
  });
});

describe('busy / busyAbove: refused under load, nothing processed', () => {
  it('OneCard answers 40014 调用次数超限 and the money stays put', async () => {
    await onecard.queryCard({ idtype: 'acc', id: '10001' });
    const before = balance('10001');
    sb.faults.next('busy');
    const err = await onecard
      .transfer({ account: '10001', tranamt: 5, src_acctype: '###', dst_acctype: '001' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ level: 'system', gatewayCode: '40014' });
    expect(balance('10001')).toBe(before);
  });

  it('Zhixiao answers -1 系统繁忙 and books no order', async () => {
    const out_trade_no = tradeNo('b');
    sb.faults.set({ busy: 1 });
    const err = await zhixiao.createOrder(newOrder(out_trade_no)).catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ gatewayCode: '-1', gatewayMessage: '系统繁忙' });
    expect(orders(out_trade_no)).toHaveLength(0);
  });

  it('busyAbove: calls beyond the limit in hand at once are refused, and only the others move money', async () => {
    await onecard.queryCard({ idtype: 'acc', id: '10001' });
    const before = balance('10001', '001');
    // The latency keeps the first calls in hand while the rest arrive.
    sb.faults.set({ busyAbove: 2, latencyMs: scaled(500) });
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () =>
        onecard.transfer({ account: '10001', tranamt: 1, src_acctype: '###', dst_acctype: '001' }),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(ok).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const e of refused) expect(e).toMatchObject({ gatewayCode: '40014' });
    expect(balance('10001', '001')).toBe(before + ok);
  });
});

describe('notices: dropped, late, repeated', () => {
  // Their own sandbox: waitForNotifications must not wait for the unreachable notices of the tests above.
  let nsb: Sandbox;
  let oc: OneCardClient;
  let zx: ZhixiaoPayClient;
  beforeAll(async () => {
    nsb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 } });
    oc = new OneCardClient({ ...nsb.onecard, tokenStore: new MemoryTokenStore() });
    zx = new ZhixiaoPayClient(nsb.zhixiao);
  });
  afterEach(() => nsb.faults.clear());
  afterAll(() => nsb.close());

  /** A merchant endpoint that records every raw notice body and answers `ack`. */
  async function merchant(ack: string) {
    const bodies: string[] = [];
    const m = await startMerchant((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.end(ack);
      });
    });
    return { ...m, bodies };
  }
  /** Creates and pays a Zhixiao order notified at `url`; returns its out_trade_no. */
  async function paidOrder(url: string) {
    const out_trade_no = tradeNo('n');
    const o = await zx.createOrder(newOrder(out_trade_no, url));
    nsb.zhixiaoGateway.settle(o.order_id, true);
    return o;
  }
  const tradeNoOf = (body: string) => zx.parseNotification(body).out_trade_no;

  it('dropNotice: the order is paid, its notice never sent; the next one is', async () => {
    const m = await merchant('success');
    try {
      nsb.faults.next('dropNotice');
      const lost = await paidOrder(m.url);
      const sent = await paidOrder(m.url);
      await nsb.waitForNotifications(scaled(10_000));
      expect(m.bodies.map(tradeNoOf)).toEqual([sent.out_trade_no]);
      expect(nsb.notifications.filter((r) => r.ref === lost.order_id)).toEqual([
        expect.objectContaining({ dropped: true, attempts: [], acknowledged: false }),
      ]);
      await expect(zx.queryOrder({ out_trade_no: lost.out_trade_no })).resolves.toMatchObject({
        status: 2,
      });
    } finally {
      await m.close();
    }
  });

  it('lateNoticeMs: a notice waits, so one sent after it arrives first', async () => {
    const m = await merchant('success');
    try {
      nsb.faults.set({ lateNoticeMs: scaled(1_500) });
      const late = await paidOrder(m.url);
      nsb.faults.clear();
      const prompt = await paidOrder(m.url);
      await nsb.waitForNotifications(scaled(10_000));
      expect(m.bodies.map(tradeNoOf)).toEqual([prompt.out_trade_no, late.out_trade_no]);
    } finally {
      await m.close();
    }
  });

  it('duplicateNotice: the same signed OneCard notice arrives again after it was acknowledged', async () => {
    const m = await merchant('ok');
    try {
      const r = await oc.recharge({
        client_type: 'web',
        pay_type: 'alipay',
        account: '10002',
        acctype: '###',
        order_no: 'DUP-1',
        order_amount: 100,
        order_time: new Date(),
        return_url: 'https://merchant.test/r',
        notify_url: m.url,
      });
      nsb.faults.next('duplicateNotice');
      nsb.onecardGateway.settle(r.out_id, true);
      await nsb.waitForNotifications(scaled(10_000));
      expect(m.bodies).toHaveLength(2);
      expect(m.bodies[1]).toBe(m.bodies[0]);
      expect(oc.parseNotification(m.bodies[0]!)).toMatchObject({ order_no: 'DUP-1', order_status: '0' });
      const records = nsb.notifications.filter((x) => x.ref === r.out_id);
      expect(records.map((x) => [x.acknowledged, x.duplicate ?? false])).toEqual([
        [true, false],
        [true, true],
      ]);
    } finally {
      await m.close();
    }
  });
});

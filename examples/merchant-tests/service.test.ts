/**
 * The sample merchant test suite: the service next to it (service.ts) tested as a merchant would test
 * theirs, with `campus-pay/testing` (docs/testing-your-integration.md). Real HTTP all the way: the service
 * calls the sandbox's gateways, the payer pays, the sandbox's notifier POSTs signed notices back.
 */
import { startTestGateways, type TestGateways } from 'campus-pay/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// This repository scales its time limits with the machine's load; in your suite a plain number will do.
import { scaled } from '../../test/helpers/timeouts.js';
import { type Merchant, startMerchant } from './service.js';

const within = { timeoutMs: scaled(10_000) };

let gw: TestGateways;
let merchant: Merchant;

beforeAll(async () => {
  gw = await startTestGateways();
  merchant = await startMerchant({ onecard: gw.onecard, zhixiao: gw.zhixiao });
});
afterEach(() => {
  gw.reset();
  merchant.store.outage = 0;
});
afterAll(async () => {
  await merchant?.close();
  await gw?.close();
});

async function post(path: string, body: unknown) {
  const res = await fetch(`${merchant.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

const newOrder = async (amount_fen = 19_800) => {
  const res = await post('/orders', { student: '2023000001', amount_fen });
  expect(res.status).toBe(201);
  return { out_trade_no: res.body.out_trade_no! };
};

describe('tuition orders (Zhixiao)', () => {
  it('an order is created at the gateway, paid, notified and acknowledged once', async () => {
    const order = await newOrder(19_800);
    gw.assert.order(order, { status: 1, total_fee: 19_800, refunded: 0 });

    gw.pay(order);
    await gw.waitForAcknowledged(order, within);

    gw.assert.order(order, { status: 2 });
    gw.assert.answers(order, ['success']);
    expect(merchant.store.orders.get(order.out_trade_no)?.state).toBe('paid');
    expect(merchant.store.history).toContain(`${order.out_trade_no}: pending → paid`);
  });

  it('the database is down at the first notice: the service answers fail, the gateway repeats, paid once', async () => {
    const order = await newOrder();
    merchant.store.outage = 1;

    gw.pay(order);
    await gw.waitForAcknowledged(order, within);

    gw.assert.answers(order, ['fail', 'success']);
    expect(merchant.store.history.filter((h) => h.startsWith(order.out_trade_no))).toEqual([
      `${order.out_trade_no}: pending → paid`,
    ]);
  });

  it('forced fault: the gateway books the order but its reply is lost; the service never resends, and recovery finds it', async () => {
    gw.faults.next('commitThenDrop');
    const res = await post('/orders', { student: '2023000002', amount_fen: 5_000 });

    expect(res.status).toBe(202);
    expect(res.body.state).toBe('unknown');
    const order = { out_trade_no: res.body.out_trade_no! };
    // The gateway has it, exactly once: the service did not create it again.
    gw.assert.order(order, { status: 1, total_fee: 5_000 });
    expect(gw.ledger.orders().filter((o) => o.out_trade_no === order.out_trade_no)).toHaveLength(1);

    await merchant.recover();
    const mine = merchant.store.orders.get(order.out_trade_no);
    expect(mine?.state).toBe('pending');
    expect(mine?.order_id).toBe(gw.ledger.order(order)?.order_id);

    gw.pay(order);
    await gw.waitForAcknowledged(order, within);
    expect(merchant.store.orders.get(order.out_trade_no)?.state).toBe('paid');
  });

  it('a lost notice: no acknowledgement ever comes, and recovery reads the payment by query', async () => {
    const order = await newOrder();
    gw.faults.next('dropNotice');

    gw.pay(order);
    await expect(gw.waitForAcknowledged(order, within)).rejects.toThrow(/dropped by the dropNotice fault/);
    expect(merchant.store.orders.get(order.out_trade_no)?.state).toBe('pending');

    await merchant.recover();
    expect(merchant.store.orders.get(order.out_trade_no)?.state).toBe('paid');
  });
});

describe('card top-ups (OneCard)', () => {
  it('a top-up credits the card, and its notice is acknowledged', async () => {
    const before = gw.ledger.balance('10001');
    const res = await post('/topups', { account: '10001', amount_fen: 5_000 });
    expect(res.status).toBe(201);
    const topup = { order_no: res.body.order_no! };

    gw.pay(topup);
    await gw.waitForAcknowledged(topup, within);

    gw.assert.balance('10001', before + 5_000);
    gw.assert.recharge(topup, { order_status: '60', order_amount: 5_000, account: '10001' });
    gw.assert.answers(topup, ['ok']);
    expect(merchant.store.topups.get(topup.order_no)?.state).toBe('credited');
  });

  it('a replayed notice is acknowledged again and changes nothing', async () => {
    const res = await post('/topups', { account: '10002', amount_fen: 1_000 });
    const topup = { order_no: res.body.order_no! };
    gw.pay(topup);
    await gw.waitForAcknowledged(topup, within);

    const replay = await gw.notices.onecard.deliver(
      `${merchant.url}/notify/onecard`,
      gw.notices.onecard.replayed(topup),
    );

    expect(replay.acknowledged).toBe(true);
    expect(merchant.store.history.filter((h) => h.startsWith(topup.order_no))).toEqual([
      `${topup.order_no}: pending → credited`,
    ]);
  });
});

describe('forged notices', () => {
  it('a Zhixiao notice not signed by the gateway is refused and pays nothing; the genuine one is accepted', async () => {
    const order = await newOrder();
    const endpoint = `${merchant.url}/notify/zhixiao`;

    const forged = await gw.notices.zhixiao.deliver(endpoint, gw.notices.zhixiao.forged(order));
    expect(forged).toMatchObject({ status: 400, answer: 'fail', acknowledged: false });
    expect(merchant.store.orders.get(order.out_trade_no)?.state).toBe('pending');

    const genuine = await gw.notices.zhixiao.deliver(endpoint, gw.notices.zhixiao.valid(order));
    expect(genuine.acknowledged).toBe(true);
    expect(merchant.store.orders.get(order.out_trade_no)?.state).toBe('paid');
  });

  it('a OneCard notice signed with another key is refused and credits nothing', async () => {
    const res = await post('/topups', { account: '10001', amount_fen: 2_500 });
    const topup = { order_no: res.body.order_no! };

    const forged = await gw.notices.onecard.deliver(
      `${merchant.url}/notify/onecard`,
      gw.notices.onecard.forged(topup, { order_status: '0' }),
    );

    expect(forged).toMatchObject({ status: 400, answer: 'fail', acknowledged: false });
    expect(merchant.store.topups.get(topup.order_no)?.state).toBe('pending');
  });
});

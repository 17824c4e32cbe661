/**
 * campus-pay/testing (src/testing) against a real sandbox and real endpoints: what its assertions and its
 * wait report when the merchant's side is wrong, and that its notices are what they claim (checked with
 * the SDK's parsers and against the bytes an endpoint received). examples/merchant-tests is its use.
 */

import { AssertionError } from 'node:assert';
import { createPublicKey } from 'node:crypto';
import {
  OneCardClient,
  parseOneCardNotification,
  parseZhixiaoNotification,
  SignatureError,
  ZhixiaoPayClient,
} from 'campus-pay';
import { startTestGateways, type TestGateways } from 'campus-pay/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMerchant } from '../helpers/merchant.js';
import { scaled, waitFor } from '../helpers/timeouts.js';

let gw: TestGateways;
let onecard: OneCardClient;
let zhixiao: ZhixiaoPayClient;
/** An endpoint that answers `fail` to everything and keeps what it received. */
let refuser: { url: string; bodies: Array<{ path: string; body: string }>; close(): Promise<void> };

beforeAll(async () => {
  gw = await startTestGateways();
  onecard = new OneCardClient(gw.onecard);
  zhixiao = new ZhixiaoPayClient(gw.zhixiao);
  const bodies: Array<{ path: string; body: string }> = [];
  const server = await startMerchant((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      bodies.push({ path: req.url ?? '', body });
      res.end('fail');
    });
  });
  refuser = { ...server, bodies };
});
afterAll(async () => {
  await refuser?.close();
  await gw?.close();
});

let n = 0;
const next = () => {
  n += 1;
  return n;
};
const order = async (notify_url: string, total_fee = 1_234) => {
  const out_trade_no = `TST${Date.now()}${next()}`;
  await zhixiao.createOrder({ body: 'test', out_trade_no, total_fee, notify_url });
  return { out_trade_no };
};
const recharge = async (notify_url: string | null, order_amount = 700) => {
  const order_no = `RT${Date.now()}${next()}`;
  const payer = { client_type: 'web', pay_type: 'alipay', account: '10001', acctype: '###' } as const;
  await onecard.recharge({ ...payer, order_no, order_amount, return_url: null, notify_url });
  return { order_no };
};

/** The error a call throws (rejects, failing the test, when it throws none). */
const thrown = (fn: () => unknown): Promise<Error> =>
  Promise.resolve()
    .then(fn)
    .then(
      () => Promise.reject(new Error('expected a throw')),
      (err: Error) => err,
    );

describe('the ledger and its assertions', () => {
  it('read the order by out_trade_no and fail, as AssertionErrors with both values, when it differs', async () => {
    const key = await order('http://127.0.0.1:9/n', 1_234);
    expect(gw.ledger.order(key)).toMatchObject({
      out_trade_no: key.out_trade_no,
      total_fee: 1_234,
      status: 1,
    });
    gw.assert.order(key, { total_fee: 1_234, status: 1 });

    const wrong = await thrown(() => gw.assert.order(key, { total_fee: 1_235 }));
    expect(wrong).toBeInstanceOf(AssertionError);
    expect(wrong).toMatchObject({ actual: { total_fee: 1_234 }, expected: { total_fee: 1_235 } });
    expect(wrong.message).toContain(key.out_trade_no);

    const missing = await thrown(() => gw.assert.order({ out_trade_no: 'nobody' }));
    expect(missing).toBeInstanceOf(AssertionError);
    expect(missing.message).toMatch(/out_trade_no "nobody": the sandbox recorded no such order/);
  });

  it('read balances and fail on another amount or an unknown account', async () => {
    const seeded = 10_000; // cardholder 10001's card account, as the sandbox seeds it
    expect(gw.ledger.balance('10001')).toBe(seeded);
    gw.assert.balance('10001', seeded);
    expect(await thrown(() => gw.assert.balance('10001', seeded + 1))).toMatchObject({
      actual: seeded,
      expected: seeded + 1,
    });
    expect(() => gw.ledger.balance('99999')).toThrow(/no card account 99999/);
  });

  it('pay and fail an order by its key, refusing a key the sandbox does not hold', async () => {
    const key = await recharge(null);
    gw.fail(key);
    gw.assert.recharge(key, { order_status: '77' });
    expect(() => gw.pay({ order_no: 'none' })).toThrow(/no OneCard recharge with order_no "none"/);
    expect(() => gw.pay({ out_trade_no: 'none' })).toThrow(/no Zhixiao order with out_trade_no "none"/);
  });
});

describe('waitForAcknowledged', () => {
  it('fails after its time limit with what the endpoint answered each attempt', async () => {
    const key = await order(`${refuser.url}/n`);
    gw.pay(key);
    const err = await gw.waitForAcknowledged(key, { timeoutMs: scaled(300) }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      new RegExp(
        `no notice about out_trade_no "${key.out_trade_no}" was acknowledged within \\d+ ms: .* answered 200 "fail"`,
      ),
    );
    expect(gw.ledger.answers(key).length).toBeGreaterThan(0);
    expect(gw.ledger.answers(key).every((a) => a === 'fail')).toBe(true);
    expect(() => gw.assert.answers(key, ['success'])).toThrow(AssertionError);
  });

  it('says so when no notice was sent, and refuses a time limit that is not a positive number', async () => {
    const key = await order(`${refuser.url}/n`);
    await expect(gw.waitForAcknowledged(key, { timeoutMs: 1 })).rejects.toThrow(/the sandbox sent none/);
    await expect(gw.waitForAcknowledged(key, { timeoutMs: 0 })).rejects.toThrow(RangeError);
    await expect(gw.waitForAcknowledged(key, { timeoutMs: Number.NaN })).rejects.toThrow(/timeoutMs/);
  });
});

describe('notices', () => {
  it('Zhixiao: valid carries the ledger order, verifies and decrypts; forged does not verify', async () => {
    const key = await order('http://127.0.0.1:9/n');
    const booked = gw.sandbox.zhixiaoGateway.orders;
    const orderId = [...booked.values()].find((o) => o.out_trade_no === key.out_trade_no)!.order_id;

    const notice = parseZhixiaoNotification(gw.zhixiao, gw.notices.zhixiao.valid(key, { user_name: '张三' }));
    expect(notice).toMatchObject({ out_trade_no: key.out_trade_no, order_id: orderId, user_name: '张三' });

    const forged = await thrown(() => parseZhixiaoNotification(gw.zhixiao, gw.notices.zhixiao.forged(key)));
    expect(forged).toBeInstanceOf(SignatureError);
    expect(forged).toMatchObject({ reason: 'mismatch' });
  });

  it('OneCard: valid carries the ledger recharge and verifies with the platform key; forged does not', async () => {
    const key = await recharge(null, 700);
    const keys = {
      desKey: gw.onecard.desKey,
      platformPublicKey: createPublicKey(gw.onecard.platformPublicKey),
    };

    const notice = parseOneCardNotification(keys, gw.notices.onecard.valid(key, { order_status: '0' }));
    expect(notice).toMatchObject({
      order_no: key.order_no,
      order_amount: 700,
      account: '10001',
      order_status: '0',
    });

    const forged = await thrown(() => parseOneCardNotification(keys, gw.notices.onecard.forged(key)));
    expect(forged).toBeInstanceOf(SignatureError);
    expect(forged).toMatchObject({ reason: 'mismatch' });
  });

  it('replayed is the very body the endpoint received; deliver reports its answer', async () => {
    const key = await recharge(`${refuser.url}/onecard/${next()}`);
    const path = new URL(gw.ledger.recharge(key)!.notify_url).pathname;
    gw.pay(key);
    await waitFor('the notice to reach the endpoint', () => refuser.bodies.some((b) => b.path === path));
    const received = refuser.bodies.find((b) => b.path === path)!.body;
    expect(gw.notices.onecard.replayed(key)).toBe(received);

    const again = await gw.notices.onecard.deliver(`${refuser.url}/replay`, gw.notices.onecard.replayed(key));
    expect(again).toEqual({ status: 200, answer: 'fail', acknowledged: false });
    expect(refuser.bodies.findLast((b) => b.path === '/replay')?.body).toBe(received);
    expect(() => gw.notices.zhixiao.replayed({ out_trade_no: 'none' })).toThrow(/nothing to replay/);
  });
});

import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  GatewayError,
  OutcomeUnknownError,
  SignatureError,
  ZhixiaoPayClient,
  type ZhixiaoSchemas,
} from '../../src/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { startMerchant } from '../helpers/merchant.js';
import { scaled } from '../helpers/timeouts.js';

let sb: Sandbox;
let client: ZhixiaoPayClient;
const tradeNo = (tag: string) => `T${Date.now()}${tag}`;

beforeAll(async () => {
  sb = await startSandbox({ notifications: { retryDelaysMs: [0, 30] } });
  client = new ZhixiaoPayClient({ ...sb.zhixiao, retryBaseMs: 1 });
});
afterAll(() => sb.close());

describe('Zhixiao over real HTTP against the sandbox', () => {
  it('create → pay page → notification to an Express route reading the raw body → query → partial and full refund', async () => {
    const notices: ZhixiaoSchemas.PaymentNotification[] = [];
    const app = express();
    app.post(
      '/notify',
      express.raw({ type: '*/*' }),
      client.nodeNotificationHandler({ onNotification: (n) => void notices.push(n) }),
    );
    const merchant = await startMerchant(app);
    try {
      const out_trade_no = tradeNo('a');
      const order = await client.createOrder({
        body: '2026 学费 tuition',
        out_trade_no,
        total_fee: 19_800,
        notify_url: `${merchant.url}/notify`,
        user_no: '2023000001',
      });
      expect(order).toMatchObject({ out_trade_no, url: expect.stringContaining('/pay/zhixiao/') });
      await expect(client.queryOrder({ out_trade_no })).resolves.toMatchObject({
        status: 1,
        state: 'pending',
      });

      const pay = await fetch(`${order.url}/pay`, { method: 'POST' });
      expect(await pay.json()).toEqual({ state: '支付成功 paid' });
      await sb.waitForNotifications(scaled(10_000));
      expect(notices).toEqual([
        expect.objectContaining({
          out_trade_no,
          order_id: order.order_id,
          pay_type: 1,
          user_no: '2023000001',
        }),
      ]);

      const q = await client.queryOrder({ out_trade_no });
      expect(q).toMatchObject({ status: 2, state: 'paid' });
      expect(q.time_end).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

      await client.refundOrder({ out_trade_no, refund_fee: 9_800 });
      await client.refundOrder({ out_trade_no, refund_fee: 10_000 });
      const over = await client.refundOrder({ out_trade_no, refund_fee: 1 }).catch((e) => e);
      expect(over).toBeInstanceOf(GatewayError);
      expect(over.gatewayMessage).toContain('退款金额超过可退款金额');
      expect(sb.zhixiaoGateway.orders.get(order.order_id)!.refunded).toBe(19_800);
    } finally {
      await merchant.close();
    }
  });

  it('seedOrder books orders the API then answers for, without notices, and their numbers are taken', async () => {
    const [paid, failed, open] = ['sp', 'sf', 'so'].map(tradeNo);
    const seeded = sb.zhixiaoGateway.seedOrder({ out_trade_no: paid!, total_fee: 300, status: 2 });
    sb.zhixiaoGateway.seedOrder({ out_trade_no: failed!, total_fee: 300, status: 3 });
    sb.zhixiaoGateway.seedOrder({ out_trade_no: open!, total_fee: 300 });
    const status = async (n: string) => (await client.queryOrder({ out_trade_no: n })).status;
    expect([await status(paid!), await status(failed!), await status(open!)]).toEqual([2, 3, 1]);
    expect(sb.notifications.some((n) => n.ref === seeded.order_id)).toBe(false);
    const again = { body: 'again', out_trade_no: paid!, total_fee: 300, notify_url: 'http://127.0.0.1:9/n' };
    await expect(client.createOrder(again)).rejects.toMatchObject({ gatewayCode: '-1' });
    expect(() => sb.zhixiaoGateway.seedOrder({ out_trade_no: open!, total_fee: 1 })).toThrow(/重复/);
  });

  it('cancel a pending order; a paid one cannot be cancelled', async () => {
    const out_trade_no = tradeNo('c');
    const o = await client.createOrder({
      body: 'x',
      out_trade_no,
      total_fee: 1,
      notify_url: 'http://127.0.0.1:9/n',
    });
    await expect(client.cancelOrder({ out_trade_no })).resolves.toEqual({
      out_trade_no,
      order_id: o.order_id,
      extra: {},
    });
    await expect(client.queryOrder({ out_trade_no })).resolves.toMatchObject({ status: 3, state: 'failed' });
  });

  it('mini-program order returns sp_data parsed from its JSON string', async () => {
    const o = await client.createOrder({
      body: 'x',
      out_trade_no: tradeNo('m'),
      total_fee: 1,
      notify_url: 'http://127.0.0.1:9/n',
      pay_type: 1,
      openid: 'oGTHE5',
    });
    expect(o.sp_data).toMatchObject({ appId: 'wx-sandbox' });
  });

  it('identity, user card and invoice', async () => {
    await expect(client.getIdentity({ uid: '2088612279536603' })).resolves.toMatchObject({
      user_no: '2023000001',
      identity_type: '1',
    });
    await expect(client.getUserCard({ user_no: '20180911001', school_id: '10086' })).resolves.toMatchObject({
      schema_url: expect.any(String),
    });
    const out_trade_no = tradeNo('i');
    const o = await client.createOrder({
      body: 'x',
      out_trade_no,
      total_fee: 5,
      notify_url: 'http://127.0.0.1:9/n',
    });
    sb.zhixiaoGateway.settle(o.order_id, true);
    await expect(
      client.createInvoice({
        out_trade_no,
        payer_type: 2,
        payer_name: '知校科技有限公司',
        payer_taxnum: '312000000H001L',
        phone: '13000000000',
      }),
    ).resolves.toEqual({ message: '开票成功', extra: {} });
  });

  it('2.6–2.8 without a configured path are a configuration error naming the option', async () => {
    const bare = new ZhixiaoPayClient({
      baseUrl: sb.url,
      appId: 'partner1',
      appSecret: 'weiweixiao',
      aesKey: 'AD42F6697B035B7580E4FEF93BE20B4D',
    });
    const err = await bare.getIdentity({ uid: 'u' }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err.option).toBe('paths.getIdentity');
  });

  it('a wrong appSecret: the gateway refuses, and its reply does not verify either', async () => {
    const wrong = new ZhixiaoPayClient({ ...sb.zhixiao, appSecret: 'not-the-secret' });
    await expect(wrong.queryOrder({ out_trade_no: 'x' })).rejects.toBeInstanceOf(SignatureError);
  });

  it('an order whose reply is lost is not resent, and the error names the out_trade_no to query', async () => {
    const out_trade_no = tradeNo('d');
    sb.faults.next('dropAfterProcess', 1);
    const err = await client
      .createOrder({ body: 'x', out_trade_no, total_fee: 1, notify_url: 'http://127.0.0.1:9/n' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err.query).toEqual({ method: 'queryOrder', params: { out_trade_no } });
    expect(err.message).toContain(out_trade_no);
    expect(
      [...sb.zhixiaoGateway.orders.values()].filter((o) => o.out_trade_no === out_trade_no),
    ).toHaveLength(1);
    await expect(client.queryOrder({ out_trade_no })).resolves.toMatchObject({ status: 1, state: 'pending' });
  });

  it('a refund meeting a dropped connection is not resent: exactly one refund lands', async () => {
    const out_trade_no = tradeNo('r');
    const o = await client.createOrder({
      body: 'x',
      out_trade_no,
      total_fee: 100,
      notify_url: 'http://127.0.0.1:9/n',
    });
    sb.zhixiaoGateway.settle(o.order_id, true);
    sb.faults.next('dropAfterProcess', 1);
    await expect(client.refundOrder({ out_trade_no, refund_fee: 60 })).rejects.toBeInstanceOf(
      OutcomeUnknownError,
    );
    expect(sb.zhixiaoGateway.orders.get(o.order_id)!.refunded).toBe(60);
  });

  it('the web handler (Request → Response) answers success only after the callback', async () => {
    const seen: string[] = [];
    const handler = client.webNotificationHandler({
      onNotification: async (n) => void seen.push(n.out_trade_no),
    });
    const body = client.buildNotification({
      out_trade_no: 'W1',
      order_id: '1',
      time_end: '2026-11-22 10:00:00',
      uid: 'u',
      pay_type: '2',
    });
    const res = await handler(
      new Request('http://x/notify', {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    );
    expect([res.status, await res.text(), seen]).toEqual([200, 'success', ['W1']]);
    const failing = client.webNotificationHandler({
      onNotification: () => Promise.reject(new Error('db down')),
    });
    const res2 = await failing(new Request('http://x/notify', { method: 'POST', body }));
    expect([res2.status, await res2.text()]).toEqual([500, 'fail']);
  });
});

/** The sandbox behaves like the field: statuses 80 and -3, expiring orders, open.acc's sno, reply styles. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError, MemoryTokenStore, OneCardClient, ZhixiaoPayClient } from '../../src/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';

let sb: Sandbox;
let onecard: OneCardClient;
let zhixiao: ZhixiaoPayClient;
beforeAll(async () => {
  sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 }, zhixiao: { orderTtlMs: 200 } });
  onecard = new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore() });
  zhixiao = new ZhixiaoPayClient(sb.zhixiao);
});
afterAll(() => sb.close());

describe('the sandbox behaves like the field', () => {
  it('a paid recharge moved to refund reads order_status 80, refunding', async () => {
    const r = await onecard.recharge({
      client_type: 'web',
      pay_type: 'alipay',
      account: '10001',
      acctype: '###',
      order_no: 'F80',
      order_amount: 100,
      return_url: 'https://m.test/r',
      notify_url: 'http://127.0.0.1:9/none',
    });
    sb.onecardGateway.settle(r.out_id, true);
    sb.onecardGateway.refund(r.out_id);
    await expect(onecard.queryRechargeOrder({ order_no: 'F80', order_amount: 100 })).resolves.toMatchObject({
      order_status: '80',
      order_state: 'refunding',
    });
  });

  it('a frozen Zhixiao account answers -3 with its code info', async () => {
    sb.zhixiaoGateway.frozen = true;
    try {
      const err = await zhixiao.queryOrder({ out_trade_no: 'X' }).catch((e) => e);
      expect(err).toBeInstanceOf(GatewayError);
      expect(err).toMatchObject({ gatewayCode: '-3', info: { zh: '账号被冻结' } });
    } finally {
      sb.zhixiaoGateway.frozen = false;
    }
  });

  it('an unpaid Zhixiao order expires (one hour by default; 200 ms here)', async () => {
    const o = await zhixiao.createOrder({
      body: 'x',
      out_trade_no: 'EXP1',
      total_fee: 1,
      notify_url: 'http://127.0.0.1:9/n',
    });
    await new Promise((r) => setTimeout(r, 300));
    await expect(zhixiao.queryOrder({ out_trade_no: 'EXP1' })).resolves.toMatchObject({
      status: 3,
      state: 'failed',
    });
    expect(sb.zhixiaoGateway.settle(o.order_id, true).status).toBe(3);
  });

  it('open.acc echoes sno beside the new account', async () => {
    await expect(onecard.openAccount({ sno: '2026990001', name: '新生' })).resolves.toMatchObject({
      sno: '2026990001',
      account: expect.any(String),
    });
  });

  it.each(['null', 'omit'] as const)('replies with empty fields written as %s still parse', async (style) => {
    sb.onecardGateway.replyStyle = style;
    sb.zhixiaoGateway.replyStyle = style;
    try {
      const r = await onecard.queryCard({ idtype: 'acc', id: '10001' });
      expect(r.card[0]!.bankacc).toBeUndefined();
      await zhixiao.createOrder({
        body: 'x',
        out_trade_no: `S-${style}`,
        total_fee: 1,
        notify_url: 'http://127.0.0.1:9/n',
      });
      const q = await zhixiao.queryOrder({ out_trade_no: `S-${style}` });
      expect(q.status).toBe(1);
      expect(q.time_end).toBeUndefined();
    } finally {
      sb.onecardGateway.replyStyle = 'empty';
      sb.zhixiaoGateway.replyStyle = 'empty';
    }
  });
});

describe('the payer returns to the merchant after paying', () => {
  it('OneCard: return_url carries the signed front-end notice (a GET) that parseNotification verifies', async () => {
    const r = await onecard.recharge({
      client_type: 'web',
      pay_type: 'alipay',
      account: '10001',
      acctype: '###',
      order_no: 'RET1',
      order_amount: 100,
      return_url: 'https://merchant.test/done?from=pay',
      notify_url: 'http://127.0.0.1:9/none',
    });
    const res = await fetch(`${sb.url}/pay/onecard/${r.out_id}/pay`, { method: 'POST' });
    const { return_to } = (await res.json()) as { return_to: string };
    const u = new URL(return_to);
    expect(u.origin + u.pathname).toBe('https://merchant.test/done');
    expect(onecard.parseNotification(u.searchParams)).toMatchObject({ order_no: 'RET1', order_status: '0' });
  });

  it('Zhixiao: the pay page sends the payer to return_url', async () => {
    const o = await zhixiao.createOrder({
      body: 'x',
      out_trade_no: 'RET2',
      total_fee: 1,
      notify_url: 'http://127.0.0.1:9/n',
      return_url: 'https://merchant.test/back',
    });
    const res = await fetch(`${sb.url}/pay/zhixiao/${o.order_id}/pay`, { method: 'POST' });
    expect(await res.json()).toMatchObject({ return_to: 'https://merchant.test/back' });
  });
});

describe('OneCard notify_url and return_url null: 值为 null 时, 不发起通知', () => {
  /** A recharge sent as given (call(), no client schema), then paid on the pay page. */
  const payRecharge = async (urls: Record<string, unknown>) => {
    const r = await onecard.call<{ out_id: string }>('synjones.onecard.paygw.recharge.card', {
      client_type: 'web',
      pay_type: 'alipay',
      account: '10002',
      acctype: '###',
      order_no: `NULL${Date.now()}${Math.random().toString(36).slice(2, 8)}`,
      order_amount: '100',
      // yyyyMMddHHmmss in Beijing, computed here without the library.
      order_time: new Date(Date.now() + 8 * 3600_000).toISOString().replace(/\D/g, '').slice(0, 14),
      ...urls,
    });
    const res = await fetch(`${sb.url}/pay/onecard/${r.out_id}/pay`, { method: 'POST' });
    return { out_id: r.out_id, page: (await res.json()) as { state: string; return_to?: string } };
  };
  const noticesOf = (out_id: string) => sb.notifications.filter((n) => n.ref === out_id);
  const balance = () =>
    sb.onecardGateway.ledger.cardholders.find((c) => c.account === '10002')!.accounts[0]!.balance;

  it.each([
    ['JSON null', { notify_url: null, return_url: null }],
    ['the text null', { notify_url: 'null', return_url: 'null' }],
    ['left out', {}],
  ])('%s: the card is credited, no notice is sent and the payer is not sent back', async (_n, urls) => {
    const before = balance();
    const { out_id, page } = await payRecharge(urls);
    expect(balance()).toBe(before + 100);
    expect(page.state).toContain('paid');
    expect(page.return_to).toBeUndefined();
    expect(noticesOf(out_id)).toEqual([]);
  });

  it('with URLs, the same recharge is notified and the payer sent back', async () => {
    const { out_id, page } = await payRecharge({
      notify_url: 'http://127.0.0.1:9/notify',
      return_url: 'https://merchant.test/back',
    });
    expect(page.return_to).toMatch(/^https:\/\/merchant\.test\/back\?/);
    expect(noticesOf(out_id)).toEqual([expect.objectContaining({ url: 'http://127.0.0.1:9/notify' })]);
  });
});

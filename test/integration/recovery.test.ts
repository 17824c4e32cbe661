/**
 * Recovery advice must run verbatim: for every method whose lost reply the SDK answers with a query,
 * lose the reply after the sandbox processed the call, then run it with `client.runQuery(err)` exactly
 * as given — it must validate, reach the gateway and answer about that very call. The cookbook's recipes
 * run against the same lost replies in test/examples/recovery.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  GatewayError,
  OutcomeUnknownError,
  ValidationError,
  ZhixiaoPayClient,
  zhixiaoCondition,
} from '../../src/index.js';
import { sandboxClients } from '../helpers/sandbox-clients.js';

const t = sandboxClients();

/** Loses the next reply after processing, and returns the OutcomeUnknownError of the call. */
async function lose(run: () => Promise<unknown>): Promise<OutcomeUnknownError> {
  t.sb.faults.next('dropAfterProcess');
  const err = await run().catch((e) => e);
  expect(err).toBeInstanceOf(OutcomeUnknownError);
  return err as OutcomeUnknownError;
}

describe('advised queries run verbatim and answer the question', () => {
  it('recharge → queryRechargeOrder finds the very order (order_amount passed as given)', async () => {
    await t.onecard.queryCard({ idtype: 'acc', id: '10001' }); // token first, so the drop hits the recharge
    const err = await lose(() =>
      t.onecard.recharge({
        client_type: 'web',
        pay_type: 'alipay',
        account: '10001',
        acctype: '###',
        order_no: 'REC-LOST-1',
        order_amount: 1234,
        return_url: 'https://merchant.test/r',
        notify_url: 'https://merchant.test/n',
      }),
    );
    expect(err.query?.method).toBe('queryRechargeOrder');
    const answer = await t.onecard.runQuery(err);
    expect(answer).toMatchObject({ order_no: 'REC-LOST-1', order_amount: 1234, order_status: '10' });
  });

  it('createOrder and cancelOrder → queryOrder finds the order and its status', async () => {
    const err = await lose(() =>
      t.zhixiao.createOrder({
        body: '学费',
        out_trade_no: 'ZX-LOST-1',
        total_fee: 500,
        notify_url: 'https://m.test/n',
      }),
    );
    const created = await t.zhixiao.runQuery(err);
    expect(created).toMatchObject({ out_trade_no: 'ZX-LOST-1', status: 1 });
    const cancel = await lose(() => t.zhixiao.cancelOrder({ out_trade_no: 'ZX-LOST-1' }));
    const after = await t.zhixiao.runQuery(cancel);
    expect(after).toMatchObject({ out_trade_no: 'ZX-LOST-1', status: 3 });
  });

  it('refundOrder has no query that could tell: the advice sends it to a person, not to queryOrder', async () => {
    const o = await t.zhixiao.createOrder({
      body: 'x',
      out_trade_no: 'ZX-LOST-2',
      total_fee: 900,
      notify_url: 'https://m.test/n',
    });
    t.sb.zhixiaoGateway.settle(o.order_id, true);
    const err = await lose(() => t.zhixiao.refundOrder({ out_trade_no: 'ZX-LOST-2', refund_fee: 100 }));
    expect(err.query).toBeUndefined();
    expect(err.advice).toMatch(/resolve\(\)[^.]*needs-review[^.]*merchant console/);
    expect(t.sb.zhixiaoGateway.orders.get(o.order_id)!.refunded).toBe(100); // it did happen, once
    // runQuery refuses it before sending anything, and so does the other client for a query not its own.
    const sent = t.sb.zhixiaoGateway.orders.size;
    await expect(t.zhixiao.runQuery(err)).rejects.toBeInstanceOf(ValidationError);
    const created = await lose(() =>
      t.zhixiao.createOrder({
        body: 'x',
        out_trade_no: 'ZX-LOST-3',
        total_fee: 1,
        notify_url: 'https://m.test/n',
      }),
    );
    await expect(t.onecard.runQuery(created)).rejects.toThrow(/queryOrder is not a query of this client/);
    await expect(t.zhixiao.runQuery(new Error('x'))).rejects.toBeInstanceOf(ValidationError);
    expect(t.sb.zhixiaoGateway.orders.size).toBe(sent + 1);
  });

  it('card state changes → queryCard by account shows the flag', async () => {
    const err = await lose(() => t.onecard.lostCard({ account: '10003' }));
    const cards = (await t.onecard.runQuery(err)) as { card: Array<{ account: string; lostflag?: string }> };
    expect(cards.card[0]).toMatchObject({ account: '10003', lostflag: '1' });
    await t.onecard.unlostCard({ account: '10003' });
  });
});

describe('a refused createOrder whose number was used carries the query, typed', () => {
  it('商户订单号重复 is the condition duplicate_order; runQuery reads the earlier order', async () => {
    const order = { body: 'x', out_trade_no: 'ZX-DUP-1', total_fee: 300, notify_url: 'https://m.test/n' };
    await t.zhixiao.createOrder(order);
    const err = await t.zhixiao.createOrder(order).catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(zhixiaoCondition(err)).toBe('duplicate_order');
    expect(err.query).toEqual({ method: 'queryOrder', params: { out_trade_no: 'ZX-DUP-1' } });
    expect(err.message).toMatch(/cancelOrder\(\{"out_trade_no":"ZX-DUP-1"\}\)/);
    expect(await t.zhixiao.runQuery(err)).toMatchObject({ out_trade_no: 'ZX-DUP-1', status: 1 });
  });
});

describe('Zhixiao -1 conditions, as the gateway words them', () => {
  it('an unknown order is order_not_found', async () => {
    const err = await t.zhixiao.queryOrder({ out_trade_no: 'ZX-NEVER' }).catch((e) => e);
    expect(zhixiaoCondition(err)).toBe('order_not_found');
  });

  it('a wrong appId is configuration (fix-config), not a bad request; and never an unknown order', async () => {
    const wrong = new ZhixiaoPayClient({ ...t.sb.zhixiao, appId: 'partner-typo', retryBaseMs: 1 });
    const err = await wrong.queryOrder({ out_trade_no: 'ZX-NEVER' }).catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.info).toMatchObject({ action: 'fix-config', condition: 'unknown_app_id' });
    expect(zhixiaoCondition(err)).toBe('unknown_app_id');
    // resolve() does not take "appid 不存在" for "no such order": it throws the configuration error.
    await expect(
      wrong.resolve({ orderKey: 'ZX-NEVER', amount: 1, createdAt: 0 }, { deadlineMs: 0 }),
    ).rejects.toMatchObject({ info: { action: 'fix-config' } });
  });
});

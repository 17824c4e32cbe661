/**
 * Recovery advice must run verbatim: for every method whose lost reply the SDK answers with a query,
 * lose the reply after the sandbox processed the call, then call `client[query.method](query.params)`
 * exactly as given — it must validate, reach the gateway and answer about that very call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTokenStore, OneCardClient, OutcomeUnknownError, ZhixiaoPayClient } from '../../src/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';

let sb: Sandbox;
let onecard: OneCardClient;
let zhixiao: ZhixiaoPayClient;

beforeAll(async () => {
  sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 } });
  onecard = new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore(), retryBaseMs: 1 });
  zhixiao = new ZhixiaoPayClient({ ...sb.zhixiao, retryBaseMs: 1 });
});
afterAll(() => sb.close());

type Client = Record<string, (req: unknown) => Promise<Record<string, unknown>>>;

/** Loses the next reply after processing, and returns the OutcomeUnknownError of the call. */
async function lose(run: () => Promise<unknown>): Promise<OutcomeUnknownError> {
  sb.faults.next('dropAfterProcess');
  const err = await run().catch((e) => e);
  expect(err).toBeInstanceOf(OutcomeUnknownError);
  return err as OutcomeUnknownError;
}

describe('advised queries run verbatim and answer the question', () => {
  it('recharge → queryRechargeOrder finds the very order (order_amount passed as given)', async () => {
    await onecard.queryCard({ idtype: 'acc', id: '10001' }); // token first, so the drop hits the recharge
    const err = await lose(() =>
      onecard.recharge({
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
    const answer = await (onecard as unknown as Client)[err.query!.method]!(err.query!.params);
    expect(answer).toMatchObject({ order_no: 'REC-LOST-1', order_amount: 1234, order_status: '10' });
  });

  it('createOrder and cancelOrder → queryOrder finds the order and its status', async () => {
    const err = await lose(() =>
      zhixiao.createOrder({
        body: '学费',
        out_trade_no: 'ZX-LOST-1',
        total_fee: 500,
        notify_url: 'https://m.test/n',
      }),
    );
    const created = await (zhixiao as unknown as Client)[err.query!.method]!(err.query!.params);
    expect(created).toMatchObject({ out_trade_no: 'ZX-LOST-1', status: 1 });
    const cancel = await lose(() => zhixiao.cancelOrder({ out_trade_no: 'ZX-LOST-1' }));
    const after = await (zhixiao as unknown as Client)[cancel.query!.method]!(cancel.query!.params);
    expect(after).toMatchObject({ out_trade_no: 'ZX-LOST-1', status: 3 });
  });

  it('refundOrder has no query that could tell: the advice sends it to a person, not to queryOrder', async () => {
    const o = await zhixiao.createOrder({
      body: 'x',
      out_trade_no: 'ZX-LOST-2',
      total_fee: 900,
      notify_url: 'https://m.test/n',
    });
    sb.zhixiaoGateway.settle(o.order_id, true);
    const err = await lose(() => zhixiao.refundOrder({ out_trade_no: 'ZX-LOST-2', refund_fee: 100 }));
    expect(err.query).toBeUndefined();
    expect(err.advice).toMatch(/resolve\(\)[^.]*needs-review[^.]*merchant console/);
    expect(sb.zhixiaoGateway.orders.get(o.order_id)!.refunded).toBe(100); // it did happen, once
  });

  it('card state changes → queryCard by account shows the flag', async () => {
    const err = await lose(() => onecard.lostCard({ account: '10003' }));
    const cards = (await (onecard as unknown as Client)[err.query!.method]!(err.query!.params)) as {
      card: Array<{ account: string; lostflag?: string }>;
    };
    expect(cards.card[0]).toMatchObject({ account: '10003', lostflag: '1' });
    await onecard.unlostCard({ account: '10003' });
  });
});

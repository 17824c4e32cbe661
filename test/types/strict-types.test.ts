/**
 * Type-level checks: `tsc --noEmit` (npm run check) fails if a typo in a request or reply field
 * compiles, and vitest runs the same file so the expectations also show up in the suite.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type {
  GatewayError,
  OneCardClient,
  OneCardOutcomeQuery,
  OneCardReply,
  OneCardRequest,
  OneCardSchemas,
  ZhixiaoCondition,
  ZhixiaoOutcomeQuery,
  ZhixiaoPayClient,
  ZhixiaoReply,
} from '../../src/index.js';

describe('strict request and reply types', () => {
  it('a typo in a request field does not compile', () => {
    const transfer = (c: OneCardClient) =>
      c.transfer({
        account: '1',
        tranamt: 1,
        src_acctype: '###',
        dst_acctype: '001',
        // @ts-expect-error remakr is not a field of transfer (remark is)
        remakr: 'x',
      });
    const order = (c: ZhixiaoPayClient) =>
      // @ts-expect-error totalfee is not a field (total_fee is)
      c.createOrder({ body: 'b', out_trade_no: 'A', totalfee: 1, notify_url: 'https://m.test/n' });
    expectTypeOf(transfer).toBeFunction();
    expectTypeOf(order).toBeFunction();
  });

  it('a typo in a reply field does not compile; unknown fields live under extra', () => {
    const read = (q: ZhixiaoReply<'queryOrder'>, r: OneCardReply<'queryCard'>) => {
      // @ts-expect-error stauts is not a field of the queryOrder reply
      void q.stauts;
      // @ts-expect-error db_balanse is not a field of a card
      void r.card[0]?.db_balanse;
      return [q.status, r.card[0]?.db_balance, r.card[0]?.extra.cardid] as const;
    };
    expectTypeOf(read).returns.toEqualTypeOf<readonly [number, number | undefined, unknown]>();
  });

  it('amounts are numbers of fen in requests; named types for replies', () => {
    expectTypeOf<OneCardRequest<'payByBarcode'>['tranamt']>().toEqualTypeOf<number>();
    expectTypeOf<OneCardReply<'queryCard'>>().toEqualTypeOf<OneCardSchemas.QueryCardReply>();
    expectTypeOf<OneCardSchemas.CardInfo['db_balance']>().toEqualTypeOf<number | undefined>();
  });

  it('gateway codes are typed', () => {
    expectTypeOf<'60010'>().toExtend<GatewayError['gatewayCode']>();
  });
});

describe('recovery is typed', () => {
  it('runQuery answers with the reply of the queries a client advises', () => {
    type ZxAnswer = Awaited<ReturnType<ZhixiaoPayClient['runQuery']>>;
    type OcAnswer = Awaited<ReturnType<OneCardClient['runQuery']>>;
    expectTypeOf<ZxAnswer>().toEqualTypeOf<ZhixiaoReply<'queryOrder'>>();
    expectTypeOf<OcAnswer>().toEqualTypeOf<OneCardReply<'queryRechargeOrder'> | OneCardReply<'queryCard'>>();
    const read = (a: ZxAnswer) => a.state;
    expectTypeOf(read).returns.toEqualTypeOf<ZhixiaoReply<'queryOrder'>['state']>();
  });

  it('an advised query is a discriminated union: its method types its params', () => {
    const params = (q: OneCardOutcomeQuery) =>
      q.method === 'queryRechargeOrder' ? q.params.order_amount : q.params.idtype;
    expectTypeOf(params).returns.toEqualTypeOf<number | OneCardRequest<'queryCard'>['idtype']>();
    // @ts-expect-error queryOrder takes out_trade_no, not order_no
    const wrong: ZhixiaoOutcomeQuery = { method: 'queryOrder', params: { order_no: '1' } };
    void wrong;
    expectTypeOf<'order_not_found'>().toExtend<ZhixiaoCondition>();
    // @ts-expect-error not a condition
    expectTypeOf<'not_found'>().toExtend<ZhixiaoCondition>();
  });
});

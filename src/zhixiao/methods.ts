/**
 * The Zhixiao method table, the single source of truth for every interface: SDK name, path, spec
 * section, kind, schemas, amount fields, the reply fields that must echo the request (`echoes`: each
 * marked 是否必须 是 in its section's ret_content table), and what to do when a money call's outcome is
 * unknown. The client's methods, the sandbox's routes, the CLI and the
 * tests' case lists all follow it.
 */
import type { z } from 'zod';
import type { GatewayError } from '../core/errors.js';
import type { MethodSpec, RefusalMeaning } from '../core/method.js';
import { queryAdvice } from '../core/outcome.js';
import { zhixiaoCondition } from './codes.js';
import * as s from './schemas.js';

export interface ZhixiaoMethod<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType>
  extends MethodSpec<Req, Res> {
  /** Default path, or undefined where the vendor hands paths out per customer (2.6–2.8). */
  wire: string | undefined;
  kind: 'query' | 'money' | 'state';
}

/**
 * What a refused Zhixiao money call means for its money (RefusalMeaning). A reply's sign covers only its
 * code and content (1.3), nothing of the request, so a signed -2 参数校验失败 or -3 账号被冻结 captured from
 * any request could stand in for the reply of another: no refusal proves nothing moved. 商户订单号重复
 * (-1) says the order exists already; everything else is unclear, for the resolver to settle by query or
 * for a person.
 */
const refusal = (err: GatewayError): RefusalMeaning =>
  zhixiaoCondition(err) === 'duplicate_order' ? 'order-exists' : 'unclear';

/**
 * The query the advice of this client's calls may name, typed: `client.runQuery(err)` runs it on the
 * client that threw.
 */
export type ZhixiaoOutcomeQuery = { method: 'queryOrder'; params: z.input<typeof s.QueryOrderRequest> };

/** The methods of ZhixiaoOutcomeQuery, for the check before runQuery sends anything. */
export const ZHIXIAO_ADVISED_QUERIES = Object.keys({ queryOrder: true } satisfies Record<
  ZhixiaoOutcomeQuery['method'],
  true
>);

/** queryAdvice, held to the queries runQuery accepts. */
const ask = (query: ZhixiaoOutcomeQuery, then?: string) => queryAdvice(query, then);

/**
 * 2.1's reply is the only place the pay page `url` is given (2.2 answers no url, and v1.27 documents no
 * way to build one), and 2.1 refuses a used out_trade_no: an order whose reply was lost cannot be paid.
 */
const LOST_ORDER = (no: string) =>
  `While it reads 1 (待支付), the pay url is lost with the reply: close it with cancelOrder({"out_trade_no":${JSON.stringify(no)}}) (or let its hour run out), confirm it reads 3 with queryOrder() again, and createOrder() under a new out_trade_no (this one is refused as 商户订单号重复). If it reads 2, it was paid: do not create another.`;

const method = <Req extends z.ZodType, Res extends z.ZodType>(m: ZhixiaoMethod<Req, Res>) => m;

export const zhixiaoMethods = {
  createOrder: method({
    section: '2.1 订单创建',
    wire: '/pay_api/order_create',
    kind: 'money',
    request: s.CreateOrderRequest,
    response: s.CreateOrderResponse,
    amounts: ['total_fee'],
    echoes: ['out_trade_no'],
    outcome: (v) => {
      const next = ask({ method: 'queryOrder', params: { out_trade_no: v.out_trade_no } });
      return { ...next, advice: `${next.advice} ${LOST_ORDER(v.out_trade_no)}` };
    },
    // The order waits for the payer: the notice (2.5) or queryOrder settles it.
    journal: {
      orderKey: 'out_trade_no',
      amount: 'total_fee',
      onReply: 'pending',
      refs: ['order_id'],
      refusal,
    },
  }),
  queryOrder: method({
    section: '2.2 订单查询',
    wire: '/pay_api/order_query',
    kind: 'query',
    request: s.QueryOrderRequest,
    response: s.QueryOrderResponse,
    echoes: ['out_trade_no'],
  }),
  cancelOrder: method({
    section: '2.3 订单取消',
    wire: '/pay_api/order_cancel',
    kind: 'state',
    request: s.CancelOrderRequest,
    response: s.OrderRefResponse,
    echoes: ['out_trade_no'],
    outcome: (v) =>
      ask({ method: 'queryOrder', params: { out_trade_no: v.out_trade_no } }, 'read its status'),
  }),
  refundOrder: method({
    section: '2.4 订单退款',
    wire: '/pay_api/order_refund',
    kind: 'money',
    request: s.RefundOrderRequest,
    response: s.OrderRefResponse,
    amounts: ['refund_fee'],
    echoes: ['out_trade_no'],
    // 2.2's reply has no refunded amount, so queryOrder cannot tell whether (part of) a refund happened.
    outcome: (v) => ({
      advice: `No v1.27 query reports refunds (the reply of queryOrder() has no refunded amount); resolve() records it for a person (needs-review) with the order's answer: check the refunds of order ${v.out_trade_no} in the Zhixiao merchant console before refunding again: a second refund may pay out twice.`,
    }),
    // 2.4 has no refund number and allows partial refunds, so out_trade_no cannot name one refund: keyed by
    // the call's journalKey (your refund id), with the order kept for the resolver.
    journal: {
      amount: 'refund_fee',
      onReply: 'succeeded',
      refs: ['order_id'],
      context: ['out_trade_no'],
      refusal,
    },
  }),
  getIdentity: method({
    section: '2.6 身份认证',
    wire: undefined,
    kind: 'query',
    request: s.GetIdentityRequest,
    response: s.GetIdentityResponse,
  }),
  getUserCard: method({
    section: '2.7 获取用户信息及卡包跳转地址',
    wire: undefined,
    kind: 'query',
    request: s.GetUserCardRequest,
    response: s.GetUserCardResponse,
    echoes: ['user_no'],
  }),
  createInvoice: method({
    section: '2.8 票据创建',
    wire: undefined,
    kind: 'money',
    request: s.CreateInvoiceRequest,
    response: s.CreateInvoiceResponse,
    // The table calls the invoice type pay_type, the example payer_type: send both.
    toWire: (v) => ({ ...v, pay_type: v.payer_type }),
    outcome: () => ({
      advice:
        'No v1.27 query reports invoices: check the order in the Zhixiao merchant console, or call createInvoice() with the same order again: the gateway refuses a second invoice of an order (已开票) if the first took effect.',
    }),
  }),
};

export type ZhixiaoMethodName = keyof typeof zhixiaoMethods;

/**
 * The Zhixiao method table: one entry per interface — path, schemas, and how it may be retried.
 * Adding an interface is one entry here plus a one-line method on the client.
 */
import type { z } from 'zod';
import type { OutcomeQuery } from '../core/errors.js';
import type { MethodSpec } from '../core/method.js';
import * as s from './schemas.js';

export interface ZhixiaoMethod<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType>
  extends MethodSpec<Req, Res> {
  /** Default path, or undefined where the vendor hands paths out per customer. */
  path: string | undefined;
  kind: 'query' | 'money' | 'state';
  /** Request as validated → the JSON sent (amounts as strings). */
  toWire?: (v: z.output<Req>) => unknown;
}

const queryByTradeNo = (v: { out_trade_no?: string | undefined }): OutcomeQuery | undefined =>
  v.out_trade_no ? { method: 'queryOrder', params: { out_trade_no: v.out_trade_no } } : undefined;

const method = <Req extends z.ZodType, Res extends z.ZodType>(m: ZhixiaoMethod<Req, Res>) => m;

export const zhixiaoMethods = {
  createOrder: method({
    section: '2.1 订单创建',
    path: '/pay_api/order_create',
    kind: 'money',
    request: s.CreateOrderRequest,
    response: s.CreateOrderResponse,
    toWire: s.toWireCreateOrder,
    outcomeQuery: queryByTradeNo,
  }),
  queryOrder: method({
    section: '2.2 订单查询',
    path: '/pay_api/order_query',
    kind: 'query',
    request: s.QueryOrderRequest,
    response: s.QueryOrderResponse,
  }),
  cancelOrder: method({
    section: '2.3 订单取消',
    path: '/pay_api/order_cancel',
    kind: 'state',
    request: s.CancelOrderRequest,
    response: s.OrderRefResponse,
    outcomeQuery: queryByTradeNo,
  }),
  refundOrder: method({
    section: '2.4 订单退款',
    path: '/pay_api/order_refund',
    kind: 'money',
    request: s.RefundOrderRequest,
    response: s.OrderRefResponse,
    toWire: s.toWireRefund,
    outcomeQuery: queryByTradeNo,
  }),
  getIdentity: method({
    section: '2.6 身份认证',
    path: undefined,
    kind: 'query',
    request: s.GetIdentityRequest,
    response: s.GetIdentityResponse,
  }),
  getUserCard: method({
    section: '2.7 获取用户信息及卡包跳转地址',
    path: undefined,
    kind: 'query',
    request: s.GetUserCardRequest,
    response: s.GetUserCardResponse,
  }),
  createInvoice: method({
    section: '2.8 票据创建',
    path: undefined,
    kind: 'money',
    request: s.CreateInvoiceRequest,
    response: s.CreateInvoiceResponse,
    toWire: s.toWireInvoice,
  }),
};

export type ZhixiaoMethodName = keyof typeof zhixiaoMethods;

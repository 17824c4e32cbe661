/**
 * The OneCard method table: gateway method name, spec section, schemas, wire form and retry class.
 * The wrapper key (`query_card`…) is derived from the method name by `wrapperOf`.
 * Adding a method is one entry here plus a one-line method on the client.
 */
import type { z } from 'zod';
import type { MethodSpec } from '../core/method.js';
import * as s from './schemas.js';
import * as d from './schemas-deployed.js';

export type { MethodKind as OneCardKind } from '../core/method.js';

export interface OneCardMethod<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType>
  extends MethodSpec<Req, Res> {
  /** The gateway method, e.g. `synjones.onecard.query.card`. */
  method: string;
  /** Amount fields sent as decimal strings. */
  amounts?: readonly string[];
  /** Seen in deployed integrations, not documented in v2.41. */
  deployedOnly?: true;
}

const m = <Req extends z.ZodType, Res extends z.ZodType>(x: OneCardMethod<Req, Res>) => x;

export const oneCardMethods = {
  getAccessToken: m({
    method: 'synjones.authorize.access_token',
    section: '2.2.1.1 获取访问令牌',
    kind: 'token',
    request: s.AccessTokenRequest,
    response: s.AccessTokenResponse,
  }),
  queryCard: m({
    method: 'synjones.onecard.query.card',
    section: '2.2.2.1 卡信息查询',
    kind: 'query',
    request: s.QueryCardRequest,
    response: s.QueryCardResponse,
  }),
  queryAccInfo: m({
    method: 'synjones.onecard.query.accinfo',
    section: '2.2.2.2 电子账户信息查询',
    kind: 'query',
    request: s.QueryAccInfoRequest,
    response: s.QueryAccInfoResponse,
  }),
  checkPassword: m({
    method: 'synjones.onecard.check.pwd',
    section: '2.2.3.1 查询密码校验',
    // Not resent: a repeated wrong password counts twice against the card's lockout.
    kind: 'state',
    request: s.CheckPasswordRequest,
    response: s.CheckPasswordResponse,
  }),
  transfer: m({
    method: 'synjones.onecard.acctype.transfer',
    section: '2.2.3.2 账户内电子账户间转账',
    kind: 'money',
    request: s.TransferRequest,
    response: s.TransferResponse,
    amounts: ['tranamt'],
    outcomeQuery: (v) => ({ method: 'queryAccInfo', params: { account: v.account } }),
  }),
  getBarcode: m({
    method: 'synjones.onecard.barcode.get',
    section: '2.2.3.3 账户二维码/条码获取',
    kind: 'state',
    request: s.GetBarcodeRequest,
    response: s.GetBarcodeResponse,
  }),
  payByBarcode: m({
    method: 'synjones.onecard.barcode.pay',
    section: '2.2.3.4 二维码支付交易',
    kind: 'money',
    request: s.PayByBarcodeRequest,
    response: s.PayByBarcodeResponse,
    amounts: ['tranamt'],
    // v2.41 has no payment query: the error tells the caller to check the account before charging again.
  }),
  bindPayAccount: m({
    method: 'synjones.onecard.paygw.bind.acc',
    section: '2.2.4.1 校园卡与支付系统账号绑定',
    kind: 'state',
    request: s.BindPayAccountRequest,
    response: s.BindPayAccountResponse,
  }),
  unbindPayAccount: m({
    method: 'synjones.onecard.paygw.unbind.acc',
    section: '2.2.4.2 校园卡与支付系统账号解绑',
    kind: 'state',
    request: s.UnbindPayAccountRequest,
    response: s.UnbindPayAccountResponse,
  }),
  recharge: m({
    method: 'synjones.onecard.paygw.recharge.card',
    section: '2.2.4.3 校园卡充值请求',
    kind: 'money',
    request: s.RechargeRequest,
    response: s.RechargeResponse,
    amounts: ['order_amount'],
    outcomeQuery: (v) => ({
      method: 'queryRechargeOrder',
      params: { order_no: v.order_no, order_amount: String(v.order_amount) },
    }),
  }),
  queryRechargeOrder: m({
    method: 'synjones.onecard.paygw.query.order',
    section: '2.2.4.5 订单状态查询',
    kind: 'query',
    request: s.QueryRechargeOrderRequest,
    response: s.QueryRechargeOrderResponse,
    amounts: ['order_amount'],
  }),
  // Seen in deployments, not in v2.41. Card-state changes are not resent either.
  queryAccInfoTotal: m({
    method: 'synjones.onecard.query.accinfo.total',
    section: 'deployed: 电子账户汇总',
    deployedOnly: true,
    kind: 'query',
    request: d.QueryAccInfoTotalRequest,
    response: d.QueryAccInfoTotalResponse,
  }),
  querySnoNameFromBarcode: m({
    method: 'synjones.onecard.query.snoname.frombarcode',
    section: 'deployed: 通过二维码查询学工号姓名',
    deployedOnly: true,
    kind: 'query',
    request: d.QuerySnoNameFromBarcodeRequest,
    response: d.QuerySnoNameFromBarcodeResponse,
  }),
  modifyPassword: m({
    method: 'synjones.onecard.modify.pwd',
    section: 'deployed: 修改查询密码',
    deployedOnly: true,
    kind: 'state',
    request: d.ModifyPasswordRequest,
    response: d.AckResponse,
  }),
  lostCard: m({
    method: 'synjones.onecard.lost.card',
    section: 'deployed: 挂失',
    deployedOnly: true,
    kind: 'state',
    request: d.CardStateRequest,
    response: d.AckResponse,
  }),
  unlostCard: m({
    method: 'synjones.onecard.unlost.card',
    section: 'deployed: 解挂',
    deployedOnly: true,
    kind: 'state',
    request: d.CardStateRequest,
    response: d.AckResponse,
  }),
  freezeCard: m({
    method: 'synjones.onecard.frozen.card',
    section: 'deployed: 冻结',
    deployedOnly: true,
    kind: 'state',
    request: d.CardStateRequest,
    response: d.AckResponse,
  }),
  unfreezeCard: m({
    method: 'synjones.onecard.unfrozen.card',
    section: 'deployed: 解冻',
    deployedOnly: true,
    kind: 'state',
    request: d.CardStateRequest,
    response: d.AckResponse,
  }),
  openAccount: m({
    method: 'synjones.onecard.open.acc',
    section: 'deployed: 开户',
    deployedOnly: true,
    kind: 'state',
    request: d.OpenAccountRequest,
    response: d.OpenAccountResponse,
  }),
  modifyAccount: m({
    method: 'synjones.onecard.modify.acc',
    section: 'deployed: 修改账户信息',
    deployedOnly: true,
    kind: 'state',
    request: d.ModifyAccountRequest,
    response: d.AckResponse,
  }),
};

export type OneCardMethodName = keyof typeof oneCardMethods;

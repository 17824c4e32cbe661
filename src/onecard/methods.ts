/**
 * The OneCard method table, the single source of truth for every method: SDK name, gateway method (the
 * wrapper key is derived from it), spec section, kind, schemas, amount fields, the reply fields that must
 * echo the request (`echoes`: 不可空 in the section's reply table, so required; `echoesIfPresent`: 可空),
 * and what to do when a money call's outcome is unknown. The client's methods, the
 * sandbox's dispatch, the CLI and the tests' case lists all follow it.
 */
import type { z } from 'zod';
import type { GatewayError } from '../core/errors.js';
import type { MethodSpec, RefusalMeaning } from '../core/method.js';
import { queryAdvice } from '../core/outcome.js';
import { wrapperOf } from './envelope.js';
import * as s from './schemas.js';
import * as d from './schemas-deployed.js';

export type { MethodKind as OneCardKind } from '../core/method.js';

export interface OneCardMethod<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType>
  extends MethodSpec<Req, Res> {
  /** The gateway method, e.g. `synjones.onecard.query.card`. */
  wire: string;
  /** The JSON key the payload travels under, e.g. `query_card`. */
  wrapper: string;
}

const m = <Req extends z.ZodType, Res extends z.ZodType>(
  wire: string,
  spec: Omit<OneCardMethod<Req, Res>, 'wire' | 'wrapper'>,
): OneCardMethod<Req, Res> => ({ wire, wrapper: wrapperOf(wire), ...spec });

/**
 * Business codes saying the order reached the gateway before: 60009 一卡通流水重复, 60045 发端流水号重复,
 * 60070 下单前查询到该单号已经支付成功. The earlier attempt may have been paid.
 */
const ORDER_SEEN = new Set(['60009', '60045', '60070']);

/**
 * What a refused OneCard money call means for its money (RefusalMeaning). Only a business refusal
 * (retcode) the code tables know, and whose action is not `query`, proves nothing moved. A system refusal
 * (errcode, 40017 included) is signed over the errcode and an empty request alone (spec 1.2), so a captured
 * one verifies as the answer to any request; 60053 and 60073 say the order's state decides.
 */
const refusal = (err: GatewayError): RefusalMeaning =>
  err.level !== 'business'
    ? 'unclear'
    : ORDER_SEEN.has(err.gatewayCode)
      ? 'order-exists'
      : err.info !== undefined && err.info.action !== 'query'
        ? 'not-moved'
        : 'unclear';

/**
 * A query the advice of this client's calls may name, typed by the method it runs:
 * `client.runQuery(err)` runs it on the client that threw.
 */
export type OneCardOutcomeQuery =
  | { method: 'queryRechargeOrder'; params: z.input<typeof s.QueryRechargeOrderRequest> }
  | { method: 'queryCard'; params: z.input<typeof s.QueryCardRequest> };

/** The methods of OneCardOutcomeQuery, for the check before runQuery sends anything. */
export const ONECARD_ADVISED_QUERIES = Object.keys({
  queryRechargeOrder: true,
  queryCard: true,
} satisfies Record<OneCardOutcomeQuery['method'], true>);

/** queryAdvice, held to the queries runQuery accepts. */
const ask = (query: OneCardOutcomeQuery, then?: string) => queryAdvice(query, then);

/**
 * Transfers and barcode payments: v2.41 has no query for one. `resolve()` gathers what can be known for a
 * person (the balances, the intent) and records it as needs-review (docs/recovery.md).
 */
const NO_QUERY =
  'No v2.41 query reports a single charge or transfer; resolve() gathers the evidence for a person (needs-review)';
const balance = (account: string, acctype: string) => `queryAccInfo(${JSON.stringify({ account, acctype })})`;
const SETTLE_FIRST = 'before trying again: a new attempt may move the money twice.';

export const oneCardMethods = {
  getAccessToken: m('synjones.authorize.access_token', {
    section: '2.2.1.1 获取访问令牌',
    kind: 'token',
    request: s.AccessTokenRequest,
    response: s.AccessTokenResponse,
  }),
  queryCard: m('synjones.onecard.query.card', {
    section: '2.2.2.1 卡信息查询',
    kind: 'query',
    request: s.QueryCardRequest,
    response: s.QueryCardResponse,
  }),
  queryAccInfo: m('synjones.onecard.query.accinfo', {
    section: '2.2.2.2 电子账户信息查询',
    kind: 'query',
    request: s.QueryAccInfoRequest,
    response: s.QueryAccInfoResponse,
    echoes: ['account'],
  }),
  checkPassword: m('synjones.onecard.check.pwd', {
    section: '2.2.3.1 查询密码校验',
    // Not resent: a repeated wrong password counts twice against the card's lockout.
    kind: 'state',
    request: s.CheckPasswordRequest,
    response: s.CheckPasswordResponse,
    outcome: () => ({
      advice:
        'Ask the cardholder to try again (checkPassword()); the check has no side effect but the lockout count.',
    }),
  }),
  transfer: m('synjones.onecard.acctype.transfer', {
    section: '2.2.3.2 账户内电子账户间转账',
    kind: 'money',
    request: s.TransferRequest,
    response: s.TransferResponse,
    amounts: ['tranamt'],
    echoes: ['tranamt'],
    outcome: (v) => ({
      advice: `${NO_QUERY}: compare the balances, ${balance(v.account, v.src_acctype)} and ${balance(v.account, v.dst_acctype)}, with the card statement ${SETTLE_FIRST}`,
    }),
    // No order number in 2.2.3.2: keyed by the call's journalKey. The resolver compares the two e-accounts.
    journal: {
      amount: 'tranamt',
      onReply: 'succeeded',
      context: ['account', 'src_acctype', 'dst_acctype'],
      refusal,
    },
  }),
  getBarcode: m('synjones.onecard.barcode.get', {
    section: '2.2.3.3 账户二维码/条码获取',
    kind: 'state',
    request: s.GetBarcodeRequest,
    response: s.GetBarcodeResponse,
    echoes: ['account', 'paytype'],
    // 2.2.3.3.2: payacc is 可空 in the reply (empty for paytype 2).
    echoesIfPresent: ['payacc'],
    outcome: () => ({ advice: 'Fetch a new code with getBarcode(); an unused code expires on its own.' }),
  }),
  payByBarcode: m('synjones.onecard.barcode.pay', {
    section: '2.2.3.4 二维码支付交易',
    kind: 'money',
    request: s.PayByBarcodeRequest,
    response: s.PayByBarcodeResponse,
    amounts: ['tranamt'],
    echoes: ['tranamt'],
    outcome: (v) => ({
      advice: `${NO_QUERY}: compare the payment of ${v.tranamt} fen at merchant ${v.mercacc} with the merchant's statement (the account is unknown: only the reply names it) ${SETTLE_FIRST} Never charge a new code for the same sale until the first one is settled.`,
    }),
    // No order number in 2.2.3.4: keyed by the call's journalKey. `barcode` is not kept: it is the payer's
    // payment credential (whoever holds a live code can charge the payer's account, 2.2.3.3), and it
    // cannot answer a later question (it expires in 60 seconds and pays once). The reply's `account` names the payer.
    journal: {
      amount: 'tranamt',
      onReply: 'succeeded',
      refs: ['account'],
      context: ['mercacc', 'posnum'],
      refusal,
    },
  }),
  bindPayAccount: m('synjones.onecard.paygw.bind.acc', {
    section: '2.2.4.1 校园卡与支付系统账号绑定',
    kind: 'state',
    request: s.BindPayAccountRequest,
    response: s.BindPayAccountResponse,
    echoes: ['pay_type', 'account'],
    // 2.2.4.1.2: openid is 可空 in the reply.
    echoesIfPresent: ['openid'],
    outcome: () => ({ advice: 'Binding again is harmless: call bindPayAccount() again to learn the state.' }),
  }),
  unbindPayAccount: m('synjones.onecard.paygw.unbind.acc', {
    section: '2.2.4.2 校园卡与支付系统账号解绑',
    kind: 'state',
    request: s.UnbindPayAccountRequest,
    response: s.UnbindPayAccountResponse,
    echoes: ['pay_type'],
    // 2.2.4.2.2: openid is 可空 in the reply.
    echoesIfPresent: ['openid'],
    outcome: () => ({ advice: 'unbindPayAccount() again answers 60003 if it already took effect.' }),
  }),
  recharge: m('synjones.onecard.paygw.recharge.card', {
    section: '2.2.4.3 校园卡充值请求',
    kind: 'money',
    request: s.RechargeRequest,
    response: s.RechargeResponse,
    amounts: ['order_amount'],
    echoes: ['account', 'acctype', 'order_no', 'order_amount'],
    // 2.2.4.3: order_time is 不可空, YYYYMMDDHH24MISS; the README promises "now" when left out.
    defaults: (ctx) => ({ order_time: ctx.now }),
    outcome: (v) =>
      ask({ method: 'queryRechargeOrder', params: { order_no: v.order_no, order_amount: v.order_amount } }),
    // The order waits for the payer: the notice (2.2.4.4) or queryRechargeOrder settles it.
    journal: {
      orderKey: 'order_no',
      amount: 'order_amount',
      onReply: 'pending',
      refs: ['out_id'],
      context: ['account', 'acctype'],
      refusal,
    },
  }),
  queryRechargeOrder: m('synjones.onecard.paygw.query.order', {
    section: '2.2.4.5 订单状态查询',
    kind: 'query',
    request: s.QueryRechargeOrderRequest,
    response: s.QueryRechargeOrderResponse,
    amounts: ['order_amount'],
    echoes: ['order_no', 'out_id', 'order_amount'],
  }),
  // Seen in deployments, not in v2.41. Card-state changes are not resent either. No spec table says which
  // reply fields are required, so their echoes are compared when present (echoesIfPresent).
  queryAccInfoTotal: m('synjones.onecard.query.accinfo.total', {
    section: 'deployed: 电子账户汇总',
    deployedOnly: true,
    kind: 'query',
    request: d.QueryAccInfoTotalRequest,
    response: d.QueryAccInfoTotalResponse,
    echoesIfPresent: ['acctype'],
  }),
  querySnoNameFromBarcode: m('synjones.onecard.query.snoname.frombarcode', {
    section: 'deployed: 通过二维码查询学工号姓名',
    deployedOnly: true,
    kind: 'query',
    request: d.QuerySnoNameFromBarcodeRequest,
    response: d.QuerySnoNameFromBarcodeResponse,
  }),
  modifyPassword: m('synjones.onecard.modify.pwd', {
    section: 'deployed: 修改查询密码',
    deployedOnly: true,
    kind: 'state',
    request: d.ModifyPasswordRequest,
    response: d.AckResponse,
    echoesIfPresent: ['account'],
    outcome: (v) => stateAdvice(v.account, 'the new password with checkPassword()'),
  }),
  lostCard: cardState('synjones.onecard.lost.card', '挂失', 'lostflag'),
  unlostCard: cardState('synjones.onecard.unlost.card', '解挂', 'lostflag'),
  freezeCard: cardState('synjones.onecard.frozen.card', '冻结', 'freezeflag'),
  unfreezeCard: cardState('synjones.onecard.unfrozen.card', '解冻', 'freezeflag'),
  openAccount: m('synjones.onecard.open.acc', {
    section: 'deployed: 开户',
    deployedOnly: true,
    kind: 'state',
    request: d.OpenAccountRequest,
    response: d.OpenAccountResponse,
    echoesIfPresent: ['sno'],
    outcome: (v) => ask({ method: 'queryCard', params: { idtype: 'sno', id: v.sno } }),
  }),
  modifyAccount: m('synjones.onecard.modify.acc', {
    section: 'deployed: 修改账户信息',
    deployedOnly: true,
    kind: 'state',
    request: d.ModifyAccountRequest,
    response: d.AckResponse,
    echoesIfPresent: ['account'],
    outcome: (v) => stateAdvice(v.account, 'the account details with queryCard()'),
  }),
};

/** The four deployed card-state changes: one account in, an acknowledgement out, queryCard shows the flag. */
function cardState(wire: string, zh: string, flag: 'lostflag' | 'freezeflag') {
  return m(wire, {
    section: `deployed: ${zh}`,
    deployedOnly: true,
    kind: 'state',
    request: d.CardStateRequest,
    response: d.AckResponse,
    echoesIfPresent: ['account'],
    outcome: (v) => ask({ method: 'queryCard', params: { idtype: 'acc', id: v.account } }, `read ${flag}`),
  });
}

function stateAdvice(account: string, what: string) {
  return { advice: `Check ${what} for account ${account} before trying again.` };
}

export type OneCardMethodName = keyof typeof oneCardMethods;

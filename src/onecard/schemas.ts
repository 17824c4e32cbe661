/**
 * Synjones OneCard v2.41 request and reply schemas. Field names are the spec's; byte limits are the
 * spec's String(n); amounts are integer fen (numbers) here and decimal strings on the wire.
 *
 * Requests are exact: an unknown key is refused before anything is sent. Replies are tolerant: a field
 * the spec marks 可空 (or that deployments leave out) comes back `undefined` whether it was absent, null
 * or ""; statuses and flags come back raw, with a meaning that may be `'unknown'`; fields a deployment
 * adds are kept under `extra`. Amounts, order numbers and accounts stay strict.
 */
import { z } from 'zod';
import {
  bytes,
  fen,
  gbk,
  httpUrl,
  optFen,
  optString,
  replyFen,
  replyList,
  replyObject,
  replyString,
  requiredBytes,
  type StateOf,
  withState,
} from '../core/schema.js';

/** 身份标识类型 Identity type: 学工号 sno, 证件号 id, 手机号 phone, 帐号 acc, 卡号 cardid, 二维码 barcode. */
export const IdType = z.enum(['sno', 'id', 'phone', 'acc', 'cardid', 'barcode']);
/** 电子账户类型 E-account type: `###` is the card account, others are e-account codes (≤ 3 bytes). */
const acctype = requiredBytes(3);
const account = requiredBytes(10);

// 2.2.1.1 获取访问令牌 access token
export const AccessTokenRequest = z.strictObject({});
export type AccessTokenRequest = z.input<typeof AccessTokenRequest>;
/** 2.2.1.1 reply. */
export const AccessTokenResponse = replyObject({
  /** 访问令牌 The token (never logged). */
  access_token: z.string().min(1),
  /**
   * 过期时间 Lifetime in seconds (arrives as a string, e.g. "7200"). Undefined when missing or not a
   * number: the token is then used for the 2-minute fetch interval (a served token is never thrown away).
   */
  expires_in: z
    .unknown()
    .transform((v) => {
      const n = typeof v === 'number' || typeof v === 'string' ? Number(v) : Number.NaN;
      return Number.isFinite(n) ? n : undefined;
    })
    .optional(),
});
export type AccessTokenReply = z.output<typeof AccessTokenResponse>;

// 2.2.2.1 卡信息查询 card query
export const QueryCardRequest = z.strictObject({
  /** 身份标识类型 sno / id / phone / acc / cardid / barcode. */
  idtype: IdType,
  /** 身份标识 The identifier, String(32). */
  id: requiredBytes(32),
});
export type QueryCardRequest = z.input<typeof QueryCardRequest>;

/** 2.2.2.1 card 结构: one card of the identity. Optional fields come back undefined when absent, null or "". */
export const Card = replyObject({
  /** 一卡通帐号 Card account. */
  account: replyString,
  /** 用户姓名 Name (可空). */
  name: optString,
  /** 未领取余额 Unclaimed balance, fen. */
  unsettle_amount: optFen,
  /** 库余额 Card balance, fen. */
  db_balance: optFen,
  /** 挂失标识 `0` 正常 normal / `1` 挂失 reported lost. */
  lostflag: optString,
  /** 冻结标识 `0` 正常 normal / `1` 冻结 frozen. */
  freezeflag: optString,
  /** 身份信息标识 `0` no identity data / `1` present. */
  idflag: optString,
  /** 扫码业务开通标识 `0` code payment off / `1` on. */
  barflag: optString,
  /** 开户时间 Opened, yyyyMMdd. */
  createdate: optString,
  /** 过期时间 Expires, yyyyMMdd. */
  expdate: optString,
  /** 卡类型 Card type code. */
  cardtype: optString,
  /** 卡类型名 Card type name. */
  cardname: optString,
  /** 绑定银行卡号 Bound bank card (可空). */
  bankacc: optString,
  /** 学号 Student/staff number (可空). */
  sno: optString,
  /** 手机号 Phone (可空). */
  phone: optString,
  /** 证件类型 ID document type, `001` 身份证 (可空). */
  certtype: optString,
  /** 证件号 ID document number (可空). */
  cert: optString,
  /** 自动转账警戒额 Auto-transfer threshold, fen. */
  autotrans_limite: optFen,
  /** 自动转账额 Auto-transfer amount, fen. */
  autotrans_amt: optFen,
  /** 转账标识 `0` 禁止 none / `1` 自助 self-service / `2` 自助及自动 self-service and automatic. */
  autotrans_flag: optString,
  /** 主副卡标识 `0` neither / `1` main / `2` secondary card. */
  mscard: optString,
  /** 副卡数量 Number of secondary cards (可空). */
  scard_num: optString,
});
export type CardInfo = z.output<typeof Card>;
/** 2.2.2.1 reply. */
export const QueryCardResponse = replyObject({
  /** 卡信息 Every card of the identity (a single object or null from some deployments becomes a list). */
  card: replyList(Card),
});
export type QueryCardReply = z.output<typeof QueryCardResponse>;

// 2.2.2.2 电子账户信息查询 e-account query
export const QueryAccInfoRequest = z.strictObject({
  /** 一卡通账户 Card account. */
  account,
  /** 电子账户类型: `###` card account; another code for that e-account; omit for all e-accounts. */
  acctype: bytes(3).optional(),
});
export type QueryAccInfoRequest = z.input<typeof QueryAccInfoRequest>;
/** 2.2.2.2 accinfo 结构: one e-account. */
export const AccInfo = replyObject({
  /** 电子账户名 E-account name. */
  name: optString,
  /** 电子账户类型 E-account type (`###` = card account). */
  type: replyString,
  /** 电子账户余额 Balance, fen. */
  balance: replyFen,
  /** 自动转账警戒额 Auto-transfer threshold, fen. */
  autotrans_limite: optFen,
  /** 自动转账额 Auto-transfer amount, fen. */
  autotrans_amt: optFen,
  /** 转账标识 `0` 禁止 none / `1` 自助 self-service / `2` 自助及自动 self-service and automatic. */
  autotrans_flag: optString,
  /** 单次支付限额 Single-payment limit, fen. */
  singlelimit: optFen,
  /** 当天支付限额 Daily limit, fen. */
  daycostlimit: optFen,
  /** 当天支付累计 Spent today, fen. */
  daycostamt: optFen,
  /** 免密金额 Amount payable without password, fen. */
  nonpwdlimit: optFen,
});
export type AccInfoFields = z.output<typeof AccInfo>;
/** 2.2.2.2 reply. */
export const QueryAccInfoResponse = replyObject({
  /** 一卡通账户 Card account. */
  account: optString,
  /** 电子账户 The e-accounts. */
  accinfo: replyList(AccInfo),
});
export type QueryAccInfoReply = z.output<typeof QueryAccInfoResponse>;

// 2.2.3.1 查询密码校验 query-password check
export const CheckPasswordRequest = z.strictObject({
  idtype: IdType.exclude(['barcode']),
  id: requiredBytes(32),
  /** 校园卡查询密码 Query password (never logged). */
  pwd: requiredBytes(32),
});
export type CheckPasswordRequest = z.input<typeof CheckPasswordRequest>;
/** 2.2.3.1 reply. */
export const CheckPasswordResponse = replyObject({
  /** 一卡通帐号 The first card whose password matched. */
  account: replyString,
  /** 学工号 Student/staff number (可空). */
  sno: optString,
});
export type CheckPasswordReply = z.output<typeof CheckPasswordResponse>;

// 2.2.3.2 账户内电子账户间转账 transfer between e-accounts
export const TransferRequest = z.strictObject({
  account,
  /** 交易金额 Amount in fen. */
  tranamt: fen(10),
  /** 转出账户类型 Source e-account type (`###` = card account). */
  src_acctype: acctype,
  /** 转入账户类型 Target e-account type. */
  dst_acctype: acctype,
  /** 备注 Remark, String(128). */
  remark: bytes(128).optional(),
});
export type TransferRequest = z.input<typeof TransferRequest>;
/** 2.2.3.2 reply. */
export const TransferResponse = replyObject({
  /** 交易金额 Amount moved, fen; must equal the request's. */
  tranamt: optFen,
});
export type TransferReply = z.output<typeof TransferResponse>;

// 2.2.3.3 账户二维码/条码获取 payment code
/** 支付方式 1 校园卡账户 card account, 2 绑定银行卡 bound bank card, 3 自定义银行卡 given bank card. */
export const BarcodePayType = z.enum(['1', '2', '3']);
export const GetBarcodeRequest = z.strictObject({
  account,
  paytype: BarcodePayType,
  /** 支付账号: paytype 1 → acctype (`###` card account); 2 → empty; 3 → bank card number. */
  payacc: bytes(64).optional(),
});
export type GetBarcodeRequest = z.input<typeof GetBarcodeRequest>;
/** 2.2.3.3 reply. */
export const GetBarcodeResponse = replyObject({
  /** 一卡通账户 Card account. */
  account: optString,
  /** 支付方式 Payment type, as sent. */
  paytype: optString,
  /** 支付账号 Paying account, as sent (可空). */
  payacc: optString,
  /** 条码数据 The 22-digit code (a JSON number that lost digits is refused). */
  barcode: replyString,
  /** 二维码超时时间 Seconds the code is valid (60). */
  expires: replyFen,
});
export type GetBarcodeReply = z.output<typeof GetBarcodeResponse>;

// 2.2.3.4 二维码支付交易 charge a scanned code
export const PayByBarcodeRequest = z.strictObject({
  /** 学付宝二维码 The scanned code (digits; barcode.get issues 22). */
  barcode: z.string().regex(/^\d{1,22}$/, { message: 'must be the scanned code: 1 to 22 digits' }),
  /** 商户号 Merchant account. */
  mercacc: requiredBytes(10),
  /** 交易金额 Amount in fen. */
  tranamt: fen(10),
  /** 摘要 Remark. */
  remark: bytes(128).optional(),
  /** 餐次 Meal number: one digit, 0–9. */
  dineseq: z
    .union([z.string(), z.number()])
    .transform(String)
    .pipe(z.string().regex(/^\d$/, { message: 'must be one digit (0-9)' })),
  /** pos 号 POS number. */
  posnum: bytes(10).optional(),
});
export type PayByBarcodeRequest = z.input<typeof PayByBarcodeRequest>;
/** 2.2.3.4 reply. */
export const PayByBarcodeResponse = replyObject({
  /** 一卡通账户 The paying card account. */
  account: optString,
  /** 交易金额 Amount charged, fen; must equal the request's. */
  tranamt: optFen,
});
export type PayByBarcodeReply = z.output<typeof PayByBarcodeResponse>;

// 2.2.4.1 / 2.2.4.2 绑定 / 解绑 payment-system account
/** 支付系统类型 for binding: 支付宝 alipay, 微信 weixin. */
export const BindPayType = z.enum(['alipay', 'weixin']);
export const BindPayAccountRequest = z.strictObject({
  pay_type: BindPayType,
  /** 支付系统用户唯一标识 Payer id in the payment system (可空). */
  openid: bytes(128).optional(),
  /** 一卡通账号 Card account (the spec's example says `acc`; its table, followed here, `account`). */
  account,
});
export type BindPayAccountRequest = z.input<typeof BindPayAccountRequest>;
/** 2.2.4.1 reply. */
export const BindPayAccountResponse = replyObject({
  /** 支付系统类型 Payment system (alipay / weixin), as sent. */
  pay_type: optString,
  /** 支付系统用户唯一标识 Payer id in the payment system (可空). */
  openid: optString,
  /** 一卡通账号 Card account. */
  account: optString,
});
export type BindPayAccountReply = z.output<typeof BindPayAccountResponse>;
export const UnbindPayAccountRequest = z.strictObject({
  pay_type: BindPayType,
  openid: bytes(128).optional(),
});
export type UnbindPayAccountRequest = z.input<typeof UnbindPayAccountRequest>;
/** 2.2.4.2 reply. */
export const UnbindPayAccountResponse = replyObject({
  /** 支付系统类型 Payment system (alipay / weixin), as sent. */
  pay_type: optString,
  /** 支付系统用户唯一标识 Payer id in the payment system (可空). */
  openid: optString,
});
export type UnbindPayAccountReply = z.output<typeof UnbindPayAccountResponse>;

// 2.2.4.3 校园卡充值请求 recharge
/** 请求类型 wap, web, nativejs (微信公众号), native (扫码), ios, android. */
export const ClientType = z.enum(['wap', 'web', 'nativejs', 'native', 'ios', 'android']);
/** 支付系统类型 alipay, unionpay, weixin, cqtianyipayext, cmbcpay, cbcpay, anxinpay. */
export const RechargePayType = z.enum([
  'alipay',
  'unionpay',
  'weixin',
  'cqtianyipayext',
  'cmbcpay',
  'cbcpay',
  'anxinpay',
]);

/** yyyyMMddHHmmss that names a real moment (no Feb 30, no month 13, no 24:00). */
const compactTimeText = z.string().refine(
  (s) => {
    const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s);
    if (!m) return false;
    const [y, mo, d, h, mi, sec] = m.slice(1).map(Number) as [number, number, number, number, number, number];
    const t = new Date(Date.UTC(y, mo - 1, d, h, mi, sec));
    return t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && h < 24 && mi < 60 && sec < 60;
  },
  { message: 'must be yyyyMMddHHmmss naming a real time (Beijing time), or a Date' },
);
/** A Date stays a Date here: the client writes it in its own time zone, like the request timestamp. */
const compactTime = z.union([
  z.date().refine((d) => !Number.isNaN(d.getTime()), { message: 'is an invalid Date' }),
  compactTimeText,
]);

export const RechargeRequest = z
  .strictObject({
    client_type: ClientType,
    pay_type: RechargePayType,
    /** 要充值的一卡通账号 Card account to credit. */
    account,
    acctype,
    /**
     * 对接系统订单号 Your order number, ≤ 24 bytes. The spec lets it be empty; this SDK requires it, because
     * it is the only key by which an ambiguous outcome can be queried (queryRechargeOrder).
     */
    order_no: requiredBytes(24),
    /** 订单金额 Amount in fen. */
    order_amount: fen(16),
    /** 订单时间: a Date (written in the client's time zone) or yyyyMMddHHmmss; defaults to now. */
    order_time: compactTime.optional(),
    /** 订单说明 String(128) counted in GBK: 全中文最多 60 个汉字 (up to 64 Chinese characters fit). */
    order_note: gbk(128).optional(),
    /** 一卡通备注, counted like order_note; %localsn% and %paymentsn% are expanded by the gateway. */
    aic_note: gbk(128).optional(),
    /**
     * 前台跳转地址 Page the payer returns to (the front-end notice, a GET): an absolute http(s) URL,
     * ≤ 200 bytes; or `null` for none (值为 null 时,不发起通知), sent as JSON null.
     */
    return_url: httpUrl(200).nullable(),
    /**
     * 后台通知地址 Where paygw.notify.result is POSTed: an absolute http(s) URL; or `null` for no back-end
     * notice (值为 null 时,不发起通知), sent as JSON null — then only queryRechargeOrder tells the outcome.
     */
    notify_url: httpUrl(200).nullable(),
    /** WeChat openid; required for weixin + nativejs. */
    openid: bytes(128).optional(),
    /** 微信优惠标识 WeChat coupon tag. */
    goods_tag: bytes(64).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.pay_type === 'weixin' && v.client_type === 'nativejs' && !v.openid) {
      ctx.addIssue({
        code: 'custom',
        path: ['openid'],
        message: 'is required when pay_type is weixin and client_type is nativejs',
      });
    }
  });
export type RechargeRequest = z.input<typeof RechargeRequest>;
/** 2.2.4.3 reply: what to hand the payer's browser (see rechargeToHtmlForm, rechargeToQrPayload). */
export const RechargeResponse = replyObject({
  /** 要充值的一卡通账号 Card account credited; must equal the request's. */
  account: optString,
  /** 电子账户类型 E-account type credited; must equal the request's. */
  acctype: optString,
  /** 一卡通业务流水 OneCard serial. */
  out_id: replyString,
  /** 对接系统订单号 Your order number; must equal the request's. */
  order_no: replyString,
  /** 订单金额 Amount, fen; must equal the request's. */
  order_amount: optFen,
  /** 数据提交方式 get, post, nativejs, native (扫码: post_url is the QR content). */
  post_type: replyString,
  /** 实际支付系统 url, or the QR content for native. */
  post_url: replyString,
  /** 向支付系统提交的数据: URL-encoded form data ("" when none was sent). */
  post_data: z.preprocess((v) => (v === null || v === undefined ? '' : v), replyString),
});
export type RechargeReply = z.output<typeof RechargeResponse>;

// 2.2.4.5 订单状态查询 recharge order status
export const QueryRechargeOrderRequest = z
  .strictObject({
    /** 一卡通业务流水 OneCard serial; give it or order_no. */
    out_id: bytes(24).optional(),
    order_no: bytes(24).optional(),
    /** 订单金额 Amount in fen, as sent with the recharge. */
    order_amount: fen(16),
  })
  .superRefine((v, ctx) => {
    if (!v.out_id && !v.order_no)
      ctx.addIssue({ code: 'custom', path: ['order_no'], message: 'give order_no or out_id' });
  });
export type QueryRechargeOrderRequest = z.input<typeof QueryRechargeOrderRequest>;

/**
 * 订单状态 Recharge order status: each code with its state and the spec's wording. The spec's table lists
 * 10–80; its own example answers `"0"`, which is the notice's "paid" (2.2.4.4): read as paid.
 */
export const RechargeOrderStatus = {
  '0': { state: 'paid', meaning: "支付成功 paid (the spec's example and the 2.2.4.4 notice)" },
  '10': { state: 'pending', meaning: '一卡通交易申请已生成 ordered, payment outcome unknown' },
  '40': { state: 'paid', meaning: '己应答支付交易处理结果 paid, not yet credited to the card' },
  '50': { state: 'crediting', meaning: '已通知第三方支付系统圈存结果 paid, being credited' },
  '60': { state: 'credited', meaning: '第三方支付系统己应答圈存结果 paid and credited' },
  '77': { state: 'failed', meaning: '支付系统支付失败 payment failed' },
  '78': { state: 'not_found', meaning: '订单不存在 no such order' },
  '80': { state: 'refunding', meaning: '订单转入退款 refund started' },
} as const;
export type RechargeOrderStatusCode = keyof typeof RechargeOrderStatus;
/** What a recharge order status means: a state of RechargeOrderStatus, or `'unknown'`. */
export type RechargeOrderState = StateOf<typeof RechargeOrderStatus>;

/** 2.2.4.5 reply: the fields the gateway sends. */
const rechargeOrderFields = replyObject({
  /** 一卡通账号 Card account. */
  account: optString,
  /** 电子账户类型 E-account type. */
  acctype: optString,
  /** 对接系统订单号 Your order number; must equal the request's when both are given. */
  order_no: optString,
  /** 订单金额 Amount, fen; must equal the request's. */
  order_amount: optFen,
  /** 一卡通业务流水 OneCard serial. */
  out_id: optString,
  /** 支付时间 Paid at, yyyyMMddHHmmss. */
  pay_time: optString,
  /** 清算日期 Settlement date, yyyyMMdd. */
  sttl_date: optString,
  /** 订单状态, raw: 10 / 40 / 50 / 60 / 77 / 78 / 80 (and "0" in the spec's example); see RechargeOrderStatus. */
  order_status: replyString,
});
/** 2.2.4.5 reply, with `order_state`: what order_status means; 'unknown' for a code the spec does not list (never an error). */
export const QueryRechargeOrderResponse = withState(
  rechargeOrderFields,
  'order_state',
  RechargeOrderStatus,
  (v) => v.order_status.trim(),
);
export type QueryRechargeOrderReply = z.output<typeof QueryRechargeOrderResponse>;

// 2.2.4.4 交易通知 recharge notification (inbound)
/** 2.2.4.4 the notice's business fields. */
export const RechargeNotification = replyObject({
  /** 要充值的一卡通账号 Card account. */
  account: replyString,
  /** 电子账户类型 E-account type. */
  acctype: optString,
  /** 对接系统订单号 Your order number: de-duplicate on it. */
  order_no: replyString,
  /** 订单金额 Amount, fen. */
  order_amount: replyFen,
  /** 一卡通业务流水 OneCard serial. */
  out_id: replyString,
  /** 支付时间 Paid at, yyyyMMddHHmmss. */
  pay_time: optString,
  /** 清算日期 Settlement date, yyyyMMdd. */
  sttl_date: optString,
  /** 订单状态 `0` paid; anything else failed. */
  order_status: replyString,
});
export type RechargeNotificationFields = z.output<typeof RechargeNotification>;

/** @deprecated since 0.2.0: named replies are `XxxReply`. */
export type AccessTokenResponse = AccessTokenReply;
/** @deprecated since 0.2.0 */
export type QueryCardResponse = QueryCardReply;
/** @deprecated since 0.2.0 */
export type QueryAccInfoResponse = QueryAccInfoReply;
/** @deprecated since 0.2.0 */
export type CheckPasswordResponse = CheckPasswordReply;
/** @deprecated since 0.2.0 */
export type TransferResponse = TransferReply;
/** @deprecated since 0.2.0 */
export type GetBarcodeResponse = GetBarcodeReply;
/** @deprecated since 0.2.0 */
export type PayByBarcodeResponse = PayByBarcodeReply;
/** @deprecated since 0.2.0 */
export type BindPayAccountResponse = BindPayAccountReply;
/** @deprecated since 0.2.0 */
export type UnbindPayAccountResponse = UnbindPayAccountReply;
/** @deprecated since 0.2.0 */
export type RechargeResponse = RechargeReply;
/** @deprecated since 0.2.0 */
export type QueryRechargeOrderResponse = QueryRechargeOrderReply;

/** AccInfoFields, under the schema's name. */
export type AccInfo = z.output<typeof AccInfo>;

/** RechargeNotificationFields, under the schema's name. */
export type RechargeNotification = z.output<typeof RechargeNotification>;

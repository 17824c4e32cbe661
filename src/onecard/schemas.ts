/**
 * Synjones OneCard v2.41 request and reply schemas. Field names are the spec's; byte limits are the
 * spec's String(n); amounts are integer fen (numbers) here and decimal strings on the wire. Replies are
 * `loose`: deployments add fields (acc_status, elec_accamt, cardid…) and they are kept.
 */
import { z } from 'zod';
import { bytes, fen, replyFen, replyString, requiredBytes } from '../core/schema.js';
import { formatCompactTime } from '../core/time.js';

/** 身份标识类型 Identity type: 学工号 sno, 证件号 id, 手机号 phone, 帐号 acc, 卡号 cardid, 二维码 barcode. */
export const IdType = z.enum(['sno', 'id', 'phone', 'acc', 'cardid', 'barcode']);
/** 电子账户类型 E-account type: `###` is the card account, others are e-account codes (≤ 3 bytes). */
const acctype = requiredBytes(3);
const account = requiredBytes(10);
const optAmount = replyFen.optional();
const optString = replyString.optional();
/** 0/1 (or 0/1/2) flags, kept as the spec's strings. */
const flag = replyString.optional();

/** A reply list that some deployments send as a single object. */
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) => (v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? v : [v]),
    z.array(item),
  );

// 2.2.1.1 获取访问令牌 access token
export const AccessTokenRequest = z.looseObject({});
export const AccessTokenResponse = z.looseObject({
  access_token: z.string().min(1),
  /** 过期时间 Lifetime in seconds; arrives as a string. */
  expires_in: replyFen,
});
export type AccessTokenResponse = z.output<typeof AccessTokenResponse>;

// 2.2.2.1 卡信息查询 card query
export const QueryCardRequest = z.looseObject({ idtype: IdType, /** 身份标识 */ id: requiredBytes(32) });
export type QueryCardRequest = z.input<typeof QueryCardRequest>;
export const Card = z.looseObject({
  /** 一卡通帐号 Card account. */
  account: replyString,
  /** 用户姓名 Name. */
  name: optString,
  /** 未领取余额 Unclaimed balance (fen). */
  unsettle_amount: optAmount,
  /** 库余额 Card balance (fen). */
  db_balance: optAmount,
  /** 挂失标识 0 正常 / 1 挂失 lost. */
  lostflag: flag,
  /** 冻结标识 0 正常 / 1 冻结 frozen. */
  freezeflag: flag,
  /** 身份信息标识 0 none / 1 present. */
  idflag: flag,
  /** 扫码业务开通标识 0 off / 1 on. */
  barflag: flag,
  /** 开户时间 yyyyMMdd. */
  createdate: optString,
  /** 过期时间 yyyyMMdd. */
  expdate: optString,
  /** 卡类型 / 卡类型名 Card type and its name. */
  cardtype: optString,
  cardname: optString,
  /** 绑定银行卡号 Bound bank card. */
  bankacc: optString,
  /** 学号 Student/staff number. */
  sno: optString,
  phone: optString,
  /** 证件类型 001 身份证 / 证件号. */
  certtype: optString,
  cert: optString,
  /** 自动转账警戒额 / 自动转账额 (fen), 转账标识 0 禁止 / 1 自助 / 2 自助及自动. */
  autotrans_limite: optAmount,
  autotrans_amt: optAmount,
  autotrans_flag: flag,
  /** 主副卡标识 0 none / 1 main / 2 secondary; 副卡数量. */
  mscard: flag,
  scard_num: optString,
});
export const QueryCardResponse = z.looseObject({ card: list(Card) });
export type QueryCardResponse = z.output<typeof QueryCardResponse>;

// 2.2.2.2 电子账户信息查询 e-account query
export const QueryAccInfoRequest = z.looseObject({
  account,
  /** `###` card account; another code for that e-account; omit for all e-accounts. */
  acctype: bytes(3).optional(),
});
export type QueryAccInfoRequest = z.input<typeof QueryAccInfoRequest>;
export const AccInfo = z.looseObject({
  /** 电子账户名 / 类型 / 余额 (fen). */
  name: optString,
  type: replyString,
  balance: replyFen,
  autotrans_limite: optAmount,
  autotrans_amt: optAmount,
  autotrans_flag: flag,
  /** 单次支付限额 / 当天支付限额 / 当天支付累计 / 免密金额 (fen). */
  singlelimit: optAmount,
  daycostlimit: optAmount,
  daycostamt: optAmount,
  nonpwdlimit: optAmount,
});
export const QueryAccInfoResponse = z.looseObject({ account: optString, accinfo: list(AccInfo) });
export type QueryAccInfoResponse = z.output<typeof QueryAccInfoResponse>;

// 2.2.3.1 查询密码校验 query-password check
export const CheckPasswordRequest = z.looseObject({
  idtype: IdType.exclude(['barcode']),
  id: requiredBytes(32),
  /** 校园卡查询密码 Query password (never logged). */
  pwd: requiredBytes(32),
});
export type CheckPasswordRequest = z.input<typeof CheckPasswordRequest>;
export const CheckPasswordResponse = z.looseObject({ account: replyString, sno: optString });
export type CheckPasswordResponse = z.output<typeof CheckPasswordResponse>;

// 2.2.3.2 账户内电子账户间转账 transfer between e-accounts
export const TransferRequest = z.looseObject({
  account,
  /** 交易金额 Amount in fen. */
  tranamt: fen(10),
  /** 转出 / 转入账户类型 Source and target e-account types (`###` = card account). */
  src_acctype: acctype,
  dst_acctype: acctype,
  /** 备注 Remark. */
  remark: bytes(128).optional(),
});
export type TransferRequest = z.input<typeof TransferRequest>;
export const TransferResponse = z.looseObject({ tranamt: optAmount });
export type TransferResponse = z.output<typeof TransferResponse>;

// 2.2.3.3 账户二维码/条码获取 payment code
/** 支付方式 1 校园卡账户 card account, 2 绑定银行卡 bound bank card, 3 自定义银行卡 given bank card. */
export const BarcodePayType = z.enum(['1', '2', '3']);
export const GetBarcodeRequest = z.looseObject({
  account,
  paytype: BarcodePayType,
  /** 支付账号: paytype 1 → acctype (`###` card account); 2 → empty; 3 → bank card number. */
  payacc: bytes(64).optional(),
});
export type GetBarcodeRequest = z.input<typeof GetBarcodeRequest>;
export const GetBarcodeResponse = z.looseObject({
  account: optString,
  paytype: optString,
  payacc: optString,
  /** 条码数据 22-digit code. */
  barcode: replyString,
  /** 二维码超时时间 Seconds the code is valid (60). */
  expires: replyFen,
});
export type GetBarcodeResponse = z.output<typeof GetBarcodeResponse>;

// 2.2.3.4 二维码支付交易 charge a scanned code
export const PayByBarcodeRequest = z.looseObject({
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
export const PayByBarcodeResponse = z.looseObject({ account: optString, tranamt: optAmount });
export type PayByBarcodeResponse = z.output<typeof PayByBarcodeResponse>;

// 2.2.4.1 / 2.2.4.2 绑定 / 解绑 payment-system account
/** 支付系统类型 for binding: 支付宝 alipay, 微信 weixin. */
export const BindPayType = z.enum(['alipay', 'weixin']);
export const BindPayAccountRequest = z.looseObject({
  pay_type: BindPayType,
  /** 支付系统用户唯一标识 Payer id in the payment system. */
  openid: bytes(128).optional(),
  /** 一卡通账号 Card account (the spec's example says `acc`; its table, followed here, `account`). */
  account,
});
export type BindPayAccountRequest = z.input<typeof BindPayAccountRequest>;
export const BindPayAccountResponse = z.looseObject({
  pay_type: optString,
  openid: optString,
  account: optString,
});
export type BindPayAccountResponse = z.output<typeof BindPayAccountResponse>;
export const UnbindPayAccountRequest = z.looseObject({
  pay_type: BindPayType,
  openid: bytes(128).optional(),
});
export type UnbindPayAccountRequest = z.input<typeof UnbindPayAccountRequest>;
export const UnbindPayAccountResponse = z.looseObject({ pay_type: optString, openid: optString });
export type UnbindPayAccountResponse = z.output<typeof UnbindPayAccountResponse>;

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
const compactTime = z
  .union([
    z.date(),
    z.string().regex(/^\d{14}$/, { message: 'must be yyyyMMddHHmmss (Beijing time) or a Date' }),
  ])
  .transform((v) => (typeof v === 'string' ? v : formatCompactTime(v)));

export const RechargeRequest = z
  .looseObject({
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
    /** 订单时间: a Date (formatted in Beijing time) or yyyyMMddHHmmss; defaults to now. */
    order_time: compactTime.optional(),
    /** 订单说明 / 一卡通备注 (≤ 128 bytes; %localsn% and %paymentsn% are expanded by the gateway). */
    order_note: bytes(128).optional(),
    aic_note: bytes(128).optional(),
    /** 前台跳转地址 Page the payer returns to. */
    return_url: requiredBytes(200),
    /** 后台通知地址 Where paygw.notify.result is POSTed. */
    notify_url: requiredBytes(200),
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
export const RechargeResponse = z.looseObject({
  account: optString,
  acctype: optString,
  /** 一卡通业务流水 OneCard serial. */
  out_id: replyString,
  order_no: replyString,
  order_amount: optAmount,
  /** 数据提交方式 get, post, nativejs, native (扫码: post_url is the QR content). */
  post_type: replyString,
  post_url: replyString,
  /** URL-encoded form data for the payer's browser (native: base64 PNG of the QR code). */
  post_data: z.string().optional().default(''),
});
export type RechargeResponse = z.output<typeof RechargeResponse>;

// 2.2.4.5 订单状态查询 recharge order status
export const QueryRechargeOrderRequest = z
  .looseObject({
    /** 一卡通业务流水 OneCard serial; give it or order_no. */
    out_id: bytes(24).optional(),
    order_no: bytes(24).optional(),
    order_amount: fen(16),
  })
  .superRefine((v, ctx) => {
    if (!v.out_id && !v.order_no)
      ctx.addIssue({ code: 'custom', path: ['order_no'], message: 'give order_no or out_id' });
  });
export type QueryRechargeOrderRequest = z.input<typeof QueryRechargeOrderRequest>;

/** 订单状态 Recharge order status, with its meaning. */
export const RechargeOrderStatus = {
  '10': { state: 'pending', meaning: '一卡通交易申请已生成 ordered, payment outcome unknown' },
  '40': { state: 'paid', meaning: '己应答支付交易处理结果 paid, not yet credited to the card' },
  '50': { state: 'crediting', meaning: '已通知第三方支付系统圈存结果 paid, being credited' },
  '60': { state: 'credited', meaning: '第三方支付系统己应答圈存结果 paid and credited' },
  '77': { state: 'failed', meaning: '支付系统支付失败 payment failed' },
  '78': { state: 'not_found', meaning: '订单不存在 no such order' },
  '80': { state: 'refunding', meaning: '订单转入退款 refund started' },
} as const;
export type RechargeOrderStatusCode = keyof typeof RechargeOrderStatus;

export const QueryRechargeOrderResponse = z
  .looseObject({
    account: optString,
    acctype: optString,
    order_no: optString,
    order_amount: optAmount,
    out_id: optString,
    pay_time: optString,
    sttl_date: optString,
    order_status: z.enum(
      Object.keys(RechargeOrderStatus) as [RechargeOrderStatusCode, ...RechargeOrderStatusCode[]],
    ),
  })
  .transform((v) => ({ ...v, order_state: RechargeOrderStatus[v.order_status].state }));
export type QueryRechargeOrderResponse = z.output<typeof QueryRechargeOrderResponse>;

// 2.2.4.4 交易通知 recharge notification (inbound)
export const RechargeNotification = z.looseObject({
  account: replyString,
  acctype: optString,
  order_no: replyString,
  order_amount: replyFen,
  out_id: replyString,
  /** yyyyMMddHHmmss. */
  pay_time: optString,
  /** 清算日期 yyyyMMdd. */
  sttl_date: optString,
  /** 订单状态 `0` paid; anything else failed. */
  order_status: replyString,
});
export type RechargeNotification = z.output<typeof RechargeNotification>;

/** Wire form: amounts as decimal strings, everything else as given. */
export function amountsToStrings(
  v: Record<string, unknown>,
  fields: readonly string[],
): Record<string, unknown> {
  const out = { ...v };
  for (const f of fields) if (typeof out[f] === 'number') out[f] = String(out[f]);
  return out;
}

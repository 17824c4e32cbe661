/**
 * Zhixiao 知校聚合支付 v1.27 request and reply schemas. Field names are the spec's; amounts are integer fen
 * as numbers here and decimal strings on the wire. Requests are exact; limits are only the spec's own
 * (body 128 bytes, out_trade_no 40 bytes): where the spec sets none, none is invented. Replies are
 * tolerant (null or "" in optional fields → undefined, unknown statuses kept raw) and keep what a
 * deployment adds under `extra`.
 */
import { z } from 'zod';
import {
  bytes,
  fen,
  httpUrl,
  optString,
  replyObject,
  replyString,
  requiredBytes,
  type StateOf,
  withState,
} from '../core/schema.js';

const url = httpUrl();
/** A string the spec gives no length limit: required and non-empty only. */
const text = z.string().min(1, { message: 'must not be empty' });

/** 开票类型 Invoice payer type: 1 个人 person, 2 单位 company. */
export const PayerType = z.union([z.literal(1), z.literal(2)]);

/** 支付类型 Payment channel: each code with its channel and the spec's wording. */
export const PayChannels = {
  1: { state: 'weixin', meaning: '微信 WeChat' },
  2: { state: 'alipay', meaning: '支付宝 Alipay' },
} as const;

/** 支付类型 Payment channel in a request: a code of PayChannels (1 微信 WeChat, 2 支付宝 Alipay). */
export const PayType = z.literal(Object.keys(PayChannels).map(Number) as (keyof typeof PayChannels)[]);

const invoiceFields = {
  /** 开票抬头 Invoice title (no length limit in the spec). */
  payer_name: text,
  /** 纳税人识别号 Taxpayer ID; required when payer_type is 2 (company). */
  payer_taxnum: z.string().optional(),
  /** 购方地址及电话 Buyer address and phone. */
  payer_address: z.string().optional(),
  /** 购方银行及账号 Buyer bank and account. */
  payer_bank: z.string().optional(),
  /** 发票备注 Invoice remark. */
  piaoju_memo: z.string().optional(),
  /** 接收人手机 Recipient mobile (no format or limit in the spec). */
  phone: text,
  /** 接收人邮箱 Recipient e-mail (the spec sets no format; the gateway checks it). */
  payer_email: z.string().optional(),
};

const taxnumRule = (v: { payer_type: number; payer_taxnum?: string | undefined }, ctx: z.RefinementCtx) => {
  if (v.payer_type === 2 && !v.payer_taxnum) {
    ctx.addIssue({
      code: 'custom',
      path: ['payer_taxnum'],
      message: 'is required when payer_type is 2 (单位 company)',
    });
  }
};

/** 开票信息 Invoice info attached to an order (2.1 `piaoju`). */
export const Piaoju = z
  .strictObject({ /** 开票类型 1 个人 / 2 单位 */ payer_type: PayerType, ...invoiceFields })
  .superRefine(taxnumRule);

/** 2.1 订单创建 Create an order. */
export const CreateOrderRequest = z
  .strictObject({
    /** 订单描述 Order description, ≤ 128 bytes. */
    body: requiredBytes(128),
    /** 商户订单号 Merchant order number, ≤ 40 bytes. */
    out_trade_no: requiredBytes(40),
    /** 订单金额 Amount in integer fen. */
    total_fee: fen(10),
    /** 用户编号 User number (usually the student number; no limit in the spec). */
    user_no: z.string().optional(),
    /** 用户姓名 User name (no limit in the spec). */
    user_name: z.string().optional(),
    /** 支付成功后页面跳转地址 Page to return to after payment. */
    return_url: url.optional(),
    /** 后台通知地址 Payment notification URL (2.5). */
    notify_url: url,
    /** 1 微信 / 2 支付宝; required for mini-program payment. */
    pay_type: PayType.optional(),
    /** 小程序 openid; required for mini-program payment (no limit in the spec). */
    openid: text.optional(),
    /** 开票信息 Invoice info. */
    piaoju: Piaoju.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.openid && v.pay_type === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['pay_type'],
        message: 'is required for mini-program payment (openid given)',
      });
    }
  });
export type CreateOrderRequest = z.input<typeof CreateOrderRequest>;

/** 2.1 reply. */
export const CreateOrderResponse = replyObject({
  /** 商户订单号 Merchant order number; must equal the request's. */
  out_trade_no: replyString,
  /** 订单号 Zhixiao order id. */
  order_id: replyString,
  /** 订单支付页面 Payment page (not for mini-program payment; undefined when absent, null or ""). */
  url: optString,
  /** 小程序支付参数 Mini-program payment parameters, parsed from the JSON string the gateway sends. */
  sp_data: z
    .union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown()), z.null()])
    .optional()
    .transform((v, ctx) => {
      if (v === null || v === '' || v === undefined) return undefined;
      if (typeof v !== 'string') return v;
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
        return z.NEVER;
      }
    }),
});
export type CreateOrderReply = z.output<typeof CreateOrderResponse>;

const byTradeNo = z.strictObject({ /** 商户订单号 ≤ 40 bytes */ out_trade_no: requiredBytes(40) });

/** 2.2 订单查询 Query an order. */
export const QueryOrderRequest = byTradeNo;
export type QueryOrderRequest = z.input<typeof QueryOrderRequest>;

/** 支付状态 Order status: each code with its state and the spec's wording. */
export const OrderStatus = {
  1: { state: 'pending', meaning: '待支付 awaiting payment' },
  2: { state: 'paid', meaning: '支付成功 paid' },
  3: { state: 'failed', meaning: '支付失败 failed (or cancelled)' },
} as const;
/** A status code of OrderStatus. */
export type OrderStatus = keyof typeof OrderStatus;
/** What an order status means: a state of OrderStatus, or `'unknown'`. */
export type OrderState = StateOf<typeof OrderStatus>;

/** 2.2 reply: the fields the gateway sends. */
const orderFields = replyObject({
  /** 商户订单号 Merchant order number; must equal the request's. */
  out_trade_no: replyString,
  /** 订单号 Zhixiao order id. */
  order_id: replyString,
  /** 支付状态, raw: 1 pending, 2 paid, 3 failed (see OrderStatus). */
  status: z.union([z.string().regex(/^-?\d+$/), z.number().int()]).transform(Number),
  /** 支付时间 Payment time (Beijing), when status is 2; undefined when absent, null or "". */
  time_end: optString,
});
/** 2.2 reply, with `state`: what status means; 'unknown' for a value the spec does not list (never an error). */
export const QueryOrderResponse = withState(orderFields, 'state', OrderStatus, (v) => String(v.status));
export type QueryOrderReply = z.output<typeof QueryOrderResponse>;

/** 2.3 订单取消 Cancel an order. */
export const CancelOrderRequest = byTradeNo;
export type CancelOrderRequest = z.input<typeof CancelOrderRequest>;
/** 2.3 / 2.4 reply. */
export const OrderRefResponse = replyObject({
  /** 商户订单号 Merchant order number; must equal the request's. */
  out_trade_no: replyString,
  /** 订单号 Zhixiao order id. */
  order_id: replyString,
});
export type OrderRefReply = z.output<typeof OrderRefResponse>;

/** 2.4 订单退款 Refund an order, in part or in whole. */
export const RefundOrderRequest = z.strictObject({
  out_trade_no: requiredBytes(40),
  /** 退款金额 Refund amount in integer fen, ≤ the refundable amount. */
  refund_fee: fen(10),
});
export type RefundOrderRequest = z.input<typeof RefundOrderRequest>;

/** 2.5 支付通知 Payment notification: the fields the gateway sends. */
const paymentNoticeFields = replyObject({
  /** 商户订单号 Merchant order number: de-duplicate on it. */
  out_trade_no: replyString,
  /** 订单号 Zhixiao order id. */
  order_id: replyString,
  /** 支付成功时间 Payment time. */
  time_end: replyString,
  /** 用户编号 User number (null or a number from some deployments → a string or undefined). */
  user_no: optString,
  /** 用户姓名 User name. */
  user_name: optString,
  /** 用户 uid User id at Alipay/WeChat. */
  uid: optString,
  /** 支付类型, raw: 1 微信, 2 支付宝 (see PayChannels). */
  pay_type: z.preprocess(
    (v) => (v === null || v === '' ? undefined : v),
    z
      .union([z.string().regex(/^-?\d+$/), z.number().int()])
      .transform(Number)
      .optional(),
  ),
});
/** 2.5 notice, with `pay_channel`: what pay_type means; 'unknown' for another value. */
export const PaymentNotification = withState(paymentNoticeFields, 'pay_channel', PayChannels, (v) =>
  v.pay_type === undefined ? undefined : String(v.pay_type),
);
export type PaymentNotificationFields = z.output<typeof PaymentNotification>;

/** 2.6 身份认证 Identity by Alipay/WeChat uid. */
export const GetIdentityRequest = z.strictObject({ /** 用户 uid (no limit in the spec) */ uid: text });
export type GetIdentityRequest = z.input<typeof GetIdentityRequest>;

const person = {
  /** 用户编号 User number (usually the student number). */
  user_no: replyString,
  /** 用户姓名 User name. */
  user_name: optString,
  /** 性别 0 未知 / 1 男 / 2 女. */
  sex: optString,
  /** 身份类型 0 临时用户 temporary / 1 学生 student / 2 教师 teacher. */
  identity_type: optString,
};
export const GetIdentityResponse = replyObject({
  /** 用户的知校 id The user's Zhixiao id. */
  open_id: replyString,
  ...person,
});
export type GetIdentityReply = z.output<typeof GetIdentityResponse>;

/** 2.7 用户信息及卡包跳转地址 User info and the Alipay card-pack URL. */
export const GetUserCardRequest = z.strictObject({
  /** 用户编号 (no limit in the spec). */
  user_no: text,
  /** 学校 id: in the spec's example, not its table; optional. */
  school_id: z.string().optional(),
});
export type GetUserCardRequest = z.input<typeof GetUserCardRequest>;
export const GetUserCardResponse = replyObject({
  ...person,
  /** 校园卡跳转地址 Campus-card page URL (Alipay card pack). */
  schema_url: replyString,
});
export type GetUserCardReply = z.output<typeof GetUserCardResponse>;

/** 2.8 票据创建 Issue an invoice for a paid order. Give out_trade_no or zx_order_no. */
export const CreateInvoiceRequest = z
  .strictObject({
    out_trade_no: bytes(40).optional(),
    /** 知校系统订单号 Zhixiao order number. */
    zx_order_no: z.string().optional(),
    /** 开票类型 1 个人 / 2 单位; sent as both `payer_type` and `pay_type` (the spec names it both ways). */
    payer_type: PayerType,
    ...invoiceFields,
  })
  .superRefine((v, ctx) => {
    if (!v.out_trade_no && !v.zx_order_no) {
      ctx.addIssue({ code: 'custom', path: ['out_trade_no'], message: 'give out_trade_no or zx_order_no' });
    }
    taxnumRule(v, ctx);
  });
export type CreateInvoiceRequest = z.input<typeof CreateInvoiceRequest>;

/** 2.8's reply is a message (开票成功), sometimes JSON. */
export const CreateInvoiceResponse = replyObject({
  /** 返回信息 The gateway's message, e.g. 开票成功. */
  message: optString,
});
export type CreateInvoiceReply = z.output<typeof CreateInvoiceResponse>;

/** @deprecated since 0.2.0: named replies are `XxxReply`. */
export type CreateOrderResponse = CreateOrderReply;
/** @deprecated since 0.2.0 */
export type QueryOrderResponse = QueryOrderReply;
/** @deprecated since 0.2.0 */
export type OrderRefResponse = OrderRefReply;
/** @deprecated since 0.2.0 */
export type GetIdentityResponse = GetIdentityReply;
/** @deprecated since 0.2.0 */
export type GetUserCardResponse = GetUserCardReply;
/** @deprecated since 0.2.0 */
export type CreateInvoiceResponse = CreateInvoiceReply;

/** PaymentNotificationFields, under the schema's name. */
export type PaymentNotification = z.output<typeof PaymentNotification>;

/**
 * Zhixiao 知校聚合支付 v1.27 request and reply schemas. Field names are the spec's; amounts are integer fen
 * as numbers here and decimal strings on the wire. Objects are `loose`: fields the spec does not list are kept.
 */
import { z } from 'zod';
import { bytes, fen, replyString, requiredBytes } from '../core/schema.js';

const url = z.url({ message: 'must be an absolute http(s) URL', protocol: /^https?$/ });

/** 开票类型 Invoice payer type: 1 个人 person, 2 单位 company. */
export const PayerType = z.union([z.literal(1), z.literal(2)]);

/** 支付类型 Payment channel: 1 微信 WeChat, 2 支付宝 Alipay. */
export const PayType = z.union([z.literal(1), z.literal(2)]);

const invoiceFields = {
  /** 开票抬头 Invoice title. */
  payer_name: requiredBytes(200),
  /** 纳税人识别号 Taxpayer ID; required when payer_type is 2 (company). */
  payer_taxnum: z.string().optional(),
  /** 购方地址及电话 Buyer address and phone. */
  payer_address: z.string().optional(),
  /** 购方银行及账号 Buyer bank and account. */
  payer_bank: z.string().optional(),
  /** 发票备注 Invoice remark. */
  piaoju_memo: z.string().optional(),
  /** 接收人手机 Recipient mobile. */
  phone: requiredBytes(20),
  /** 接收人邮箱 Recipient e-mail. */
  payer_email: z.email().optional(),
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
  .looseObject({ /** 开票类型 1 个人 / 2 单位 */ payer_type: PayerType, ...invoiceFields })
  .superRefine(taxnumRule);

/** 2.1 订单创建 Create an order. */
export const CreateOrderRequest = z
  .looseObject({
    /** 订单描述 Order description, ≤ 128 bytes. */
    body: requiredBytes(128),
    /** 商户订单号 Merchant order number, ≤ 40 bytes. */
    out_trade_no: requiredBytes(40),
    /** 订单金额 Amount in integer fen. */
    total_fee: fen(10),
    /** 用户编号 User number (usually the student number). */
    user_no: bytes(64).optional(),
    /** 用户姓名 User name. */
    user_name: bytes(64).optional(),
    /** 支付成功后页面跳转地址 Page to return to after payment. */
    return_url: url.optional(),
    /** 后台通知地址 Payment notification URL (2.5). */
    notify_url: url,
    /** 1 微信 / 2 支付宝; required for mini-program payment. */
    pay_type: PayType.optional(),
    /** 小程序 openid; required for mini-program payment. */
    openid: requiredBytes(128).optional(),
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

/** The wire form of 2.1: amounts as decimal strings. */
export const toWireCreateOrder = (v: z.output<typeof CreateOrderRequest>) => ({
  ...v,
  total_fee: String(v.total_fee),
});

export const CreateOrderResponse = z.looseObject({
  out_trade_no: replyString,
  /** 订单号 Zhixiao order id. */
  order_id: replyString,
  /** 订单支付页面 Payment page (not for mini-program payment). */
  url: z.string().optional(),
  /** 小程序支付参数, parsed from the JSON string the gateway sends. */
  sp_data: z
    .union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())])
    .optional()
    .transform((v, ctx) => {
      if (typeof v !== 'string' || v === '') return v || undefined;
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
        return z.NEVER;
      }
    }),
});
export type CreateOrderResponse = z.output<typeof CreateOrderResponse>;

const byTradeNo = z.looseObject({ /** 商户订单号 ≤ 40 bytes */ out_trade_no: requiredBytes(40) });

/** 2.2 订单查询 Query an order. */
export const QueryOrderRequest = byTradeNo;
export type QueryOrderRequest = z.input<typeof QueryOrderRequest>;

/** 支付状态 Order status: 1 待支付 pending, 2 支付成功 paid, 3 支付失败 failed. */
export const OrderStatus = { PENDING: 1, PAID: 2, FAILED: 3 } as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

export const QueryOrderResponse = z.looseObject({
  out_trade_no: replyString,
  order_id: replyString,
  status: z
    .union([z.string(), z.number()])
    .pipe(z.coerce.number())
    .pipe(z.union([z.literal(1), z.literal(2), z.literal(3)])),
  /** 支付时间 Payment time (Beijing), when status is 2. */
  time_end: z.string().optional(),
});
export type QueryOrderResponse = z.output<typeof QueryOrderResponse>;

/** 2.3 订单取消 Cancel an order. */
export const CancelOrderRequest = byTradeNo;
export type CancelOrderRequest = z.input<typeof CancelOrderRequest>;
export const OrderRefResponse = z.looseObject({ out_trade_no: replyString, order_id: replyString });
export type OrderRefResponse = z.output<typeof OrderRefResponse>;

/** 2.4 订单退款 Refund an order, in part or in whole. */
export const RefundOrderRequest = z.looseObject({
  out_trade_no: requiredBytes(40),
  /** 退款金额 Refund amount in integer fen, ≤ the refundable amount. */
  refund_fee: fen(10),
});
export type RefundOrderRequest = z.input<typeof RefundOrderRequest>;
export const toWireRefund = (v: z.output<typeof RefundOrderRequest>) => ({
  ...v,
  refund_fee: String(v.refund_fee),
});

/** 2.5 支付通知 Payment notification. */
export const PaymentNotification = z.looseObject({
  out_trade_no: replyString,
  order_id: replyString,
  /** 支付成功时间 Payment time. */
  time_end: z.string(),
  user_no: z.string().optional(),
  user_name: z.string().optional(),
  /** 用户 uid (Alipay/WeChat). */
  uid: replyString,
  /** 支付类型 1 微信 / 2 支付宝. */
  pay_type: z.union([z.string(), z.number()]).pipe(z.coerce.number()).pipe(PayType),
});
export type PaymentNotification = z.output<typeof PaymentNotification>;

/** 2.6 身份认证 Identity by Alipay/WeChat uid. */
export const GetIdentityRequest = z.looseObject({ uid: requiredBytes(64) });
export type GetIdentityRequest = z.input<typeof GetIdentityRequest>;

const person = {
  user_no: replyString,
  user_name: z.string(),
  /** 性别 0 未知 / 1 男 / 2 女. */
  sex: replyString,
  /** 身份类型 0 临时用户 temporary / 1 学生 student / 2 教师 teacher. */
  identity_type: replyString,
};
export const GetIdentityResponse = z.looseObject({ /** 用户的知校 id */ open_id: z.string(), ...person });
export type GetIdentityResponse = z.output<typeof GetIdentityResponse>;

/** 2.7 用户信息及卡包跳转地址 User info and the Alipay card-pack URL. */
export const GetUserCardRequest = z.looseObject({
  user_no: requiredBytes(64),
  /** 学校 id: in the spec's example, not its table; optional. */
  school_id: bytes(32).optional(),
});
export type GetUserCardRequest = z.input<typeof GetUserCardRequest>;
export const GetUserCardResponse = z.looseObject({ ...person, /** 校园卡跳转地址 */ schema_url: z.string() });
export type GetUserCardResponse = z.output<typeof GetUserCardResponse>;

/** 2.8 票据创建 Issue an invoice for a paid order. Give out_trade_no or zx_order_no. */
export const CreateInvoiceRequest = z
  .looseObject({
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
export const toWireInvoice = (v: z.output<typeof CreateInvoiceRequest>) => ({ ...v, pay_type: v.payer_type });

/** 2.8's reply is a message (开票成功), sometimes JSON. */
export const CreateInvoiceResponse = z.looseObject({ message: z.string().optional() });
export type CreateInvoiceResponse = z.output<typeof CreateInvoiceResponse>;

/**
 * What the Zhixiao sandbox accepts in each interface's param, from the v1.27 tables (是否必须, the byte
 * limits of body and out_trade_no, amounts in fen as strings, int fields, the piaoju object). A field that
 * breaks its rule is refused with ret_code -2 参数校验失败, naming the field.
 */
import type { ZhixiaoMethodName } from '../../zhixiao/methods.js';
import {
  all,
  amount,
  eitherOf,
  type Format,
  int,
  object,
  optional,
  requiredWhen,
  text,
  url,
} from '../formats.js';

const out_trade_no = text(40);
/** 单位分 as a string; the spec sets no length, 15 digits keep it exact. */
const fen = amount(15);
/** 开票类型 / 支付类型: 1 or 2, a JSON int. */
const oneOrTwo = int(1, 2);

/** The invoice fields of 2.1's piaoju and of 2.8 (strings the spec gives no limit). */
const invoice = {
  payer_name: text(),
  payer_taxnum: optional(text()),
  payer_address: optional(text()),
  payer_bank: optional(text()),
  piaoju_memo: optional(text()),
  phone: text(),
  payer_email: optional(text()),
};
/** 纳税人识别号, payer_type=2（单位）时必填 (2.8 calls the type pay_type in its table). */
const taxnum = requiredWhen(
  'payer_taxnum',
  (b) => b.payer_type === 2 || b.pay_type === 2,
  'payer_type=2 (单位 company)',
);

export const ZHIXIAO_FORMATS = {
  createOrder: {
    fields: {
      body: text(128),
      out_trade_no,
      total_fee: fen,
      user_no: optional(text()),
      user_name: optional(text()),
      return_url: optional(url()),
      notify_url: url(),
      pay_type: optional(oneOrTwo),
      openid: optional(text()),
      piaoju: optional(object({ fields: { payer_type: oneOrTwo, ...invoice }, across: taxnum })),
    },
    /** 小程序支付时 pay_type 必填. */
    across: requiredWhen(
      'pay_type',
      (b) => typeof b.openid === 'string' && b.openid !== '',
      'openid 小程序支付',
    ),
  },
  queryOrder: { fields: { out_trade_no } },
  cancelOrder: { fields: { out_trade_no } },
  refundOrder: { fields: { out_trade_no, refund_fee: fen } },
  getIdentity: { fields: { uid: text() } },
  /** school_id: in 2.7's example, not its table. */
  getUserCard: { fields: { user_no: text(), school_id: optional(text()) } },
  createInvoice: {
    fields: {
      out_trade_no: optional(out_trade_no),
      zx_order_no: optional(text()),
      pay_type: optional(oneOrTwo),
      payer_type: optional(oneOrTwo),
      ...invoice,
    },
    across: all(eitherOf('out_trade_no', 'zx_order_no'), eitherOf('pay_type', 'payer_type'), taxnum),
  },
} satisfies Record<ZhixiaoMethodName, Format>;

/**
 * What the OneCard sandbox accepts in each method's fields, from the v2.41 field tables (String(n) byte
 * limits, 不可空 / 可空, the listed values) and, for the deployed methods, from deployed code. A field
 * that breaks its rule is refused with 60002 参数输入错误, naming the field.
 */
import type { OneCardMethodName } from '../../onecard/methods.js';
import {
  amount,
  beijingTime,
  day,
  digits,
  eitherOf,
  type FieldRule,
  type Format,
  gbkText,
  oneOf,
  optional,
  orNull,
  requiredWhen,
  text,
  url,
} from '../formats.js';

const account = text(10);
const acctype = text(3);
/** 身份标识类型 (2.2.2.1); the password check (2.2.3.1) lists all but barcode. */
const ID_TYPES = ['sno', 'id', 'phone', 'acc', 'cardid'];
/** 支付系统类型 of binding (2.2.4.1, 2.2.4.2). */
const bindPayType = oneOf('alipay', 'weixin');
/**
 * 二维码 (2.2.3.4): digits. The table says String(20), but 2.2.3.3 issues 22-digit codes, which the
 * gateway must take back.
 */
const barcode = digits(1, 22);
const cardState: Format = { fields: { account } };

/** open.acc's fields (deployed): student number and name required, the rest optional. */
const person: Record<string, FieldRule> = {
  sno: text(20),
  name: text(30),
  sex: optional(oneOf('1', '2')),
  idno: optional(text(20)),
  phone: optional(text(20)),
  email: optional(text(64)),
  schoolcode: optional(text(20)),
  depcode: optional(text(20)),
  cardtype: optional(text(3)),
  born: optional(day()),
  pidcode: optional(text(10)),
  indate: optional(day()),
  expdate: optional(day()),
  photo_image: optional(text()),
};
const anyOf = (fields: Record<string, FieldRule>) =>
  Object.fromEntries(Object.entries(fields).map(([k, r]) => [k, optional(r)]));

export const ONECARD_FORMATS = {
  getAccessToken: { fields: {} },
  queryCard: { fields: { idtype: oneOf(...ID_TYPES, 'barcode'), id: text(32) } },
  queryAccInfo: { fields: { account, acctype: optional(acctype) } },
  checkPassword: { fields: { idtype: oneOf(...ID_TYPES), id: text(32), pwd: text(32) } },
  transfer: {
    fields: {
      account,
      tranamt: amount(10),
      src_acctype: acctype,
      dst_acctype: acctype,
      remark: optional(text(128)),
    },
  },
  getBarcode: { fields: { account, paytype: oneOf('1', '2', '3'), payacc: optional(text(64)) } },
  payByBarcode: {
    fields: {
      barcode,
      mercacc: text(10),
      tranamt: amount(10),
      remark: optional(text(128)),
      /** 餐次, 不得超过 9: one digit. */
      dineseq: digits(1, 1),
      posnum: optional(text(10)),
    },
  },
  bindPayAccount: { fields: { pay_type: bindPayType, openid: optional(text(128)), account } },
  unbindPayAccount: { fields: { pay_type: bindPayType, openid: optional(text(128)) } },
  recharge: {
    fields: {
      client_type: oneOf('wap', 'web', 'nativejs', 'native', 'ios', 'android'),
      pay_type: oneOf('alipay', 'unionpay', 'weixin', 'cqtianyipayext', 'cmbcpay', 'cbcpay', 'anxinpay'),
      account,
      acctype,
      order_no: optional(text(24)),
      /** Number(16): integer fen as a decimal string. */
      order_amount: amount(16),
      /** YYYYMMDDHH24MISS, 不可空. */
      order_time: beijingTime(),
      /** 全中文最多 60 个汉字: counted in GBK. */
      order_note: optional(gbkText(128)),
      aic_note: optional(gbkText(128)),
      /** 值为 null (or left out) 时, 不发起通知. */
      return_url: optional(orNull(url(200))),
      notify_url: optional(orNull(url(200))),
      openid: optional(text(128)),
      goods_tag: optional(text(64)),
    },
    across: requiredWhen(
      'openid',
      (b) => b.pay_type === 'weixin' && b.client_type === 'nativejs',
      'pay_type=weixin, client_type=nativejs',
    ),
  },
  queryRechargeOrder: {
    fields: { out_id: optional(text(24)), order_no: optional(text(24)), order_amount: amount(16) },
    across: eitherOf('out_id', 'order_no'),
  },
  queryAccInfoTotal: { fields: { acctype } },
  querySnoNameFromBarcode: { fields: { barcode } },
  modifyPassword: { fields: { account, newpwd: text(32) } },
  lostCard: cardState,
  unlostCard: cardState,
  freezeCard: cardState,
  unfreezeCard: cardState,
  openAccount: { fields: person },
  modifyAccount: { fields: { account, ...anyOf(person) } },
} satisfies Record<OneCardMethodName, Format>;

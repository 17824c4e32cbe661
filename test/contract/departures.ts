/**
 * Where the SDK deliberately does something other than the spec's field table, and why. The request-side
 * entries with a `rule` change what test/contract/spec-tables.test.ts expects of that field; every entry
 * is listed in docs/spec-conformance.md.
 */
import type { SpecField } from './spec-tables.js';

export interface Departure {
  gateway: 'onecard' | 'zhixiao';
  /** The SDK method (`parseNotification` for a notice), or `*` for every method of the gateway. */
  method: string;
  /** The field as the table names it, or a short description of the fields meant. */
  field: string;
  side: 'request' | 'reply';
  /** What the SDK does. */
  sdk: string;
  why: string;
  /** The same in Chinese, for docs/zh-CN/spec-conformance.md; `field` where the English one is a description. */
  zh: { sdk: string; why: string; field?: string };
  /**
   * The field's rule as the SDK applies it: overrides of the table's row; `input` when the SDK takes the
   * value under another name, `alsoSent` a second wire key carrying it, `defaulted` when an omitted
   * value is sent anyway, `added` for a field the table does not list.
   */
  rule?: Omit<Partial<SpecField>, 'fields'> & {
    input?: string;
    alsoSent?: string;
    defaulted?: true;
    added?: true;
  };
}

export const DEPARTURES: readonly Departure[] = [
  {
    gateway: 'onecard',
    method: 'recharge',
    field: 'order_no',
    side: 'request',
    sdk: 'required',
    why: 'it is the only key by which a recharge whose reply was lost can be found again (queryRechargeOrder)',
    zh: { sdk: '必填', why: '丢失应答的充值只能靠它再次找到（queryRechargeOrder）' },
    rule: { optional: false },
  },
  {
    gateway: 'onecard',
    method: 'recharge',
    field: 'order_time',
    side: 'request',
    sdk: 'optional: a Date or yyyyMMddHHmmss; left out, the moment of the call is sent',
    why: "the call's own time is the natural order time; a Date is written in the client's zone, like timestamp",
    zh: {
      sdk: '可选：Date 或 yyyyMMddHHmmss；省略时发送调用时刻',
      why: '调用本身的时间就是自然的下单时间；Date 按客户端时区写出，与 timestamp 相同',
    },
    rule: { optional: true, defaulted: true },
  },
  {
    gateway: 'onecard',
    method: 'recharge',
    field: 'return_url',
    side: 'request',
    sdk: 'an absolute http(s) URL; null is refused',
    why: "the payer's browser is sent back to it after paying: without one the payer is stranded on the pay page",
    zh: {
      sdk: '绝对 http(s) 地址；拒绝 null',
      why: '付款人付款后浏览器要跳回这里：没有它，付款人会被困在支付页面上',
    },
  },
  {
    gateway: 'onecard',
    method: 'payByBarcode',
    field: 'barcode',
    side: 'request',
    sdk: '1 to 22 digits',
    why: 'barcode.get (2.2.3.3) issues 22-digit codes: String(20) would refuse the codes the gateway hands out',
    zh: {
      sdk: '1 到 22 位数字',
      why: 'barcode.get（2.2.3.3）签发 22 位付款码：按 String(20) 会拒绝网关自己发出的付款码',
    },
    rule: { max: 22, format: 'digits' },
  },
  {
    gateway: 'onecard',
    method: 'recharge, queryRechargeOrder',
    field: 'order_amount',
    side: 'request',
    sdk: 'an integer number of fen up to 2^53 − 1 (9007199254740991)',
    why: 'a larger number is not exact in JavaScript; no amount comes near it',
    zh: {
      sdk: '整数分，最大 2^53 − 1（9007199254740991）',
      why: '更大的数在 JavaScript 中不精确；任何金额都远达不到它',
    },
  },
  {
    gateway: 'zhixiao',
    method: 'createOrder',
    field: 'total_fee',
    side: 'request',
    sdk: 'at most 10 digits (99 999 999.99 yuan)',
    why: 'the spec sets no limit; amounts stay exact integers, and 10 digits is far above any fee',
    zh: {
      sdk: '最多 10 位数字（99 999 999.99 元）',
      why: '规范没有设限；金额保持为精确整数，10 位数字远高于任何费用',
    },
    rule: { max: 10 },
  },
  {
    gateway: 'zhixiao',
    method: 'refundOrder',
    field: 'refund_fee',
    side: 'request',
    sdk: 'at most 10 digits',
    why: 'as total_fee: a refund never exceeds its order',
    zh: { sdk: '最多 10 位数字', why: '同 total_fee：退款绝不会超过其订单' },
    rule: { max: 10 },
  },
  {
    gateway: 'zhixiao',
    method: 'createInvoice',
    field: 'out_trade_no',
    side: 'request',
    sdk: 'at most 40 bytes',
    why: 'it names an order created by 2.1, where out_trade_no is limited to 40 bytes',
    zh: { sdk: '最多 40 字节', why: '它指向 2.1 创建的订单，而那里的 out_trade_no 限 40 字节' },
    rule: { max: 40 },
  },
  {
    gateway: 'zhixiao',
    method: 'createInvoice',
    field: 'pay_type',
    side: 'request',
    sdk: 'given as payer_type, sent as both pay_type and payer_type',
    why: "the table names it pay_type, both examples payer_type (2.1's name for it): both readings are served",
    zh: {
      sdk: '以 payer_type 传入，同时作为 pay_type 和 payer_type 发送',
      why: '表中叫 pay_type，两个示例都叫 payer_type（2.1 对它的叫法）：两种理解都照顾到',
    },
    rule: { input: 'payer_type', alsoSent: 'payer_type' },
  },
  {
    gateway: 'zhixiao',
    method: 'getUserCard',
    field: 'school_id',
    side: 'request',
    sdk: 'accepted, optional',
    why: 'the example sends it; the table does not list it',
    zh: { sdk: '接受，可选', why: '示例发送了它；表中没有列出' },
    rule: { type: 'string', need: '否', optional: true, added: true },
  },
  {
    gateway: 'zhixiao',
    method: 'createOrder',
    field: 'return_url, notify_url',
    side: 'request',
    sdk: 'absolute http(s) URLs without spaces, quotes or angle brackets',
    why: 'the gateway calls or redirects to them after the money moved: a malformed one must fail before',
    zh: {
      sdk: '不含空格、引号或尖括号的绝对 http(s) 地址',
      why: '资金转移之后网关会调用或跳转到这些地址：格式错误的地址必须事先就失败',
    },
  },
  {
    gateway: 'onecard',
    method: '*',
    field: '不可空 fields that neither identify the order nor carry its amount or outcome',
    side: 'reply',
    sdk: 'read as optional: absent, null and "" all become undefined',
    why: 'deployments leave them out or write null; refusing a verified reply for a missing display field would turn a completed payment into an error',
    zh: {
      field: '既不标识订单、也不带金额或结果的 不可空 字段',
      sdk: '按可选读取：缺失、null 和 "" 都变为 undefined',
      why: '部署中会省略它们或写成 null；因为缺少一个展示用字段就拒绝经验签的应答，会把一笔已完成的支付变成错误',
    },
  },
  {
    gateway: 'zhixiao',
    method: '*',
    field: '是 fields such as url, user_name, sex, identity_type, uid and pay_type',
    side: 'reply',
    sdk: 'read as optional, as for OneCard',
    why: 'mini-program orders have no url; deployments leave person fields and notice fields out',
    zh: {
      field: '是 字段，如 url、user_name、sex、identity_type、uid 和 pay_type',
      sdk: '按可选读取，与一卡通相同',
      why: '小程序订单没有 url；部署中会省略个人信息字段和通知字段',
    },
  },
  {
    gateway: 'onecard',
    method: '*',
    field: 'String(n) limits',
    side: 'reply',
    sdk: 'not checked in replies and notices',
    why: "they are the gateway's own data (post_url is String(24) yet carries URLs): a longer value is kept",
    zh: {
      field: 'String(n) 长度限制',
      sdk: '应答和通知中不检查',
      why: '它们是网关自己的数据（post_url 是 String(24)，却装着 URL）：更长的值照样保留',
    },
  },
  {
    gateway: 'zhixiao',
    method: 'parseNotification',
    field: 'out_trade_no',
    side: 'reply',
    sdk: 'its 40-byte limit is not checked in the notice',
    why: 'the order number is looked up, not stored from the notice: a longer one simply matches no order',
    zh: {
      sdk: '通知中不检查其 40 字节上限',
      why: '订单号是拿来查找的，不是从通知中存下来的：更长的订单号只是匹配不到任何订单',
    },
  },
  {
    gateway: 'onecard',
    method: 'queryRechargeOrder',
    field: 'order_status',
    side: 'reply',
    sdk: '0 is read as paid; a code outside the table as unknown',
    why: "the spec's own example answers 0, the notice's paid; an unknown code must not fail a verified reply",
    zh: {
      sdk: '0 读作已支付；表外的代码读作 unknown',
      why: '规范自己的示例应答 0，即通知中的已支付；未知代码不能让经验签的应答失败',
    },
  },
  {
    gateway: 'onecard',
    method: 'recharge',
    field: 'post_data',
    side: 'reply',
    sdk: 'null or absent becomes ""',
    why: 'a get or native reply has nothing to post; the field stays a string',
    zh: { sdk: 'null 或缺失变为 ""', why: 'get 或 native 的应答没有要提交的内容；该字段仍是字符串' },
  },
];

/** The departures of one method (a `*` entry applies to every method). */
export const departuresOf = (gateway: Departure['gateway'], method: string) =>
  DEPARTURES.filter(
    (d) => d.gateway === gateway && (d.method === '*' || d.method.split(', ').includes(method)),
  );

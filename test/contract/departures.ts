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
    rule: { optional: false },
  },
  {
    gateway: 'onecard',
    method: 'recharge',
    field: 'order_time',
    side: 'request',
    sdk: 'optional: a Date or yyyyMMddHHmmss; left out, the moment of the call is sent',
    why: "the call's own time is the natural order time; a Date is written in the client's zone, like timestamp",
    rule: { optional: true, defaulted: true },
  },
  {
    gateway: 'onecard',
    method: 'recharge',
    field: 'return_url',
    side: 'request',
    sdk: 'an absolute http(s) URL; null is refused',
    why: "the payer's browser is sent back to it after paying: without one the payer is stranded on the pay page",
  },
  {
    gateway: 'onecard',
    method: 'payByBarcode',
    field: 'barcode',
    side: 'request',
    sdk: '1 to 22 digits',
    why: 'barcode.get (2.2.3.3) issues 22-digit codes: String(20) would refuse the codes the gateway hands out',
    rule: { max: 22, format: 'digits' },
  },
  {
    gateway: 'onecard',
    method: 'recharge, queryRechargeOrder',
    field: 'order_amount',
    side: 'request',
    sdk: 'an integer number of fen up to 2^53 − 1 (9007199254740991)',
    why: 'a larger number is not exact in JavaScript; no amount comes near it',
  },
  {
    gateway: 'zhixiao',
    method: 'createOrder',
    field: 'total_fee',
    side: 'request',
    sdk: 'at most 10 digits (99 999 999.99 yuan)',
    why: 'the spec sets no limit; amounts stay exact integers, and 10 digits is far above any fee',
    rule: { max: 10 },
  },
  {
    gateway: 'zhixiao',
    method: 'refundOrder',
    field: 'refund_fee',
    side: 'request',
    sdk: 'at most 10 digits',
    why: 'as total_fee: a refund never exceeds its order',
    rule: { max: 10 },
  },
  {
    gateway: 'zhixiao',
    method: 'createInvoice',
    field: 'out_trade_no',
    side: 'request',
    sdk: 'at most 40 bytes',
    why: 'it names an order created by 2.1, where out_trade_no is limited to 40 bytes',
    rule: { max: 40 },
  },
  {
    gateway: 'zhixiao',
    method: 'createInvoice',
    field: 'pay_type',
    side: 'request',
    sdk: 'given as payer_type, sent as both pay_type and payer_type',
    why: "the table names it pay_type, both examples payer_type (2.1's name for it): both readings are served",
    rule: { input: 'payer_type', alsoSent: 'payer_type' },
  },
  {
    gateway: 'zhixiao',
    method: 'getUserCard',
    field: 'school_id',
    side: 'request',
    sdk: 'accepted, optional',
    why: 'the example sends it; the table does not list it',
    rule: { type: 'string', need: '否', optional: true, added: true },
  },
  {
    gateway: 'zhixiao',
    method: 'createOrder',
    field: 'return_url, notify_url',
    side: 'request',
    sdk: 'absolute http(s) URLs without spaces, quotes or angle brackets',
    why: 'the gateway calls or redirects to them after the money moved: a malformed one must fail before',
  },
  {
    gateway: 'onecard',
    method: '*',
    field: '不可空 fields that neither identify the order nor carry its amount or outcome',
    side: 'reply',
    sdk: 'read as optional: absent, null and "" all become undefined',
    why: 'deployments leave them out or write null; refusing a verified reply for a missing display field would turn a completed payment into an error',
  },
  {
    gateway: 'zhixiao',
    method: '*',
    field: '是 fields such as url, user_name, sex, identity_type, uid and pay_type',
    side: 'reply',
    sdk: 'read as optional, as for OneCard',
    why: 'mini-program orders have no url; deployments leave person fields and notice fields out',
  },
  {
    gateway: 'onecard',
    method: '*',
    field: 'String(n) limits',
    side: 'reply',
    sdk: 'not checked in replies and notices',
    why: "they are the gateway's own data (post_url is String(24) yet carries URLs): a longer value is kept",
  },
  {
    gateway: 'zhixiao',
    method: 'parseNotification',
    field: 'out_trade_no',
    side: 'reply',
    sdk: 'its 40-byte limit is not checked in the notice',
    why: 'the order number is looked up, not stored from the notice: a longer one simply matches no order',
  },
  {
    gateway: 'onecard',
    method: 'queryRechargeOrder',
    field: 'order_status',
    side: 'reply',
    sdk: '0 is read as paid; a code outside the table as unknown',
    why: "the spec's own example answers 0, the notice's paid; an unknown code must not fail a verified reply",
  },
  {
    gateway: 'onecard',
    method: 'recharge',
    field: 'post_data',
    side: 'reply',
    sdk: 'null or absent becomes ""',
    why: 'a get or native reply has nothing to post; the field stays a string',
  },
];

/** The departures of one method (a `*` entry applies to every method). */
export const departuresOf = (gateway: Departure['gateway'], method: string) =>
  DEPARTURES.filter(
    (d) => d.gateway === gateway && (d.method === '*' || d.method.split(', ').includes(method)),
  );

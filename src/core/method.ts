/** What every entry of a gateway's method table says, whichever the gateway. */
import type { z } from 'zod';
import type { GatewayError, OutcomeAdvice } from './errors.js';

/**
 * How a call may be repeated: `query` and `token` are retried when safe; `money` and `state` are never
 * resent once their bytes may have left (see guardOutcome).
 */
export type MethodKind = 'token' | 'query' | 'money' | 'state';

/** What the wire conversion may need besides the validated request. */
export interface WireContext {
  /** The zone the gateway reads times in (the client's `timeZone`, Asia/Shanghai by default). */
  timeZone: string;
  /** The moment of the call, for defaults such as OneCard's `order_time`. */
  now: Date;
}

export interface MethodSpec<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  /** The gateway's name: the OneCard `method` field, or the Zhixiao path (undefined where the vendor hands paths out per customer). */
  wire: string | undefined;
  /** Spec section and its Chinese name, e.g. `2.2.2.1 卡信息查询`. */
  section: string;
  kind: MethodKind;
  request: Req;
  response: Res;
  /** Request fields that are amounts in fen: sent as decimal strings. */
  amounts?: readonly string[];
  /**
   * Values for request fields the caller left out, e.g. OneCard's `order_time` (now). Filled in before the
   * generic conversion, so a defaulted Date is written like a given one (compact gateway time).
   */
  defaults?(ctx: WireContext): Record<string, unknown>;
  /** Request → the JSON sent, after the defaults and the generic conversion (amounts to strings, Dates to gateway time). */
  toWire?(v: Record<string, unknown>, ctx: WireContext): Record<string, unknown>;
  /**
   * Reply fields that echo a request field of the same name, which the spec's reply table marks required
   * (不可空 / 是否必须: 是): when the request carried the field, the reply must carry it too, equal. A
   * correctly signed reply about another order or amount — or one that does not say which — is not an
   * answer to this call. Names are matched exactly as the spec writes them (`TRANAMT` is not `tranamt`).
   */
  echoes?: readonly string[];
  /**
   * Echoed fields the spec's reply table marks optional (可空), or that no spec table documents (deployed
   * methods): compared when the reply carries them, not required.
   */
  echoesIfPresent?: readonly string[];
  /** What to do when the outcome of a call that is not repeated is unknown (money and state calls). */
  // Method syntax on purpose: a table entry's narrower parameter type stays assignable to MethodSpec.
  outcome?(v: z.output<Req>): OutcomeAdvice;
  /** How a money call is written to the payment journal (money methods only; see docs/settlement.md). */
  journal?: JournalSpec;
  /** Seen in deployed integrations, not documented in the spec version this SDK follows. */
  deployedOnly?: true;
}

/** What the payment journal records of a money method. */
export interface JournalSpec {
  /**
   * The request field naming the order (`order_no`, `out_trade_no`). Methods without one (OneCard transfer
   * and barcode pay in v2.41) are keyed by the call's `journalKey` option, or a generated id.
   */
  orderKey?: string;
  /** The request field holding the amount in fen. */
  amount: string;
  /** A successful reply means the money moved (`succeeded`), or the order now waits for the payer (`pending`). */
  onReply: 'succeeded' | 'pending';
  /** Reply fields kept as the gateway's ids (e.g. `out_id`). */
  refs?: readonly string[];
  /** Request fields kept for the resolver (never a secret: no password field may be listed). */
  context?: readonly string[];
  /**
   * What a verified refusal says about the money (see RefusalMeaning). Absent: no refusal is trusted, and
   * every refused call's entry becomes `unknown`.
   */
  refusal?(err: GatewayError): RefusalMeaning;
}

/**
 * What a refused money call means for its money, judged by the gateway's method table:
 * - `not-moved`: a refusal that can be trusted and proves nothing moved (the entry becomes `failed`);
 * - `order-exists`: the order reached the gateway before, and the earlier attempt may have been paid;
 * - `unclear`: anything else — a refusal a captured reply could fake for any request, or one whose code
 *   says to query the order. The entry becomes `unknown` and the resolver settles it.
 */
export type RefusalMeaning = 'not-moved' | 'order-exists' | 'unclear';

/**
 * What a gateway emulator's handler for a table method reads: the request's fields by name, as they
 * arrived on the wire (amounts and times as text, nothing validated), so each value is `unknown`.
 */
export type WireRequest<S extends MethodSpec> = { readonly [K in keyof z.output<S['request']>]?: unknown };

/** What the handler answers: the reply as the gateway writes it, before the SDK's tolerant reading. */
export type WireReply<S extends MethodSpec> = z.input<S['response']>;

/**
 * A gateway emulator's handler of method `S`, typed from its schemas: a handler reading a field the
 * request does not have, or one leaving out a required reply field, does not compile. `Args` are what
 * every handler gets after the request; `Also` is another answer the gateway may give instead of a reply
 * object.
 */
export type Handler<S extends MethodSpec, Args extends unknown[] = [], Also = never> = (
  request: WireRequest<S>,
  ...args: Args
) => WireReply<S> | Also;

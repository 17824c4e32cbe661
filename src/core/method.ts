/** What every entry of a gateway's method table says, whichever the gateway. */
import type { z } from 'zod';
import type { OutcomeAdvice } from './errors.js';

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
  /** Request → the JSON sent, after the generic conversion (amounts to strings, Dates to gateway time). */
  toWire?(v: Record<string, unknown>, ctx: WireContext): Record<string, unknown>;
  /**
   * Reply fields that echo a request field of the same name and must equal it: a correctly signed reply
   * about another order or amount is not an answer to this call.
   */
  echoes?: readonly string[];
  /** What to do when the outcome of a call that is not repeated is unknown (money and state calls). */
  // Method syntax on purpose: a table entry's narrower parameter type stays assignable to MethodSpec.
  outcome?(v: z.output<Req>): OutcomeAdvice;
  /** Seen in deployed integrations, not documented in the spec version this SDK follows. */
  deployedOnly?: true;
}

/**
 * What a gateway emulator's handler for a table method reads: the request's fields by name, as they
 * arrived on the wire (amounts and times as text, nothing validated), so each value is `unknown`.
 */
export type WireRequest<S extends MethodSpec> = { readonly [K in keyof z.output<S['request']>]?: unknown };

/** What the handler answers: the reply as the gateway writes it, before the SDK's tolerant reading. */
export type WireReply<S extends MethodSpec> = z.input<S['response']>;

/**
 * One handler per method of table `T`, typed from its schemas: a method added to the table without a
 * handler, a handler reading a field the request does not have, or one leaving out a required reply
 * field does not compile. `Args` are what every handler gets after the request; `Also` is another
 * answer the gateway may give instead of a reply object.
 */
export type Handlers<T extends Record<string, MethodSpec>, Args extends unknown[] = [], Also = never> = {
  [M in keyof T]: (request: WireRequest<T[M]>, ...args: Args) => WireReply<T[M]> | Also;
};

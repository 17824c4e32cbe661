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
  /**
   * Values for request fields the caller left out, e.g. OneCard's `order_time` (now). Filled in before the
   * generic conversion, so a defaulted Date is written like a given one (compact gateway time).
   */
  defaults?(ctx: WireContext): Record<string, unknown>;
  /** Request → the JSON sent, after the defaults and the generic conversion (amounts to strings, Dates to gateway time). */
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

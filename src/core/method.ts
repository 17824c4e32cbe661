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
   * Refusals that say the order reached the gateway before (a repeated order number): the earlier attempt
   * may have been paid, so the entry becomes `unknown` rather than `failed`.
   */
  duplicate?(err: GatewayError): boolean;
}

/** The shape of a gateway code table entry, shared by both gateways. */

/**
 * What a caller should do about a code:
 * - `retry`: transient on the gateway's side; the same call may be sent again later (queries: the SDK
 *   already retried; money calls: the gateway rejected it before processing, so a new attempt is safe).
 * - `refresh-token`: the token was refused; the SDK handles it (see `onInvalidToken`).
 * - `fix-config`: keys, app key, clock or gateway settings are wrong; no retry will help.
 * - `fix-request`: the request itself is wrong (a field, a duplicate number); change it.
 * - `tell-user`: a fact about the payer's account (balance, lost card, wrong password) to show them.
 * - `query`: the state of an order decides what happens next; query it.
 * - `contact-vendor`: the gateway is not enabled for this use; ask the vendor.
 */
export type CodeAction =
  | 'retry'
  | 'refresh-token'
  | 'fix-config'
  | 'fix-request'
  | 'tell-user'
  | 'query'
  | 'contact-vendor';

export interface CodeInfo {
  /** The vendor's wording: the spec's own words for a code the spec lists, else what deployments send. */
  readonly zh: string;
  readonly en: string;
  readonly action: CodeAction;
  /** `spec`: listed in the spec version this SDK follows; `deployed`: seen only in deployed gateways. */
  readonly source: 'spec' | 'deployed';
  /** The wording deployed gateways use for a spec code, where it differs from the spec's. */
  readonly deployedZh?: string;
  /**
   * For a general code whose wording tells conditions apart (Zhixiao -1): the stable name of the one this
   * message names, e.g. `order_not_found`.
   */
  readonly condition?: string;
}

/** The code's entry, or undefined for a code the tables do not know. */
export function describeCode<T extends Record<string, CodeInfo>>(
  table: T,
  code: string,
): CodeInfo | undefined {
  return Object.hasOwn(table, code) ? table[code as keyof T] : undefined;
}

/** The vendor's wording, the message a GatewayError carries for a code the gateway sent no message with. */
export const codeText = (info: CodeInfo | undefined): string => (info ? info.zh : '未知错误 unknown error');

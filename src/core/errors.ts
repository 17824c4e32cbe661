import type { CodeInfo } from './codes.js';

/**
 * One small error hierarchy for the whole SDK. Every error has a stable string `code` to branch on.
 *
 * Secrets never enter an error: messages are written by this SDK (never copied from a key, token or
 * sign string), underlying library errors are reduced to their code, and `toJSON` lists only the
 * documented fields, so `JSON.stringify(err)` and loggers that serialise errors stay clean.
 */

export type CampusPayErrorCode =
  | 'configuration'
  | 'validation'
  | 'signature'
  | 'decryption'
  | 'gateway'
  | 'protocol'
  | 'transport'
  | 'outcome_unknown'
  | 'duplicate'
  | 'store'
  | 'journal';

/**
 * Sizes an error never exceeds, whatever a reply held: errors are read by people and stored whole by
 * loggers, and a reply of 150,000 bad items must not become a 9 MB message.
 */
export const ERROR_LIMITS = {
  /** Characters of a message (then "… (N more characters)"). */
  message: 2_000,
  /** Issues a ValidationError lists in its message (then "and N more issues"). */
  issuesInMessage: 10,
  /** Issues a ValidationError keeps in `issues`; `issueCount` has the total. */
  issues: 100,
  /** Characters of an issue's path or message, of a gateway's code and of its message. */
  field: 200,
  /** Characters of a reply excerpt. */
  excerpt: 500,
} as const;

/** `text`, or its first `max` characters (never half a surrogate pair) and how many were cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = /[\uD800-\uDBFF]$/.test(text.slice(0, max)) ? max - 1 : max;
  return `${text.slice(0, cut)}… (${text.length - cut} more characters)`;
}

export class CampusPayError extends Error {
  readonly code: CampusPayErrorCode;
  /** The SDK method of the call (`payByBarcode`), when the error belongs to one. */
  method: string | undefined;
  /** The gateway's name for it: the OneCard method (`synjones.onecard.barcode.pay`) or the Zhixiao path. */
  wireMethod: string | undefined;
  /** The payment journal entry of the call, when the client has a `journal` and the entry was written. */
  journalId: string | undefined;

  constructor(code: CampusPayErrorCode, message: string, cause?: unknown) {
    super(clip(message, ERROR_LIMITS.message), cause === undefined ? undefined : { cause });
    this.code = code;
    this.name = new.target.name;
    this.method = undefined;
    this.wireMethod = undefined;
    this.journalId = undefined;
  }

  /** Only the fields a log may hold. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    for (const [k, v] of Object.entries(this)) if (k !== 'code' && v !== undefined) out[k] = v;
    if (this.cause instanceof CampusPayError) out.cause = this.cause.toJSON();
    return out;
  }
}

/**
 * Names the call an error belongs to, once, where the pipeline knows it: envelopes and parsers throw
 * without knowing which SDK method they serve. The message gains a `method: ` prefix if it has none.
 */
export function attachCall<E extends CampusPayError>(
  err: E,
  method: string,
  wireMethod: string | undefined,
): E {
  if (err.method === undefined) {
    err.method = method;
    if (!err.message.startsWith(`${method}`))
      err.message = clip(`${method}: ${err.message}`, ERROR_LIMITS.message);
  }
  err.wireMethod ??= wireMethod;
  return err;
}

/** The client or a key was configured wrongly; thrown at construction or before any I/O. */
export class ConfigurationError extends CampusPayError {
  /** The option at fault, e.g. `privateKey` or `paths.getIdentity`. */
  readonly option: string;
  constructor(option: string, message: string) {
    super('configuration', `${option}: ${message}`);
    this.option = option;
  }
}

export interface ValidationIssue {
  /** Field path, e.g. `piaoju.payer_taxnum`. */
  path: string;
  message: string;
}

/**
 * A request (or a gateway reply) does not match its schema. Nothing was sent. The message lists the
 * first issues; `issues` keeps the first 100 (each clipped), `issueCount` counts them all.
 */
export class ValidationError extends CampusPayError {
  readonly issues: ValidationIssue[];
  /** How many issues there were, `issues` holding at most the first 100. */
  readonly issueCount: number;
  readonly direction: 'request' | 'response' | 'notification';
  constructor(method: string, direction: ValidationError['direction'], issues: ValidationIssue[]) {
    const kept = issues.slice(0, ERROR_LIMITS.issues).map((i) => ({
      path: clip(i.path, ERROR_LIMITS.field),
      message: clip(i.message, ERROR_LIMITS.field),
    }));
    const list = kept
      .slice(0, ERROR_LIMITS.issuesInMessage)
      .map((i) => `${i.path || '(root)'}: ${i.message}`)
      .join('; ');
    const more = issues.length - ERROR_LIMITS.issuesInMessage;
    super(
      'validation',
      `${method} ${direction} is invalid: ${list}${more > 0 ? `; and ${more} more issue${more === 1 ? '' : 's'}` : ''}`,
    );
    this.method = method;
    this.direction = direction;
    this.issues = kept;
    this.issueCount = issues.length;
  }
}

export type SignatureFailure =
  | 'missing_signature'
  | 'mismatch'
  | 'wrong_app_id'
  | 'parsed_body'
  | 'malformed'
  | 'stale_timestamp';

/** A reply or notification failed its signature check (or could not be checked). */
export class SignatureError extends CampusPayError {
  readonly reason: SignatureFailure;
  constructor(reason: SignatureFailure, message: string) {
    super('signature', message);
    this.reason = reason;
  }
}

/** Who refused a call: the gateway's system layer (before processing) or its business layer. */
export type GatewayLevel = 'system' | 'business';

/** A signed payload could not be decrypted or was not the JSON it should be. */
export class DecryptionError extends CampusPayError {
  constructor(message: string) {
    super('decryption', message);
  }
}

/**
 * The gateway answered, correctly signed, with an error code. Generic over the code type so that the
 * core knows no gateway: the package root narrows it to the codes both gateways document (GatewayCode,
 * isGatewayError).
 */
export class GatewayError<C extends string = string> extends CampusPayError {
  /**
   * `system`: rejected before processing (OneCard errcode, Zhixiao ret_code). `business`: OneCard retcode,
   * refused by the business logic.
   */
  readonly level: GatewayLevel;
  /** The code, as the gateway sent it (`isGatewayError(err, code)` narrows it to a documented one). */
  readonly gatewayCode: C;
  /** The gateway's own message (errmsg / ret_content), or the code table's wording when it sent none. */
  readonly gatewayMessage: string;
  /** What the code tables say: Chinese and English meaning and what to do; undefined for an unknown code. */
  readonly info: CodeInfo | undefined;
  /**
   * A money call refused in a way that does not prove its money stayed (a 40017 left unsent, a code that
   * says the order reached the gateway before, a code the tables do not know): the query that tells,
   * as on OutcomeUnknownError. `client.runQuery(err)` runs it.
   */
  query: OutcomeQuery | undefined;
  /** For such a refusal: what to do before calling again, naming the methods to run. */
  advice: string | undefined;
  constructor(init: { level: GatewayLevel; code: C; message: string; info?: CodeInfo | undefined }) {
    // Both come from the gateway (errmsg, ret_content): clipped, like everything a reply can fill.
    const code = clip(init.code, ERROR_LIMITS.field) as C;
    const message = clip(init.message, ERROR_LIMITS.field * 5);
    const hint =
      init.info && init.info.en !== message ? ` (${init.info.en}; action: ${init.info.action})` : '';
    super('gateway', `failed with ${init.level} code ${code}: ${message}${hint}`);
    this.level = init.level;
    this.gatewayCode = code;
    this.gatewayMessage = message;
    this.info = init.info;
    this.query = undefined;
    this.advice = undefined;
  }
}

/** The reply is not the gateway's envelope (an HTML error page, an empty or truncated body…). */
export class ProtocolError extends CampusPayError {
  /** HTTP status of the reply. */
  readonly status: number;
  /** A short excerpt of the body, with the SDK's own secrets and anything like key material masked. */
  readonly excerpt: string;
  constructor(status: number, message: string, excerpt = '') {
    super('protocol', `${message} (HTTP ${status})`);
    this.status = status;
    this.excerpt = clip(excerpt, ERROR_LIMITS.excerpt);
  }
}

/** The request failed on the network. `mayHaveReachedGateway` tells whether its bytes may have left. */
export class TransportError extends CampusPayError {
  readonly mayHaveReachedGateway: boolean;
  readonly timedOut: boolean;
  /** The system error code, e.g. `ECONNRESET`, when there is one. */
  readonly causeCode: string | undefined;
  constructor(init: {
    method: string;
    mayHaveReachedGateway: boolean;
    timedOut?: boolean;
    causeCode?: string | undefined;
    message: string;
    code?: CampusPayErrorCode;
  }) {
    super(init.code ?? 'transport', `${init.method}: ${init.message}`);
    this.method = init.method;
    this.mayHaveReachedGateway = init.mayHaveReachedGateway;
    this.timedOut = init.timedOut ?? false;
    this.causeCode = init.causeCode;
  }
}

/**
 * What to call to learn the outcome of a call whose reply was lost. `client.runQuery(err)` runs it on the
 * client that threw; each client types its own (`OneCardOutcomeQuery`, `ZhixiaoOutcomeQuery`).
 */
export interface OutcomeQuery {
  /** The SDK method to call, e.g. `queryOrder`. */
  method: string;
  /** The arguments to pass to it, typed as that method takes them. */
  params: Record<string, unknown>;
}

/** What to do after an ambiguous outcome: a query that answers the question, or, where none can, advice. */
export interface OutcomeAdvice {
  /** A query that tells whether the call took effect, when the protocol has one. */
  query?: OutcomeQuery | undefined;
  /** What to do, in words; always set. */
  advice: string;
}

/**
 * A call that moves money (or changes state) may have been processed, but no trustworthy reply came back:
 * the connection failed after the bytes left, or the reply was cut, unsigned, altered or about another
 * request. The SDK never resends it: follow `query` (or `advice` where the protocol has no query) before
 * trying again.
 *
 * Deliberately not a TransportError: code that retries on TransportError must not retry this.
 */
export class OutcomeUnknownError extends CampusPayError {
  readonly query: OutcomeQuery | undefined;
  readonly advice: string;
  /** Always true: the request may have been processed. */
  readonly mayHaveReachedGateway = true;
  readonly timedOut: boolean;
  /** The network error code of the cause, when it was a network failure. */
  readonly causeCode: string | undefined;
  /** What went wrong with the reply: `transport`, `protocol`, `signature`, `decryption` or `validation`. */
  readonly reason: CampusPayErrorCode;
  declare readonly cause: CampusPayError;
  constructor(method: string, cause: CampusPayError, next: OutcomeAdvice) {
    // Half the message at most, so the advice after it is never the part clipped away.
    const what = clip(
      cause.message.startsWith(`${method}: `) ? cause.message.slice(method.length + 2) : cause.message,
      ERROR_LIMITS.message / 2,
    );
    super(
      'outcome_unknown',
      `${method}: the outcome is unknown (${what}). It was not resent. ${next.advice}`,
      cause,
    );
    this.method = method;
    this.wireMethod = cause.wireMethod;
    this.query = next.query;
    this.advice = next.advice;
    this.timedOut = cause instanceof TransportError && cause.timedOut;
    this.causeCode = cause instanceof TransportError ? cause.causeCode : undefined;
    this.reason = cause.code;
  }
}

/**
 * Turns a zod-style issue list into ours; an unknown key becomes an issue at that key. A field that is
 * absent reads "is required" rather than zod's "expected string, received undefined" (when the issue
 * carries its `input`, as `validate` asks zod to report).
 */
export function toIssues(
  issues: ReadonlyArray<{
    path: PropertyKey[];
    message: string;
    code?: string;
    keys?: string[];
    expected?: string;
    input?: unknown;
  }>,
): ValidationIssue[] {
  return issues.flatMap((i) => {
    const at = i.path.map(String);
    if (i.code === 'unrecognized_keys' && i.keys) {
      return i.keys.map((k) => ({
        path: [...at, k].join('.'),
        message: 'is not a field of this request (a typo?); nothing was sent',
      }));
    }
    return [{ path: at.join('.'), message: missing(i) ?? i.message }];
  });
}

/** "is required", with the schema's own rule when it has one (zod's default names only the type). */
function missing(i: { code?: string; expected?: string; input?: unknown; message: string }) {
  if (i.code !== 'invalid_type' || !('input' in i) || i.input !== undefined) return undefined;
  return i.message.startsWith('Invalid input')
    ? `is required${i.expected ? ` (${i.expected})` : ''}`
    : `is required: ${i.message}`;
}

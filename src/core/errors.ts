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
  | 'duplicate';

export class CampusPayError extends Error {
  readonly code: CampusPayErrorCode;

  constructor(code: CampusPayErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }

  /** Only the fields a log may hold. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    for (const [k, v] of Object.entries(this)) if (k !== 'code') out[k] = v;
    return out;
  }
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

/** A request (or a gateway reply) does not match its schema. Nothing was sent. */
export class ValidationError extends CampusPayError {
  readonly issues: ValidationIssue[];
  /** The SDK method or gateway method being validated. */
  readonly method: string;
  readonly direction: 'request' | 'response' | 'notification';
  constructor(method: string, direction: ValidationError['direction'], issues: ValidationIssue[]) {
    const list = issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
    super('validation', `${method} ${direction} is invalid: ${list}`);
    this.method = method;
    this.direction = direction;
    this.issues = issues;
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

/** A signed payload could not be decrypted or was not the JSON it should be. */
export class DecryptionError extends CampusPayError {
  constructor(message: string) {
    super('decryption', message);
  }
}

/** The gateway answered, correctly signed, with an error code. */
export class GatewayError extends CampusPayError {
  /** `system`: rejected before processing (OneCard errcode, Zhixiao ret_code). `business`: OneCard retcode. */
  readonly level: 'system' | 'business';
  readonly gatewayCode: string;
  readonly gatewayMessage: string;
  readonly method: string;
  constructor(init: { level: 'system' | 'business'; code: string; message: string; method: string }) {
    super('gateway', `${init.method} failed with ${init.level} code ${init.code}: ${init.message}`);
    this.level = init.level;
    this.gatewayCode = init.code;
    this.gatewayMessage = init.message;
    this.method = init.method;
  }
}

/** The reply is not the gateway's envelope (an HTML error page, an empty or truncated body…). */
export class ProtocolError extends CampusPayError {
  readonly status: number;
  /** A short excerpt of the body, with anything that looks like base64 or hex material masked. */
  readonly excerpt: string;
  readonly method: string;
  constructor(method: string, status: number, message: string, excerpt = '') {
    super('protocol', `${method}: ${message} (HTTP ${status})`);
    this.method = method;
    this.status = status;
    this.excerpt = excerpt;
  }
}

/** The request failed on the network. `mayHaveReachedGateway` tells whether its bytes may have left. */
export class TransportError extends CampusPayError {
  readonly method: string;
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

/** What to call to learn the outcome of a money-moving call whose reply was lost. */
export interface OutcomeQuery {
  /** The SDK method to call, e.g. `queryOrder`. */
  method: string;
  /** The arguments to pass to it. */
  params: Record<string, string>;
}

/**
 * A call that moves money (or changes state) may have been processed, but no trustworthy reply came back:
 * the connection failed after the bytes left, or the reply was cut, unsigned or altered. The SDK never
 * resends it: learn the outcome with `query` (when the call has a key to query by) before trying again.
 */
export class OutcomeUnknownError extends TransportError {
  readonly query: OutcomeQuery | undefined;
  /** What went wrong with the reply: `transport`, `protocol`, `signature`, `decryption` or `validation`. */
  readonly reason: CampusPayErrorCode;
  constructor(method: string, cause: CampusPayError, query: OutcomeQuery | undefined) {
    const how = query
      ? ` Query the outcome with ${query.method}(${JSON.stringify(query.params)}) before retrying.`
      : ' Check the account (queryAccInfo balances, or the card statement) before trying again.';
    const what = cause.message.startsWith(`${method}: `)
      ? cause.message.slice(method.length + 2)
      : cause.message;
    super({
      code: 'outcome_unknown',
      method,
      mayHaveReachedGateway: true,
      timedOut: cause instanceof TransportError && cause.timedOut,
      causeCode: cause instanceof TransportError ? cause.causeCode : undefined,
      message: `the outcome is unknown (${what}). It was not resent.${how}`,
    });
    this.query = query;
    this.reason = cause.code;
  }
}

/**
 * The never-resend rule in one place: runs the send-and-decode of a call that is not safe to repeat, and
 * turns every failure after its bytes may have left — except a verified answer from the gateway — into
 * OutcomeUnknownError. Queries pass straight through: they are retried by the transport and safe to repeat.
 */
export async function guardOutcome<T>(
  repeatable: boolean,
  method: string,
  query: OutcomeQuery | undefined,
  send: () => Promise<T>,
): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (repeatable || !(err instanceof CampusPayError)) throw err;
    const notSent = err instanceof TransportError && !err.mayHaveReachedGateway;
    const verdict =
      err instanceof GatewayError || err instanceof ConfigurationError || err instanceof OutcomeUnknownError;
    const badInput = err instanceof ValidationError && err.direction === 'request';
    if (notSent || verdict || badInput) throw err;
    throw new OutcomeUnknownError(method, err, query);
  }
}

/** Reads a required string option, or throws ConfigurationError naming it. */
export function requireOption(options: object, name: string, rule: 'string' | 'url' = 'string'): string {
  const v = (options as Record<string, unknown>)[name];
  if (typeof v !== 'string' || v === '')
    throw new ConfigurationError(name, 'is required (a non-empty string)');
  if (rule === 'url' && !/^https?:\/\/[^/]/.test(v))
    throw new ConfigurationError(name, 'must be an http(s) URL');
  return v;
}

/** Turns a zod-style issue list into ours. */
export function toIssues(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): ValidationIssue[] {
  return issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/**
 * Masks what may be secret before a body excerpt is kept: the given secrets wherever they appear, and any
 * run that looks like key, signature or ciphertext material.
 */
export function redactExcerpt(text: string, secrets: readonly string[] = [], max = 200): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.replaceAll(secret, '[redacted]');
  return out
    .slice(0, max)
    .replace(/[A-Za-z0-9+/=%]{24,}/g, '[redacted]')
    .replace(/[\r\n\t]+/g, ' ')
    .trim();
}

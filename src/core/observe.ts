/**
 * Logs and traces of calls: one line per attempt (method, order key, attempt, HTTP status or network error,
 * gateway code, duration), and optionally an OpenTelemetry span per call and per attempt.
 *
 * Only names, numbers and codes are ever recorded — the form, bodies, keys, tokens and signatures are not
 * handed to this module at all, so nothing here can leak them.
 */
import { CampusPayError, GatewayError } from './errors.js';
import type { RouteLog } from './router.js';
import type { AttemptEvent, AttemptResult } from './transport.js';

/** One attempt, as logged. */
export interface AttemptLog {
  /** The SDK method. */
  method: string;
  /** The gateway method (OneCard) or path (Zhixiao). */
  wireMethod: string | undefined;
  /** `out_trade_no=…`, `order_no=…` or `out_id=…` when the request has one: how to find the call in your records. */
  orderKey?: string;
  /** 0 for the first attempt. */
  attempt: number;
  /** HTTP status, when a reply arrived. */
  status?: number;
  /** Network error code (ECONNREFUSED, ETIMEDOUT…), when none did. */
  error?: string;
  /** The gateway's code (errcode / retcode / ret_code) when it refused the call. */
  gatewayCode?: string;
  /** `ok`, `retry` (the transport tries again), or the SDK error code the attempt ended in. */
  outcome: string;
  durationMs: number;
  /**
   * Which accepted key verified the reply (index in platformPublicKey / appSecret), when the client has
   * several or a key provider. Never key text.
   */
  keyIndex?: number;
  /** The key provider's version the call used, when keys come from a provider. */
  keyVersion?: number;
}

/** Which key verified a reply or notice, when the client has a choice of keys (README, "Rotating keys"). */
export interface VerifiedBy {
  keyIndex: number;
  keyVersion?: number | undefined;
}

/** `key=1`, or `key=1@v3` with a provider's version. */
export const formatKey = (v: VerifiedBy) =>
  `key=${v.keyIndex}${v.keyVersion === undefined ? '' : `@v${v.keyVersion}`}`;

/** A payment journal write that failed after the call's outcome was known (see journal-hook.ts). */
export interface JournalLog {
  method: string;
  journalId: string;
  /** The state that could not be written; the entry stays at `intent`. */
  state: string;
  outcome: 'journal';
  /** Why: the store failure (`threw`, `timeout`, `malformed`) or `entry not found`. */
  error: string;
}

/** A key provider's read (README, "Rotating keys"): a new version loaded, or a failed read and the version kept. */
export interface KeyLog {
  method: 'keyProvider';
  outcome: 'keys';
  /** The version loaded, or the one still in use after a failed read (0: none yet). */
  keyVersion: number;
  /** Why the read failed: names the option and the rule, never the key. */
  error?: string;
}

/** A notice verified by a client with several accepted keys or a key provider: which key verified it. */
export interface NoticeLog {
  method: 'parseNotification';
  outcome: 'verified';
  /** Index of the verifying key in the accepted list (platformPublicKey / appSecret). */
  keyIndex: number;
  /** The key provider's version in use, when keys come from a provider. */
  keyVersion?: number;
}

/** Logs which key verified a notice: `campus-pay parseNotification key=1@v3 verified`. */
export function logNotice(logger: Logger | undefined, by: VerifiedBy): void {
  const log: NoticeLog = {
    method: 'parseNotification',
    outcome: 'verified',
    keyIndex: by.keyIndex,
    ...(by.keyVersion !== undefined ? { keyVersion: by.keyVersion } : {}),
  };
  try {
    logger?.info(`campus-pay parseNotification ${formatKey(by)} verified`, log);
  } catch {
    // A logger that throws must not refuse a verified notice.
  }
}

/** Anything with an `info` method taking a message and fields: `console`, winston, or an adapter for pino. */
export interface Logger {
  info(message: string, fields: AttemptLog | JournalLog | RouteLog | KeyLog | NoticeLog): void;
}

/** Request fields that identify an order (never card numbers, barcodes or passwords). */
const ORDER_KEYS = ['out_trade_no', 'order_no', 'out_id'] as const;

/** `DEBUG=campus-pay` (or `campus-pay*`, `*`) logs to stderr, as the `debug` package's users expect. */
export function debugLogger(env = process.env.DEBUG): Logger | undefined {
  if (!env?.split(/[\s,]+/).some((p) => p === '*' || /^campus-pay(:?\*)?$/.test(p))) return undefined;
  return { info: (line) => process.stderr.write(`${line}\n`) };
}

export function formatAttempt(a: AttemptLog): string {
  return [
    'campus-pay',
    a.method,
    a.orderKey,
    `attempt=${a.attempt}`,
    a.status !== undefined ? `status=${a.status}` : `error=${a.error ?? 'none'}`,
    a.gatewayCode !== undefined ? `code=${a.gatewayCode}` : undefined,
    a.keyIndex !== undefined ? formatKey({ keyIndex: a.keyIndex, keyVersion: a.keyVersion }) : undefined,
    a.outcome,
    `${Math.round(a.durationMs)}ms`,
  ]
    .filter((x) => x !== undefined)
    .join(' ');
}

/** The part of `@opentelemetry/api` used here, so the package stays an optional peer. */
export interface OtelApi {
  trace: {
    getTracer(name: string, version?: string): Tracer;
    setSpan(ctx: unknown, span: Span): unknown;
  };
  context: { active(): unknown; with<T>(ctx: unknown, fn: () => T): T };
}
interface Tracer {
  startSpan(name: string, options: { kind?: number; attributes?: Attributes }, ctx?: unknown): Span;
}
interface Span {
  setAttributes(a: Attributes): void;
  setStatus(s: { code: number; message?: string }): void;
  end(): void;
}
type Attributes = Record<string, string | number | boolean>;
const SPAN_KIND_CLIENT = 2;
const STATUS_OK = 1;
const STATUS_ERROR = 2;

/** Loads `@opentelemetry/api` once, on the first traced call. */
let otel: Promise<OtelApi> | undefined;
export function loadOtel(): Promise<OtelApi> {
  otel ??= import('@opentelemetry/api').then((m) => m as unknown as OtelApi);
  return otel;
}

export interface ObserveOptions {
  logger?: Logger | undefined;
  otel?: OtelApi | undefined;
}

/** What the pipeline and transport report about one call. */
export class CallObserver {
  #pending: (AttemptResult & { orderKey?: string }) | undefined;
  #attemptSpan: Span | undefined;
  readonly #callSpan: Span | undefined;
  readonly #orderKey: string | undefined;
  readonly #ctx: unknown;

  constructor(
    private readonly o: ObserveOptions,
    private readonly method: string,
    private readonly wire: string | undefined,
    request: Record<string, unknown>,
  ) {
    const key = ORDER_KEYS.find((k) => typeof request[k] === 'string' && request[k] !== '');
    this.#orderKey = key && `${key}=${request[key]}`;
    if (o.otel) {
      const attributes: Attributes = { 'campus_pay.method': method };
      if (wire) attributes['campus_pay.wire_method'] = wire;
      if (this.#orderKey) attributes['campus_pay.order_key'] = this.#orderKey;
      this.#callSpan = tracer(o.otel).startSpan(`campus-pay ${method}`, {
        kind: SPAN_KIND_CLIENT,
        attributes,
      });
      this.#ctx = o.otel.trace.setSpan(o.otel.context.active(), this.#callSpan);
    }
  }

  /** Runs `fn` with the call's span active, so HTTP instrumentation nests under it. */
  within<T>(fn: () => T): T {
    return this.o.otel && this.#ctx !== undefined ? this.o.otel.context.with(this.#ctx, fn) : fn();
  }

  attemptStart(e: AttemptEvent): void {
    if (!this.o.otel) return;
    this.#attemptSpan = tracer(this.o.otel).startSpan(
      `campus-pay ${this.method} attempt`,
      { kind: SPAN_KIND_CLIENT, attributes: { 'campus_pay.attempt': e.attempt } },
      this.#ctx,
    );
  }

  /** A transport attempt ended. One that failed or will be retried is final now; a reply waits for decoding. */
  attemptEnd(r: AttemptResult): void {
    this.#pending = r;
    if (r.willRetry || r.error !== undefined) this.#emit(r.willRetry ? 'retry' : 'transport');
  }

  /**
   * The reply of the last attempt was opened: `err` is why it was refused, if it was; `by`, which key
   * verified it, when the client has a choice of keys.
   */
  replied(err?: unknown, by?: VerifiedBy): void {
    if (!this.#pending) return;
    const code = err instanceof GatewayError ? String(err.gatewayCode) : undefined;
    this.#emit(err === undefined ? 'ok' : err instanceof CampusPayError ? err.code : 'error', code, by);
  }

  /** The call is over. */
  end(err?: unknown): void {
    if (this.#pending) this.#emit(outcomeOf(err));
    if (!this.#callSpan) return;
    if (err instanceof GatewayError)
      this.#callSpan.setAttributes({ 'campus_pay.gateway_code': String(err.gatewayCode) });
    this.#callSpan.setAttributes({ 'campus_pay.outcome': outcomeOf(err) });
    this.#callSpan.setStatus(
      err === undefined ? { code: STATUS_OK } : { code: STATUS_ERROR, message: outcomeOf(err) },
    );
    this.#callSpan.end();
  }

  #emit(outcome: string, gatewayCode?: string, by?: VerifiedBy) {
    const r = this.#pending;
    if (!r) return;
    this.#pending = undefined;
    const log: AttemptLog = {
      method: this.method,
      wireMethod: this.wire,
      ...(this.#orderKey ? { orderKey: this.#orderKey } : {}),
      attempt: r.attempt,
      ...(r.status !== undefined ? { status: r.status } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
      ...(gatewayCode !== undefined ? { gatewayCode } : {}),
      outcome,
      durationMs: r.durationMs,
      ...(by ? { keyIndex: by.keyIndex } : {}),
      ...(by?.keyVersion !== undefined ? { keyVersion: by.keyVersion } : {}),
    };
    try {
      this.o.logger?.info(formatAttempt(log), log);
    } catch {
      // A logger that throws must not change a call's outcome.
    }
    const span = this.#attemptSpan;
    this.#attemptSpan = undefined;
    if (span) {
      const a: Attributes = { 'campus_pay.outcome': outcome };
      if (log.status !== undefined) a['http.response.status_code'] = log.status;
      if (log.error !== undefined) a['error.type'] = log.error;
      if (gatewayCode !== undefined) a['campus_pay.gateway_code'] = gatewayCode;
      if (log.keyIndex !== undefined) a['campus_pay.key_index'] = log.keyIndex;
      if (log.keyVersion !== undefined) a['campus_pay.key_version'] = log.keyVersion;
      span.setAttributes(a);
      span.setStatus({ code: outcome === 'ok' ? STATUS_OK : STATUS_ERROR });
      span.end();
    }
  }
}

const outcomeOf = (err: unknown) =>
  err === undefined ? 'ok' : err instanceof CampusPayError ? err.code : 'error';
const tracer = (api: OtelApi) => api.trace.getTracer('campus-pay');

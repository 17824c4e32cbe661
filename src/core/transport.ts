/**
 * The one place HTTP happens, and the one retry policy:
 * - `retry: 'safe'` (queries and the token call): network errors, timeouts and HTTP 5xx are retried at most
 *   twice, with exponential backoff and full jitter.
 * - `retry: 'never-after-send'` (anything that moves money or changes state): retried only when the request
 *   provably never left (connection refused, DNS failure, TLS rejected). Once its bytes may have reached the
 *   gateway, a failure is returned to the caller as `mayHaveReachedGateway: true`, never resent.
 */
import { Agent as HttpsAgent } from 'node:https';
import { TransportError } from './errors.js';
import { encodeForm } from './form.js';
import { nodeSender, SendError, type Sender } from './http.js';

/** The part of an axios instance the SDK uses, so axios stays optional. */
export interface AxiosLike {
  request(config: Record<string, unknown>): Promise<{ status: number; data: unknown }>;
}

export type RetryMode = 'safe' | 'never-after-send';

/**
 * What the hooks see of each attempt: names, timings and outcomes — never the form, the body, a key,
 * a token or a signature, so they are safe to log as they are.
 */
export interface AttemptEvent {
  /** The SDK method (e.g. `payByBarcode`) or gateway method. */
  method: string;
  url: string;
  /** 0 for the first attempt, then 1, 2 for retries. */
  attempt: number;
}

export interface AttemptResult extends AttemptEvent {
  durationMs: number;
  /** HTTP status, when a reply arrived. */
  status?: number;
  /** The network error code (ECONNRESET, ECONNABORTED…), when none did. */
  error?: string;
  /** Whether the transport will try again. */
  willRetry: boolean;
}

export interface TransportHooks {
  onRequest?(event: AttemptEvent): void;
  onResponse?(result: AttemptResult): void;
}

export interface TransportOptions {
  /** Per-request timeout in milliseconds (default 15000). */
  timeoutMs?: number;
  /**
   * Send through your own axios instance (interceptors, proxies) instead of the built-in node:http sender.
   * The SDK sets its own per-request options on top.
   */
  axios?: AxiosLike;
  /** An https.Agent of your own (client certificates, proxies). */
  httpsAgent?: HttpsAgent;
  /**
   * Extra trusted CA certificate(s) (PEM) for a gateway behind a private CA: certificate checks stay on.
   * Ignored when `httpsAgent` is given.
   */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Observability hooks, called for every attempt; see AttemptEvent for what they receive. */
  hooks?: TransportHooks;
  /** Retries for `safe` calls (default 2) and the base backoff in ms (default 100). */
  maxRetries?: number;
  retryBaseMs?: number;
}

export interface PostRequest {
  /** The gateway method, for error messages. */
  method: string;
  url: string;
  form: Record<string, string>;
  retry: RetryMode;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
}

export interface RawReply {
  status: number;
  body: Buffer;
}

/** Errors after which the request certainly did not reach the gateway. */
const NEVER_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export class Transport {
  private readonly sender: Sender;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly hooks: TransportHooks;

  constructor(options: TransportOptions = {}) {
    const httpsAgent =
      options.httpsAgent ?? (options.ca ? new HttpsAgent({ ca: options.ca, keepAlive: true }) : undefined);
    this.sender = options.axios ? axiosSender(options.axios, httpsAgent) : nodeSender(httpsAgent);
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.hooks = options.hooks ?? {};
    this.maxRetries = options.maxRetries ?? 2;
    this.retryBaseMs = options.retryBaseMs ?? 100;
  }

  async post(req: PostRequest): Promise<RawReply> {
    for (let attempt = 0; ; attempt++) {
      const event = { method: req.method, url: req.url, attempt };
      this.hooks.onRequest?.(event);
      const started = performance.now();
      const outcome = await this.once(req);
      const canRetry = attempt < this.maxRetries && !req.signal?.aborted;
      const failed = outcome instanceof TransportError;
      const willRetry = failed
        ? canRetry && (req.retry === 'safe' || !outcome.mayHaveReachedGateway)
        : outcome.status >= 500 && canRetry && req.retry === 'safe';
      this.hooks.onResponse?.({
        ...event,
        durationMs: performance.now() - started,
        ...(failed ? { error: outcome.causeCode ?? 'network' } : { status: outcome.status }),
        willRetry,
      });
      if (willRetry) {
        await this.backoff(attempt, req.signal);
        continue;
      }
      if (failed) throw outcome;
      return outcome;
    }
  }

  private async once(req: PostRequest): Promise<RawReply | TransportError> {
    try {
      const opts = { timeoutMs: req.timeoutMs ?? this.timeoutMs, signal: req.signal };
      return await this.sender.send(req.url, encodeForm(req.form), opts);
    } catch (err) {
      return toTransportError(req.method, err);
    }
  }

  private backoff(attempt: number, signal?: AbortSignal): Promise<void> {
    const ms = Math.random() * this.retryBaseMs * 2 ** attempt;
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

/** A sender on the caller's axios instance; errors are reduced to their code, never kept (their config holds the form). */
function axiosSender(http: AxiosLike, httpsAgent: HttpsAgent | undefined): Sender {
  return {
    async send(url, body, { timeoutMs, signal }) {
      try {
        const res = await http.request({
          method: 'POST',
          url,
          data: body,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' },
          responseType: 'arraybuffer',
          transformResponse: [(d: unknown) => d],
          validateStatus: () => true,
          // A redirected POST is not something a payment call should follow silently.
          maxRedirects: 0,
          timeout: timeoutMs,
          signal,
          ...(httpsAgent ? { httpsAgent } : {}),
        });
        return {
          status: res.status,
          body: Buffer.from((res.data as ArrayBuffer | undefined) ?? new ArrayBuffer(0)),
        };
      } catch (err) {
        const e = err as { code?: string; cause?: { code?: string } };
        const code = e.code ?? e.cause?.code ?? 'ECONNRESET';
        throw new SendError(code === 'ECONNABORTED' ? 'ETIMEDOUT' : code, true);
      }
    },
  };
}

/** Classifies a send failure: was it a timeout, and may the bytes have reached the gateway? */
function toTransportError(method: string, err: unknown): TransportError {
  const code = err instanceof SendError ? err.code : 'ECONNRESET';
  const connected = err instanceof SendError ? err.connected : true;
  if (code === 'ERR_CANCELED') {
    return new TransportError({
      method,
      mayHaveReachedGateway: connected,
      causeCode: code,
      message: 'the call was aborted',
    });
  }
  const timedOut = code === 'ETIMEDOUT';
  // Refused, unresolvable, unreachable or TLS-rejected connections never carried the request; nor did a
  // connection that timed out before it was established.
  const neverSent = NEVER_SENT.has(code) || !connected;
  return new TransportError({
    method,
    mayHaveReachedGateway: !neverSent,
    timedOut,
    causeCode: code,
    message: timedOut ? 'the gateway did not answer in time' : `network failure (${code})`,
  });
}

/**
 * The one place HTTP happens, and the one retry policy:
 * - `retry: 'safe'` (queries and the token call): network errors, timeouts and HTTP 5xx are retried at most
 *   twice, with exponential backoff and full jitter.
 * - `retry: 'never-after-send'` (anything that moves money or changes state): retried only when the request
 *   provably never left (connection refused, DNS failure, TLS rejected). Once its bytes may have reached the
 *   gateway, a failure is returned to the caller as `mayHaveReachedGateway: true`, never resent.
 */
import { Agent as HttpsAgent } from 'node:https';
import { type AxiosLike, axiosSender } from './axios-sender.js';
import { ConfigurationError, TransportError } from './errors.js';
import { encodeForm } from './form.js';
import { AGENT_OPTIONS, nodeSender, SendError, type Sender } from './http.js';
import { debugLogger, type Logger } from './observe.js';
import { booleanRule, clientOption, numberRule, timeoutRule } from './options.js';

export type { AxiosLike } from './axios-sender.js';

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
  /**
   * Where an error thrown by a hook goes (default: `process.emitWarning`). Hooks observe; they never
   * change a call's outcome, so their errors are never thrown into the call.
   */
  onHookError?(error: unknown, hook: 'onRequest' | 'onResponse'): void;
}

export interface TransportOptions {
  /** Per-request timeout in milliseconds (default 15000; 1 to 600000). */
  timeoutMs?: number;
  /**
   * How requests are sent. `'axios'` (default): through axios, which honours `HTTP_PROXY` / `HTTPS_PROXY` /
   * `NO_PROXY`. `'node'`: a bare node:http sender that spends less CPU per call and reads no proxy variables
   * (docs/performance.md). The retry and never-resend rules are the same on both.
   */
  httpClient?: 'axios' | 'node';
  /**
   * Send through your own axios instance (interceptors, defaults). The SDK sets its own per-request options on
   * top: method, body, no redirects, reply size limit, timeout and abort. Its agents stay its own: give
   * them a `timeout` shorter than the gateway's idle limit, as `httpsAgent` says.
   */
  axios?: AxiosLike;
  /**
   * The axios sender reads `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY` by default. A URL here
   * (`http://user:pass@proxy.campus.edu:3128`) uses that proxy instead; `false` uses none (the sandbox's
   * options set it, so a proxy variable meant for the internet does not catch calls to 127.0.0.1).
   */
  proxy?: string | false;
  /**
   * An https.Agent of your own (client certificates, proxies). Give it a `timeout` shorter than the
   * gateway's idle limit, as the SDK's own agents have (`keepAlive: true, timeout: 4000`): a money call
   * written on a socket the gateway is closing ends as an unknown outcome.
   */
  httpsAgent?: HttpsAgent;
  /**
   * Extra trusted CA certificate(s) (PEM) for a gateway behind a private CA: certificate checks stay on.
   * Ignored when `httpsAgent` is given.
   */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Observability hooks, called for every attempt; see AttemptEvent for what they receive. */
  hooks?: TransportHooks;
  /**
   * Logs one line per attempt: method, order key, attempt, HTTP status or network error, gateway code,
   * duration — never a key, token, signature or body. `logger: console` works; so does `DEBUG=campus-pay`.
   */
  logger?: Logger;
  /**
   * OpenTelemetry: a span per call and per attempt, through `@opentelemetry/api` (an optional peer: install
   * it) and the tracer provider your service registers.
   */
  tracing?: boolean;
  /** Retries for `safe` calls (default 2, at most 10) and the base backoff in ms (default 100). */
  maxRetries?: number;
  retryBaseMs?: number;
  /** Largest reply read, in bytes (default 1 MiB): a gateway that streams without end cannot fill memory. */
  maxReplyBytes?: number;
}

export interface PostRequest {
  /** The gateway method, for error messages. */
  method: string;
  url: string;
  form: Record<string, string>;
  retry: RetryMode;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /**
   * Time left for the call, all attempts and backoffs included (what remains of the call's deadline; 0 or
   * less: nothing is sent).
   */
  deadlineMs?: number | undefined;
  /** The call's logs and spans (see observe.ts). */
  observer?: { attemptStart(e: AttemptEvent): void; attemptEnd(r: AttemptResult): void } | undefined;
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
  private readonly maxReplyBytes: number;
  readonly logger: Logger | undefined;
  readonly tracing: boolean;

  constructor(options: TransportOptions = {}) {
    const httpsAgent =
      options.httpsAgent ?? (options.ca ? new HttpsAgent({ ca: options.ca, ...AGENT_OPTIONS }) : undefined);
    this.timeoutMs = clientOption(options, 'timeoutMs', timeoutRule, 15_000);
    this.maxRetries = clientOption(options, 'maxRetries', numberRule(0, 10, true), 2);
    this.retryBaseMs = clientOption(options, 'retryBaseMs', numberRule(0, 60_000), 100);
    this.maxReplyBytes = clientOption(options, 'maxReplyBytes', numberRule(1, 1024 ** 3, true), 1024 * 1024);
    this.sender = pickSender(options, httpsAgent, this.maxReplyBytes);
    this.hooks = options.hooks ?? {};
    if (options.logger !== undefined && typeof options.logger?.info !== 'function')
      throw new ConfigurationError('logger', 'must have an info(message, fields) method, as console does');
    this.logger = options.logger ?? debugLogger();
    this.tracing = clientOption(options, 'tracing', booleanRule, false);
  }

  async post(req: PostRequest): Promise<RawReply> {
    const until = req.deadlineMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + req.deadlineMs;
    if (req.signal?.aborted) throw aborted(req, false);
    if (until <= Date.now())
      throw new TransportError({
        method: req.method,
        mayHaveReachedGateway: false,
        timedOut: true,
        causeCode: 'ETIMEDOUT',
        message: `the call's deadline passed before anything was sent (${hostOf(req.url)})`,
      });
    for (let attempt = 0; ; attempt++) {
      const event = { method: req.method, url: req.url, attempt };
      this.hook('onRequest', event);
      req.observer?.attemptStart(event);
      const started = performance.now();
      const left = until - Date.now();
      const timeoutMs = Math.max(1, Math.min(req.timeoutMs ?? this.timeoutMs, left));
      const outcome = await this.once(req, timeoutMs);
      const canRetry = attempt < this.maxRetries && !req.signal?.aborted && until - Date.now() > 0;
      const failed = outcome instanceof TransportError;
      const willRetry = failed
        ? canRetry && (req.retry === 'safe' || !outcome.mayHaveReachedGateway)
        : outcome.status >= 500 && canRetry && req.retry === 'safe';
      const result: AttemptResult = {
        ...event,
        durationMs: performance.now() - started,
        ...(failed ? { error: outcome.causeCode ?? 'network' } : { status: outcome.status }),
        willRetry,
      };
      this.hook('onResponse', result);
      req.observer?.attemptEnd(result);
      if (willRetry) {
        await backoff(
          Math.min(Math.random() * this.retryBaseMs * 2 ** attempt, until - Date.now()),
          req.signal,
        );
        if (req.signal?.aborted) throw aborted(req, true);
        continue;
      }
      if (failed) throw outcome;
      return outcome;
    }
  }

  private hook<K extends 'onRequest' | 'onResponse'>(name: K, event: AttemptEvent & Partial<AttemptResult>) {
    try {
      (this.hooks[name] as ((e: typeof event) => void) | undefined)?.(event);
    } catch (err) {
      try {
        if (this.hooks.onHookError) this.hooks.onHookError(err, name);
        else
          process.emitWarning(
            `campus-pay: the ${name} hook threw; the call went on unchanged`,
            'CampusPayHookWarning',
          );
      } catch {
        // The error reporter itself failed: nothing more can be done without changing the outcome.
      }
    }
  }

  private async once(req: PostRequest, timeoutMs: number): Promise<RawReply | TransportError> {
    try {
      return await this.sender.send(req.url, encodeForm(req.form), { timeoutMs, signal: req.signal });
    } catch (err) {
      return toTransportError(req.method, req.url, err);
    }
  }
}

/** Waits, or stops early on abort; the listener is removed either way (a long-lived signal collects none). */
export function backoff(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** An abort seen by the transport itself: before the first attempt nothing was sent. */
function aborted(req: PostRequest, mayHaveLeft: boolean) {
  return new TransportError({
    method: req.method,
    mayHaveReachedGateway: mayHaveLeft,
    causeCode: 'ERR_CANCELED',
    message: mayHaveLeft
      ? `the call was aborted between attempts (${hostOf(req.url)})`
      : `the call was aborted before anything was sent (${hostOf(req.url)})`,
  });
}

// Stryker disable all: option checks and message text, which decide no resend (docs/testing.md)
/** host:port of a URL, never its path or query (which may carry identifiers). */
export function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
  } catch {
    return 'gateway';
  }
}

function pickSender(options: TransportOptions, httpsAgent: HttpsAgent | undefined, maxReplyBytes: number) {
  const client = options.httpClient ?? 'axios';
  if (client !== 'axios' && client !== 'node')
    throw new ConfigurationError('httpClient', "must be 'axios' or 'node'");
  if (client === 'node' && options.axios)
    throw new ConfigurationError('httpClient', "is 'node', but an axios instance was given as `axios`");
  if (options.axios !== undefined && typeof options.axios?.request !== 'function')
    throw new ConfigurationError('axios', 'must be an axios instance (with a request method)');
  if (client === 'node') {
    if (typeof options.proxy === 'string')
      throw new ConfigurationError(
        'proxy',
        "is not supported by httpClient 'node'; use the default axios sender",
      );
    return nodeSender(httpsAgent, maxReplyBytes);
  }
  return axiosSender(options.axios, httpsAgent, maxReplyBytes, parseProxy(options.proxy));
}

function parseProxy(proxy: string | false | undefined): URL | false | undefined {
  if (proxy === undefined || proxy === false) return proxy;
  let url: URL | undefined;
  try {
    url = typeof proxy === 'string' ? new URL(proxy) : undefined;
  } catch {}
  // The URL may hold a password: the message never repeats it.
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new ConfigurationError(
      'proxy',
      'must be an http(s) URL such as http://proxy.example:3128, or false',
    );
  return url;
}
// Stryker restore all

/** Classifies a send failure: was it a timeout, and may the bytes have reached the gateway? */
function toTransportError(method: string, url: string, err: unknown): TransportError {
  const code = err instanceof SendError ? err.code : 'ECONNRESET';
  const connected = err instanceof SendError ? err.connected : true;
  const host = hostOf(url);
  if (code === 'ERR_CANCELED') {
    return new TransportError({
      method,
      mayHaveReachedGateway: connected,
      causeCode: code,
      message: `the call was aborted (${host})`,
    });
  }
  if (code === 'E_REPLY_TOO_LARGE') {
    return new TransportError({
      method,
      mayHaveReachedGateway: true,
      causeCode: code,
      message: `the reply is larger than maxReplyBytes; reading stopped (${host})`,
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
    message: timedOut
      ? `the gateway did not answer within the per-attempt timeout (${host})`
      : `network failure (${code}, ${host})`,
  });
}

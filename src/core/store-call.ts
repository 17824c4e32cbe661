/**
 * Every call into a pluggable store (tokens, notice dedupe, payment journal) goes through `storeCall`:
 * a store that throws, hangs or answers nonsense must give a typed error in bounded time, never a plain
 * `Error` from someone else's code and never a call that outlives its deadline or its abort signal.
 */
import { CampusPayError } from './errors.js';
import { clientOption, msRule } from './options.js';

/** Which store failed. */
export type StoreKind = 'token' | 'dedupe' | 'journal';

/** Why a store call failed. */
export type StoreFailure = 'threw' | 'timeout' | 'aborted' | 'malformed';

/**
 * A store (token, dedupe or journal) failed, hung or returned a malformed record. Its own error, if any,
 * is the `cause`, reduced to its name and code (see storeCause). Before a money call's bytes leave, this
 * means nothing was sent.
 */
export class StoreError extends CampusPayError {
  readonly store: StoreKind;
  /** The store operation, e.g. `get`, `lock`, `claim`, `append`. */
  readonly operation: string;
  readonly reason: StoreFailure;
  constructor(init: {
    store: StoreKind;
    operation: string;
    reason: StoreFailure;
    message: string;
    cause?: unknown;
  }) {
    super(
      'store',
      `${init.store} store ${init.operation}: ${init.message}`,
      init.cause === undefined ? undefined : storeCause(init.cause),
    );
    this.store = init.store;
    this.operation = init.operation;
    this.reason = init.reason;
  }
}

/**
 * A store's own error as a cause: an error of this SDK as it is; anything else becomes a plain Error whose
 * message is its name and code, as the transport keeps of network errors. A store client's error may
 * carry what it was given (ioredis puts a command's arguments on it: `SET key {"token":…}`), and a
 * logger that prints the cause prints every property.
 */
export function storeCause(err: unknown): Error {
  if (err instanceof CampusPayError) return err;
  const name = err instanceof Error ? err.name : typeof err;
  const code = (err as { code?: unknown } | null)?.code;
  const word = (v: unknown) => (typeof v === 'string' && /^[\w.-]{1,64}$/.test(v) ? v : undefined);
  const text = [word(name) ?? 'Error', word(typeof code === 'number' ? String(code) : code)];
  return new Error(text.filter(Boolean).join(' '));
}

/** Default time one store operation may take: a healthy store answers in milliseconds. */
export const DEFAULT_STORE_TIMEOUT_MS = 5_000;
/** The longest `storeTimeoutMs` accepted: past ten minutes a store is down, not slow. */
const MAX_STORE_TIMEOUT_MS = 600_000;
/** setTimeout's largest delay; a larger one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** What bounds one call as a whole: its abort signal and its absolute deadline. */
export interface CallBounds {
  /** Epoch milliseconds by which the whole call must end (the call's `deadlineMs` turned absolute). */
  deadline?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface StoreCallOptions<T = unknown> extends CallBounds {
  /** Upper bound for this operation (default DEFAULT_STORE_TIMEOUT_MS). */
  timeoutMs?: number | undefined;
  /**
   * Receives the result of an operation that succeeded after the call gave up on it, e.g. to release a
   * lock or a claim taken too late, so it does not stay held until its TTL.
   */
  discard?: ((late: T) => unknown) | undefined;
}

/** Why a bounded wait stopped early. */
export type Stop = 'aborted' | 'timeout';

/** Milliseconds left until `deadline` (never negative; infinite without one, or with NaN). */
export function remainingMs(deadline: number | undefined): number {
  // NaN would disable every timer below, the store's own timeout included.
  if (deadline === undefined || Number.isNaN(deadline)) return Number.POSITIVE_INFINITY;
  return Math.max(0, deadline - Date.now());
}

/**
 * Settles as `pending` does, unless the signal aborts or `limitMs` passes first: then it rejects with
 * `stop(why)` at once, and a late success of `pending` goes to `discard`. `pending` itself is not cancelled
 * (it may be shared, or be someone else's code); its late failure is dropped.
 */
export function bounded<T>(
  pending: Promise<T>,
  o: {
    limitMs: number;
    signal?: AbortSignal | undefined;
    stop: (why: Stop) => unknown;
    discard?: (late: T) => unknown;
  },
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (f: () => void) => {
      if (done) return false;
      done = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      f();
      return true;
    };
    const onAbort = () => finish(() => reject(o.stop('aborted')));
    pending.then(
      (v) => {
        if (!finish(() => resolve(v)) && o.discard) dispose(o.discard, v);
      },
      (err) => finish(() => reject(err)),
    );
    if (o.signal?.aborted) return onAbort();
    if (o.limitMs <= 0) return finish(() => reject(o.stop('timeout')));
    if (o.limitMs < Number.POSITIVE_INFINITY)
      timer = setTimeout(() => finish(() => reject(o.stop('timeout'))), Math.min(o.limitMs, MAX_TIMER_MS));
    o.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Hands a late result to its cleanup; a cleanup that fails has nobody left to tell. */
function dispose<T>(discard: (late: T) => unknown, late: T) {
  try {
    Promise.resolve(discard(late)).catch(() => undefined);
  } catch {}
}

/**
 * Runs one store operation under a timeout, the call's deadline and its abort signal. The operation's own
 * promise is left to settle in the background (a store cannot be cancelled); its late result is dropped,
 * or handed to `discard`. An operation whose call is already aborted or past its deadline is not started.
 */
export function storeCall<T>(
  store: StoreKind,
  operation: string,
  run: () => Promise<T> | T,
  opts: StoreCallOptions<T> = {},
): Promise<T> {
  const fail = (reason: StoreFailure, message: string, cause?: unknown) =>
    new StoreError({ store, operation, reason, message, cause });
  const timeoutMs = opts.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  const limitMs = Math.min(timeoutMs, remainingMs(opts.deadline));
  const stop = (why: Stop) =>
    why === 'aborted'
      ? fail('aborted', 'the call was aborted before the store answered')
      : limitMs < timeoutMs
        ? fail('timeout', "the call's deadline passed before the store answered")
        : fail('timeout', `no answer within ${Math.round(limitMs)} ms`);
  if (opts.signal?.aborted) return Promise.reject(stop('aborted'));
  if (limitMs <= 0) return Promise.reject(stop('timeout'));
  let pending: Promise<T>;
  try {
    pending = Promise.resolve(run());
  } catch (err) {
    pending = Promise.reject(err);
  }
  const typed = pending.catch((err: unknown) => {
    if (err instanceof StoreError) throw err;
    throw fail('threw', `failed (${storeCause(err).message})`, err);
  });
  return bounded(typed, { limitMs, signal: opts.signal, stop, discard: opts.discard });
}

/** A stored record that does not have the expected shape: typed, never used. */
export function malformedRecord(store: StoreKind, operation: string, what: string): StoreError {
  return new StoreError({ store, operation, reason: 'malformed', message: `returned a malformed ${what}` });
}

/** `storeTimeoutMs` (client or helper option), checked once where it is given. */
export function checkStoreTimeout(
  v: unknown,
  option = 'storeTimeoutMs',
  dflt = DEFAULT_STORE_TIMEOUT_MS,
): number {
  return clientOption({ [option]: v }, option, msRule(MAX_STORE_TIMEOUT_MS), dflt);
}

/**
 * Every call into a pluggable store (tokens, notice dedupe, payment journal) goes through `storeCall`:
 * a store that throws, hangs or answers nonsense must give a typed error in bounded time, never a plain
 * `Error` from someone else's code and never a call that outlives its deadline or its abort signal.
 */
import { CampusPayError } from './errors.js';

/** Which store failed. */
export type StoreKind = 'token' | 'dedupe' | 'journal';

/** Why a store call failed. */
export type StoreFailure = 'threw' | 'timeout' | 'aborted' | 'malformed';

/**
 * A store (token, dedupe or journal) failed, hung or returned a malformed record. Its own error, if any,
 * is the `cause`. Before a money call's bytes leave, this means nothing was sent.
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
    super('store', `${init.store} store ${init.operation}: ${init.message}`, init.cause);
    this.store = init.store;
    this.operation = init.operation;
    this.reason = init.reason;
  }
}

/** Default time one store operation may take: a healthy store answers in milliseconds. */
export const DEFAULT_STORE_TIMEOUT_MS = 5_000;
/** setTimeout's largest delay; a larger one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

export interface StoreCallOptions {
  /** Upper bound for this operation (default DEFAULT_STORE_TIMEOUT_MS). */
  timeoutMs?: number | undefined;
  /** Epoch milliseconds by which the whole call must end (the call's `deadlineMs` turned absolute). */
  deadline?: number | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Runs one store operation under a timeout, the call's deadline and its abort signal. The operation's own
 * promise is left to settle in the background (a store cannot be cancelled); its late result is dropped.
 */
export function storeCall<T>(
  store: StoreKind,
  operation: string,
  run: () => Promise<T> | T,
  opts: StoreCallOptions = {},
): Promise<T> {
  const fail = (reason: StoreFailure, message: string, cause?: unknown) =>
    new StoreError({ store, operation, reason, message, cause });
  if (opts.signal?.aborted) return Promise.reject(fail('aborted', 'the call was aborted'));
  const limit = Math.min(
    opts.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS,
    opts.deadline === undefined ? Number.POSITIVE_INFINITY : Math.max(0, opts.deadline - Date.now()),
    MAX_TIMER_MS,
  );
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      f();
    };
    const onAbort = () => finish(() => reject(fail('aborted', 'the call was aborted')));
    const timer = setTimeout(
      () => finish(() => reject(fail('timeout', `no answer within ${Math.round(limit)} ms`))),
      limit,
    );
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(run());
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (v) => finish(() => resolve(v)),
      (err) =>
        finish(() =>
          reject(
            err instanceof StoreError
              ? err
              : fail('threw', `failed (${err instanceof Error ? err.name : typeof err})`, err),
          ),
        ),
    );
  });
}

/** A stored record that does not have the expected shape: typed, never used. */
export function malformedRecord(store: StoreKind, operation: string, what: string): StoreError {
  return new StoreError({ store, operation, reason: 'malformed', message: `returned a malformed ${what}` });
}

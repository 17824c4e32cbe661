/**
 * Gateways repeat a notification until it is acknowledged, and may deliver it twice anyway (a lost `ok`,
 * two gateway nodes). Your callback should be idempotent; this helper additionally makes sure it runs once
 * per notice, across processes when the store is shared (RedisDedupeStore in `campus-pay/redis`).
 */
import { CampusPayError } from './errors.js';
import { checkStoreTimeout, malformedRecord, storeCall } from './store-call.js';

export type ClaimState = 'claimed' | 'processing' | 'done';

/**
 * Every call is bounded by `storeTimeoutMs` of `deduplicate`; a failure, a hang or an answer that is not a
 * ClaimState is a StoreError, and the notice is answered with the gateway's failure word.
 */
export interface DedupeStore {
  /** Atomically claims `key` for `ttlMs` unless it is held or done; returns what it found. */
  claim(key: string, ttlMs: number): Promise<ClaimState>;
  /** Marks `key` done for `ttlMs`: later deliveries are acknowledged without running the callback. */
  complete(key: string, ttlMs: number): Promise<void>;
  /** Drops a claim after a failure, so the gateway's next delivery runs the callback again. */
  release(key: string): Promise<void>;
}

/** In-process store: enough for one instance; use RedisDedupeStore for several. */
export class MemoryDedupeStore implements DedupeStore {
  readonly #entries = new Map<string, { state: 'processing' | 'done'; until: number }>();

  async claim(key: string, ttlMs: number): Promise<ClaimState> {
    const now = Date.now();
    const e = this.#entries.get(key);
    if (e && e.until > now) return e.state;
    this.#entries.set(key, { state: 'processing', until: now + ttlMs });
    if (this.#entries.size > 10_000) this.#sweep(now);
    return 'claimed';
  }

  async complete(key: string, ttlMs: number): Promise<void> {
    this.#entries.set(key, { state: 'done', until: Date.now() + ttlMs });
  }

  async release(key: string): Promise<void> {
    if (this.#entries.get(key)?.state === 'processing') this.#entries.delete(key);
  }

  #sweep(now: number) {
    for (const [k, e] of this.#entries) if (e.until <= now) this.#entries.delete(k);
  }
}

/** Thrown (and answered with a failure, so the gateway retries later) while another delivery is in progress. */
export class DuplicateInFlightError extends CampusPayError {
  constructor() {
    super(
      'duplicate',
      'notification: the same notice is being processed by another delivery; the gateway will retry',
    );
  }
}

export interface DedupeOptions<T> {
  store: DedupeStore;
  /**
   * A stable key per notice, e.g. `n => n.out_trade_no`, stored as `campus-pay:notice:<key>`. It is used as
   * given: when several tenants share the store, put the tenant in it
   * (`n => client.tenant + '|' + n.out_trade_no`), or two tenants' notices of one order number count as one.
   */
  key: (notice: T) => string;
  /** Your processing, run once per key. */
  onNotification: (notice: T) => unknown | Promise<unknown>;
  /** How long a claim protects an in-flight callback (default 60 s; should exceed its run time). */
  processingTtlMs?: number;
  /** How long a done notice is remembered (default 8 days: Zhixiao retries for about a week). */
  doneTtlMs?: number;
  /**
   * Longest wait for one store operation (default 5000 ms, DEFAULT_STORE_TIMEOUT_MS). A store that throws,
   * hangs past it or answers nonsense is a StoreError: the handler answers its failure word and the
   * gateway delivers the notice again later.
   */
  storeTimeoutMs?: number;
}

const CLAIM_STATES: ReadonlySet<unknown> = new Set<ClaimState>(['claimed', 'processing', 'done']);

/** Wraps your callback so that each notice runs it once; pass the result as `onNotification`. */
export function deduplicate<T>(options: DedupeOptions<T>): (notice: T) => Promise<void> {
  const processingTtl = options.processingTtlMs ?? 60_000;
  const doneTtl = options.doneTtlMs ?? 8 * 24 * 3600_000;
  const timeoutMs = checkStoreTimeout(options.storeTimeoutMs);
  const { store } = options;
  return async (notice) => {
    const key = `campus-pay:notice:${options.key(notice)}`;
    // A claim that lands after we gave up is dropped again, so the gateway's next delivery is not refused.
    const state: unknown = await storeCall('dedupe', 'claim', () => store.claim(key, processingTtl), {
      timeoutMs,
      discard: (late) => late === 'claimed' && store.release(key),
    });
    if (!CLAIM_STATES.has(state)) throw malformedRecord('dedupe', 'claim', 'claim state');
    if (state === 'done') return;
    if (state === 'processing') throw new DuplicateInFlightError();
    try {
      await options.onNotification(notice);
    } catch (err) {
      // The callback's error is the one to report; a claim that cannot be released lapses after processingTtlMs.
      await storeCall('dedupe', 'release', () => store.release(key), { timeoutMs }).catch(() => undefined);
      throw err;
    }
    // Not done in the store: the failure answer makes the gateway deliver again, and the callback runs once
    // more after the claim lapses (processingTtlMs) — one reason it must be idempotent.
    await storeCall('dedupe', 'complete', () => store.complete(key, doneTtl), { timeoutMs });
  };
}

/**
 * Access-token lifecycle. Each fetch invalidates the previous token for the app key and the gateway allows
 * one fetch per 2 minutes, so: one fetch in flight per process (single-flight), one per cluster when the
 * store has a lock, refresh ahead of expiry but never proactively within 2 minutes of the last fetch, and
 * on 40017 drop the token only if it is still the stored one.
 */
import { TransportError } from '../core/errors.js';
import type { StoredToken, TokenStore } from '../core/token-store.js';

export interface TokenManagerOptions {
  store: TokenStore;
  key: string;
  /** Performs synjones.authorize.access_token. */
  fetch: () => Promise<{ token: string; expiresInSeconds: number }>;
  /** Refresh this long before expiry (default 5 minutes, at most a fifth of the lifetime). */
  refreshAheadMs?: number;
  /** The gateway's minimum interval between fetches (default 2 minutes). */
  minFetchIntervalMs?: number;
  /** Lock lifetime for a cross-process fetch (default 15 s) and how long a waiter waits (default 30 s). */
  lockTtlMs?: number;
  lockWaitMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class TokenManager {
  readonly #o: Required<Omit<TokenManagerOptions, 'store' | 'key' | 'fetch'>> & TokenManagerOptions;
  #local: StoredToken | undefined;
  #inflight: Promise<string> | undefined;
  /** Token fetches this process made (for tests and metrics). */
  fetches = 0;

  constructor(options: TokenManagerOptions) {
    this.#o = {
      refreshAheadMs: 300_000,
      minFetchIntervalMs: 120_000,
      lockTtlMs: 15_000,
      lockWaitMs: 30_000,
      ...options,
    };
  }

  /** The current token, fetching one if there is none or it is due for refresh. */
  get(): Promise<string> {
    const l = this.#local;
    if (l && this.#fresh(l, Date.now())) return Promise.resolve(l.token);
    return this.#singleFlight(undefined);
  }

  /** After 40017 with `failed`: drop it (if still stored) and return a newer token, fetching if needed. */
  async invalidate(failed: string): Promise<string> {
    if (this.#local?.token === failed) this.#local = undefined;
    await this.#o.store.delete(this.#o.key, failed);
    const token = await this.#singleFlight(failed);
    // A fetch that was already in flight may have adopted the failed token before it was dropped.
    return token !== failed ? token : this.#singleFlight(failed);
  }

  #singleFlight(rejected: string | undefined): Promise<string> {
    this.#inflight ??= this.#obtain(rejected).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  /** Not due for refresh: before the refresh-ahead point. */
  #fresh(t: StoredToken, now: number): boolean {
    const ahead = Math.min(this.#o.refreshAheadMs, (t.expiresAt - t.fetchedAt) / 5);
    return now < t.expiresAt - ahead;
  }

  /** Good enough to use now: fresh, or still valid and fetched too recently to refresh proactively. */
  #usable(t: StoredToken | undefined, rejected: string | undefined, now: number): boolean {
    if (!t || t.token === rejected) return false;
    if (this.#fresh(t, now)) return true;
    return now < t.expiresAt - 1_000 && now - t.fetchedAt < this.#o.minFetchIntervalMs;
  }

  async #obtain(rejected: string | undefined): Promise<string> {
    const { store, key } = this.#o;
    const deadline = Date.now() + this.#o.lockWaitMs;
    for (;;) {
      const current = await store.get(key);
      if (this.#usable(current, rejected, Date.now())) return this.#adopt(current!);
      const lock = store.lock ? await store.lock(key, this.#o.lockTtlMs) : { release: async () => {} };
      if (lock) {
        try {
          const again = await store.get(key);
          if (this.#usable(again, rejected, Date.now())) return this.#adopt(again!);
          return this.#adopt(await this.#fetchAndStore());
        } finally {
          await lock.release();
        }
      }
      // Another process is fetching. Its token will invalidate the current one, so wait for it;
      // but a still-valid token may be used meanwhile when this is only a proactive refresh.
      if (current && current.token !== rejected && Date.now() < current.expiresAt - 1_000)
        return current.token;
      if (Date.now() > deadline) {
        throw new TransportError({
          method: 'synjones.authorize.access_token',
          mayHaveReachedGateway: false,
          message: 'timed out waiting for another process to fetch the access token',
        });
      }
      await sleep(50 + Math.random() * 50);
    }
  }

  async #fetchAndStore(): Promise<StoredToken> {
    this.fetches++;
    const fetchedAt = Date.now();
    const { token, expiresInSeconds } = await this.#o.fetch();
    const value = { token, fetchedAt, expiresAt: fetchedAt + expiresInSeconds * 1000 };
    await this.#o.store.set(this.#o.key, value);
    return value;
  }

  #adopt(t: StoredToken): string {
    this.#local = t;
    return t.token;
  }
}

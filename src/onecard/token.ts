/**
 * Access-token lifecycle. Each fetch invalidates the previous token for the app key and the gateway allows
 * one fetch per 2 minutes, so: one fetch in flight per process (single-flight), one per cluster when the
 * store has a lock, refresh ahead of expiry but never proactively within 2 minutes of the last fetch, and
 * on 40017 drop the token only if it is still the stored one.
 */
import { GatewayError, type GatewayLevel, TransportError } from '../core/errors.js';
import type { StoredToken, TokenStore } from '../core/token-store.js';
import { ONECARD_BUSINESS_CODES, ONECARD_SYSTEM_CODES, TOKEN_FETCH_LIMIT } from './codes.js';

/**
 * Answers to a token fetch that mean "too often": 60048 (access_token调用次数超限, the 2-minute rule),
 * 60066 (间隔时间太短) and 40014 (调用次数超限, spec 1.2.2). Another fetch right away can only be refused
 * again, so each pauses fetching for the interval.
 */
export const TOO_OFTEN = new Set<string>([TOKEN_FETCH_LIMIT, '60066', '40014']);
interface Refusal {
  level: GatewayLevel;
  code: string;
}

/**
 * The state of one token (one store, one gateway + app key), shared by every TokenManager in the
 * process: four clients of one app key make one fetch, not four, and a refused fetch is remembered by all.
 */
interface Shared {
  local: StoredToken | undefined;
  inflight: Promise<string> | undefined;
  /** Until when fetches are not tried again after the gateway refused one (the 2-minute rule). */
  refusedUntil: number;
  refusedWith: Refusal;
  fetches: number;
}
const shared = new WeakMap<TokenStore, Map<string, Shared>>();
function sharedState(store: TokenStore, key: string): Shared {
  const byKey = shared.get(store) ?? new Map<string, Shared>();
  shared.set(store, byKey);
  const s = byKey.get(key) ?? {
    local: undefined,
    inflight: undefined,
    refusedUntil: 0,
    refusedWith: { level: 'business', code: TOKEN_FETCH_LIMIT },
    fetches: 0,
  };
  byKey.set(key, s);
  return s;
}

/** A lifetime the SDK can live with: at most 30 days, at least one fetch interval (plus slack). */
const MAX_LIFETIME_S = 30 * 86_400;
/**
 * Slack on the 2-minute rule (at most the interval itself, so an interval of 0 stays 0): our clock starts before the request leaves and the gateway's when it
 * arrives, so a fetch exactly one interval later could still land inside the gateway's window.
 */
const INTERVAL_SLACK_MS = 5_000;

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
  readonly #s: Shared;

  constructor(options: TokenManagerOptions) {
    this.#o = {
      refreshAheadMs: 300_000,
      minFetchIntervalMs: 120_000,
      lockTtlMs: 15_000,
      lockWaitMs: 30_000,
      ...options,
    };
    this.#s = sharedState(options.store, options.key);
  }

  /** Token fetches made in this process for this store and key, by any client (for tests and metrics). */
  get fetches(): number {
    return this.#s.fetches;
  }

  /** The current token, fetching one if there is none or it is due for refresh. */
  get(): Promise<string> {
    const l = this.#s.local;
    if (l && this.#fresh(l, Date.now())) return Promise.resolve(l.token);
    return this.#singleFlight(undefined);
  }

  /** After 40017 with `failed`: drop it (if still stored) and return a newer token, fetching if needed. */
  async invalidate(failed: string): Promise<string> {
    if (this.#s.local?.token === failed) this.#s.local = undefined;
    await this.#o.store.delete(this.#o.key, failed);
    const token = await this.#singleFlight(failed);
    // A fetch that was already in flight may have adopted the failed token before it was dropped.
    return token !== failed ? token : this.#singleFlight(failed);
  }

  #singleFlight(rejected: string | undefined): Promise<string> {
    const s = this.#s;
    s.inflight ??= this.#obtain(rejected).finally(() => {
      s.inflight = undefined;
    });
    return s.inflight;
  }

  /** The shortest time between two fetches of this manager: the gateway's interval plus slack. */
  get #gapMs(): number {
    const interval = this.#o.minFetchIntervalMs;
    return interval + Math.min(INTERVAL_SLACK_MS, interval);
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
    return now < t.expiresAt - 1_000 && now - t.fetchedAt < this.#gapMs;
  }

  async #obtain(rejected: string | undefined): Promise<string> {
    const { store, key } = this.#o;
    if (Date.now() < this.#s.refusedUntil) {
      const current = await store.get(key);
      if (current && current.token !== rejected && Date.now() < current.expiresAt)
        return this.#adopt(current);
      throw refused(this.#s, false);
    }
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
    const s = this.#s;
    if (Date.now() < s.refusedUntil) throw refused(s, false);
    s.fetches++;
    const fetchedAt = Date.now();
    let got: { token: string; expiresInSeconds: number };
    try {
      got = await this.#o.fetch();
    } catch (err) {
      if (err instanceof GatewayError && TOO_OFTEN.has(err.gatewayCode)) {
        // Remember the refusal: every waiting call fails fast instead of sending its own token request.
        s.refusedUntil = Date.now() + this.#o.minFetchIntervalMs;
        s.refusedWith = { level: err.level, code: err.gatewayCode };
        throw refused(s, true);
      }
      throw err;
    }
    const life = got.expiresInSeconds;
    // A lifetime shorter than the fetch interval (0, negative, a few seconds) would make the token lapse
    // before the gateway accepts the next fetch: every call would then hit 60048. Use it for one interval.
    const lifetimeMs = Number.isFinite(life)
      ? Math.max(Math.min(life, MAX_LIFETIME_S) * 1000, this.#gapMs)
      : this.#gapMs;
    const value = { token: got.token, fetchedAt, expiresAt: fetchedAt + lifetimeMs };
    await this.#o.store.set(this.#o.key, value);
    return value;
  }

  #adopt(t: StoredToken): string {
    this.#s.local = t;
    return t.token;
  }
}

/** The refusal (60048 and the like), explained: what the rule is, and what to change. */
function refused(s: Shared, justNow: boolean): GatewayError {
  const when = new Date(s.refusedUntil).toISOString();
  const { level, code } = s.refusedWith;
  const info =
    level === 'system'
      ? ONECARD_SYSTEM_CODES[code as keyof typeof ONECARD_SYSTEM_CODES]
      : ONECARD_BUSINESS_CODES[code as keyof typeof ONECARD_BUSINESS_CODES];
  return new GatewayError({
    level,
    code,
    info,
    message: `${justNow ? 'the gateway refused a token fetch' : 'token fetches are paused after the gateway refused one'} (${code} ${info?.zh ?? ''}). It allows one fetch per app key every 2 minutes, and each fetch invalidates the previous token: share one token store between every process using this app key (RedisTokenStore), or reuse the token your services hold; no new fetch is tried before ${when}.`,
  });
}

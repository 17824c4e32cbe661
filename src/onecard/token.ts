/**
 * Access-token lifecycle. Each fetch invalidates the previous token for the app key and the gateway allows
 * one fetch per 2 minutes, so: one fetch in flight per process (single-flight), one per cluster when the
 * store has a lock, refresh ahead of expiry but never proactively within 2 minutes of the last fetch, and
 * on 40017 drop the token only if it is still the stored one.
 */
import { type CampusPayError, GatewayError, type GatewayLevel, TransportError } from '../core/errors.js';
import {
  bounded,
  type CallBounds,
  checkStoreTimeout,
  malformedRecord,
  remainingMs,
  type Stop,
  StoreError,
  storeCall,
} from '../core/store-call.js';
import { isStoredToken, type StoredToken, type TokenLock, type TokenStore } from '../core/token-store.js';
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
  /** What the fetch in flight is waiting on: a store operation, the token request, or another process. */
  stage: StoreOp | 'fetch' | 'wait' | undefined;
}
type StoreOp = 'get' | 'set' | 'lock' | 'release';
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
    stage: undefined,
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
  /** Longest wait for one store operation (default DEFAULT_STORE_TIMEOUT_MS). */
  storeTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A store without a lock: the process's own single-flight is the only one. */
const NO_LOCK: TokenLock = { release: async () => {} };

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
      storeTimeoutMs: checkStoreTimeout(options.storeTimeoutMs),
    };
    this.#s = sharedState(options.store, options.key);
  }

  /** Token fetches made in this process for this store and key, by any client (for tests and metrics). */
  get fetches(): number {
    return this.#s.fetches;
  }

  /**
   * The current token, fetching one if there is none or it is due for refresh. The fetch is shared by every
   * caller; `bounds` end this caller's wait at its abort or deadline, never the fetch the others wait on.
   */
  get(bounds: CallBounds = {}): Promise<string> {
    const l = this.#s.local;
    if (l && this.#fresh(l, Date.now())) return Promise.resolve(l.token);
    return this.#singleFlight(undefined, bounds);
  }

  /** After 40017 with `failed`: drop it (if still stored) and return a newer token, fetching if needed. */
  async invalidate(failed: string, bounds: CallBounds = {}): Promise<string> {
    if (this.#s.local?.token === failed) this.#s.local = undefined;
    const { store, key, storeTimeoutMs } = this.#o;
    await storeCall('token', 'delete', () => store.delete(key, failed), {
      timeoutMs: storeTimeoutMs,
      ...bounds,
    });
    const token = await this.#singleFlight(failed, bounds);
    // A fetch that was already in flight may have adopted the failed token before it was dropped.
    return token !== failed ? token : this.#singleFlight(failed, bounds);
  }

  #singleFlight(rejected: string | undefined, bounds: CallBounds): Promise<string> {
    const s = this.#s;
    const stop = (why: Stop) => this.#stopped(why);
    // A caller already aborted or out of time starts no fetch.
    if (bounds.signal?.aborted || remainingMs(bounds.deadline) <= 0)
      return Promise.reject(stop(bounds.signal?.aborted ? 'aborted' : 'timeout'));
    s.inflight ??= this.#obtain(rejected).finally(() => {
      s.inflight = undefined;
      s.stage = undefined;
    });
    if (!bounds.signal && bounds.deadline === undefined) return s.inflight;
    return bounded(s.inflight, { limitMs: remainingMs(bounds.deadline), signal: bounds.signal, stop });
  }

  /**
   * One caller stopped waiting (abort or deadline) while the shared fetch goes on: a store that has not
   * answered is a StoreError; a token request or another process still under way is a TransportError.
   * Either way this caller's own request was not sent.
   */
  #stopped(why: Stop): CampusPayError {
    const stage = this.#s.stage;
    const what = why === 'aborted' ? 'the call was aborted' : "the call's deadline passed";
    if (stage !== undefined && stage !== 'fetch' && stage !== 'wait')
      return new StoreError({
        store: 'token',
        operation: stage,
        reason: why,
        message: `${what} before the store answered; nothing was sent`,
      });
    return new TransportError({
      method: 'synjones.authorize.access_token',
      mayHaveReachedGateway: false,
      timedOut: why === 'timeout',
      ...(why === 'aborted' ? { causeCode: 'ERR_CANCELED' } : {}),
      message: `${what} while waiting for the access token; the call itself was not sent`,
    });
  }

  /** One store operation of the shared fetch, under storeTimeoutMs (no caller's bounds: it is shared). */
  #store<T>(
    operation: StoreOp,
    run: (store: TokenStore, key: string) => Promise<T>,
    discard?: (late: T) => unknown,
  ) {
    this.#s.stage = operation;
    const { store, key, storeTimeoutMs } = this.#o;
    return storeCall('token', operation, () => run(store, key), { timeoutMs: storeTimeoutMs, discard });
  }

  /** The stored record, checked: a malformed one is never sent. */
  async #read(): Promise<StoredToken | undefined> {
    const v: unknown = await this.#store('get', (store, key) => store.get(key));
    if (v === undefined || v === null) return undefined;
    if (!isStoredToken(v)) throw malformedRecord('token', 'get', 'token record');
    return v;
  }

  /** The cross-process lock, when the store has one: a handle, or undefined while another process holds it. */
  async #lock(): Promise<TokenLock | undefined> {
    const ttl = this.#o.lockTtlMs;
    if (!this.#o.store.lock) return NO_LOCK;
    // A lock taken after this process gave up on it is released, not left held until its TTL.
    const lock: unknown = await this.#store(
      'lock',
      (store, key) => store.lock!(key, ttl),
      (late) => late?.release(),
    );
    if (lock === undefined || lock === null) return undefined;
    if (typeof (lock as TokenLock).release !== 'function')
      throw malformedRecord('token', 'lock', 'lock handle');
    return lock as TokenLock;
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
    if (Date.now() < this.#s.refusedUntil) {
      const current = await this.#read();
      if (current && current.token !== rejected && Date.now() < current.expiresAt)
        return this.#adopt(current);
      throw refused(this.#s, false);
    }
    const deadline = Date.now() + this.#o.lockWaitMs;
    for (;;) {
      const current = await this.#read();
      if (this.#usable(current, rejected, Date.now())) return this.#adopt(current!);
      const lock = await this.#lock();
      if (lock) {
        try {
          const again = await this.#read();
          if (this.#usable(again, rejected, Date.now())) return this.#adopt(again!);
          return this.#adopt(await this.#fetchAndStore());
        } finally {
          // Not awaited: a release that fails or hangs costs only the lock's TTL, and the token is good.
          this.#store('release', () => lock.release()).catch(() => undefined);
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
      this.#s.stage = 'wait';
      await sleep(50 + Math.random() * 50);
    }
  }

  async #fetchAndStore(): Promise<StoredToken> {
    const s = this.#s;
    if (Date.now() < s.refusedUntil) throw refused(s, false);
    s.fetches++;
    s.stage = 'fetch';
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
    // The fetch invalidated the previous token: keep the new one in this process even if the store fails,
    // so the next call uses it instead of fetching again inside the gateway's 2-minute window.
    s.local = value;
    await this.#store('set', (store, key) => store.set(key, value));
    return value;
  }

  #adopt(t: StoredToken): string {
    this.#s.local = t;
    return t.token;
  }
}

/**
 * What a refusal (60048 and the like) means and the two ways out, in English and Chinese: the same words
 * whether the gateway refused this fetch or a fetch is held back because it would be refused.
 */
export function tooOftenAdvice(until: number, zhWhat: string, now = Date.now()): string {
  const seconds = Math.max(1, Math.ceil((until - now) / 1000));
  return `It allows one fetch per app key every 2 minutes, and each fetch invalidates the previous token: another process using this app key (or this one before a restart) fetched less than 2 minutes ago. Two ways out: share one token store between every process using this app key (FileTokenStore on one machine, RedisTokenStore across machines), or wait ${seconds} s: no new fetch is tried before ${new Date(until).toISOString()}. ${zhWhat}。网关每 2 分钟只允许每个 app key 获取一次令牌，且每次获取都会使之前的令牌失效：使用该 app key 的另一个进程（或重启前的本进程）不到 2 分钟前刚获取过。两种办法：让使用该 app key 的所有进程共享一个令牌存储（单机用 FileTokenStore，多机用 RedisTokenStore），或等待 ${seconds} 秒后再试。`;
}

/** The refusal (60048 and the like), explained: what happened, in both languages, and what to change. */
function refused(s: Shared, justNow: boolean): GatewayError {
  const { level, code } = s.refusedWith;
  const info =
    level === 'system'
      ? ONECARD_SYSTEM_CODES[code as keyof typeof ONECARD_SYSTEM_CODES]
      : ONECARD_BUSINESS_CODES[code as keyof typeof ONECARD_BUSINESS_CODES];
  const [what, zhWhat] = justNow
    ? ['the gateway refused a token fetch', '网关拒绝了令牌获取']
    : ['token fetches are paused after the gateway refused one', '网关拒绝过令牌获取，现暂停获取'];
  return new GatewayError({
    level,
    code,
    info,
    message: `${what} (${code} ${info?.zh ?? ''}). ${tooOftenAdvice(s.refusedUntil, zhWhat)}`,
  });
}

/**
 * Redis stores shared by every instance of a service: RedisTokenStore, RedisDedupeStore and the payment
 * journal's RedisJournalStore (./journal.ts).
 *
 * RedisTokenStore: one OneCard token per app key for every instance of a service.
 *
 * Each token fetch invalidates the previous token and the gateway allows one fetch per 2 minutes, so
 * instances that fetch on their own knock each other out. Here the token, its expiry and the time of the
 * last fetch live in Redis, and a fencing lock (SET NX PX, released by compare-and-delete) lets exactly
 * one instance fetch while the others wait and read the new token.
 *
 * Redis Cluster: every command and Lua script here touches exactly one key (the token, its lock, or one
 * notice), so no hash tags are needed and an ioredis `Cluster` client works as is. The journal's scripts
 * touch one tenant's keys, which share a hash tag.
 */
import { randomBytes } from 'node:crypto';
import type { ClaimState, DedupeStore } from '../core/dedupe.js';
import { checkStoreTimeout, malformedRecord, storeCall } from '../core/store-call.js';
import { MemoryTokenStore, type StoredToken, type TokenLock, type TokenStore } from '../core/token-store.js';

export { RedisJournalStore, type RedisJournalStoreOptions } from './journal.js';

/** The part of an ioredis client this store uses (ioredis is an optional peer dependency). */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, px: 'PX', ms: number, nx?: 'NX'): Promise<'OK' | null>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

/**
 * What both stores take. The client is yours, so its own settings stay yours: give it a `commandTimeout`
 * too (ioredis: `new Redis(url, { commandTimeout: 1000 })`), so a command that will never be answered is
 * also dropped from its queue.
 */
export interface RedisStoreOptions {
  /**
   * Key prefix (default `""`): the keys are `campus-pay:onecard:token:<gateway>:<app key>` (and `…:lock`)
   * for tokens, the gateway URL normalised as the tenant's; `campus-pay:notice:<your key>` for notices,
   * and the settlement's claims, each holding the tenant (docs/settlement.md, "Key namespaces").
   */
  prefix?: string;
  /**
   * Each Redis command fails after this long (default 1000 ms) with a StoreError (reason `timeout`), instead
   * of waiting on a Redis that stopped answering or on reconnects.
   */
  commandTimeoutMs?: number;
}

export interface RedisTokenStoreOptions extends RedisStoreOptions {
  /**
   * When Redis is unreachable: `'error'` (default) throws a StoreError; `'memory'` carries on with
   * in-process state. The fallback keeps one instance working, but instances then fetch tokens on their
   * own and may invalidate each other's until Redis is back — choose it knowingly.
   */
  onUnavailable?: 'error' | 'memory';
}

// Compare-and-delete: only the holder of the value removes it.
const DELETE_IF_EQUALS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const DELETE_IF_TOKEN = `local v = redis.call('GET', KEYS[1])
if v and cjson.decode(v).token == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/** The fetch time must outlive the token, so the 2-minute rule holds after expiry too. */
const KEEP_AFTER_EXPIRY_MS = 120_000;

export class RedisTokenStore implements TokenStore {
  readonly #redis: RedisLike;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #fallback: MemoryTokenStore | undefined;

  constructor(client: RedisLike, options: RedisTokenStoreOptions = {}) {
    this.#redis = client;
    this.#prefix = options.prefix ?? '';
    this.#timeoutMs = checkStoreTimeout(options.commandTimeoutMs, 'commandTimeoutMs', 1_000);
    this.#fallback = options.onUnavailable === 'memory' ? new MemoryTokenStore() : undefined;
  }

  async get(key: string): Promise<StoredToken | undefined> {
    const v = await this.#run<string | null | StoredToken | undefined>(
      'get',
      () => this.#redis.get(this.#prefix + key),
      (m) => m.get(key),
    );
    if (typeof v !== 'string') return v ?? undefined;
    try {
      // The TokenManager checks the record's fields; here only that it is JSON at all.
      return JSON.parse(v) as StoredToken;
    } catch {
      throw malformedRecord('token', 'get', 'token record (not JSON)');
    }
  }

  async set(key: string, value: StoredToken): Promise<void> {
    const ttl = Math.max(value.expiresAt - Date.now(), 0) + KEEP_AFTER_EXPIRY_MS;
    await this.#run(
      'set',
      async () => void (await this.#redis.set(this.#prefix + key, JSON.stringify(value), 'PX', ttl)),
      (m) => m.set(key, value),
    );
  }

  async delete(key: string, token: string): Promise<void> {
    await this.#run(
      'delete',
      async () => void (await this.#redis.eval(DELETE_IF_TOKEN, 1, this.#prefix + key, token)),
      (m) => m.delete(key, token),
    );
  }

  async lock(key: string, ttlMs: number): Promise<TokenLock | undefined> {
    const lockKey = `${this.#prefix}${key}:lock`;
    const fence = randomBytes(16).toString('hex');
    // A holder whose lock expired must not release the next holder's lock: compare before deleting.
    const release = () =>
      this.#run(
        'release',
        async () => void (await this.#redis.eval(DELETE_IF_EQUALS, 1, lockKey, fence)),
        async () => {},
      );
    return this.#run(
      'lock',
      async () => {
        const ok = await this.#redis.set(lockKey, fence, 'PX', ttlMs, 'NX');
        return ok === 'OK' ? { release } : undefined;
      },
      // In-process fallback: the client's own single-flight is the only lock left.
      async () => ({ release: async () => {} }),
      // Taken after the command timed out: nobody holds it, so it goes now rather than at its TTL.
      (late) => late?.release(),
    );
  }

  async #run<T>(
    operation: string,
    op: () => Promise<T>,
    fallback: (m: MemoryTokenStore) => Promise<T>,
    discard?: (late: T) => unknown,
  ): Promise<T> {
    try {
      return await storeCall('token', operation, op, { timeoutMs: this.#timeoutMs, discard });
    } catch (err) {
      if (this.#fallback) return fallback(this.#fallback);
      throw err;
    }
  }
}

const CLAIM = `local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], 'processing', 'PX', ARGV[1])
return 'claimed'`;
const RELEASE = `if redis.call('GET', KEYS[1]) == 'processing' then return redis.call('DEL', KEYS[1]) end return 0`;

/** Notification de-duplication shared by every instance (see `deduplicate` in `campus-pay`). */
export class RedisDedupeStore implements DedupeStore {
  readonly #redis: RedisLike;
  readonly #prefix: string;
  readonly #timeoutMs: number;

  constructor(client: RedisLike, options: RedisStoreOptions = {}) {
    this.#redis = client;
    this.#prefix = options.prefix ?? '';
    this.#timeoutMs = checkStoreTimeout(options.commandTimeoutMs, 'commandTimeoutMs', 1_000);
  }

  claim(key: string, ttlMs: number): Promise<ClaimState> {
    // `deduplicate` checks the answer is one of the three states.
    return storeCall(
      'dedupe',
      'claim',
      async () => (await this.#redis.eval(CLAIM, 1, this.#prefix + key, ttlMs)) as ClaimState,
      // A claim that lands after the command timed out is dropped again: the delivery it was for has
      // already been answered `fail`, and the gateway's next one must not be refused as a duplicate.
      { timeoutMs: this.#timeoutMs, discard: (late) => late === 'claimed' && this.release(key) },
    );
  }

  complete(key: string, ttlMs: number): Promise<void> {
    return storeCall(
      'dedupe',
      'complete',
      async () => void (await this.#redis.set(this.#prefix + key, 'done', 'PX', ttlMs)),
      { timeoutMs: this.#timeoutMs },
    );
  }

  release(key: string): Promise<void> {
    return storeCall(
      'dedupe',
      'release',
      async () => void (await this.#redis.eval(RELEASE, 1, this.#prefix + key)),
      { timeoutMs: this.#timeoutMs },
    );
  }
}

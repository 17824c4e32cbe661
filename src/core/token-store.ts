/** Where OneCard access tokens live, so that processes sharing an app key share one token. */
import { tenantUrl } from './tenant.js';

export interface StoredToken {
  token: string;
  /** Epoch milliseconds after which the gateway no longer accepts the token. */
  expiresAt: number;
  /** Epoch milliseconds of the fetch; the gateway allows one fetch per app key every 2 minutes. */
  fetchedAt: number;
}

/** A record as the SDK can use it: a non-empty token and finite times. Anything else is never sent. */
export function isStoredToken(v: unknown): v is StoredToken {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Record<string, unknown>;
  return (
    typeof t.token === 'string' &&
    t.token.length > 0 &&
    Number.isFinite(t.expiresAt) &&
    Number.isFinite(t.fetchedAt)
  );
}

export interface TokenLock {
  release(): Promise<void>;
}

/**
 * Every call into a store is bounded by the client's `storeTimeoutMs`, the call's deadline and its abort
 * signal; a failure, a hang or a malformed record (see isStoredToken) is a StoreError, and nothing is sent.
 */
export interface TokenStore {
  /** The stored record, or undefined (null is read as undefined). */
  get(key: string): Promise<StoredToken | undefined>;
  set(key: string, value: StoredToken): Promise<void>;
  /** Compare-and-delete: drops the stored token only if it is still `token` (another process may have replaced it). */
  delete(key: string, token: string): Promise<void>;
  /**
   * Optional cross-process lock around a token fetch. Resolves to a handle when taken, or undefined when
   * another holder has it (the caller then waits for the new token to appear in the store).
   */
  lock?(key: string, ttlMs: number): Promise<TokenLock | undefined>;
}

/** The default store: one process, shared by every client in it. */
export class MemoryTokenStore implements TokenStore {
  // A real #private field: util.inspect and console.log of the store show no token.
  readonly #tokens = new Map<string, StoredToken>();

  async get(key: string): Promise<StoredToken | undefined> {
    return this.#tokens.get(key);
  }

  async set(key: string, value: StoredToken): Promise<void> {
    this.#tokens.set(key, value);
  }

  async delete(key: string, token: string): Promise<void> {
    if (this.#tokens.get(key)?.token === token) this.#tokens.delete(key);
  }
}

/**
 * Store key for one credential set. Several app keys (or gateways) coexist in one store. The URL is the
 * tenant's (tenantUrl): two spellings of one gateway share one token, and no credentials or query string
 * of the URL reach the store. A URL already in that form keeps the key it always had.
 */
export function tokenKey(gatewayUrl: string, appKey: string): string {
  return `campus-pay:onecard:token:${tenantUrl(gatewayUrl)}:${appKey}`;
}

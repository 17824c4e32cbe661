/**
 * The merchant's keys as versions: parsed once per version, taken as one snapshot at the start of each
 * call, and re-read from an optional key provider on a TTL or on demand (README, "Rotating keys").
 *
 * A re-read that fails (the provider throws, or returns something the gateway's parser refuses) keeps
 * the last good version and is reported; it never leaves the client without keys or verification.
 * The error text names the option and the rule, never the key.
 */
import { isKeyObject } from './crypto.js';
import { ConfigurationError } from './errors.js';
import type { Logger, VerifiedBy } from './observe.js';
import { bounded, type CallBounds, remainingMs } from './store-call.js';

/** A function the client calls for its keys: a secret manager, a mounted file… Sync or async. */
export type KeyProvider<T> = () => T | Promise<T>;

/** Default time a provider's keys are used before they are read again: five minutes. */
export const DEFAULT_KEY_TTL_MS = 300_000;

/** One parsed key set and its number: 1 for the first load, +1 each time the provider's answer changes. */
export interface KeyVersion<P> {
  version: number;
  keys: P;
}

/** How an option is named: as given to the client, or `keyProvider().desKey` when the provider returned it. */
const naming = (answer: Record<string, unknown>) => (option: string) =>
  Object.hasOwn(answer, option) ? `keyProvider().${option}` : option;

export interface KeyRingOptions<P> {
  /**
   * Parses raw keys, throwing ConfigurationError naming the option: `name` spells it as the user wrote it
   * (`keyProvider().desKey` for a value the provider returned). `previous` is the version in use (so that
   * a new version cannot drop verification).
   */
  parse: (raw: Record<string, unknown>, name: (option: string) => string, previous: P | undefined) => P;
  /** The static options' keys (merged under what the provider returns). */
  base: Record<string, unknown>;
  provider?: KeyProvider<object> | undefined;
  ttlMs?: number | undefined;
  /** Told of every failed read, with the error (which never holds key material). A throw here is ignored. */
  onKeyError?: ((error: ConfigurationError) => void) | undefined;
  logger?: Logger | undefined;
}

/** A provider's key options, checked like the client's own. */
export interface KeyProviderOptions<T> {
  /**
   * Reads the merchant's keys (and, if it returns them, the accepted gateway keys); called at
   * construction, then again once `keyTtlMs` has passed (on the next call), and by `reloadKeys()`.
   * What it returns is merged over the client's key options.
   */
  keyProvider?: KeyProvider<T>;
  /** How long a provider's answer is used before it is read again (default 300000 ms). */
  keyTtlMs?: number;
  /**
   * Called when a read of the key provider fails; the last good keys stay in use. The error is a
   * ConfigurationError naming the option and the rule, never the key. Also logged to `logger`.
   */
  onKeyError?: (error: ConfigurationError) => void;
}

export class KeyRing<P> {
  #current: (KeyVersion<P> & { raw: unknown; at: number }) | undefined;
  #loading: Promise<KeyVersion<P>> | undefined;
  /** The read a `reload()` asked for while another was under way. */
  #next: Promise<KeyVersion<P>> | undefined;
  readonly #ttlMs: number;

  constructor(private readonly o: KeyRingOptions<P>) {
    const ttl = o.ttlMs ?? DEFAULT_KEY_TTL_MS;
    if (!(Number.isSafeInteger(ttl) && ttl >= 1 && ttl <= 2_147_483_647))
      throw new ConfigurationError('keyTtlMs', 'must be a whole number of milliseconds, 1 to 2147483647');
    if (o.provider !== undefined && typeof o.provider !== 'function')
      throw new ConfigurationError(
        'keyProvider',
        'must be a function returning the keys (or a promise of them)',
      );
    this.#ttlMs = ttl;
    if (!o.provider) {
      this.#accept(
        o.base,
        o.parse(o.base, (option) => option, undefined),
      );
      return;
    }
    // The first read happens now. A provider that answers synchronously is checked here, so a bad key
    // fails the constructor; an async one is awaited by the first call (see `ready`).
    let first: unknown;
    try {
      first = o.provider();
    } catch (err) {
      throw providerThrew(err);
    }
    if (isThenable(first)) {
      this.#loading = this.#settle(Promise.resolve(first));
      this.#loading.catch(() => undefined); // reported in #settle; the first call sees it again
    } else {
      const answer = checkObject(first);
      const raw = { ...o.base, ...answer };
      this.#accept(raw, o.parse(raw, naming(answer), undefined));
    }
  }

  /** Whether the keys come from a provider (so which version and key verified is worth reporting). */
  get provided(): boolean {
    return this.o.provider !== undefined;
  }

  /**
   * The snapshot a call uses from start to end. Waits only for the first load; a due re-read runs in
   * the background while calls go on with the version in use.
   */
  async current(bounds: CallBounds = {}): Promise<KeyVersion<P>> {
    const now = this.#current;
    // The first load is shared by every waiting call; each waits no longer than its own deadline or abort.
    if (!now)
      return bounded(this.#read(), {
        limitMs: remainingMs(bounds.deadline),
        signal: bounds.signal,
        stop: (why) =>
          new ConfigurationError(
            'keyProvider',
            why === 'aborted'
              ? 'the call was aborted while the first read of the keys was under way; nothing was sent'
              : "the first read of the keys did not finish before the call's deadline; nothing was sent",
          ),
      });
    if (this.o.provider && !this.#loading && Date.now() - now.at >= this.#ttlMs)
      this.#read().catch(() => undefined); // reported in #settle
    return now;
  }

  /**
   * What a verifier tells of the key that verified (its index among `accepted` keys of `version`), handed
   * to `tell` as logs report it; undefined when there was no choice to report (one static key).
   */
  whichKey(
    version: number,
    accepted: number,
    tell: (by: VerifiedBy) => void,
  ): ((keyIndex: number) => void) | undefined {
    if (!this.o.provider && accepted <= 1) return undefined;
    return (keyIndex) => tell({ keyIndex, ...(this.o.provider ? { keyVersion: version } : {}) });
  }

  /** The version in use, synchronously (notices); a ConfigurationError while the first load is pending. */
  latest(): KeyVersion<P> {
    const now = this.#current;
    if (!now) {
      throw new ConfigurationError(
        'keyProvider',
        'no keys loaded yet: the first read is pending or failed (await client.keysReady() at startup)',
      );
    }
    void this.current(); // starts a due re-read
    return now;
  }

  /**
   * Reads the provider again (`reloadKeys()`): after a read already under way, since it may have begun
   * before the keys changed; callers that ask meanwhile share that next read. Rejects when it fails,
   * keeping the last good keys.
   */
  async reload(): Promise<KeyVersion<P>> {
    const under = this.#loading;
    if (under) {
      this.#next ??= under.then(
        () => this.#read(),
        () => this.#read(),
      );
      return this.#next;
    }
    return this.#read();
  }

  /** One read of the provider at a time: a read under way is shared. */
  #read(): Promise<KeyVersion<P>> {
    this.#next = undefined;
    const provider = this.o.provider;
    if (!provider) return Promise.resolve(this.#current!);
    this.#loading ??= this.#settle(
      new Promise<unknown>((resolve, reject) => {
        try {
          resolve(provider());
        } catch (err) {
          reject(providerThrew(err));
        }
      }),
    );
    return this.#loading;
  }

  /** Resolves once keys are loaded; while none are, starts a read (after a failed first one) and waits. */
  async ready(): Promise<void> {
    if (!this.#current) await this.#read();
  }

  async #settle(read: Promise<unknown>): Promise<KeyVersion<P>> {
    try {
      let answer: unknown;
      try {
        answer = await read;
      } catch (err) {
        throw err instanceof ConfigurationError && MADE_HERE.has(err) ? err : providerThrew(err);
      }
      const given = checkObject(answer);
      const raw = { ...this.o.base, ...given };
      const now = this.#current;
      if (now && sameKeys(now.raw, raw)) {
        now.at = Date.now();
        return now;
      }
      return this.#accept(raw, this.o.parse(raw, naming(given), now?.keys));
    } catch (err) {
      const error =
        err instanceof ConfigurationError
          ? err
          : new ConfigurationError('keyProvider', 'the keys could not be read');
      this.#report(error);
      // Try again after another TTL, not on every call.
      if (this.#current) this.#current.at = Date.now();
      throw error;
    } finally {
      this.#loading = undefined;
    }
  }

  #accept(raw: unknown, keys: P): KeyVersion<P> {
    const version = (this.#current?.version ?? 0) + 1;
    this.#current = { version, keys, raw, at: Date.now() };
    if (this.o.provider) this.#log(`campus-pay keys version=${version} loaded`, { keyVersion: version });
    return this.#current;
  }

  #report(error: ConfigurationError) {
    try {
      this.o.onKeyError?.(error);
    } catch {
      // onKeyError is for alerting; its own failure must not change which keys are used.
    }
    const kept = this.#current?.version ?? 0;
    this.#log(`campus-pay keys failed, version=${kept} kept: ${error.message}`, {
      keyVersion: kept,
      error: error.message,
    });
  }

  #log(message: string, fields: { keyVersion: number; error?: string }) {
    try {
      this.o.logger?.info(message, { method: 'keyProvider', outcome: 'keys', ...fields });
    } catch {
      // A logger that throws must not change which keys are used.
    }
  }
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';

function checkObject(v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    const found = v === null ? 'null' : Array.isArray(v) ? 'an array' : `a value of type ${typeof v}`;
    throw new ConfigurationError('keyProvider', `must return an object of key options; returned ${found}`);
  }
  return v as Record<string, unknown>;
}

/**
 * Errors providerThrew made. Only these pass through as they are: a provider's own error, even a
 * ConfigurationError naming `keyProvider`, is user code's text and may quote the key.
 */
const MADE_HERE = new WeakSet<ConfigurationError>();

/** The provider's own error may quote the key (a JSON parse error does): only its name and code are kept. */
function providerThrew(err: unknown): ConfigurationError {
  const e = err as { name?: unknown; code?: unknown } | null;
  const name = typeof e?.name === 'string' ? e.name : typeof err;
  const code = typeof e?.code === 'string' && /^[A-Z0-9_]{1,40}$/.test(e.code) ? `, ${e.code}` : '';
  const made = new ConfigurationError(
    'keyProvider',
    `threw (${name}${code}); its message is not kept, as it may quote a key`,
  );
  MADE_HERE.add(made);
  return made;
}

/** Whether two provider answers are the same keys (so nothing is parsed again and the version stays). */
function sameKeys(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isKeyObject(a) || isKeyObject(b)) return isKeyObject(a) && isKeyObject(b) && a.equals(b);
  if (a instanceof Uint8Array || b instanceof Uint8Array)
    return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a).equals(b);
  if (Array.isArray(a) || Array.isArray(b))
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameKeys(x, b[i]))
    );
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  const rb = b as Record<string, unknown>;
  return (
    ka.length === Object.keys(b).length &&
    ka.every((k) => Object.hasOwn(rb, k) && sameKeys((a as Record<string, unknown>)[k], rb[k]))
  );
}

/** One key or a non-empty list of them, as a list; an empty list is a ConfigurationError naming the option. */
export function keyList<T>(value: T | readonly T[], option: string): readonly T[] {
  const list = Array.isArray(value) ? (value as readonly T[]) : [value as T];
  if (list.length === 0)
    throw new ConfigurationError(option, 'must hold at least one key; the list is empty');
  return list;
}

/** `option` for a single value, `option[i]` for an element of a list. */
export const listed = (option: string, value: unknown, i: number) =>
  Array.isArray(value) ? `${option}[${i}]` : option;

/**
 * FileTokenStore: OneCard access tokens on disk, so that processes on one machine share one token
 * instead of each fetching its own (the gateway allows one fetch per app key every 2 minutes and every
 * fetch invalidates the previous token; see docs/architecture.md, "tokens"). The CLI keeps its token in
 * one; a service in development, a script or an example uses one too, and then shares the CLI's token.
 *
 * One JSON file per gateway URL + app key, named by a hash of both; directory 0700, file 0600, replaced by
 * rename. The file also remembers when the last fetch was made or refused, even after its token is gone, so
 * that a later process does not send a fetch the gateway can only refuse.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, linkSync, openSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CHECKS_MODES, ensurePrivateDir, writePrivateFile } from './private-file.js';
import type { StoredToken, TokenLock, TokenStore } from './token-store.js';

/** What one cache file holds. `token` and its times are absent once the token was dropped (40017). */
interface Entry {
  token?: string;
  expiresAt?: number;
  fetchedAt?: number;
  /** Epoch ms of the last fetch that obtained a token. */
  lastFetchAt?: number;
  /** Epoch ms of the last fetch the gateway refused as too frequent (60048, 60066, 40014). */
  refusedAt?: number;
}

/** The gateway's interval between token fetches (2 minutes), plus the TokenManager's slack for clock differences. */
const FETCH_GAP_MS = 125_000;

/** Where the CLI caches: $CAMPUS_PAY_CACHE_DIR, else $XDG_CACHE_HOME/campus-pay, else ~/.cache/campus-pay. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CAMPUS_PAY_CACHE_DIR) return env.CAMPUS_PAY_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'campus-pay');
  if (process.platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'campus-pay');
  return join(homedir(), '.cache', 'campus-pay');
}

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export interface FileTokenStoreOptions {
  /**
   * Called when the cache cannot be written (a read-only or foreign directory). Default: throw. The CLI
   * warns instead: a token it cannot cache is still good for the run that fetched it.
   */
  onWriteError?: (err: Error) => void;
}

/**
 * A TokenStore in a private directory (default: the CLI's, `defaultCacheDir()`), with a cross-process lock.
 * For development, scripts and services on one machine: a service restarted within 2 minutes, an example
 * run right after the CLI and two local services all use the one token. Several machines share a
 * `RedisTokenStore` instead. The token is stored in clear in a file only you can read (0600).
 *
 * @example
 * const onecard = new OneCardClient({ ...options, tokenStore: new FileTokenStore() });
 */
export class FileTokenStore implements TokenStore {
  readonly dir: string;
  readonly #onWriteError: (err: Error) => void;

  constructor(dir: string = defaultCacheDir(), options: FileTokenStoreOptions = {}) {
    this.dir = dir;
    this.#onWriteError =
      options.onWriteError ??
      ((err) => {
        throw err;
      });
  }

  /** The cache file of a store key: a hash, so neither the app key nor the URL appears in file names. */
  fileOf(key: string): string {
    const hash = createHash('sha256').update(key).digest('hex').slice(0, 32);
    return join(this.dir, `onecard-token-${hash}.json`);
  }

  async get(key: string): Promise<StoredToken | undefined> {
    const e = this.#read(key);
    if (!e?.token || !isTime(e.expiresAt) || !isTime(e.fetchedAt)) return undefined;
    // An expired token is useless and a fetch is due; the TokenManager decides from the times it gets.
    if (Date.now() >= e.expiresAt) return undefined;
    return { token: e.token, expiresAt: e.expiresAt, fetchedAt: e.fetchedAt };
  }

  async set(key: string, value: StoredToken): Promise<void> {
    // Called inside the fetch lock, so the whole entry is replaced; an older refusal no longer matters.
    this.#write(key, { ...value, lastFetchAt: value.fetchedAt });
  }

  async delete(key: string, token: string): Promise<void> {
    await this.#update(key, (e) => {
      if (e.token !== token) return undefined;
      const { token: _t, expiresAt: _e, fetchedAt: _f, ...rest } = e;
      return rest;
    });
  }

  /** Records that the gateway refused a fetch as too frequent, for the processes that come after. */
  async noteRefusal(key: string, at = Date.now()): Promise<void> {
    await this.#update(key, (e) => ({ ...e, refusedAt: at }));
  }

  /**
   * When there is no usable token and the last fetch (or refusal) is less than 2 minutes old: the time
   * before which a fetch can only be refused. Otherwise undefined.
   */
  async fetchPausedUntil(key: string, now = Date.now()): Promise<number | undefined> {
    if (await this.get(key)) return undefined;
    const e = this.#read(key);
    const last = Math.max(isTime(e?.lastFetchAt) ? e.lastFetchAt : 0, isTime(e?.refusedAt) ? e.refusedAt : 0);
    return last && now < last + FETCH_GAP_MS ? last + FETCH_GAP_MS : undefined;
  }

  /** A lock file created exclusively; a holder that died is overtaken once its lock expires. */
  async lock(key: string, ttlMs: number): Promise<TokenLock | undefined> {
    try {
      ensurePrivateDir(this.dir, 'CAMPUS_PAY_CACHE_DIR');
    } catch (err) {
      // No lock to be had here: fetch unlocked, as a store without locks does.
      this.#onWriteError(err as Error);
      return { release: async () => {} };
    }
    const path = `${this.fileOf(key)}.lock`;
    const id = randomBytes(8).toString('hex');
    const content = JSON.stringify({ id, until: Date.now() + ttlMs });
    for (let attempt = 0; attempt < 2; attempt++) {
      // Written in full first, then linked into place: link fails if the lock exists, and a reader never
      // sees a half-written lock it could mistake for an abandoned one.
      const tmp = join(this.dir, `.${id}.lock.tmp`);
      writePrivateFile(tmp, content);
      try {
        linkSync(tmp, path);
        return {
          release: async () => {
            if (readLock(path)?.id === id) rmSync(path, { force: true });
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const held = readLock(path);
        if (held && held.until > Date.now()) return undefined;
        // Expired or unreadable: its holder died mid-fetch. At worst two processes overtake it at once,
        // and the second fetch is refused with 60048 and explained.
        rmSync(path, { force: true });
      } finally {
        rmSync(tmp, { force: true });
      }
    }
    return undefined;
  }

  /** Read-modify-write under the lock (briefly waited for); skipped if another process holds it long. */
  async #update(key: string, change: (e: Entry) => Entry | undefined): Promise<void> {
    for (let i = 0; i < 40; i++) {
      const lock = await this.lock(key, 5_000);
      if (lock) {
        try {
          const next = change(this.#read(key) ?? {});
          if (next) this.#write(key, next);
        } finally {
          await lock.release();
        }
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  #read(key: string): Entry | undefined {
    const path = this.fileOf(key);
    let fd: number;
    try {
      // O_NOFOLLOW: a symlink planted in the cache directory is not followed.
      fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    } catch {
      return undefined;
    }
    try {
      const st = fstatSync(fd);
      const mine = typeof process.getuid !== 'function' || st.uid === process.getuid();
      if (!st.isFile() || (CHECKS_MODES && ((st.mode & 0o077) !== 0 || !mine))) {
        // Others could read (or wrote) it: its token may have leaked, so it is not used, and it goes.
        rmSync(path, { force: true });
        return undefined;
      }
      const parsed = JSON.parse(readFileSync(fd, 'utf8')) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as Entry) : undefined;
    } catch {
      return undefined;
    } finally {
      closeSync(fd);
    }
  }

  #write(key: string, entry: Entry): void {
    try {
      ensurePrivateDir(this.dir, 'CAMPUS_PAY_CACHE_DIR');
      writePrivateFile(this.fileOf(key), `${JSON.stringify(entry)}\n`);
    } catch (err) {
      this.#onWriteError(err as Error);
    }
  }
}

function readLock(path: string): { id: string; until: number } | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as { id?: unknown; until?: unknown };
    return typeof v.id === 'string' && isTime(v.until) ? { id: v.id, until: v.until } : undefined;
  } catch {
    return undefined;
  }
}

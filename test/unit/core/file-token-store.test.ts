import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultCacheDir, FileTokenStore } from '../../../src/core/file-token-store.js';
import { tokenKey } from '../../../src/core/token-store.js';
import { TokenManager } from '../../../src/onecard/token.js';

const posix = process.platform !== 'win32';
const KEY = tokenKey('https://pay.example.edu/onecard/uap/gateway.action', 'app-key-secretish');
const mode = (p: string) => statSync(p).mode & 0o777;
let root: string;
let dir: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'campus-pay-filestore-'));
  dir = join(root, 'nested', 'campus-pay');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const token = (value: string, fetchedAt = Date.now(), lifeMs = 7_200_000) => ({
  token: value,
  fetchedAt,
  expiresAt: fetchedAt + lifeMs,
});

describe('FileTokenStore', () => {
  it('creates its directory 0700 and one file 0600 named by a hash, not by the app key or URL', async () => {
    const store = new FileTokenStore(dir);
    expect(await store.get(KEY)).toBeUndefined();
    await store.set(KEY, token('T1'));
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).not.toMatch(/app-key|example/);
    if (posix) {
      expect(mode(dir)).toBe(0o700);
      expect(mode(join(dir, files[0]!))).toBe(0o600);
    }
    expect((await store.get(KEY))?.token).toBe('T1');
    // Another app key on the same gateway gets its own file.
    await store.set(tokenKey('https://pay.example.edu/onecard/uap/gateway.action', 'other'), token('T2'));
    expect(readdirSync(dir)).toHaveLength(2);
    expect((await store.get(KEY))?.token).toBe('T1');
  });

  it.skipIf(!posix)('narrows an existing directory others may read to 0700', async () => {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    chmodSync(dir, 0o755);
    await new FileTokenStore(dir).set(KEY, token('T1'));
    expect(mode(dir)).toBe(0o700);
  });

  it.skipIf(!posix)(
    'refuses a directory others may write to (like /tmp), leaving its mode alone',
    async () => {
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o1777);
      await expect(new FileTokenStore(dir).set(KEY, token('T1'))).rejects.toMatchObject({
        code: 'configuration',
        option: 'CAMPUS_PAY_CACHE_DIR',
      });
      expect(statSync(dir).mode & 0o7777).toBe(0o1777);
      expect(readdirSync(dir)).toEqual([]);
      const reported: Error[] = [];
      const lenient = new FileTokenStore(dir, { onWriteError: (e) => void reported.push(e) });
      await lenient.set(KEY, token('T1'));
      expect(reported).toHaveLength(1);
      expect(await lenient.get(KEY)).toBeUndefined();
    },
  );

  it('replaces the file by rename (a new inode each write) and leaves no temp file behind', async () => {
    const store = new FileTokenStore(dir);
    await store.set(KEY, token('T1'));
    const file = store.fileOf(KEY);
    const before = statSync(file).ino;
    await store.set(KEY, token('T2'));
    expect(statSync(file).ino).not.toBe(before);
    expect(readdirSync(dir)).toEqual([file.slice(dir.length + 1)]);
    expect(JSON.parse(readFileSync(file, 'utf8')).token).toBe('T2');
  });

  it.skipIf(!posix)('refuses, and removes, a file others can read', async () => {
    const store = new FileTokenStore(dir);
    await store.set(KEY, token('T1'));
    chmodSync(store.fileOf(KEY), 0o644);
    expect(await store.get(KEY)).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('ignores an expired token and a file that is not JSON', async () => {
    const store = new FileTokenStore(dir);
    await store.set(KEY, token('OLD', Date.now() - 10_000, 5_000));
    expect(await store.get(KEY)).toBeUndefined();
    writeFileSync(store.fileOf(KEY), '{"token":', { mode: 0o600 });
    expect(await store.get(KEY)).toBeUndefined();
  });

  it('two stores on one directory (two processes) share the token; delete is compare-and-delete', async () => {
    const a = new FileTokenStore(dir);
    const b = new FileTokenStore(dir);
    await a.set(KEY, token('T1'));
    expect((await b.get(KEY))?.token).toBe('T1');
    await b.delete(KEY, 'SOMETHING-ELSE');
    expect((await a.get(KEY))?.token).toBe('T1');
    await b.delete(KEY, 'T1');
    expect(await a.get(KEY)).toBeUndefined();
  });

  it('remembers a fetch less than 2 minutes old after its token is gone, and a refusal', async () => {
    const a = new FileTokenStore(dir);
    const b = new FileTokenStore(dir);
    const t0 = Date.now();
    expect(await b.fetchPausedUntil(KEY, t0)).toBeUndefined();
    await a.set(KEY, token('T1', t0));
    // A usable token: nothing to pause, the next process uses it.
    expect(await b.fetchPausedUntil(KEY, t0 + 60_000)).toBeUndefined();
    await a.delete(KEY, 'T1');
    const until = await b.fetchPausedUntil(KEY, t0 + 60_000);
    expect(until).toBeGreaterThan(t0 + 60_000);
    expect(await b.fetchPausedUntil(KEY, t0 + 180_000)).toBeUndefined();

    const other = tokenKey('https://pay.example.edu/onecard/uap/gateway.action', 'refused');
    await a.noteRefusal(other, t0);
    expect(await b.fetchPausedUntil(other, t0 + 1_000)).toBeGreaterThan(t0 + 1_000);
    expect(await b.fetchPausedUntil(other, t0 + 180_000)).toBeUndefined();
  });

  it('lock: one holder at a time across stores; an expired lock is overtaken', async () => {
    const a = new FileTokenStore(dir);
    const b = new FileTokenStore(dir);
    const held = await a.lock(KEY, 15_000);
    expect(held).toBeDefined();
    expect(await b.lock(KEY, 15_000)).toBeUndefined();
    await held!.release();
    const next = await b.lock(KEY, -1); // already expired: its holder counts as dead
    expect(next).toBeDefined();
    const overtaken = await a.lock(KEY, 15_000);
    expect(overtaken).toBeDefined();
    await next!.release(); // no longer its lock: must not remove a's
    expect(await b.lock(KEY, 15_000)).toBeUndefined();
    await overtaken!.release();
  });

  it('two TokenManagers on two stores of one directory make one fetch', async () => {
    let fetches = 0;
    const fetch = async () => ({ token: `T${++fetches}`, expiresInSeconds: 7200 });
    const m1 = new TokenManager({ store: new FileTokenStore(dir), key: KEY, fetch });
    const m2 = new TokenManager({ store: new FileTokenStore(dir), key: KEY, fetch });
    expect(await m1.get()).toBe('T1');
    expect(await m2.get()).toBe('T1');
    expect(fetches).toBe(1);
  });

  it('cache directory: CAMPUS_PAY_CACHE_DIR, else XDG_CACHE_HOME/campus-pay, else ~/.cache/campus-pay', () => {
    expect(defaultCacheDir({ CAMPUS_PAY_CACHE_DIR: '/x/y', XDG_CACHE_HOME: '/c' })).toBe('/x/y');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/c' })).toBe(join('/c', 'campus-pay'));
    if (posix) expect(defaultCacheDir({})).toMatch(/\.cache[/\\]campus-pay$/);
  });
});

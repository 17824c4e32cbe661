/** KeyRing: versions, the key provider's reads, failures that keep the last good keys. */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../../../src/core/errors.js';
import { KeyRing, type KeyRingOptions } from '../../../src/core/keyring.js';
import { waitFor } from '../../helpers/timeouts.js';

/** A parser standing in for a gateway's: `key` must be a string of 8 letters. */
const parse: KeyRingOptions<string>['parse'] = (raw, name) => {
  if (typeof raw.key !== 'string' || !/^[a-z]{8}$/.test(raw.key))
    throw new ConfigurationError(name('key'), 'must be 8 lowercase letters');
  return raw.key.toUpperCase();
};

function ring(provide: () => unknown, extra: Partial<KeyRingOptions<string>> = {}) {
  const errors: ConfigurationError[] = [];
  const logs: Array<[string, unknown]> = [];
  let reads = 0;
  const r = new KeyRing<string>({
    parse,
    base: {},
    provider: () => {
      reads++;
      return provide() as object;
    },
    onKeyError: (e) => void errors.push(e),
    logger: { info: (m, f) => void logs.push([m, f]) },
    ...extra,
  });
  return { r, errors, logs, reads: () => reads };
}

describe('KeyRing without a provider', () => {
  it('parses the options once, version 1, and reports no versions in logs', async () => {
    let parsed = 0;
    const r = new KeyRing<string>({
      parse: (raw, n, p) => {
        parsed++;
        return parse(raw, n, p);
      },
      base: { key: 'abcdefgh' },
    });
    expect(await r.current()).toMatchObject({ version: 1, keys: 'ABCDEFGH' });
    await r.current();
    await r.reload();
    expect(parsed).toBe(1);
    expect(r.provided).toBe(false);
    const told: unknown[] = [];
    expect(r.whichKey(1, 1, (by) => told.push(by))).toBeUndefined();
    r.whichKey(1, 3, (by) => told.push(by))?.(2);
    expect(told).toEqual([{ keyIndex: 2 }]);
  });

  it('a bad static key fails the constructor, naming the option as given', () => {
    expect(() => new KeyRing<string>({ parse, base: { key: 'x' } })).toThrow(/^key: must be 8/);
  });
});

describe('KeyRing with a provider', () => {
  it('a sync provider is read in the constructor: garbage fails it, naming keyProvider().key', () => {
    expect(() => ring(() => ({ key: 42 }))).toThrow(ConfigurationError);
    expect(() => ring(() => ({ key: 42 }))).toThrow(/^keyProvider\(\)\.key: must be 8/);
    expect(() => ring(() => 'abcdefgh')).toThrow(
      /^keyProvider: must return an object.*a value of type string/,
    );
  });

  it('an async provider is awaited by the first call; a new answer is a new version, the same answer is not', async () => {
    let key = 'abcdefgh';
    const { r, logs, reads } = ring(async () => ({ key }));
    expect(await r.current()).toMatchObject({ version: 1, keys: 'ABCDEFGH' });
    await r.reload();
    expect((await r.current()).version).toBe(1);
    key = 'ijklmnop';
    expect(await r.reload()).toMatchObject({ version: 2, keys: 'IJKLMNOP' });
    expect(reads()).toBe(3);
    expect(logs.map(([m]) => m)).toEqual([
      'campus-pay keys version=1 loaded',
      'campus-pay keys version=2 loaded',
    ]);
    const told: unknown[] = [];
    r.whichKey(2, 1, (by) => told.push(by))?.(0);
    expect(told).toEqual([{ keyIndex: 0, keyVersion: 2 }]);
  });

  it('a reload during a read reads again once that read ends; reloads asked meanwhile share it', async () => {
    let key = 'abcdefgh';
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let n = 0;
    const { r, reads } = ring(async () => {
      const answer = { key };
      if (++n === 2) await gate; // the second read began before the keys changed
      return answer;
    });
    await r.ready();
    const first = r.reload();
    key = 'ijklmnop';
    const again = [r.reload(), r.reload()];
    release();
    expect(await first).toMatchObject({ version: 1 });
    const [a, b] = await Promise.all(again);
    expect(a).toMatchObject({ version: 2, keys: 'IJKLMNOP' });
    expect(b).toBe(a);
    expect(reads()).toBe(3);
  });

  it('a snapshot taken before a reload keeps its keys', async () => {
    let key = 'abcdefgh';
    const { r } = ring(async () => ({ key }));
    const before = await r.current();
    key = 'ijklmnop';
    await r.reload();
    expect(before).toMatchObject({ version: 1, keys: 'ABCDEFGH' });
    expect(await r.current()).toMatchObject({ version: 2, keys: 'IJKLMNOP' });
  });

  it.each([
    [
      'throws',
      () => Promise.reject(new SyntaxError('Unexpected token in "qwertyui-secret"')),
      /^keyProvider: threw \(SyntaxError\)/,
    ],
    [
      'throws synchronously',
      () => {
        throw Object.assign(new Error('qwertyui-secret'), { code: 'ENOENT' });
      },
      /^keyProvider: threw \(Error, ENOENT\)/,
    ],
    ['returns null', async () => null, /^keyProvider: must return an object of key options; returned null/],
    [
      'returns a key of the wrong type',
      async () => ({ key: ['qwertyui-secret'] }),
      /^keyProvider\(\)\.key: must be 8/,
    ],
    [
      'returns an unparsable key',
      async () => ({ key: 'qwertyui-secret' }),
      /^keyProvider\(\)\.key: must be 8/,
    ],
  ])(
    'a provider that %s: the last good keys stay, the failure is reported without the key',
    async (_what, bad, why) => {
      let fail = false;
      const { r, errors, logs } = ring(() =>
        fail ? (bad as () => unknown)() : Promise.resolve({ key: 'abcdefgh' }),
      );
      await r.ready();
      fail = true;
      const err = (await r.reload().catch((e: unknown) => e)) as ConfigurationError;
      expect(err).toBeInstanceOf(ConfigurationError);
      expect(err.message).toMatch(why);
      expect(await r.current()).toMatchObject({ version: 1, keys: 'ABCDEFGH' });
      expect(r.latest().keys).toBe('ABCDEFGH');
      expect(errors).toEqual([err]);
      expect(logs.at(-1)).toEqual([
        `campus-pay keys failed, version=1 kept: ${err.message}`,
        { method: 'keyProvider', outcome: 'keys', keyVersion: 1, error: err.message },
      ]);
      for (const text of [err.message, err.stack, JSON.stringify(logs)])
        expect(text).not.toContain('qwertyui');
    },
  );

  it('a failed first read fails calls with a ConfigurationError; the next call reads again', async () => {
    let fail = true;
    const { r, errors } = ring(async () => {
      if (fail) throw new Error('vault sealed');
      return { key: 'abcdefgh' };
    });
    await expect(r.ready()).rejects.toThrow(/^keyProvider: threw \(Error\)/);
    await expect(r.current()).rejects.toThrow(ConfigurationError);
    expect(() => r.latest()).toThrow(/^keyProvider: no keys loaded yet/);
    fail = false;
    expect(await r.current()).toMatchObject({ version: 1 });
    expect(errors).toHaveLength(2);
  });

  it('an onKeyError or logger that throws changes nothing', async () => {
    let fail = false;
    const r = new KeyRing<string>({
      parse,
      base: {},
      provider: async () => (fail ? { key: 1 } : { key: 'abcdefgh' }),
      onKeyError: () => {
        throw new Error('pager down');
      },
      logger: {
        info: () => {
          throw new Error('disk full');
        },
      },
    });
    await r.ready();
    fail = true;
    await expect(r.reload()).rejects.toThrow(/keyProvider\(\)\.key/);
    expect((await r.current()).keys).toBe('ABCDEFGH');
  });

  it('after keyTtlMs a call starts a re-read in the background and goes on with the version in use', async () => {
    let key = 'abcdefgh';
    const { r } = ring(async () => ({ key }), { ttlMs: 1 });
    await r.ready();
    key = 'ijklmnop';
    await waitFor('a re-read after the TTL', async () => (await r.current()).version === 2);
    expect((await r.current()).keys).toBe('IJKLMNOP');
  });

  it.each([0, -1, 1.5, Number.NaN, 2 ** 31])('keyTtlMs %s is refused', (ttlMs) => {
    expect(() => ring(async () => ({ key: 'abcdefgh' }), { ttlMs })).toThrow(
      /^keyTtlMs: must be a whole number/,
    );
  });

  it('a keyProvider that is not a function is refused', () => {
    expect(() => new KeyRing<string>({ parse, base: {}, provider: 'vault' as never })).toThrow(
      /^keyProvider: must be a function/,
    );
  });
});

describe('a first read that hangs', () => {
  // An async provider that never answers: a secret manager that stopped responding.
  const hanging = () => ring(() => new Promise<never>(() => {}));

  it('ends each waiting call at its own deadline or abort, sending nothing; the read stays shared', async () => {
    const { r, reads } = hanging();
    const late = await r.current({ deadline: Date.now() + 20 }).catch((e) => e);
    expect(late).toBeInstanceOf(ConfigurationError);
    expect(late.option).toBe('keyProvider');
    expect(late.message).toContain("before the call's deadline");
    const controller = new AbortController();
    const aborted = r.current({ signal: controller.signal }).catch((e) => e);
    controller.abort();
    expect((await aborted).message).toContain('aborted');
    // Both calls waited on the one read under way: no second read of the provider.
    expect(reads()).toBe(1);
  });
});

/** The error `f` throws (the test fails if it throws nothing). */
function thrownBy(f: () => unknown): ConfigurationError {
  try {
    f();
  } catch (err) {
    return err as ConfigurationError;
  }
  throw new Error('expected a throw');
}

/** What providerThrew says for a provider whose own error is `paren` (name and kept code). */
const threw = (paren: string) =>
  `keyProvider: threw (${paren}); its message is not kept, as it may quote a key`;

describe('whether a new answer is the same keys', () => {
  /**
   * The versions the answers make: the first is the first load, each next one is read by reload(). Each
   * answer is `{ key, extra }`, so `extra` (which the parser ignores) is what changes or not.
   */
  async function versionsOf(...extras: unknown[]): Promise<number[]> {
    let i = 0;
    const { r } = ring(async () => ({ key: 'abcdefgh', extra: extras[i++] }));
    const versions = [(await r.current()).version];
    while (i < extras.length) versions.push((await r.reload()).version);
    return versions;
  }

  const pair = () => generateKeyPairSync('ed25519').publicKey;
  const pem = (k: KeyObject) => k.export({ format: 'pem', type: 'spki' }).toString();

  it('the same key as another KeyObject keeps the version; another key is a new version', async () => {
    const one = pair();
    const other = pair();
    expect(await versionsOf(createPublicKey(pem(one)), createPublicKey(pem(one)))).toEqual([1, 1]);
    expect(await versionsOf(one, other)).toEqual([1, 2]);
  });

  it('a KeyObject replaced by something that is not one (or the reverse) is a new version', async () => {
    expect(await versionsOf(pair(), {})).toEqual([1, 2]);
    expect(await versionsOf({}, pair())).toEqual([1, 2]);
    expect(await versionsOf(pair(), Buffer.from('key'))).toEqual([1, 2]);
  });

  it('bytes: the same bytes keep the version (Buffer or Uint8Array); other bytes are a new version', async () => {
    expect(await versionsOf(Buffer.from([1, 2, 3]), Buffer.from([1, 2, 3]))).toEqual([1, 1]);
    expect(await versionsOf(Buffer.from([1, 2, 3]), new Uint8Array([1, 2, 3]))).toEqual([1, 1]);
    expect(await versionsOf(Buffer.from([1, 2, 3]), Buffer.from([1, 2, 4]))).toEqual([1, 2]);
    expect(await versionsOf(Buffer.from([1, 2, 3]), Buffer.from([1, 2]))).toEqual([1, 2]);
  });

  it('bytes replaced by something that is not bytes, holding the same numbers, is a new version', async () => {
    expect(await versionsOf(Buffer.from([1, 2]), { 0: 1, 1: 2 })).toEqual([1, 2]);
    expect(await versionsOf({ 0: 1, 1: 2 }, Buffer.from([1, 2]))).toEqual([1, 2]);
    expect(await versionsOf(Buffer.from([1, 2]), new Uint16Array([1, 2]))).toEqual([1, 2]);
  });

  it('lists: the same elements keep the version; another element, one more or one less is a new version', async () => {
    expect(await versionsOf(['a', 'b'], ['a', 'b'])).toEqual([1, 1]);
    expect(await versionsOf([Buffer.from('a'), ['b']], [Buffer.from('a'), ['b']])).toEqual([1, 1]);
    expect(await versionsOf([], [])).toEqual([1, 1]);
    expect(await versionsOf(['a', 'b'], ['a', 'c'])).toEqual([1, 2]);
    expect(await versionsOf(['a', 'b'], ['x', 'b'])).toEqual([1, 2]);
    expect(await versionsOf(['a'], ['a', 'b'])).toEqual([1, 2]);
    expect(await versionsOf(['a', 'b'], ['a'])).toEqual([1, 2]);
  });

  it('a list replaced by an object with the same indices (even a length) is a new version', async () => {
    expect(await versionsOf(['a', 'b'], { 0: 'a', 1: 'b' })).toEqual([1, 2]);
    expect(await versionsOf(['a', 'b'], { 0: 'a', 1: 'b', length: 2 })).toEqual([1, 2]);
    expect(await versionsOf({ 0: 'a', 1: 'b' }, ['a', 'b'])).toEqual([1, 2]);
  });

  it('objects: the same keys and values keep the version; a key more, less or changed is a new version', async () => {
    expect(await versionsOf({ a: { b: 'c' }, d: [1] }, { d: [1], a: { b: 'c' } })).toEqual([1, 1]);
    expect(await versionsOf({}, {})).toEqual([1, 1]);
    expect(await versionsOf({ a: 1 }, { a: 1, b: 2 })).toEqual([1, 2]);
    expect(await versionsOf({ a: 1, b: 2 }, { a: 1 })).toEqual([1, 2]);
    expect(await versionsOf({ a: 1 }, { b: 1 })).toEqual([1, 2]);
    expect(await versionsOf({ a: { b: 'c' } }, { a: { b: 'd' } })).toEqual([1, 2]);
  });

  it('a key option added at the top of the answer is a new version', async () => {
    let answer: object = { key: 'abcdefgh' };
    const { r } = ring(async () => answer);
    await r.ready();
    answer = { key: 'abcdefgh', platformKey: 'pk' };
    expect((await r.reload()).version).toBe(2);
  });

  it('null, a number, or no object at all, against an object, is a new version', async () => {
    expect(await versionsOf(null, {})).toEqual([1, 2]);
    expect(await versionsOf({}, null)).toEqual([1, 2]);
    expect(await versionsOf(5, {})).toEqual([1, 2]);
    expect(await versionsOf({}, 5)).toEqual([1, 2]);
    expect(await versionsOf(null, null)).toEqual([1, 1]);
    expect(await versionsOf(5, 6)).toEqual([1, 2]);
  });

  it('a new version is logged with its number; an equal answer logs nothing', async () => {
    let key = 'abcdefgh';
    const { r, logs } = ring(async () => ({ key }));
    await r.ready();
    await r.reload();
    key = 'ijklmnop';
    await r.reload();
    expect(logs).toEqual([
      ['campus-pay keys version=1 loaded', { method: 'keyProvider', outcome: 'keys', keyVersion: 1 }],
      ['campus-pay keys version=2 loaded', { method: 'keyProvider', outcome: 'keys', keyVersion: 2 }],
    ]);
  });
});

describe('the TTL re-read', () => {
  const T0 = Date.UTC(2025, 0, 1);
  afterEach(() => {
    vi.useRealTimers();
  });
  /** Lets a background read end (the provider here answers synchronously: its read is microtasks). */
  const settled = () => new Promise<void>((r) => setImmediate(r));

  it('a call re-reads once exactly keyTtlMs has passed since the load, not a millisecond before', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const { r, reads } = ring(() => ({ key: 'abcdefgh' }), { ttlMs: 1000 });
    expect(reads()).toBe(1);
    vi.setSystemTime(T0 + 999);
    await r.current();
    expect(reads()).toBe(1);
    vi.setSystemTime(T0 + 1000);
    await r.current();
    expect(reads()).toBe(2);
    await settled();
    // An equal answer restarts the TTL.
    vi.setSystemTime(T0 + 1999);
    await r.current();
    expect(reads()).toBe(2);
    vi.setSystemTime(T0 + 2000);
    r.latest();
    expect(reads()).toBe(3);
  });

  it('a failed re-read is tried again after another keyTtlMs, not on every call', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    let fail = false;
    const { r, reads, errors } = ring(
      () => {
        if (fail) throw new Error('vault sealed');
        return { key: 'abcdefgh' };
      },
      { ttlMs: 1000 },
    );
    fail = true;
    vi.setSystemTime(T0 + 1000);
    await r.current();
    await settled();
    expect(reads()).toBe(2);
    expect(errors.map((e) => e.message)).toEqual([threw('Error')]);
    vi.setSystemTime(T0 + 1500);
    expect(await r.current()).toMatchObject({ version: 1, keys: 'ABCDEFGH' });
    expect(reads()).toBe(2);
    vi.setSystemTime(T0 + 2000);
    await r.current();
    expect(reads()).toBe(3);
  });

  it('a read under way is not started again by a due call', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    let n = 0;
    // The first read answers; the second never does (a secret manager that stopped responding).
    const { r, reads } = ring(() => (++n === 1 ? { key: 'abcdefgh' } : new Promise(() => {})), {
      ttlMs: 1000,
    });
    vi.setSystemTime(T0 + 1000);
    await r.current();
    vi.setSystemTime(T0 + 5000);
    expect((await r.current()).version).toBe(1);
    expect(reads()).toBe(2);
  });
});

describe('KeyRing: the first load and reads that fail', () => {
  it('provided is true with a provider', () => {
    expect(ring(() => ({ key: 'abcdefgh' })).r.provided).toBe(true);
  });

  it('keyTtlMs 1 and 2147483647 (the largest a timer holds) are accepted', () => {
    for (const ttlMs of [1, 2_147_483_647])
      expect(() => ring(async () => ({ key: 'abcdefgh' }), { ttlMs })).not.toThrow();
  });

  it('ready() after the keys are loaded reads nothing', async () => {
    const { r, reads } = ring(async () => ({ key: 'abcdefgh' }));
    await r.ready();
    await r.ready();
    expect(reads()).toBe(1);
    const sync = ring(() => ({ key: 'abcdefgh' }));
    await sync.r.ready();
    expect(sync.reads()).toBe(1);
  });

  it('a reload asked during a read that fails still reads again once it has failed', async () => {
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let n = 0;
    const { r, reads } = ring(async () => {
      if (++n === 2) {
        await gate;
        throw new Error('vault sealed');
      }
      return { key: n === 1 ? 'abcdefgh' : 'ijklmnop' };
    });
    await r.ready();
    const failing = r.reload().catch((e: unknown) => e);
    const again = r.reload();
    release();
    expect(((await failing) as Error).message).toBe(threw('Error'));
    expect(await again).toMatchObject({ version: 2, keys: 'IJKLMNOP' });
    expect(reads()).toBe(3);
  });

  it('a parser that fails with something other than a ConfigurationError: "the keys could not be read"', async () => {
    let key = 'abcdefgh';
    const { r, errors } = ring(async () => ({ key }), {
      parse: (raw, name, previous) => {
        if (raw.key === 'qwertyui') throw new TypeError('cannot read qwertyui');
        return parse(raw, name, previous);
      },
    });
    await r.ready();
    key = 'qwertyui';
    const err = (await r.reload().catch((e: unknown) => e)) as ConfigurationError;
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err.option).toBe('keyProvider');
    expect(err.message).toBe('keyProvider: the keys could not be read');
    expect(errors).toEqual([err]);
    expect(r.latest()).toMatchObject({ version: 1, keys: 'ABCDEFGH' });
  });

  // Only the SDK's own errors pass as they are: a provider's ConfigurationError is user code's text, even
  // one naming keyProvider, and its message may hold the key.
  it.each(['desKey', 'keyProvider'])(
    "a ConfigurationError the provider throws naming %s is reduced like any error of the provider's",
    async (option) => {
      let fail = false;
      const { r } = ring(async () => {
        if (fail) throw new ConfigurationError(option, 'qwertyui is not 24 bytes');
        return { key: 'abcdefgh' };
      });
      await r.ready();
      fail = true;
      const err = (await r.reload().catch((e: unknown) => e)) as ConfigurationError;
      expect(err.option).toBe('keyProvider');
      expect(err.message).toBe(threw('ConfigurationError'));
    },
  );

  it('a sync provider that throws at construction fails the constructor with its name and code only', () => {
    const err = thrownBy(() =>
      ring(() => {
        throw Object.assign(new Error('qwertyui'), { code: 'ENOENT' });
      }),
    );
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err.message).toBe(threw('Error, ENOENT'));
  });

  it.each<[string, unknown, string]>([
    [
      'an UPPER_CASE code',
      Object.assign(new TypeError('qwertyui'), { code: 'ERR_VAULT_1' }),
      'TypeError, ERR_VAULT_1',
    ],
    [
      'a code of 40 characters',
      Object.assign(new Error('qwertyui'), { code: 'E'.repeat(40) }),
      `Error, ${'E'.repeat(40)}`,
    ],
    ['a code of 41 characters', Object.assign(new Error('qwertyui'), { code: 'E'.repeat(41) }), 'Error'],
    ['a lowercase code', Object.assign(new Error('qwertyui'), { code: 'qwertyui' }), 'Error'],
    ['a code with text after it', Object.assign(new Error('x'), { code: 'ENOENT qwertyui' }), 'Error'],
    ['a code with text before it', Object.assign(new Error('x'), { code: 'qwertyui ENOENT' }), 'Error'],
    ['a number as code', Object.assign(new Error('qwertyui'), { code: 503 }), 'Error'],
    [
      'a plain object with a name and code',
      { name: 'VaultError', code: 'SEALED', message: 'qwertyui' },
      'VaultError, SEALED',
    ],
    ['an object whose name is not a string', { name: 42, message: 'qwertyui' }, 'object'],
    ['a string', 'qwertyui', 'string'],
    ['null', null, 'object'],
    ['undefined', undefined, 'undefined'],
  ])('a provider that throws %s: only its name and a well-formed code are kept', (_what, thrown, paren) => {
    const err = thrownBy(() =>
      ring(() => {
        throw thrown;
      }),
    );
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err.message).toBe(threw(paren));
    expect(err.message).not.toContain('qwertyui');
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'null'],
    ['undefined', undefined, 'a value of type undefined'],
    ['an array', [{ key: 'abcdefgh' }], 'an array'],
    ['a function', () => ({ key: 'abcdefgh' }), 'a value of type function'],
  ])(
    'a sync provider that returns %s fails the constructor with a ConfigurationError',
    (_what, answer, found) => {
      const err = thrownBy(() => ring(() => answer));
      expect(err).toBeInstanceOf(ConfigurationError);
      expect(err.message).toBe(`keyProvider: must return an object of key options; returned ${found}`);
    },
  );

  it('an answer whose then is not a function is keys, not a promise', () => {
    for (const then of ['soon', null, 1]) {
      const { r } = ring(() => ({ key: 'abcdefgh', then }));
      expect(r.latest()).toMatchObject({ version: 1, keys: 'ABCDEFGH' });
    }
  });

  it('without onKeyError or logger, a failed read still keeps the last good keys', async () => {
    let fail = false;
    const { r } = ring(async () => (fail ? { key: 1 } : { key: 'abcdefgh' }), {
      onKeyError: undefined,
      logger: undefined,
    });
    await r.ready();
    fail = true;
    await expect(r.reload()).rejects.toThrow(/^keyProvider\(\)\.key: must be 8/);
    expect(r.latest()).toMatchObject({ version: 1, keys: 'ABCDEFGH' });
  });
});

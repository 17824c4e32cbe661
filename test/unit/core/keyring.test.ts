/** KeyRing: versions, the key provider's reads, failures that keep the last good keys. */
import { describe, expect, it } from 'vitest';
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

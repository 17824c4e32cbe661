/** storeCall: a store that throws, hangs or outlives its call's abort or deadline gives a typed StoreError. */
import { getEventListeners } from 'node:events';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../../../src/core/errors.js';
import {
  checkStoreTimeout,
  DEFAULT_STORE_TIMEOUT_MS,
  malformedRecord,
  StoreError,
  storeCall,
} from '../../../src/core/store-call.js';
import { captureFindings, registerSecret } from '../../helpers/secret-scan.js';

const T0 = 1_900_000_000_000;
beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A store operation that never settles (a Redis that stopped answering), counting its starts. */
function hanging() {
  let starts = 0;
  const run = () => {
    starts++;
    return new Promise<never>(() => {});
  };
  return { run, starts: () => starts };
}
/** Resolves to the error, or fails the test when the call succeeds. */
const rejection = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('succeeded');
    },
    (e: unknown) => e as StoreError,
  );
/** Whether the promise has settled, without waiting for it. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

describe('a store that throws', () => {
  it.each([
    ['rejects', () => Promise.reject(new RangeError('conn refused'))],
    [
      'throws before returning a promise',
      () => {
        throw new RangeError('conn refused');
      },
    ],
  ])('%s: StoreError threw, the store’s own error as cause', async (_what, run) => {
    const e = await rejection(storeCall('token', 'get', run));
    expect(e).toBeInstanceOf(StoreError);
    expect([e.code, e.store, e.operation, e.reason]).toEqual(['store', 'token', 'get', 'threw']);
    expect(e.message).toBe('token store get: failed (RangeError)');
    // Only the name (and code) of the store's own error is kept: see 'keeps nothing of its properties'.
    expect((e.cause as Error).message).toBe('RangeError');
  });

  it('a thrown non-Error is named by its type', async () => {
    const e = await rejection(storeCall('dedupe', 'claim', () => Promise.reject('down')));
    expect([e.reason, e.message, (e.cause as Error).message]).toEqual([
      'threw',
      'dedupe store claim: failed (string)',
      'string',
    ]);
  });

  it('keeps nothing of the store’s own error but its name and code (ioredis puts command arguments on it)', async () => {
    const token = 'a7Fq93kZp0Lm2xV8cN4tB6wR1yE5uH0j';
    registerSecret('test access token', token);
    const own = Object.assign(new Error(`READONLY cannot write ${token}`), {
      name: 'ReplyError',
      code: 'READONLY',
      command: { name: 'set', args: ['campus-pay:token:k', JSON.stringify({ token })] },
      previous: { token },
    });
    const findings = await captureFindings(async () => {
      const e = await rejection(storeCall('token', 'set', () => Promise.reject(own)));
      expect(e.message).toBe('token store set: failed (ReplyError READONLY)');
      expect(e.cause).toBeInstanceOf(Error);
      expect(e.cause).not.toBe(own);
      expect((e.cause as Error).message).toBe('ReplyError READONLY');
      expect(inspect(e, { depth: 10 })).not.toContain(token);
      expect(JSON.stringify(e)).not.toContain(token);
      // A name or code that is not a word is not kept either.
      const odd = Object.assign(new Error('x'), { name: `E ${token}`, code: { token } });
      expect((await rejection(storeCall('journal', 'create', () => Promise.reject(odd)))).message).toBe(
        'journal store create: failed (Error)',
      );
    });
    expect(findings).toEqual([]);
  });

  it('a StoreError from the store itself passes unchanged', async () => {
    const own = malformedRecord('journal', 'append', 'entry');
    expect(await rejection(storeCall('journal', 'append', () => Promise.reject(own)))).toBe(own);
  });

  it('an answer in time is returned as is', async () => {
    const value = { token: 't' };
    expect(await storeCall('token', 'get', async () => value)).toBe(value);
    expect(await storeCall('token', 'get', () => 7)).toBe(7);
  });
});

describe('a store that never answers', () => {
  it('times out after timeoutMs (default DEFAULT_STORE_TIMEOUT_MS), not a tick before', async () => {
    const h = hanging();
    const p = storeCall('token', 'lock', h.run);
    await vi.advanceTimersByTimeAsync(DEFAULT_STORE_TIMEOUT_MS - 1);
    expect(await settled(p)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const e = await rejection(p);
    expect([e.reason, e.message]).toEqual(['timeout', `token store lock: no answer within 5000 ms`]);
  });

  it('timeoutMs is honoured', async () => {
    const p = storeCall('dedupe', 'claim', hanging().run, { timeoutMs: 40 });
    await vi.advanceTimersByTimeAsync(39);
    expect(await settled(p)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await rejection(p)).message).toBe('dedupe store claim: no answer within 40 ms');
  });

  it('the call’s deadline, when earlier, ends it first and says so', async () => {
    const p = storeCall('token', 'get', hanging().run, { timeoutMs: 1_000, deadline: T0 + 300 });
    await vi.advanceTimersByTimeAsync(299);
    expect(await settled(p)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const e = await rejection(p);
    expect([e.reason, e.message]).toEqual([
      'timeout',
      "token store get: the call's deadline passed before the store answered",
    ]);
  });

  it('a NaN deadline (an unchecked deadlineMs) leaves the timeout in force', async () => {
    const p = rejection(storeCall('token', 'get', hanging().run, { timeoutMs: 20, deadline: Number.NaN }));
    await vi.advanceTimersByTimeAsync(20);
    expect((await p).message).toBe('token store get: no answer within 20 ms');
  });

  it('a deadline already past does not start the operation', async () => {
    const h = hanging();
    const e = await rejection(storeCall('token', 'get', h.run, { deadline: T0 }));
    expect([e.reason, h.starts()]).toEqual(['timeout', 0]);
  });

  it('an abort ends it at once, while the store still hangs, and leaves no listener behind', async () => {
    const h = hanging();
    const ac = new AbortController();
    const p = storeCall('token', 'get', h.run, { signal: ac.signal });
    expect(await settled(p)).toBe(false);
    ac.abort();
    expect(await settled(p)).toBe(true); // no timer advanced: the abort alone ended it
    const e = await rejection(p);
    expect([e.reason, e.message]).toEqual([
      'aborted',
      'token store get: the call was aborted before the store answered',
    ]);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('an already aborted call does not start the operation', async () => {
    const h = hanging();
    const ac = new AbortController();
    ac.abort();
    const e = await rejection(storeCall('token', 'get', h.run, { signal: ac.signal }));
    expect([e.reason, h.starts()]).toEqual(['aborted', 0]);
  });

  it('an answer in time removes the abort listener and the timer', async () => {
    const ac = new AbortController();
    await storeCall('token', 'get', async () => 1, { signal: ac.signal });
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('a late answer', () => {
  it('after the timeout is handed to discard (e.g. to release a lock taken too late), once', async () => {
    let answer: (v: string) => void = () => {};
    const discarded: string[] = [];
    const p = rejection(
      storeCall('token', 'lock', () => new Promise<string>((r) => (answer = r)), {
        timeoutMs: 10,
        discard: (late) => void discarded.push(late),
      }),
    );
    await vi.advanceTimersByTimeAsync(10);
    expect((await p).reason).toBe('timeout');
    answer('lock-handle');
    await vi.advanceTimersByTimeAsync(0);
    expect(discarded).toEqual(['lock-handle']);
  });

  it('in time is not discarded', async () => {
    const discarded: string[] = [];
    expect(
      await storeCall('token', 'lock', async () => 'h', { discard: (l) => void discarded.push(l) }),
    ).toBe('h');
    await vi.advanceTimersByTimeAsync(0);
    expect(discarded).toEqual([]);
  });

  it('a late failure, or a failing discard, is dropped without an unhandled rejection', async () => {
    let fail: (e: Error) => void = () => {};
    let answer: (v: number) => void = () => {};
    const a = rejection(
      storeCall('token', 'get', () => new Promise<never>((_, r) => (fail = r)), { timeoutMs: 5 }),
    );
    const b = rejection(
      storeCall('token', 'get', () => new Promise<number>((r) => (answer = r)), {
        timeoutMs: 5,
        discard: async () => {
          throw new Error('cleanup failed');
        },
      }),
    );
    await vi.advanceTimersByTimeAsync(5);
    expect([(await a).reason, (await b).reason]).toEqual(['timeout', 'timeout']);
    fail(new Error('late'));
    answer(1);
    // vitest fails the run on an unhandled rejection; getting here with none is the assertion.
    await vi.advanceTimersByTimeAsync(0);
  });
});

describe('checkStoreTimeout', () => {
  it('undefined is the default', () => {
    expect(checkStoreTimeout(undefined)).toBe(DEFAULT_STORE_TIMEOUT_MS);
    expect(checkStoreTimeout(undefined, 'commandTimeoutMs', 1_000)).toBe(1_000);
    expect(checkStoreTimeout(250)).toBe(250);
  });

  it.each([0, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 600_001, '100', null])(
    '%s is a ConfigurationError naming the option',
    (v) => {
      const e = (() => {
        try {
          checkStoreTimeout(v, 'storeTimeoutMs');
        } catch (err) {
          return err as ConfigurationError;
        }
      })();
      expect(e).toBeInstanceOf(ConfigurationError);
      expect(e?.option).toBe('storeTimeoutMs');
      expect(e?.message).toBe('storeTimeoutMs: must be a finite number of milliseconds from 1 to 600000');
    },
  );
});

it('malformedRecord is a StoreError with reason malformed and no cause', () => {
  const e = malformedRecord('token', 'get', 'token record');
  expect([e.code, e.store, e.operation, e.reason, e.message, e.cause]).toEqual([
    'store',
    'token',
    'get',
    'malformed',
    'token store get: returned a malformed token record',
    undefined,
  ]);
});

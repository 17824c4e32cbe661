/**
 * The option validator shared by client and call options. Expected values are written out by hand:
 * edit distances counted letter by letter, ranges from the documented limits.
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/core/errors.js';
import { closest, msRule, numberRule } from '../../../src/core/options.js';
import { Transport, type TransportOptions } from '../../../src/core/transport.js';

describe('closest: a suggestion only for what looks like a typo', () => {
  it.each([
    ['timeoutMS', 'timeoutMs'], // case only: distance 0
    ['TIMEOUTMS', 'timeoutMs'], // 8 letters off when case counts
    ['timeout', 'timeoutMs'], // 2 letters short, 7 letters long: up to 2 allowed
    ['sigal', 'signal'], // 1 of 5
    ['ab', 'abc'], // a short word still gets distance 1
    ['sgnl', undefined], // 2 of 4: only 1 allowed
    ['timeo', undefined], // 4 of 5
    ['x', undefined],
  ])('%s → %s', (word, want) => {
    expect(closest(word, ['signal', 'timeoutMs', 'deadlineMs', 'abc'])).toBe(want);
  });

  it('the nearest wins; on a tie, the first known', () => {
    expect(closest('deadlinems', ['timeoutMs', 'deadlineMs'])).toBe('deadlineMs');
    expect(closest('ab', ['ax', 'ay'])).toBe('ax');
    expect(closest('abcdef', ['abcxyz', 'abcdxy'])).toBe('abcdxy');
    // Case never counts, on either side.
    expect(closest('abcdef', ['ABCDEF'])).toBe('ABCDEF');
    expect(closest('ABCDEF', ['abcdef'])).toBe('abcdef');
  });
});

describe('rules', () => {
  it('numberRule: finite, within the range, an integer when asked', () => {
    const int = numberRule(0, 10, true);
    expect([0, 10, 5].map(int)).toEqual([undefined, undefined, undefined]);
    for (const bad of [-1, 11, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '5', null])
      expect(int(bad)).toBe('must be a finite integer from 0 to 10');
    expect(numberRule(0, 1)(0.5)).toBeUndefined();
    expect(numberRule(0, 1)(2)).toBe('must be a finite number from 0 to 1');
  });

  it('msRule: 1 to the given maximum, never beyond what a Node timer holds', () => {
    expect(msRule(100)(100)).toBeUndefined();
    expect(msRule(100)(101)).toBe('must be a finite number of milliseconds from 1 to 100');
    expect(msRule()(2 ** 31 - 1)).toBeUndefined();
    expect(msRule()(2 ** 31)).toBe('must be a finite number of milliseconds from 1 to 2147483647');
    expect(msRule(2 ** 40)(2 ** 31)).toBe('must be a finite number of milliseconds from 1 to 2147483647');
    expect(msRule()(0.5)).toBe('must be a finite number of milliseconds from 1 to 2147483647');
  });
});

describe('client options go through the same rules', () => {
  const refusal = (opts: TransportOptions) => {
    try {
      new Transport(opts);
    } catch (e) {
      return e as ConfigurationError;
    }
    throw new Error('accepted');
  };

  it.each([
    [{ timeoutMs: 1e12 }, 'timeoutMs', 'must be a finite number of milliseconds from 1 to 600000'],
    [{ timeoutMs: 0 }, 'timeoutMs', 'must be a finite number of milliseconds from 1 to 600000'],
    [{ timeoutMs: '5s' }, 'timeoutMs', 'must be a finite number of milliseconds from 1 to 600000'],
    [{ retryBaseMs: -1 }, 'retryBaseMs', 'must be a finite number from 0 to 60000'],
    [{ maxRetries: 11 }, 'maxRetries', 'must be a finite integer from 0 to 10'],
    [{ tracing: 'yes' }, 'tracing', 'must be true or false'],
  ])('%j is refused', (opts, option, message) => {
    const e = refusal(opts as never);
    expect(e).toBeInstanceOf(ConfigurationError);
    expect([e.option, e.message]).toEqual([option, `${option}: ${message}`]);
  });

  it('the edges of each range are accepted', () => {
    for (const opts of [
      { timeoutMs: 1, retryBaseMs: 0, maxRetries: 0, tracing: false },
      { timeoutMs: 600_000, retryBaseMs: 60_000, maxRetries: 10 },
    ])
      expect(() => new Transport(opts)).not.toThrow();
  });
});

describe('closest, the "did you mean" of option and method names', () => {
  const names = ['queryCard', 'queryAccInfo', 'transfer', 'payByBarcode', 'getBarcode'];

  it.each([
    ['quryCard', 'queryCard'], // one letter missing
    ['queryCrad', 'queryCard'], // two letters swapped: two edits
    ['QUERYCARD', 'queryCard'], // case does not count
    ['transfr', 'transfer'],
    ['getBarCode', 'getBarcode'],
    ['payByBarcod', 'payByBarcode'],
  ])('%s → %s', (word, expected) => {
    expect(closest(word, names)).toBe(expected);
  });

  it('suggests nothing when no name is near (more than a third of the letters, and more than 1, differ)', () => {
    expect(closest('refund', names)).toBeUndefined();
    expect(closest('card', names)).toBeUndefined(); // 5 insertions from queryCard
    expect(closest('xy', ['ab'])).toBeUndefined(); // 2 edits for 2 letters: only 1 allowed
    expect(closest('xyz', ['abc'])).toBeUndefined(); // 3 edits for 3 letters
    expect(closest('anything', [])).toBeUndefined();
  });

  it('a tie goes to the earlier name', () => {
    expect(closest('bat', ['cat', 'bar'])).toBe('cat');
    expect(closest('bat', ['bar', 'cat'])).toBe('bar');
  });
});

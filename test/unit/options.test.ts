import { describe, expect, it } from 'vitest';
import { closest } from '../../src/core/options.js';

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

  it('suggests nothing when no name is near (more than a third of the letters, and more than 2, differ)', () => {
    expect(closest('refund', names)).toBeUndefined();
    expect(closest('card', names)).toBeUndefined(); // 5 insertions from queryCard
    expect(closest('xy', ['ab'])).toBe('ab'); // 2 edits: still within the floor of 2
    expect(closest('xyz', ['abc'])).toBeUndefined(); // 3 edits for 3 letters
    expect(closest('anything', [])).toBeUndefined();
  });

  it('a tie goes to the earlier name', () => {
    expect(closest('bat', ['cat', 'bar'])).toBe('cat');
    expect(closest('bat', ['bar', 'cat'])).toBe('bar');
  });
});

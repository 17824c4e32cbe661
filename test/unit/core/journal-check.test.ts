/**
 * cleanTransition: what every writer of the journal hands a store. `undefined` is dropped where JSON
 * would drop it (a Redis hash field of JSON.stringify(undefined) is an empty string no reader can parse);
 * a value JSON cannot keep as it is is refused, so every store reads back what was written.
 */
import { describe, expect, it } from 'vitest';
import { cleanTransition } from '../../../src/core/journal-check.js';
import { JournalError, type JournalTransition } from '../../../src/index.js';

const t = (over: Partial<JournalTransition>): JournalTransition => ({
  state: 'needs-review',
  at: 5,
  ...over,
});

describe('cleanTransition', () => {
  it('drops undefined: top-level fields, refs, and evidence keys at any depth', () => {
    const out = cleanTransition(
      t({
        code: undefined,
        note: 'n',
        refs: { out_id: '1', order_id: undefined as unknown as string },
        evidence: {
          queryError: undefined,
          balances: [{ type: '###', name: undefined, balance: 100 }],
          intent: { amount: 3, at: undefined, nested: { x: null } },
        },
      }),
    );
    expect(out).toStrictEqual({
      state: 'needs-review',
      at: 5,
      note: 'n',
      refs: { out_id: '1' },
      evidence: {
        balances: [{ type: '###', balance: 100 }],
        intent: { amount: 3, nested: { x: null } },
      },
    });
    // What JSON makes of it is the same value: every store keeps it alike.
    expect(JSON.parse(JSON.stringify(out))).toStrictEqual(out);
  });

  it.each([
    ['a function', { f: () => 1 }],
    ['a bigint', { n: 10n }],
    ['NaN', { n: Number.NaN }],
    ['Infinity', { n: [Number.POSITIVE_INFINITY] }],
    ['a Date', { at: new Date(0) }],
    ['a Map', { m: new Map() }],
    ['undefined in an array', { list: [1, undefined] }],
  ])('refuses evidence holding %s', (_what, evidence) => {
    expect(() => cleanTransition(t({ evidence }))).toThrow(JournalError);
  });

  it('refuses a ref that is not a string, and a state that is not one', () => {
    expect(() => cleanTransition(t({ refs: { out_id: 7 as unknown as string } }))).toThrow(JournalError);
    expect(() => cleanTransition(t({ state: 'paid' as never }))).toThrow(JournalError);
  });
});

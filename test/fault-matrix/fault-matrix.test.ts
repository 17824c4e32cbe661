import { describe, expect, it } from 'vitest';
import { oneCardMethods, zhixiaoMethods } from '../../src/index.js';
import { TIMEOUTS } from '../helpers/timeouts.js';
import { CASES } from './cases.js';
import { runMatrix, wrongCells } from './matrix.js';

describe('fault matrix: every method × every sandbox fault, over real HTTP', () => {
  it('has a case for every method of both tables', () => {
    const names = (t: object) => Object.keys(t).sort();
    expect(
      CASES.filter((c) => c.gateway === 'onecard')
        .map((c) => c.method)
        .sort(),
    ).toEqual(names(oneCardMethods));
    expect(
      CASES.filter((c) => c.gateway === 'zhixiao')
        .map((c) => c.method)
        .sort(),
    ).toEqual(names(zhixiaoMethods));
  });

  // The default sender here; test/fault-matrix/node-sender.test.ts runs the same cells with the other one.
  it(
    'axios sender: each cell ends in a retry that succeeds (queries) or a typed error, and no call is processed twice',
    async () => {
      expect(wrongCells(await runMatrix('axios'))).toEqual([]);
    },
    TIMEOUTS.slow,
  );
});

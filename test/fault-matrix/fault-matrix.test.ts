import { describe, expect, it } from 'vitest';
import { oneCardMethods, zhixiaoMethods } from '../../src/index.js';
import { LANGS } from '../helpers/doc-twins.js';
import { METHOD_CASES } from '../helpers/method-cases.js';
import { TIMEOUTS } from '../helpers/timeouts.js';
import { FAIL_MARK, publishedTable, runMatrix, wrongCells } from './matrix.js';

describe('fault matrix: every method × every sandbox fault, over real HTTP', () => {
  it('has a case for every method of both tables', () => {
    const names = (t: object) => Object.keys(t).sort();
    expect(
      METHOD_CASES.filter((c) => c.gateway === 'onecard')
        .map((c) => c.method)
        .sort(),
    ).toEqual(names(oneCardMethods));
    expect(
      METHOD_CASES.filter((c) => c.gateway === 'zhixiao')
        .map((c) => c.method)
        .sort(),
    ).toEqual(names(zhixiaoMethods));
  });

  it('docs/reliability.md and its Chinese twin publish a passing row for every method, in table order', () => {
    // Only the first two columns are compared: whether a cut reply reads as a bad signature or a bad
    // body depends on where the cut falls, and either is right for a query.
    for (const lang of LANGS) {
      const rows = publishedTable(lang).split('\n').slice(2);
      const key = (row: string) => row.split(' | ').slice(0, 2).join(' | ');
      expect(rows.map(key), `${lang}: run npm run reliability`).toEqual(
        METHOD_CASES.map((c) => `| ${c.gateway} | \`${c.method}\``),
      );
      expect(rows.filter((row) => row.includes(FAIL_MARK[lang]))).toEqual([]);
    }
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

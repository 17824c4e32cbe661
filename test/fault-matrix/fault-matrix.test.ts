import { describe, expect, it } from 'vitest';
import { oneCardMethods, zhixiaoMethods } from '../../src/index.js';
import { METHOD_CASES } from '../helpers/method-cases.js';
import { FAULTS, publishedTable, runMatrix } from './matrix.js';

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

  it('docs/reliability.md publishes a passing row for every method, in table order', () => {
    // Only the first two columns are compared: whether a cut reply reads as a bad signature or a bad
    // body depends on where the cut falls, and either is right for a query.
    const rows = publishedTable().split('\n').slice(2);
    const key = (row: string) => row.split(' | ').slice(0, 2).join(' | ');
    expect(rows.map(key), 'docs/reliability.md: run npm run reliability').toEqual(
      METHOD_CASES.map((c) => `| ${c.gateway} | \`${c.method}\``),
    );
    expect(rows.filter((row) => row.includes('FAIL'))).toEqual([]);
  });

  // Both senders: the retry and never-resend rules must not depend on how the bytes are sent.
  it.concurrent.each(['axios', 'node'] as const)(
    '%s sender: each cell ends in a retry that succeeds (queries) or a typed error, and no call is processed twice',
    async (httpClient) => {
      const cells = await runMatrix(httpClient);
      expect(cells).toHaveLength(METHOD_CASES.length * FAULTS.length);
      const failing = cells.filter((c) => !c.pass);
      expect(failing).toEqual([]);
      expect(cells.every((c) => c.processed === undefined || c.processed === 0 || c.processed === 1)).toBe(
        true,
      );
    },
    120_000,
  );
});

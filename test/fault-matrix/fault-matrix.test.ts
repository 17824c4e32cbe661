import { describe, expect, it } from 'vitest';
import { oneCardMethods, zhixiaoMethods } from '../../src/index.js';
import { METHOD_CASES } from '../helpers/method-cases.js';
import { FAULTS, runMatrix } from './matrix.js';

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

/**
 * The crash matrix (test/crash/matrix.ts): processes killed by SIGKILL at three points of a money call,
 * with a file journal and a Redis journal, then swept by a new process. docs/reliability.md (and its
 * Chinese twin) shows the results; `npm run reliability` rewrites them and the last test fails when the page differs.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockOf, docPath, LANGS } from '../helpers/doc-twins.js';
import { patience } from '../helpers/patience.js';
import { RedisServer, redisAvailable } from '../helpers/redis-server.js';
import {
  type CrashCell,
  type CrashPoint,
  MONEY_METHODS,
  NOT_RUN,
  POINTS,
  runCrashMatrix,
  STORES,
  toMarkdown,
} from './matrix.js';

const withRedis = redisAvailable();
let redis: RedisServer | undefined;
let cells: CrashCell[] = [];

beforeAll(async () => {
  if (withRedis) redis = await RedisServer.start();
  cells = await runCrashMatrix(redis ? { redisUrl: redis.url } : {});
}, patience(60_000));
afterAll(() => redis?.stop());

/**
 * What a sweep can know, from the specs: a recharge (2.2.4.5) and an order (2.2) have a query, so a sent
 * one is found paid and an unsent one is unknown to the gateway (failed, once past the order life); no
 * query reports a transfer, a barcode payment or a refund, so a person decides, whether it was sent or not.
 */
const CONCLUSION: Record<string, Record<CrashPoint, string>> = {
  transfer: {
    'before-send': 'needs-review',
    'before-reply': 'needs-review',
    'before-outcome': 'needs-review',
  },
  payByBarcode: {
    'before-send': 'needs-review',
    'before-reply': 'needs-review',
    'before-outcome': 'needs-review',
  },
  recharge: { 'before-send': 'failed', 'before-reply': 'succeeded', 'before-outcome': 'succeeded' },
  createOrder: { 'before-send': 'failed', 'before-reply': 'succeeded', 'before-outcome': 'succeeded' },
  refundOrder: {
    'before-send': 'needs-review',
    'before-reply': 'needs-review',
    'before-outcome': 'needs-review',
  },
};

const name = (c: CrashCell) => `${c.method} ${c.point} ${c.store}`;

describe('crash matrix: a money call killed at each point is settled by a sweep in a new process', () => {
  it('runs every money method × crash point × journal', () => {
    const stores = withRedis ? STORES : STORES.filter((s) => s === 'file');
    const expected = MONEY_METHODS.flatMap((m) =>
      POINTS.flatMap((p) => stores.map((s) => `${m.method} ${p.point} ${s}`)),
    );
    expect(cells.map(name).sort()).toEqual(expected.sort());
  });

  it('each cell: killed at its point, nothing lost, nothing sent twice, one onSettled event, evidence for a person', () => {
    expect(
      cells.filter((c) => c.problems.length > 0).map((c) => `${name(c)}: ${c.problems.join('; ')}`),
    ).toEqual([]);
    for (const c of cells) {
      expect(c.sent, name(c)).toBe(c.point === 'before-send' ? 0 : 1);
      expect(c.events, name(c)).toBe(1);
      if (c.state === 'needs-review') expect(c.evidence, name(c)).toContain('intent');
    }
  });

  it('the sweep concludes what the gateway can tell', () => {
    for (const c of cells) expect(c.state, name(c)).toBe(CONCLUSION[c.method]![c.point]);
  });

  it('docs/reliability.md and its Chinese twin show these results (npm run reliability rewrites them)', () => {
    const grid = (table: string) =>
      table
        .split('\n')
        .filter((l) => l.startsWith('|'))
        .map((l) => l.split(' | '));
    for (const lang of LANGS) {
      const documented = grid(blockOf(readFileSync(docPath('reliability.md', lang), 'utf8'), 'crash-matrix'));
      const measured = grid(toMarkdown(cells, lang));
      expect(
        documented.map((row) => row.length),
        lang,
      ).toEqual(measured.map((row) => row.length));
      // Cells not run here (Redis missing) are compared where they ran.
      for (const [i, row] of measured.entries())
        for (const [j, text] of row.entries())
          if (!text.startsWith(NOT_RUN[lang]))
            expect(documented[i]![j], `${lang} row ${i}, column ${j}`).toBe(text);
    }
  });
});

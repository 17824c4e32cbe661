/**
 * The fault matrix: every client method × every sandbox fault, run over real HTTP. Used by the test
 * (which asserts each cell) and by `npm run reliability` (which publishes the table).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryTokenStore, OneCardClient, OutcomeUnknownError, ZhixiaoPayClient } from '../../src/index.js';
import type { FaultKind } from '../../src/sandbox/faults.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { type Ctx, METHOD_CASES } from '../helpers/method-cases.js';
import { scaled } from '../helpers/timeouts.js';

export const FAULTS: Array<{ kind: FaultKind; label: string; reachesGateway: boolean }> = [
  { kind: 'slow', label: 'latency beyond the timeout', reachesGateway: true },
  { kind: 'dropBeforeProcess', label: 'reset before processing', reachesGateway: false },
  { kind: 'dropAfterProcess', label: 'reset after processing', reachesGateway: true },
  { kind: 'serverError', label: 'HTTP 502 HTML page', reachesGateway: false },
  { kind: 'truncated', label: 'truncated body', reachesGateway: true },
  { kind: 'emptyBody', label: 'empty body', reachesGateway: true },
  { kind: 'badSignature', label: 'wrong signature', reachesGateway: true },
];

export interface Cell {
  gateway: string;
  method: string;
  repeatable: boolean;
  fault: FaultKind;
  /** `ok` (a query that recovered by retrying) or the error class. */
  outcome: string;
  /** How many times the gateway processed the call, from the ledger (undefined where nothing is measured). */
  processed: number | undefined;
  /** Whether the cell is what the policy requires. */
  pass: boolean;
}

/**
 * Only the measured call of a `slow` cell gets the short timeout; setup calls keep the default. The
 * sandbox holds a slow call for SLOW_MS, well beyond the timeout, so a loaded machine cannot blur them
 * (both scaled for load, test/helpers/timeouts.ts); the cell then waits for the sandbox to finish it
 * (`idle()`) rather than for a fixed time.
 */
const TIMEOUT_MS = scaled(500);
const SLOW_MS = scaled(1200);
/** Cases run on this many sandboxes at once: faults are per sandbox, so cells stay independent. */
const WORKERS = 8;

export async function runMatrix(httpClient: 'axios' | 'node' = 'axios'): Promise<Cell[]> {
  const shares = Array.from({ length: WORKERS }, (_, w) => METHOD_CASES.filter((_c, i) => i % WORKERS === w));
  const results = (await Promise.all(shares.map((s) => runCases(s, httpClient)))).flat();
  const order = (c: Cell) => METHOD_CASES.findIndex((x) => x.method === c.method && x.gateway === c.gateway);
  return results.sort((a, b) => order(a) - order(b));
}

async function runCases(cases: typeof METHOD_CASES, httpClient: 'axios' | 'node'): Promise<Cell[]> {
  const sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 } });
  sb.faults.set({ slowMs: SLOW_MS });
  const transport = { retryBaseMs: 1, httpClient };
  let n = 0;
  const ctx: Ctx = {
    sb,
    onecard: new OneCardClient({ ...sb.onecard, ...transport, tokenStore: new MemoryTokenStore() }),
    zhixiao: new ZhixiaoPayClient({ ...sb.zhixiao, ...transport }),
    unique: () => `M${Date.now()}${++n}`,
  };
  const cells: Cell[] = [];
  try {
    for (const c of cases) {
      for (const f of FAULTS) {
        const client = (c.gateway === 'onecard' ? ctx.onecard : ctx.zhixiao) as unknown as Record<
          string,
          (...args: unknown[]) => Promise<unknown>
        >;
        await ctx.onecard.queryCard({ idtype: 'acc', id: '10001' }); // a valid token before the fault, so the fault hits the call
        const input = c.prepare ? await c.prepare(ctx) : c.input;
        const before = c.measure?.(sb);
        // next() skips OneCard token calls unless told: the token row asks for it.
        sb.faults.next(f.kind, { includeToken: c.method === 'getAccessToken' });
        const callOpts = f.kind === 'slow' ? { timeoutMs: TIMEOUT_MS } : {};
        const outcome = await (c.method === 'getAccessToken'
          ? client[c.method]!.call(client, callOpts)
          : client[c.method]!.call(client, input, callOpts)
        ).then(
          () => 'ok',
          (e: Error) => e.constructor.name,
        );
        await sb.idle(); // the gateway finishes a slow call after its client gave up
        const processed = c.measure && c.delta ? (c.measure(sb) - before!) / c.delta : undefined;
        const expectedProcessed = f.reachesGateway ? 1 : 0;
        const recoverable = ['slow', 'dropBeforeProcess', 'dropAfterProcess', 'serverError'].includes(f.kind);
        const pass = c.repeatable
          ? recoverable
            ? outcome === 'ok'
            : ['ProtocolError', 'SignatureError'].includes(outcome)
          : outcome === OutcomeUnknownError.name &&
            (processed === undefined || processed === expectedProcessed);
        cells.push({
          gateway: c.gateway,
          method: c.method,
          repeatable: c.repeatable,
          fault: f.kind,
          outcome,
          processed,
          pass,
        });
        sb.faults.clear();
        sb.faults.set({ slowMs: SLOW_MS });
      }
    }
  } finally {
    await sb.close();
  }
  return cells;
}

/**
 * What is wrong with a run, for the tests (both senders must pass): a cell the policy does not allow, a
 * call the gateway processed more than once, a missing cell.
 */
export function wrongCells(cells: Cell[]): Array<Cell | string> {
  const wrong: Array<Cell | string> = cells.filter(
    (c) => !c.pass || (c.processed !== undefined && c.processed !== 0 && c.processed !== 1),
  );
  const expected = METHOD_CASES.length * FAULTS.length;
  if (cells.length !== expected) wrong.push(`${cells.length} cells, not ${expected}`);
  return wrong;
}

/** The published table: one row per method, one column per fault. */
export function toMarkdown(cells: Cell[]): string {
  const head = `| gateway | method | ${FAULTS.map((f) => f.label).join(' | ')} |\n|---|---|${FAULTS.map(() => '---').join('|')}|`;
  const rows = METHOD_CASES.map((c) => {
    const row = FAULTS.map((f) => {
      const cell = cells.find((x) => x.method === c.method && x.gateway === c.gateway && x.fault === f.kind)!;
      const text =
        cell.outcome === 'ok'
          ? 'retried → ok'
          : cell.outcome === 'OutcomeUnknownError'
            ? `outcome unknown${cell.processed === undefined ? '' : cell.processed === 1 ? ', processed once' : cell.processed === 0 ? ', not processed' : `, processed ${cell.processed}×`}`
            : cell.outcome;
      return cell.pass ? text : `**FAIL: ${text}**`;
    });
    return `| ${c.gateway} | \`${c.method}\` | ${row.join(' | ')} |`;
  });
  return [head, ...rows].join('\n');
}

/** Where the table is published, between these markers. */
export const RELIABILITY_DOC = join(import.meta.dirname, '..', '..', 'docs', 'reliability.md');
export const MARKERS = { start: '<!-- fault-matrix:start -->', end: '<!-- fault-matrix:end -->' } as const;

/** The table docs/reliability.md publishes: its rows between the markers, without the date stamp. */
export function publishedTable(doc = readFileSync(RELIABILITY_DOC, 'utf8')): string {
  const inner = doc.slice(doc.indexOf(MARKERS.start), doc.indexOf(MARKERS.end));
  return inner
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .join('\n');
}

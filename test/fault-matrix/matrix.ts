/**
 * The fault matrix: every client method × every sandbox fault, run over real HTTP. Used by the test
 * (which asserts each cell) and by `npm run reliability` (which publishes the table).
 */
import { readFileSync } from 'node:fs';
import { MemoryTokenStore, OneCardClient, OutcomeUnknownError, ZhixiaoPayClient } from '../../src/index.js';
import type { FaultKind } from '../../src/sandbox/faults.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { blockOf, docPath, fill, type Lang } from '../helpers/doc-twins.js';
import { type Ctx, METHOD_CASES } from '../helpers/method-cases.js';
import { scaled } from '../helpers/timeouts.js';

/** A column or cell of the published table, in the page's language (docs/reliability.md and its twin). */
type Text = Record<Lang, string>;

export const FAULTS: Array<{ kind: FaultKind; label: Text; reachesGateway: boolean }> = [
  { kind: 'slow', label: { en: 'latency beyond the timeout', zh: '延迟超过超时' }, reachesGateway: true },
  {
    kind: 'dropBeforeProcess',
    label: { en: 'reset before processing', zh: '处理前连接重置' },
    reachesGateway: false,
  },
  {
    kind: 'dropAfterProcess',
    label: { en: 'reset after processing', zh: '处理后连接重置' },
    reachesGateway: true,
  },
  {
    kind: 'serverError',
    label: { en: 'HTTP 502 HTML page', zh: 'HTTP 502 HTML 页面' },
    reachesGateway: false,
  },
  { kind: 'truncated', label: { en: 'truncated body', zh: '报文体被截断' }, reachesGateway: true },
  { kind: 'emptyBody', label: { en: 'empty body', zh: '报文体为空' }, reachesGateway: true },
  { kind: 'badSignature', label: { en: 'wrong signature', zh: '签名错误' }, reachesGateway: true },
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

const WORDS = {
  head: { en: '| gateway | method |', zh: '| 网关 | 方法 |' },
  ok: { en: 'retried → ok', zh: '重试 → 成功' },
  unknown: { en: 'outcome unknown', zh: '结果未知' },
  once: { en: ', processed once', zh: '，处理一次' },
  none: { en: ', not processed', zh: '，未处理' },
  times: { en: ', processed {n}×', zh: '，处理 {n} 次' },
  /** Marks a cell the policy does not allow; the test looks for it. */
  fail: { en: 'FAIL: ', zh: '不符合：' },
} satisfies Record<string, Text>;
export const FAIL_MARK = WORDS.fail;

function cellText(cell: Cell, lang: Lang): string {
  if (cell.outcome === 'ok') return WORDS.ok[lang];
  if (cell.outcome !== 'OutcomeUnknownError') return cell.outcome;
  const p = cell.processed;
  const times =
    p === undefined
      ? ''
      : p === 1
        ? WORDS.once[lang]
        : p === 0
          ? WORDS.none[lang]
          : fill(WORDS.times[lang], { n: `${p}` });
  return `${WORDS.unknown[lang]}${times}`;
}

/** The published table: one row per method, one column per fault. */
export function toMarkdown(cells: Cell[], lang: Lang = 'en'): string {
  const head = `${WORDS.head[lang]} ${FAULTS.map((f) => f.label[lang]).join(' | ')} |\n|---|---|${FAULTS.map(() => '---').join('|')}|`;
  const rows = METHOD_CASES.map((c) => {
    const row = FAULTS.map((f) => {
      const cell = cells.find((x) => x.method === c.method && x.gateway === c.gateway && x.fault === f.kind)!;
      const text = cellText(cell, lang);
      return cell.pass ? text : `**${WORDS.fail[lang]}${text}**`;
    });
    return `| ${c.gateway} | \`${c.method}\` | ${row.join(' | ')} |`;
  });
  return [head, ...rows].join('\n');
}

/** The line above the table. */
export function stamp(cells: Cell[], date: string, lang: Lang): string {
  const passed = cells.filter((c) => c.pass).length;
  return lang === 'en'
    ? `_Generated by \`npm run reliability\` on ${date}: ${cells.length} cells, ${passed} as required._`
    : `_由 \`npm run reliability\` 于 ${date} 生成：${cells.length} 个单元格，${passed} 个符合要求。_`;
}

/** Where the table is published, between the `fault-matrix` markers: docs/reliability.md and its twin. */
export const RELIABILITY_PAGE = 'reliability.md';
export const BLOCK = 'fault-matrix';

/** The table a page publishes: its rows between the markers, without the date stamp. */
export function publishedTable(
  lang: Lang = 'en',
  doc = readFileSync(docPath(RELIABILITY_PAGE, lang), 'utf8'),
): string {
  return blockOf(doc, BLOCK)
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .join('\n');
}

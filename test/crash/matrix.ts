/**
 * The crash matrix: every money method of both gateways × three crash points × two journals (a file, a
 * real Redis). A child process makes the calls with a journal and dies by SIGKILL at the crash point; a new
 * process with the same journals sweeps; then the sandbox ledger, the journal and the onSettled events of
 * both processes are read back. See docs/reliability.md, "Crash matrix" (and its Chinese twin).
 *
 * One sandbox for every cell. Each crash point is one child making every call of its cells at once (a
 * call waits at the crash point until all have reached it), and one child sweeps every journal: four
 * processes in all, whatever the number of cells.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  FileJournalStore,
  type JournalEntry,
  type JournalState,
  type JournalStore,
  MemoryTokenStore,
  OneCardClient,
  ZhixiaoPayClient,
} from '../../src/index.js';
import { RedisJournalStore } from '../../src/redis/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import type { Lang } from '../helpers/doc-twins.js';
import { patience } from '../helpers/patience.js';
import { lastJsonLine, startWorker } from '../helpers/worker.js';
import { type HoldingProxy, holdingProxy } from './hold.js';

export type CrashPoint = 'before-send' | 'before-reply' | 'before-outcome';

/** The crash points, with the times the gateway has processed the call when the process dies. */
export const POINTS: ReadonlyArray<{ point: CrashPoint; label: string; sent: number }> = [
  { point: 'before-send', label: '(a)', sent: 0 },
  { point: 'before-reply', label: '(b)', sent: 1 },
  { point: 'before-outcome', label: '(c)', sent: 1 },
];

export type StoreKind = 'file' | 'redis';
export const STORES: readonly StoreKind[] = ['file', 'redis'];

/** The money methods, written out here rather than read from the method tables. */
export const MONEY_METHODS = [
  { gateway: 'onecard', method: 'transfer' },
  { gateway: 'onecard', method: 'payByBarcode' },
  { gateway: 'onecard', method: 'recharge' },
  { gateway: 'zhixiao', method: 'createOrder' },
  { gateway: 'zhixiao', method: 'refundOrder' },
] as const;

type Gateway = (typeof MONEY_METHODS)[number]['gateway'];

export interface CallConfig {
  cell: string;
  gateway: Gateway;
  method: string;
  request: Record<string, unknown>;
  journalKey?: string;
}

export type StoreConfig = { kind: 'file'; path: string } | { kind: 'redis'; url: string; prefix: string };

export interface GroupConfig {
  store: StoreConfig;
  onecard: object;
  zhixiao: object;
  calls: CallConfig[];
}

export type ChildConfig = { events: string; groups: GroupConfig[]; orderLifeMs?: number } & (
  | { mode: 'crash'; point: CrashPoint }
  | { mode: 'sweep' }
);

export interface CrashCell {
  gateway: Gateway;
  method: string;
  point: CrashPoint;
  store: StoreKind;
  /** Times the sandbox processed the call. */
  sent: number;
  /** The journal entry's state after the sweep (absent: the order is not in the journal). */
  state?: JournalState | undefined;
  /** onSettled events for this order, across the crashed process and the sweeper. */
  events: number;
  /** The evidence a needs-review entry carries (its keys). */
  evidence: string[];
  /** What breaks the cell's rules; empty when the cell holds. */
  problems: string[];
}

const CHILD = join(import.meta.dirname, 'child.ts');
const STATES: JournalState[] = ['intent', 'unknown', 'pending', 'needs-review', 'succeeded', 'failed'];

/** One cell's call, and how to count it in the sandbox ledger. */
interface Planned {
  cell: Omit<CrashCell, 'sent' | 'state' | 'events' | 'evidence' | 'problems'>;
  call: CallConfig;
  orderKey: string;
  sent(): number;
  /** The payer pays a booked order before the sweep (its notice is lost: the sandbox drops notices). */
  pay?(): void;
}

/**
 * Runs the matrix; without `redisUrl` only the file journal's columns. Resolves with every cell, each
 * with its problems; throws only when the harness itself fails.
 */
export async function runCrashMatrix(opts: { redisUrl?: string } = {}): Promise<CrashCell[]> {
  const stores = STORES.filter((s) => s === 'file' || opts.redisUrl);
  const run = randomBytes(3).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'campus-pay-crash-'));
  const events = join(dir, 'events.jsonl');
  const appKey = (p: CrashPoint, s: StoreKind) => `crash-${p}-${s}`;
  const sb = await startSandbox({
    onecard: {
      tokenMinIntervalMs: 0,
      extraAppKeys: POINTS.flatMap((p) => STORES.map((s) => appKey(p.point, s))),
    },
    faults: { dropNotice: 1 },
  });
  const hold = await holdingProxy(sb);
  const fixtures = {
    onecard: new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore() }),
    zhixiao: new ZhixiaoPayClient(sb.zhixiao),
  };
  const redis = opts.redisUrl ? new Redis(opts.redisUrl, { maxRetriesPerRequest: 1 }) : undefined;
  try {
    const plans = new Map<CrashPoint, Array<{ group: GroupConfig; planned: Planned[] }>>();
    let n = 0;
    for (const p of POINTS)
      for (const store of stores) {
        n += 1;
        const base = p.point === 'before-reply' ? hold.url : sb.url;
        const group: GroupConfig = {
          store:
            store === 'file'
              ? { kind: 'file', path: join(dir, `${p.point}.jsonl`) }
              : { kind: 'redis', url: opts.redisUrl!, prefix: `crash-${run}-${p.point}:` },
          onecard: {
            ...sb.onecard,
            gatewayUrl: sb.onecard.gatewayUrl.replace(sb.url, base),
            appKey: appKey(p.point, store),
          },
          zhixiao: { ...sb.zhixiao, baseUrl: base },
          calls: [],
        };
        const planned = await plan(sb, fixtures, `${run}-${n}`, n, { point: p.point, store });
        group.calls = planned.map((x) => x.call);
        plans.set(p.point, [...(plans.get(p.point) ?? []), { group, planned }]);
      }

    // Every crash point at once, each in its own process.
    const crashed = await Promise.all(
      POINTS.map(async (p) => {
        const groups = plans.get(p.point)!.map((g) => g.group);
        return [p.point, await crash(p.point, groups, events, hold)] as const;
      }),
    );
    const crashProblems = new Map(crashed);

    const planned = [...plans.values()].flat().flatMap((g) => g.planned);
    for (const x of planned) if (x.sent() > 0) x.pay?.();

    const groups = [...plans.values()].flat().map((g) => ({ ...g.group, calls: [] }));
    const sweeper = startWorker(
      CHILD,
      // The sweep comes after the order life: an order the gateway does not know never arrived.
      { mode: 'sweep', events, groups, orderLifeMs: 1 } satisfies ChildConfig,
      'crash matrix sweeper',
    );
    const swept = await lastJsonLine<{
      summaries: Array<{ errors: Array<{ entryId: string; error: string }> }>;
    }>(sweeper);
    const sweepErrors = new Map(swept.summaries.flatMap((s) => s.errors.map((e) => [e.entryId, e.error])));

    const entries: JournalEntry[] = [];
    for (const { group } of [...plans.values()].flat()) {
      const store = journalOf(group.store, redis);
      for await (const e of store.list({ states: STATES })) entries.push(e);
      await (store as { close?: () => Promise<void> }).close?.();
    }
    // No file: no process announced anything.
    const settled = (existsSync(events) ? readFileSync(events, 'utf8') : '')
      .split('\n')
      .filter((l) => l)
      .map((l) => JSON.parse(l) as { entryId: string; state: JournalState });

    return planned.map((x) => {
      // Order keys are unique to their cell in this run.
      const entry = entries.find((e) => e.method === x.cell.method && e.orderKey === x.orderKey);
      const said = entry ? settled.filter((e) => e.entryId === entry.id) : [];
      const problems = [...crashProblems.get(x.cell.point)!];
      const error = entry && sweepErrors.get(entry.id);
      if (error) problems.push(`the sweep failed: ${error}`);
      return judge(x, entry, said, problems);
    });
  } finally {
    redis?.disconnect();
    await hold.close();
    await sb.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs one crash point's child and kills it there (at (b), once every money reply is held): the problems
 * of every cell of that child when it did not die by SIGKILL at its point.
 */
async function crash(point: CrashPoint, groups: GroupConfig[], events: string, hold: HoldingProxy) {
  const total = groups.reduce((k, g) => k + g.calls.length, 0);
  const child = startWorker(
    CHILD,
    { mode: 'crash', point, events, groups } satisfies ChildConfig,
    `crash child ${point}`,
  );
  let gaveUp = false;
  const guard = setTimeout(() => {
    gaveUp = true;
    child.proc.kill('SIGKILL');
  }, patience(20_000));
  if (point === 'before-reply') void hold.whenHeld(total).then(() => child.proc.kill('SIGKILL'));
  const exit = await child.closed;
  clearTimeout(guard);
  if (gaveUp) return ['the crash point was never reached: the process was killed after waiting'];
  if (exit.signal !== 'SIGKILL')
    return [`the process was not killed at the crash point: ${exit.stdout.trim()}`];
  return [];
}

/** One cell against the rules: nothing lost, nothing sent twice, one event, evidence for a person. */
function judge(
  x: Planned,
  entry: JournalEntry | undefined,
  said: Array<{ state: JournalState }>,
  problems: string[],
): CrashCell {
  const sent = x.sent();
  const state = entry?.state;
  const evidence = Object.keys(entry?.evidence ?? {})
    .filter((k) => k !== 'checkedAt')
    .sort();
  const expected = POINTS.find((p) => p.point === x.cell.point)!.sent;
  if (sent > 1) problems.push(`sent ${sent} times`);
  else if (sent !== expected) problems.push(`sent ${sent} times, not ${expected}, at this crash point`);
  if (!entry) problems.push('lost: no journal entry');
  else if (state !== 'succeeded' && state !== 'failed' && state !== 'needs-review')
    problems.push(`not settled by the sweep: ${state}`);
  if (sent > 0 && state === 'failed') problems.push('lost: booked, yet failed in the journal');
  if (sent === 0 && state === 'succeeded') problems.push('succeeded, yet never sent');
  if (said.length !== 1) problems.push(`${said.length} onSettled events`);
  else if (said[0]!.state !== state) problems.push(`onSettled said ${said[0]!.state}`);
  if (state === 'needs-review' && evidence.length === 0) problems.push('needs-review without evidence');
  return { ...x.cell, sent, state, events: said.length, evidence, problems };
}

function journalOf(s: StoreConfig, redis: Redis | undefined): JournalStore {
  return s.kind === 'file'
    ? new FileJournalStore(s.path)
    : new RedisJournalStore(redis!, { prefix: s.prefix });
}

/**
 * The five calls of one point × store, with what each needs at the gateway first (a payment code, a paid
 * order to refund) and an amount of its own, by which the ledger tells its transfer or payment apart.
 */
async function plan(
  sb: Sandbox,
  fixtures: { onecard: OneCardClient; zhixiao: ZhixiaoPayClient },
  id: string,
  n: number,
  at: Pick<CrashCell, 'point' | 'store'>,
): Promise<Planned[]> {
  const ledger = sb.onecardGateway.ledger;
  const orders = (no: string) => [...sb.zhixiaoGateway.orders.values()].filter((o) => o.out_trade_no === no);
  const recharges = (no: string) => [...ledger.recharges.values()].filter((r) => r.order_no === no);
  const booked = (kind: string, amount: number) =>
    ledger.entries.filter((e) => e.kind === kind && e.amount === amount).length;
  const notify_url = 'http://127.0.0.1:9/notify';
  const { barcode } = await fixtures.onecard.getBarcode({ account: '10002', paytype: '1' });
  const refunded = `CF-${id}`;
  const paid = await fixtures.zhixiao.createOrder({
    body: '学费',
    out_trade_no: refunded,
    total_fee: 900,
    notify_url,
  });
  sb.zhixiaoGateway.settle(paid.order_id, true);

  const [transfer, payByBarcode, recharge, createOrder, refundOrder] = MONEY_METHODS;
  const planned = (
    m: (typeof MONEY_METHODS)[number],
    orderKey: string,
    request: Record<string, unknown>,
    counts: Pick<Planned, 'sent' | 'pay'>,
  ): Planned => ({
    cell: { ...m, ...at },
    orderKey,
    call: {
      cell: `${m.method} ${at.point} ${at.store}`,
      ...m,
      request,
      // Methods without an order number are journaled by the key the caller gives.
      ...(m === recharge || m === createOrder ? {} : { journalKey: orderKey }),
    },
    ...counts,
  });
  return [
    planned(
      transfer,
      `T-${id}`,
      { account: '10001', tranamt: 10 + n, src_acctype: '###', dst_acctype: '001' },
      { sent: () => booked('transfer', 10 + n) },
    ),
    planned(
      payByBarcode,
      `B-${id}`,
      { barcode, mercacc: '1000060', tranamt: 20 + n, dineseq: '1' },
      { sent: () => booked('barcode_pay', -(20 + n)) },
    ),
    planned(
      recharge,
      `CR-${id}`,
      {
        client_type: 'web',
        pay_type: 'alipay',
        account: '10001',
        acctype: '###',
        order_no: `CR-${id}`,
        order_amount: 3000 + n,
        return_url: 'https://merchant.test/r',
        notify_url,
      },
      {
        sent: () => recharges(`CR-${id}`).length,
        pay: () => sb.onecardGateway.settle(recharges(`CR-${id}`)[0]!.out_id, true),
      },
    ),
    planned(
      createOrder,
      `CZ-${id}`,
      { body: '学费', out_trade_no: `CZ-${id}`, total_fee: 4000 + n, notify_url },
      {
        sent: () => orders(`CZ-${id}`).length,
        pay: () => sb.zhixiaoGateway.settle(orders(`CZ-${id}`)[0]!.order_id, true),
      },
    ),
    planned(
      refundOrder,
      `F-${id}`,
      { out_trade_no: refunded, refund_fee: 50 + n },
      { sent: () => orders(refunded)[0]!.refunded / (50 + n) },
    ),
  ];
}

/** The words of the published table, in the page's language (docs/reliability.md and its twin). */
const WORDS = {
  method: { en: 'method', zh: '方法' },
  file: { en: 'file', zh: '文件' },
  redis: { en: 'Redis', zh: 'Redis' },
  notSent: { en: 'not sent', zh: '未发出' },
  sentOnce: { en: 'sent once', zh: '发出一次' },
  /** A cell this run did not make (no redis-server); the test compares the others. */
  notRun: { en: 'not run', zh: '未运行' },
} satisfies Record<string, Record<Lang, string>>;
export const NOT_RUN = WORDS.notRun;

/** What the sweep concluded in one cell, in words. */
function cellText(c: CrashCell, lang: Lang): string {
  if (c.problems.length > 0) return `✗ ${c.problems.join('; ')}`;
  const sent = c.sent === 0 ? WORDS.notSent[lang] : WORDS.sentOnce[lang];
  const why = c.state === 'needs-review' ? ` (${c.evidence.join(', ')})` : '';
  return `${sent} → ${c.state}${why}`;
}

/** The table of docs/reliability.md (or its twin): rows = method, columns = crash point × journal. */
export function toMarkdown(cells: CrashCell[], lang: Lang = 'en'): string {
  const columns = POINTS.flatMap((p) => STORES.map((s) => ({ ...p, store: s })));
  const head = `| ${WORDS.method[lang]} | ${columns.map((c) => `${c.label} ${WORDS[c.store][lang]}`).join(' | ')} |`;
  const rule = `|---|${columns.map(() => '---').join('|')}|`;
  const rows = MONEY_METHODS.map((m) => {
    const texts = columns.map((col) => {
      const c = cells.find((x) => x.method === m.method && x.point === col.point && x.store === col.store);
      return c ? cellText(c, lang) : WORDS.notRun[lang];
    });
    return `| ${m.gateway} \`${m.method}\` | ${texts.join(' | ')} |`;
  });
  return [head, rule, ...rows].join('\n');
}

/** The line above the table. */
export function stamp(cells: CrashCell[], lang: Lang): string {
  const held = cells.filter((c) => c.problems.length === 0).length;
  return lang === 'en'
    ? `_Generated by \`npm run reliability\`: ${cells.length} cells, ${held} with nothing lost, nothing sent twice and one onSettled event._`
    : `_由 \`npm run reliability\` 生成：${cells.length} 个单元格，其中 ${held} 个不丢失、不重复发送、只触发一次 onSettled 事件。_`;
}

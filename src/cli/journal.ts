/**
 * `campus-pay journal ls | show <id> | sweep`: the payment journal of a service, read from its file
 * (FileJournalStore) or its Redis (RedisJournalStore), and swept with the service's credentials.
 */
import { setMaxListeners } from 'node:events';
import { existsSync } from 'node:fs';
import { ConfigurationError } from '../core/errors.js';
import {
  JOURNAL_RANK,
  type JournalEntry,
  type JournalFilter,
  type JournalGateway,
  type JournalState,
  type JournalStore,
} from '../core/journal.js';
import { FileJournalStore } from '../core/journal-file.js';
import type { SweepProgress, SweepSummary } from '../core/sweep.js';
import { badArgument } from './args.js';
import { configuredClients } from './clients.js';
import { EXIT } from './exit.js';
import { count, duration, progressBar } from './progress.js';

/**
 * Ctrl-C (or SIGTERM) stops a long run cleanly instead of killing it: the signal aborts what is under way,
 * and the command ends with what it finished. `end()` gives the signals back.
 */
export function interruptible() {
  const stop = new AbortController();
  // Every query in flight listens to the one signal: many more than Node's default warning threshold.
  setMaxListeners(0, stop.signal);
  const interrupt = () => stop.abort();
  process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
  return { signal: stop.signal, end: () => process.off('SIGINT', interrupt).off('SIGTERM', interrupt) };
}

export interface JournalArgs {
  journal?: string | undefined;
  redis?: string | undefined;
  'redis-prefix'?: string | undefined;
  state?: string | undefined;
  gateway?: string | undefined;
  'older-than'?: string | undefined;
  concurrency?: string | undefined;
  format?: string | undefined;
  'no-token-cache'?: boolean | undefined;
}

/** An opened journal and how to let go of it. */
interface OpenJournal {
  store: JournalStore;
  close(): Promise<void>;
  /** Lines of a journal file that are not good records (reported on stderr). */
  problems(): ReadonlyArray<{ line: number; kind: string; id?: string | undefined }>;
}

/** The journal named by --journal <file> or --redis <url>: exactly one of them. */
async function openJournal(command: string, a: JournalArgs): Promise<OpenJournal> {
  if ((a.journal === undefined) === (a.redis === undefined))
    throw badArgument(command, '--journal | --redis', 'give exactly one: a journal file, or a Redis URL');
  if (a.journal !== undefined) {
    if (!existsSync(a.journal)) throw new ConfigurationError('--journal', `${a.journal} does not exist`);
    const store = new FileJournalStore(a.journal);
    return { store, close: () => store.close(), problems: () => store.problems };
  }
  return openRedisJournal(a.redis!, a['redis-prefix']);
}

async function openRedisJournal(url: string, prefix: string | undefined): Promise<OpenJournal> {
  let Redis: typeof import('ioredis').Redis;
  try {
    ({ Redis } = await import('ioredis'));
  } catch {
    throw new ConfigurationError(
      '--redis',
      'needs the ioredis package (an optional peer): npm install ioredis',
    );
  }
  const { RedisJournalStore } = await import('../redis/journal.js');
  // One try per command: a CLI that cannot reach its Redis should say so, not wait.
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
  // Its errors reach us as the failed command's (or connect's) rejection; the event would print them again.
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new ConfigurationError('--redis', `cannot connect (${(err as Error).message})`);
  }
  const store = new RedisJournalStore(redis, prefix === undefined ? {} : { prefix });
  return {
    store,
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
    problems: () => [],
  };
}

const STATES = Object.keys(JOURNAL_RANK) as JournalState[];

/** --state a,b (or `all`): journal states, each checked. */
function states(command: string, raw: string | undefined): JournalState[] | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'all') return STATES;
  const list = raw.split(',').map((s) => s.trim());
  const bad = list.find((s) => !STATES.includes(s as JournalState));
  if (bad !== undefined)
    throw badArgument(command, '--state', `"${bad}" is not a journal state (${STATES.join(', ')}, or all)`);
  return list as JournalState[];
}

function gateway(command: string, raw: string | undefined): JournalGateway | undefined {
  if (raw === undefined || raw === 'onecard' || raw === 'zhixiao') return raw;
  throw badArgument(command, '--gateway', 'must be "onecard" or "zhixiao"');
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** --older-than 90s | 10m | 2h | 1d (or 0): milliseconds. */
export function age(command: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!m || (m[2] === undefined && Number(m[1]) !== 0))
    throw badArgument(command, '--older-than', `"${raw}" is not a duration such as 90s, 10m, 2h or 1d`);
  return Number(m[1]) * UNITS[m[2] ?? 'ms']!;
}

/** --concurrency n: queries at once (the library checks the range and names the option). */
export function concurrency(command: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw badArgument(command, '--concurrency', 'must be a whole number');
  return Number(raw);
}

/** --format table|json: a table for a person on a terminal, JSON lines for a pipe. */
function tableFormat(command: string, raw: string | undefined): boolean {
  if (raw === undefined) return process.stdout.isTTY === true;
  if (raw === 'table' || raw === 'json') return raw === 'table';
  throw badArgument(command, '--format', 'must be "table" or "json"');
}

/** Writes to stdout, waiting when the reader is slower than the journal (a pipe to less or a file). */
export async function out(text: string): Promise<void> {
  if (!process.stdout.write(text)) await new Promise((r) => process.stdout.once('drain', r));
}

function reportProblems(j: OpenJournal): void {
  for (const p of j.problems())
    process.stderr.write(
      `campus-pay: journal line ${p.line} is ${p.kind === 'cut' ? 'cut short (a write cut by a crash)' : p.kind}${p.id ? ` (entry ${p.id})` : ''}; the other lines are read\n`,
    );
}

/** Runs one `journal` subcommand; resolves to the exit code. */
export async function journalCommand(sub: string | undefined, rest: string[], a: JournalArgs) {
  if (sub !== 'ls' && sub !== 'show' && sub !== 'sweep')
    throw badArgument(
      'journal',
      '<subcommand>',
      `${sub ? `"${sub}" is not one` : 'missing'}: ls, show or sweep`,
    );
  const command = `journal ${sub}`;
  // Every argument is checked before the journal is opened.
  const filter: JournalFilter = {};
  const picked = states(command, a.state);
  const gw = gateway(command, a.gateway);
  const olderThan = age(command, a['older-than']);
  const table = tableFormat(command, a.format);
  const limit = concurrency(command, a.concurrency);
  if (sub === 'show' && !rest[0]) throw badArgument(command, '<id>', 'missing: an entry id or an order key');
  const j = await openJournal(command, a);
  try {
    if (sub === 'show') return await show(j, rest[0]!);
    if (sub === 'ls') {
      if (picked) filter.states = picked;
      if (gw) filter.gateway = gw;
      if (olderThan !== undefined) filter.updatedBefore = Date.now() - olderThan;
      return await ls(j, filter, table);
    }
    return await sweep(j, a, {
      states: picked,
      gateway: gw,
      olderThanMs: olderThan,
      concurrency: limit,
      table,
    });
  } finally {
    reportProblems(j);
    await j.close();
  }
}

async function ls(j: OpenJournal, filter: JournalFilter, table: boolean): Promise<number> {
  let n = 0;
  const now = Date.now();
  if (table)
    await out(row(['updated', 'state', 'gateway', 'method', 'order key', 'amount (fen)', 'note'], WIDTHS));
  for await (const e of j.store.list(filter)) {
    n++;
    await out(
      table
        ? row(
            [
              `${duration((now - e.updatedAt) / 1000)} ago`,
              e.state,
              e.gateway,
              e.method,
              e.orderKey,
              String(e.amount),
              e.note ?? '',
            ],
            WIDTHS,
          )
        : `${JSON.stringify(e)}\n`,
    );
  }
  if (table) process.stderr.write(`${count(n)} entries\n`);
  return EXIT.ok;
}

/** Column widths of `journal ls --format table`; the last column takes the rest of the line. */
const WIDTHS = [12, 12, 8, 12, 24, 12];

function row(cells: string[], widths: number[]): string {
  return `${cells.map((c, i) => (i < widths.length ? c.padEnd(widths[i]!) : c)).join(' ')}\n`;
}

/** One entry by its id, or by its order key when that names exactly one entry. */
async function show(j: OpenJournal, id: string): Promise<number> {
  const exact = await j.store.get(id);
  if (exact) {
    await out(`${JSON.stringify(exact, null, 2)}\n`);
    return EXIT.ok;
  }
  const found: JournalEntry[] = [];
  for await (const e of j.store.list({ states: STATES })) if (e.orderKey === id && found.push(e) > 10) break;
  if (found.length === 1) {
    await out(`${JSON.stringify(found[0], null, 2)}\n`);
    return EXIT.ok;
  }
  if (found.length === 0) {
    process.stderr.write(`campus-pay journal show: no entry has the id or order key "${id}"\n`);
    return EXIT.attention;
  }
  throw badArgument(
    'journal show',
    '<id>',
    `order key "${id}" names several entries; give one of their ids: ${found.map((e) => e.id).join(', ')}`,
  );
}

interface SweepArgs {
  states: JournalState[] | undefined;
  gateway: JournalGateway | undefined;
  olderThanMs: number | undefined;
  concurrency: number | undefined;
  table: boolean;
}

/**
 * client.sweep() for each configured gateway (or the one --gateway names). No `onSettled` is given: the
 * service's own sweep announces the entries this one settles, so a sweep from a terminal never swallows an
 * event the service has not seen. Each entry the sweep got an answer for is one JSON line, read from the
 * journal write that recorded it; an entry it could not ask about is in the summary's errors.
 */
async function sweep(j: OpenJournal, a: JournalArgs, s: SweepArgs): Promise<number> {
  // The lines are written in order, each after the one before (the journal write cannot wait for them).
  let lines = Promise.resolve();
  const store = watched(j.store, (entry, moved) => {
    if (s.table) return;
    const { id, gateway, method, orderKey, amount, state, note } = entry;
    const line = `${JSON.stringify({ id, gateway, method, orderKey, amount, state, moved, note })}\n`;
    lines = lines.then(() => out(line));
  });
  const clients = (await configuredClients(a['no-token-cache'] ?? false, { journal: store })).filter(
    (c) => s.gateway === undefined || c.gateway === s.gateway,
  );
  if (clients.length === 0)
    throw new ConfigurationError('--gateway', `${s.gateway} is not configured (environment or .env)`);
  await warnOtherTenants(j, new Set(clients.map((c) => c.client.tenant)), s.gateway);
  const stop = interruptible();
  const summaries: Array<{ gateway: JournalGateway; summary: SweepSummary }> = [];
  try {
    for (const { gateway, client } of clients) {
      if (stop.signal.aborted) break;
      const bar = progressBar(`sweep ${gateway}`);
      const summary = await client.sweep({
        ...(s.states ? { states: s.states } : {}),
        ...(s.olderThanMs === undefined ? {} : { olderThanMs: s.olderThanMs }),
        ...(s.concurrency === undefined ? {} : { concurrency: s.concurrency }),
        signal: stop.signal,
        onProgress: (p: SweepProgress) => bar.update(p.done, p.total, stateCounts(p.states)),
      });
      bar.end();
      await lines;
      summaries.push({ gateway, summary });
      await out(
        s.table
          ? `${gateway}: ${count(summary.total)} unsettled entries; now ${stateCounts(summary.states) || 'none asked'}; ${summary.errorCount} could not be asked${summary.throttled ? `; slowed down ${summary.throttled} times` : ''}\n`
          : `${JSON.stringify({ gateway, tenant: client.tenant, summary })}\n`,
      );
    }
  } finally {
    stop.end();
  }
  if (stop.signal.aborted) return EXIT.interrupted;
  const attention = summaries.some(
    (x) => x.summary.errorCount > 0 || (x.summary.states['needs-review'] ?? 0) > 0,
  );
  return attention ? EXIT.attention : EXIT.ok;
}

/** The journal, telling `onAdvance` of every entry a write moved forward or added an answer to. */
function watched(
  store: JournalStore,
  onAdvance: (entry: JournalEntry, moved: boolean) => void,
): JournalStore {
  return {
    create: (entry) => store.create(entry),
    advance: async (id, t) => {
      const r = await store.advance(id, t);
      if (r) onAdvance(r.entry, r.moved);
      return r;
    },
    markAnnounced: (id, at) => store.markAnnounced(id, at),
    get: (id) => store.get(id),
    list: (filter) => store.list(filter),
  };
}

const stateCounts = (states: Partial<Record<JournalState, number>>) =>
  Object.entries(states)
    .map(([k, v]) => `${k} ${count(v)}`)
    .join(', ');

/** Unsettled entries written with credentials this run does not have: they are not swept, so say so. */
async function warnOtherTenants(j: OpenJournal, tenants: Set<string>, gw: JournalGateway | undefined) {
  const others = new Map<string, number>();
  for await (const e of j.store.list(gw ? { gateway: gw } : {}))
    if (!tenants.has(e.tenant)) others.set(e.tenant, (others.get(e.tenant) ?? 0) + 1);
  for (const [tenant, n] of others)
    process.stderr.write(
      `campus-pay journal sweep: ${count(n)} unsettled entries of ${tenant} are not swept: this run is configured for other credentials\n`,
    );
}

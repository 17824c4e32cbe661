/**
 * A process of the crash matrix (test/crash/matrix.ts), config in CAMPUS_PAY_WORKER.
 *
 * `crash`: makes every call of its config at once, each with a journal, and dies by SIGKILL at the crash
 * point: `before-send` once every intent is durable (create resolved) and before any request leaves;
 * `before-outcome` once every reply is in and before any outcome is written (the first advance). At
 * `before-reply` the parent kills it, while the replies are held. It never prints a result: if it does,
 * a call got past its crash point.
 *
 * `sweep`: a new process with the same journals sweeps each client twice and prints the summaries.
 *
 * Both append every onSettled event to one file, one JSON line each, so the parent counts them across
 * processes.
 */
import { appendFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import {
  FileJournalStore,
  type JournalStore,
  OneCardClient,
  type OneCardClientOptions,
  ZhixiaoPayClient,
  type ZhixiaoPayClientOptions,
} from '../../src/index.js';
import type { SettlementEvent } from '../../src/core/settle.js';
import { RedisJournalStore } from '../../src/redis/index.js';
import type { ChildConfig, CrashPoint, GroupConfig } from './matrix.js';

const cfg = JSON.parse(process.env.CAMPUS_PAY_WORKER!) as ChildConfig;
const redis = new Map<string, Redis>();

function storeOf(g: GroupConfig): JournalStore {
  const s = g.store;
  if (s.kind === 'file') return new FileJournalStore(s.path);
  let client = redis.get(s.url);
  if (!client) redis.set(s.url, (client = new Redis(s.url, { maxRetriesPerRequest: 1 })));
  return new RedisJournalStore(client, { prefix: s.prefix });
}

/** Kills this process when the last of `total` calls arrives at the crash point; the others wait for it. */
function barrier(total: number) {
  let arrived = 0;
  return (): Promise<never> => {
    arrived += 1;
    if (arrived === total) process.kill(process.pid, 'SIGKILL');
    return new Promise<never>(() => undefined);
  };
}

/** The journal as the call path sees it, with the crash point injected around the real store. */
function crashing(store: JournalStore, point: CrashPoint, arrive: () => Promise<never>): JournalStore {
  return {
    async create(entry) {
      const created = await store.create(entry);
      return point === 'before-send' ? arrive() : created;
    },
    async advance(id, t) {
      if (point === 'before-outcome') return arrive();
      return store.advance(id, t);
    },
    markAnnounced: (id, at) => store.markAnnounced(id, at),
    get: (id) => store.get(id),
    list: (filter) => store.list(filter),
  };
}

const onSettled = (e: SettlementEvent) =>
  appendFileSync(
    cfg.events,
    `${JSON.stringify({
      pid: process.pid,
      entryId: e.entryId,
      method: e.method,
      orderKey: e.orderKey,
      state: e.state,
      source: e.source,
      evidence: e.evidence,
    })}\n`,
  );

function clients(g: GroupConfig, journal: JournalStore) {
  // The crash points wait on the journal: no store timeout may end a call first.
  const common = { journal, onSettled, journalTimeoutMs: 600_000, retryBaseMs: 1, orderLifeMs: cfg.orderLifeMs };
  return {
    onecard: new OneCardClient({ ...(g.onecard as OneCardClientOptions), ...common }),
    zhixiao: new ZhixiaoPayClient({ ...(g.zhixiao as ZhixiaoPayClientOptions), ...common }),
  };
}

type Call = (req: unknown, opts?: { journalKey?: string }) => Promise<unknown>;

if (cfg.mode === 'crash') {
  const total = cfg.groups.reduce((n, g) => n + g.calls.length, 0);
  const arrive = barrier(total);
  const calls = cfg.groups.flatMap((g) => {
    const c = clients(g, crashing(storeOf(g), cfg.point, arrive));
    return g.calls.map((call) => {
      const fn = (c[call.gateway] as unknown as Record<string, Call>)[call.method]!;
      const opts = call.journalKey ? { journalKey: call.journalKey } : undefined;
      return fn.call(c[call.gateway], call.request, opts).then(
        () => `${call.cell}: replied`,
        (err: Error) => `${call.cell}: ${err.name} ${err.message}`,
      );
    });
  });
  // Only reached when a call got past its crash point: the parent fails the cell with this line.
  process.stdout.write(`${JSON.stringify({ survived: await Promise.all(calls) })}\n`);
} else {
  const summaries = [];
  for (const g of cfg.groups) {
    const c = clients(g, storeOf(g));
    for (const client of [c.onecard, c.zhixiao])
      for (let round = 0; round < 2; round++)
        summaries.push({ tenant: client.tenant, round, ...(await client.sweep({ olderThanMs: 0 })) });
  }
  process.stdout.write(`${JSON.stringify({ summaries })}\n`);
}
for (const r of redis.values()) r.disconnect();

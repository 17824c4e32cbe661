/**
 * A process of the crash matrix (test/crash/matrix.ts), config in CAMPUS_PAY_WORKER.
 *
 * `crash`: makes every call of its config at once, each with a journal, and dies by SIGKILL at the crash
 * point: `before-send` once every intent is durable (create resolved) and before any request leaves;
 * `before-outcome` once every reply is in and before any outcome is written (the first advance). At
 * `before-reply` the parent kills it, while the replies are held.
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
  type SettlementEvent,
  ZhixiaoPayClient,
  type ZhixiaoPayClientOptions,
} from '../../src/index.js';
import { RedisJournalStore } from '../../src/redis/index.js';
import type { ChildConfig, CrashPoint, GroupConfig } from './matrix.js';

const cfg = JSON.parse(process.env.CAMPUS_PAY_WORKER!) as ChildConfig;
// One connection for every Redis journal of this process (they differ by prefix only).
let redis: Redis | undefined;

function storeOf(g: GroupConfig): JournalStore {
  const s = g.store;
  if (s.kind === 'file') return new FileJournalStore(s.path);
  redis ??= new Redis(s.url, { maxRetriesPerRequest: 1 });
  return new RedisJournalStore(redis, { prefix: s.prefix });
}

/**
 * The crash point of `total` calls: each call that arrives waits there for ever, and the last one's
 * arrival kills this process. A call that ends instead got past (or never reached) its crash point: once
 * no call is left on its way, those are printed and the process exits, so the parent fails their cells.
 */
function crashPoint(total: number) {
  let arrived = 0;
  const ended: string[] = [];
  const check = () => {
    if (arrived === total) process.kill(process.pid, 'SIGKILL');
    else if (ended.length > 0 && arrived + ended.length === total) {
      process.stdout.write(`${JSON.stringify({ survived: ended })}\n`);
      process.exit(0);
    }
  };
  return {
    arrive(): Promise<never> {
      arrived += 1;
      check();
      return new Promise<never>(() => undefined);
    },
    ended(line: string) {
      ended.push(line);
      check();
    },
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
  const common = {
    journal,
    onSettled,
    journalTimeoutMs: 600_000,
    retryBaseMs: 1,
    orderLifeMs: cfg.orderLifeMs,
  };
  return {
    onecard: new OneCardClient({ ...(g.onecard as OneCardClientOptions), ...common }),
    zhixiao: new ZhixiaoPayClient({ ...(g.zhixiao as ZhixiaoPayClientOptions), ...common }),
  };
}

type Call = (req: unknown, opts?: { journalKey?: string }) => Promise<unknown>;

if (cfg.mode === 'crash') {
  const total = cfg.groups.reduce((n, g) => n + g.calls.length, 0);
  const point = crashPoint(total);
  for (const g of cfg.groups) {
    const c = clients(g, crashing(storeOf(g), cfg.point, point.arrive));
    for (const call of g.calls) {
      const fn = (c[call.gateway] as unknown as Record<string, Call>)[call.method]!;
      const opts = call.journalKey ? { journalKey: call.journalKey } : undefined;
      fn.call(c[call.gateway], call.request, opts).then(
        () => point.ended(`${call.cell}: replied`),
        (err: Error) => point.ended(`${call.cell}: ${err.name} ${err.message}`),
      );
    }
  }
} else {
  const summaries = [];
  for (const g of cfg.groups) {
    const c = clients(g, storeOf(g));
    for (const client of [c.onecard, c.zhixiao])
      for (let round = 0; round < 2; round++)
        summaries.push({ tenant: client.tenant, round, ...(await client.sweep({ olderThanMs: 0 })) });
  }
  process.stdout.write(`${JSON.stringify({ summaries })}\n`);
  redis?.disconnect();
}

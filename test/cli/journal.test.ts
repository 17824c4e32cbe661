import { appendFileSync, copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/core/journal.js';
import { FileJournalStore } from '../../src/core/journal-file.js';
import { RedisJournalStore } from '../../src/redis/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { journalEntry } from '../helpers/journal.js';
import { RedisServer, redisAvailable } from '../helpers/redis-server.js';
import { runCli, sandboxOrders, TMP, writeEnvFor } from './helpers.js';

const HOUR = 3_600_000;
const ELSEWHERE = 'http://elsewhere.example/pay#other-app';
let sb: Sandbox;
let env: string;
const journalFile = join(TMP, 'journal.jsonl');
const tenants = { zhixiao: '', onecard: '' };

beforeAll(async () => {
  sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 } });
  env = join(TMP, 'journal.env');
  writeEnvFor(env, sb);
  // The service's journal: what its money calls wrote (createOrder and recharge end pending), an intent its
  // process never got past (killed before sending, 3 hours ago), and an entry of other credentials.
  const store = new FileJournalStore(journalFile);
  const make = sandboxOrders(sb, store);
  tenants.zhixiao = make.zx.tenant;
  tenants.onecard = make.oc.tenant;
  await make.zhixiao('JPAID', 100, 'paid');
  await make.zhixiao('JOPEN', 200, 'open');
  await make.recharge('JRECH', 1_500, 'paid');
  const old = Date.now() - 3 * HOUR;
  await store.create(
    journalEntry(tenants.zhixiao, 'zhixiao', 'createOrder', 'JLOST', {
      state: 'intent',
      amount: 500,
      createdAt: old,
      updatedAt: old,
    }),
  );
  await store.create(journalEntry(ELSEWHERE, 'zhixiao', 'createOrder', 'JOPEN'));
  await store.close();
});
afterAll(async () => {
  await sb.close();
  rmSync(TMP, { recursive: true, force: true });
});

const journal = (...args: string[]) =>
  runCli(['journal', ...args, '--journal', journalFile, '--env-file', env]);
const jsonLines = (out: string) =>
  out
    .trim()
    .split('\n')
    .filter((l) => l)
    .map((l) => JSON.parse(l));
const keysOf = (out: string) =>
  jsonLines(out)
    .map((e: JournalEntry) => `${e.orderKey} ${e.state}`)
    .sort();
const idOf = (tenant: string, method: string, key: string) => `${tenant}|${method}|${key}`;

describe('campus-pay journal ls and show', () => {
  it('ls lists the unsettled entries as JSON lines when piped, and filters by state, gateway and age', async () => {
    const all = await journal('ls');
    expect(all.code).toBe(0);
    expect(keysOf(all.out)).toEqual([
      'JLOST intent',
      'JOPEN pending',
      'JOPEN unknown',
      'JPAID pending',
      'JRECH pending',
    ]);
    expect(keysOf((await journal('ls', '--state', 'intent,unknown')).out)).toEqual([
      'JLOST intent',
      'JOPEN unknown',
    ]);
    expect(keysOf((await journal('ls', '--gateway', 'onecard')).out)).toEqual(['JRECH pending']);
    expect(keysOf((await journal('ls', '--older-than', '1h')).out)).toEqual(['JLOST intent']);
    expect(keysOf((await journal('ls', '--older-than', '4h')).out)).toEqual([]);
  });

  it('ls --format table: one row per entry under a header', async () => {
    const r = await journal('ls', '--format', 'table', '--gateway', 'onecard');
    expect(r.code).toBe(0);
    const [header, row, ...more] = r.out.trimEnd().split('\n');
    expect(header).toMatch(/^updated\s+state\s+gateway\s+method\s+order key\s+amount \(fen\)\s+note$/);
    expect(row).toMatch(/^\S+ ago\s+pending\s+onecard\s+recharge\s+JRECH\s+1500\b/);
    expect(more).toEqual([]);
  });

  it('show prints one entry by its id or by an order key only it has; 1 when none, 2 when several', async () => {
    const id = idOf(tenants.zhixiao, 'createOrder', 'JLOST');
    const byId = await journal('show', id);
    expect(byId.code).toBe(0);
    expect(JSON.parse(byId.out)).toMatchObject({ id, state: 'intent', amount: 500, orderKey: 'JLOST' });
    const byKey = await journal('show', 'JRECH');
    expect(JSON.parse(byKey.out)).toMatchObject({ gateway: 'onecard', method: 'recharge', amount: 1500 });
    const none = await journal('show', 'NOPE');
    expect([none.code, none.out]).toEqual([1, '']);
    expect(none.err).toMatch(/no entry/);
    const several = await journal('show', 'JOPEN');
    expect(several.code).toBe(2);
    expect(JSON.parse(several.err).error.issues[0].message).toContain(ELSEWHERE);
  });

  it('a line cut by a crash is reported on stderr and the other entries are listed', async () => {
    const cut = join(TMP, 'cut.jsonl');
    copyFileSync(journalFile, cut);
    appendFileSync(cut, '{"op":"create","entry":{"id":"x');
    const r = await runCli(['journal', 'ls', '--journal', cut]);
    expect(r.code).toBe(0);
    expect(keysOf(r.out)).toHaveLength(5);
    expect(r.err).toMatch(/line \d+ is cut short/);
  });

  it('usage errors exit 2 before anything is read', async () => {
    const cases = [
      [['journal', 'ls'], '--journal | --redis'],
      [['journal', 'ls', '--journal', journalFile, '--redis', 'redis://127.0.0.1:1'], '--journal | --redis'],
      [['journal', 'ls', '--journal', journalFile, '--state', 'paid'], '--state'],
      [['journal', 'ls', '--journal', journalFile, '--older-than', '10'], '--older-than'],
      [['journal', 'ls', '--journal', journalFile, '--gateway', 'alipay'], '--gateway'],
      [['journal', 'show', '--journal', journalFile], '<id>'],
      [['journal', 'rm', '--journal', journalFile], '<subcommand>'],
    ] as const;
    for (const [args, path] of cases) {
      const r = await runCli([...args]);
      expect([args.join(' '), r.code, JSON.parse(r.err).error.issues[0].path]).toEqual([
        args.join(' '),
        2,
        path,
      ]);
    }
    const missing = await runCli(['journal', 'ls', '--journal', join(TMP, 'none.jsonl')]);
    expect([missing.code, JSON.parse(missing.err).error.code]).toEqual([2, 'configuration']);
  });
});

describe('campus-pay journal sweep', () => {
  it('resolves the entries of the configured credentials by query: JSON lines, a summary per gateway', async () => {
    const r = await journal('sweep', '--older-than', '0');
    expect(r.code).toBe(0);
    const lines = jsonLines(r.out);
    // Per gateway: a line per entry the gateway answered for, then the summary.
    expect(lines.map((l) => `${l.gateway} ${l.summary ? 'summary' : 'entry'}`)).toEqual([
      'onecard entry',
      'onecard summary',
      ...Array(3).fill('zhixiao entry'),
      'zhixiao summary',
    ]);
    const summaries = lines.filter((l) => l.summary);
    expect(summaries.map((s) => [s.gateway, s.tenant, s.summary.total, s.summary.errorCount])).toEqual([
      ['onecard', tenants.onecard, 1, 0],
      ['zhixiao', tenants.zhixiao, 3, 0],
    ]);
    const entries = lines.filter((l) => !l.summary);
    expect(entries.map((e) => `${e.orderKey} ${e.state} ${e.moved}`).sort()).toEqual([
      'JLOST failed true',
      'JOPEN pending false',
      'JPAID succeeded true',
      'JRECH succeeded true',
    ]);
    expect(entries.find((e) => e.orderKey === 'JLOST')).toMatchObject({
      id: idOf(tenants.zhixiao, 'createOrder', 'JLOST'),
      method: 'createOrder',
      amount: 500,
      note: expect.stringMatching(/no such order/),
    });
    expect(r.err).toContain(`1 unsettled entries of ${ELSEWHERE} are not swept`);

    // The journal now says what the gateway says: paid orders succeeded, the open one still pending, the
    // intent that never reached the gateway failed (older than the order life); the other tenant's unchanged.
    const after = await journal('ls', '--state', 'all');
    expect(keysOf(after.out)).toEqual([
      'JLOST failed',
      'JOPEN pending',
      'JOPEN unknown',
      'JPAID succeeded',
      'JRECH succeeded',
    ]);
    expect([...sb.zhixiaoGateway.orders.values()].find((o) => o.out_trade_no === 'JPAID')?.status).toBe(2);
  });

  it('--gateway sweeps one gateway only; a gateway the environment lacks is a configuration error', async () => {
    const r = await journal('sweep', '--gateway', 'onecard', '--older-than', '0');
    expect(r.code).toBe(0);
    expect(
      jsonLines(r.out)
        .filter((l) => l.summary)
        .map((l) => l.gateway),
    ).toEqual(['onecard']);
    const bare = await runCli(['journal', 'sweep', '--journal', journalFile, '--gateway', 'onecard']);
    expect([bare.code, JSON.parse(bare.err).error.code]).toEqual([2, 'configuration']);
  });
});

describe('campus-pay journal --redis', () => {
  it('an unreachable Redis is a configuration error (exit 2), said at once', async () => {
    const r = await runCli(['journal', 'ls', '--redis', 'redis://127.0.0.1:1']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.err).error).toMatchObject({
      code: 'configuration',
      message: /--redis: cannot connect/,
    });
  });

  describe.runIf(redisAvailable())('on a real redis-server', () => {
    let server: RedisServer;
    let conn: Redis;
    beforeAll(async () => {
      server = await RedisServer.start();
      conn = new Redis(server.url);
    });
    afterAll(async () => {
      conn?.disconnect();
      await server?.stop();
    });

    it('ls, show and sweep read and move a RedisJournalStore (--redis-prefix)', async () => {
      const store = new RedisJournalStore(conn, { prefix: 'svc:' });
      await sandboxOrders(sb, store).zhixiao('RPAID', 700, 'paid');
      await new RedisJournalStore(conn, { prefix: 'other:' }).create(
        journalEntry(ELSEWHERE, 'zhixiao', 'createOrder', 'NOT-HERE'),
      );
      const redis = (...args: string[]) =>
        runCli(['journal', ...args, '--redis', server.url, '--redis-prefix', 'svc:', '--env-file', env]);
      expect(keysOf((await redis('ls')).out)).toEqual(['RPAID pending']);
      const shown = await redis('show', 'RPAID');
      expect(JSON.parse(shown.out)).toMatchObject({ tenant: tenants.zhixiao, amount: 700, state: 'pending' });
      expect((await redis('sweep', '--older-than', '0', '--gateway', 'zhixiao')).code).toBe(0);
      expect((await store.get(JSON.parse(shown.out).id))?.state).toBe('succeeded');
    });
  });
});

/**
 * The Redis stores on a real Redis Cluster (three local redis-server nodes in cluster mode, ioredis'
 * Cluster client): every operation touches one key, so the stores work unchanged, and the
 * cross-process single fetch holds as on a single node.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deduplicate } from '../../src/index.js';
import { RedisDedupeStore } from '../../src/redis/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { RedisServer, redisAvailable } from '../helpers/redis-server.js';

const WORKER = join(import.meta.dirname, 'worker.ts');

describe.runIf(redisAvailable())('RedisTokenStore and RedisDedupeStore on a Redis Cluster', () => {
  let nodes: RedisServer[] = [];
  let dir: string;
  let sb: Sandbox;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'campus-pay-cluster-'));
    nodes = await Promise.all(
      [0, 1, 2].map((i) =>
        RedisServer.start([
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${i}.conf`),
          '--dir',
          dir,
        ]),
      ),
    );
    execFileSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { stdio: 'ignore' },
    );
    // Wait until every node agrees the cluster is up.
    for (const n of nodes) {
      for (let i = 0; i < 100; i++) {
        const info = execFileSync('redis-cli', ['-p', String(n.port), 'cluster', 'info'], {
          encoding: 'utf8',
        });
        if (info.includes('cluster_state:ok')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    sb = await startSandbox({ onecard: { tokenMinIntervalMs: 120_000 } });
  }, 60_000);

  afterAll(async () => {
    await sb?.close();
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('4 processes × 25 concurrent calls from a cold start → exactly one token fetch', async () => {
    const run = () =>
      new Promise<{ ok: number; fetches: number }>((resolve, reject) => {
        const proc = spawn(process.execPath, ['--import', 'tsx', WORKER], {
          env: {
            ...process.env,
            CAMPUS_PAY_WORKER: JSON.stringify({
              redisUrl: '',
              clusterPorts: nodes.map((n) => n.port),
              onecard: sb.onecard,
              calls: 25,
            }),
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        proc.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
        });
        proc.once('exit', (code) =>
          code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(out)),
        );
      });
    const results = await Promise.all([run(), run(), run(), run()]);
    expect(results.map((r) => r.ok)).toEqual([25, 25, 25, 25]);
    expect(sb.onecardGateway.tokenFetches).toBe(1);
  }, 60_000);

  it('RedisDedupeStore: one notice delivered to two instances → one callback run', async () => {
    const clients = [0, 1].map(() => new Cluster(nodes.map((n) => ({ host: '127.0.0.1', port: n.port }))));
    try {
      let runs = 0;
      const handlers = clients.map((c) =>
        deduplicate<{ out_trade_no: string }>({
          store: new RedisDedupeStore(c),
          key: (n) => n.out_trade_no,
          onNotification: async () => {
            runs++;
            await new Promise((r) => setTimeout(r, 50));
          },
        }),
      );
      await Promise.allSettled(handlers.map((h) => h({ out_trade_no: 'CLUSTER-1' })));
      await Promise.allSettled(handlers.map((h) => h({ out_trade_no: 'CLUSTER-1' })));
      expect(runs).toBe(1);
    } finally {
      for (const c of clients) c.disconnect();
    }
  });
});

import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuplicateInFlightError, deduplicate, tokenKey } from '../../src/index.js';
import { RedisDedupeStore } from '../../src/redis/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { RedisCluster, redisAvailable } from '../helpers/redis-server.js';
import { TIMEOUTS } from '../helpers/timeouts.js';
import { spawnWorker } from './spawn-worker.js';

let cluster: RedisCluster;
let sb: Sandbox;

function worker(calls: number) {
  return spawnWorker({ clusterPorts: cluster.ports, onecard: sb.onecard, calls }, 'redis cluster worker')
    .result;
}

const connect = () => new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));

describe.runIf(redisAvailable())('Redis stores on a real Redis Cluster (3 nodes)', () => {
  beforeAll(async () => {
    cluster = await RedisCluster.start(3);
    // The 2-minute rule is on, as on the real gateway: a second fetch inside it would fail with 60048.
    sb = await startSandbox({ onecard: { tokenMinIntervalMs: 120_000 } });
  }, TIMEOUTS.slow);
  afterAll(async () => {
    await sb?.close();
    await cluster?.stop();
  });

  it(
    'RedisTokenStore: 3 processes × 20 concurrent calls from a cold start → exactly one token fetch',
    async () => {
      const results = await Promise.all([worker(20), worker(20), worker(20)]);
      expect(results.map((r) => r.failures)).toEqual([[], [], []]);
      expect(results.map((r) => r.ok)).toEqual([20, 20, 20]);
      expect(results.reduce((n, r) => n + r.fetches, 0)).toBe(1);
      expect(sb.onecardGateway.tokenFetches).toBe(1);
      // The token and its lock key live on the cluster (the lock was released after the fetch).
      const conn = connect();
      try {
        const key = tokenKey(sb.onecard.gatewayUrl, sb.onecard.appKey);
        expect(JSON.parse((await conn.get(key))!)).toMatchObject({ token: expect.any(String) });
        expect(await conn.get(`${key}:lock`)).toBeNull();
      } finally {
        conn.disconnect();
      }
    },
    TIMEOUTS.slow,
  );

  it('RedisDedupeStore: two instances, notices spread over the slots → each callback runs once', async () => {
    const [a, b] = [connect(), connect()];
    try {
      const runs = new Map<string, number>();
      const make = (conn: Cluster) =>
        deduplicate({
          store: new RedisDedupeStore(conn),
          key: (n: { id: string }) => n.id,
          onNotification: async (n: { id: string }) => void runs.set(n.id, (runs.get(n.id) ?? 0) + 1),
        });
      const [x, y] = [make(a), make(b)];
      // Enough ids that their keys land on every node of the cluster.
      const ids = Array.from({ length: 12 }, (_, i) => `N${i}`);
      const results = await Promise.allSettled(ids.flatMap((id) => [x({ id }), y({ id }), x({ id })]));
      await Promise.all(ids.map((id) => y({ id })));
      expect([...runs.values()]).toEqual(ids.map(() => 1));
      const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(rejected.every((r) => r.reason instanceof DuplicateInFlightError)).toBe(true);
      const slots = new Set(
        await Promise.all(
          ids.map((id) => a.cluster('KEYSLOT', `campus-pay:notice:${id}`) as Promise<number>),
        ),
      );
      const owners = (await a.cluster('SLOTS')) as Array<[number, number]>;
      const nodesHit = owners.filter(([lo, hi]) => [...slots].some((s) => s >= lo && s <= hi));
      expect(nodesHit.length).toBe(3);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });
});

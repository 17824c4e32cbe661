/**
 * Several SDK processes (test/redis/worker.ts, each its own `node --import tsx`) sharing one real
 * redis-server, as service instances behind a load balancer do. In `npm run test:heavy`: each worker
 * process costs about two seconds of CPU. The stores' behaviour in one process (a restart, a paused
 * server, the dedupe claim) is in redis-store.test.ts, which `npm test` runs.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tokenKey } from '../../src/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { RedisServer, redisAvailable } from '../helpers/redis-server.js';
import { scaled, TIMEOUTS, waitFor } from '../helpers/timeouts.js';
import { spawnWorker } from './spawn-worker.js';

let server: RedisServer;
let redis: Redis;
let sb: Sandbox;

function worker(calls: number, extra: object = {}) {
  return spawnWorker({ redisUrl: server.url, onecard: sb.onecard, calls, ...extra }, 'redis worker');
}

const workers = (n: number, calls: number) =>
  Promise.all(Array.from({ length: n }, () => worker(calls).result));

describe.runIf(redisAvailable())('RedisTokenStore shared by several processes', () => {
  beforeAll(async () => {
    server = await RedisServer.start();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
    await sb?.close();
  });
  beforeEach(async () => {
    await sb?.close();
    // The 2-minute rule is on, as on the real gateway: a second fetch inside it would fail with 60048.
    sb = await startSandbox({ onecard: { tokenMinIntervalMs: 120_000 } });
    await redis.flushall();
  });

  it(
    '4 processes × 25 concurrent calls from a cold start → exactly one token fetch',
    async () => {
      const results = await workers(4, 25);
      expect(results.map((r) => r.ok)).toEqual([25, 25, 25, 25]);
      expect(results.reduce((n, r) => n + r.fetches, 0)).toBe(1);
      expect(sb.onecardGateway.tokenFetches).toBe(1);
    },
    TIMEOUTS.slow,
  );

  it(
    'the token invalidated under all instances at once (40017) → exactly one refresh',
    async () => {
      await sb.close();
      sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 } });
      await workers(1, 1);
      expect(sb.onecardGateway.tokenFetches).toBe(1);
      sb.onecardGateway.revokeToken();
      const results = await workers(4, 25);
      expect(results.map((r) => r.ok)).toEqual([25, 25, 25, 25]);
      expect(sb.onecardGateway.tokenFetches).toBe(2);
    },
    TIMEOUTS.slow,
  );

  it(
    'the lock holder killed mid-fetch → another instance takes over once the lock expires',
    async () => {
      // The holder's token request hangs well past the test, so its late token cannot interfere.
      sb.faults.set({ latencyMs: scaled(10_000) });
      const holder = worker(1, { lockTtlMs: 1_500 });
      const lockKey = `${tokenKey(sb.onecard.gatewayUrl, sb.onecard.appKey)}:lock`;
      await waitFor('the first worker to take the lock', async () => Boolean(await redis.get(lockKey)));
      holder.proc.kill('SIGKILL'); // …and it dies holding the lock
      await holder.result.catch(() => undefined);
      expect(holder.proc.signalCode).toBe('SIGKILL');
      expect(await redis.pttl(lockKey)).toBeGreaterThan(0); // the dead holder's lock is still there
      sb.faults.clear();
      const takeover = await worker(5, { lockTtlMs: 1_500 }).result;
      expect(takeover.ok).toBe(5);
      expect(takeover.fetches).toBe(1);
    },
    TIMEOUTS.slow,
  );
});

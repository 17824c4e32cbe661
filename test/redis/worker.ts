/**
 * One "service instance" for the Redis tests: its own process, its own Redis connection, N concurrent
 * calls. Prints a JSON line with what happened. Arguments come in the CAMPUS_PAY_WORKER env variable.
 */
import { Cluster, Redis } from 'ioredis';
import { OneCardClient } from '../../src/index.js';
import { RedisTokenStore } from '../../src/redis/index.js';
import { scaled } from '../helpers/timeouts.js';

const cfg = JSON.parse(process.env.CAMPUS_PAY_WORKER!) as {
  redisUrl?: string;
  /** Ports of a local Redis Cluster: connect with an ioredis Cluster client instead. */
  clusterPorts?: number[];
  onecard: ConstructorParameters<typeof OneCardClient>[0];
  calls: number;
  lockTtlMs?: number;
};
const redis = cfg.clusterPorts
  ? new Cluster(cfg.clusterPorts.map((port) => ({ host: '127.0.0.1', port })))
  : new Redis(cfg.redisUrl!, { maxRetriesPerRequest: 1 });
const client = new OneCardClient({
  ...cfg.onecard,
  tokenStore: new RedisTokenStore(redis),
  token: { lockTtlMs: cfg.lockTtlMs ?? 15_000, lockWaitMs: scaled(30_000) },
});
const started = Date.now();
const results = await Promise.allSettled(
  Array.from({ length: cfg.calls }, () => client.queryCard({ idtype: 'acc', id: '10001' })),
);
const failures = results
  .filter((r) => r.status === 'rejected')
  .map((r) => String((r as PromiseRejectedResult).reason?.message));
process.stdout.write(
  `${JSON.stringify({ ok: results.length - failures.length, failures, fetches: client.tokenFetches, ms: Date.now() - started })}\n`,
);
redis.disconnect();

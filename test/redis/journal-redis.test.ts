/**
 * RedisJournalStore against the shared store contract, on a real redis-server and on a three-node Redis
 * Cluster (where a script touching keys of two slots fails with CROSSSLOT).
 */
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JournalError, type JournalStore, ZhixiaoPayClient } from '../../src/index.js';
import { RedisJournalStore } from '../../src/redis/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { entry, journalStoreContract } from '../contract/journal-store.js';
import { RedisCluster, RedisServer, redisAvailable } from '../helpers/redis-server.js';

let server: RedisServer;
let cluster: RedisCluster;
/** Two connections each, as two service instances would have. */
let single: [Redis, Redis];
let clustered: [Cluster, Cluster];
let stores = 0;
const prefixes = new WeakMap<JournalStore, string>();

/** A store on `a` under a prefix of its own (so each test starts empty), with a peer on `b`. */
function factory(conns: () => [Redis | Cluster, Redis | Cluster]) {
  const make = (conn: Redis | Cluster, prefix: string) => {
    const store = new RedisJournalStore(conn, { prefix, pageSize: 7 });
    prefixes.set(store, prefix);
    return store;
  };
  return {
    make: async () => make(conns()[0], `t${++stores}:`),
    peer: async (store: JournalStore) => make(conns()[1], prefixes.get(store)!),
    corrupt: async (store: JournalStore, id: string) => {
      const conn = conns()[0];
      const nodes = conn instanceof Cluster ? conn.nodes('master') : [conn];
      const keys = (await Promise.all(nodes.map((n) => n.keys(`${prefixes.get(store)}*`)))).flat();
      const key = keys.find((k) => k.endsWith(`:e:${id}`))!;
      await conn.hset(key, 'base', '{"id": "cut');
    },
  };
}

describe.runIf(redisAvailable())('RedisJournalStore on real Redis', () => {
  beforeAll(async () => {
    server = await RedisServer.start();
    cluster = await RedisCluster.start(3);
    single = [new Redis(server.url), new Redis(server.url)];
    const connect = () => new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
    clustered = [connect(), connect()];
  }, 60_000);
  afterAll(async () => {
    for (const c of [...(single ?? []), ...(clustered ?? [])]) c.disconnect();
    await server?.stop();
    await cluster?.stop();
  });

  journalStoreContract(
    'RedisJournalStore (one server)',
    factory(() => single),
  );
  journalStoreContract(
    'RedisJournalStore (Redis Cluster)',
    factory(() => clustered),
  );

  it("keeps a tenant's keys in one slot and lists every tenant without SCAN", async () => {
    const store = new RedisJournalStore(clustered[0], { prefix: 'slots:' });
    const tenants = Array.from({ length: 8 }, (_, i) => `http://gw${i}.test/gw#app`);
    for (const tenant of tenants) {
      await store.create(entry({ tenant }));
      await store.create(entry({ tenant, state: 'succeeded' }));
    }
    const keys = (await Promise.all(clustered[0].nodes('master').map((n) => n.keys('slots:*')))).flat();
    const slots = new Map<string, Set<number>>();
    for (const k of keys) {
      const tag = /\{([^}]+)\}/.exec(k)?.[1];
      if (!tag) continue; // the tenants set, in a slot of its own
      const slot = Number(await clustered[0].cluster('KEYSLOT', k));
      slots.set(tag, new Set([...(slots.get(tag) ?? []), slot]));
    }
    expect(slots.size).toBe(tenants.length);
    for (const s of slots.values()) expect(s.size).toBe(1);
    // The tenants' keys are spread over more than one node, and list finds every open entry.
    expect(new Set([...slots.values()].map((s) => [...s][0])).size).toBeGreaterThan(1);
    const open: string[] = [];
    for await (const e of store.list()) open.push(e.tenant);
    expect(open.sort()).toEqual([...tenants].sort());
  });

  it('two service instances on one Redis journal: an order is sent once, the second instance is refused', async () => {
    const sb = await startSandbox();
    try {
      const [a, b] = clustered.map(
        (conn) =>
          new ZhixiaoPayClient({ ...sb.zhixiao, journal: new RedisJournalStore(conn, { prefix: 'e2e:' }) }),
      );
      const order = {
        body: '学费',
        out_trade_no: 'ZX-REDIS-1',
        total_fee: 500,
        notify_url: 'https://m.test/n',
      };
      const reply = await a!.createOrder(order);
      await expect(b!.createOrder(order)).rejects.toBeInstanceOf(JournalError);
      expect(sb.zhixiaoGateway.orders.size).toBe(1);
      const id = `${sb.zhixiao.baseUrl}#${sb.zhixiao.appId}|createOrder|ZX-REDIS-1`;
      expect(await new RedisJournalStore(single[0], { prefix: 'e2e:' }).get(id)).toBeUndefined(); // another Redis
      expect(await new RedisJournalStore(clustered[1], { prefix: 'e2e:' }).get(id)).toMatchObject({
        state: 'pending',
        refs: { order_id: reply.order_id },
        query: { method: 'queryOrder', params: { out_trade_no: 'ZX-REDIS-1' } },
      });
    } finally {
      await sb.close();
    }
  });

  it('refuses a prefix that would move the hash tag', () => {
    expect(() => new RedisJournalStore(single[0], { prefix: 'a{b}:' })).toThrow(/prefix/);
  });
});

import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DuplicateInFlightError,
  deduplicate,
  OneCardClient,
  StoreError,
  ZhixiaoPayClient,
} from '../../src/index.js';
import { RedisDedupeStore, RedisTokenStore } from '../../src/redis/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { ZX, ZX_BASE } from '../helpers/keys.js';
import { RedisServer, redisAvailable } from '../helpers/redis-server.js';
import { scaled, TIMEOUTS, waitFor } from '../helpers/timeouts.js';

let server: RedisServer;
let redis: Redis;
let sb: Sandbox;

describe.runIf(redisAvailable())('RedisTokenStore on a real redis-server', () => {
  beforeAll(async () => {
    server = await RedisServer.start();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
    redis.on('error', () => {}); // the restart test stops the server on purpose
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });
  beforeEach(async () => {
    await sb?.close();
    // The 2-minute rule is on, as on the real gateway: a second fetch inside it would fail with 60048.
    sb = await startSandbox({ onecard: { tokenMinIntervalMs: 120_000 } });
    await redis.flushall();
  });
  afterAll(() => sb?.close());

  it(
    'Redis restarted mid-run → calls recover',
    async () => {
      await sb.close();
      sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 } });
      const conn = new Redis(server.url, { maxRetriesPerRequest: 1 });
      conn.on('error', () => {}); // reconnect noise while the server is down is expected here
      try {
        const warm = new OneCardClient({ ...sb.onecard, tokenStore: new RedisTokenStore(conn) });
        await warm.queryCard({ idtype: 'acc', id: '10001' });
        await server.stop();
        // A client holding a fresh token keeps working while Redis is down…
        await expect(warm.queryCard({ idtype: 'acc', id: '10001' })).resolves.toBeTruthy();
        // …a cold one gets a clear transport error, or carries on in memory when it opted in.
        const cold = new OneCardClient({
          ...sb.onecard,
          tokenStore: new RedisTokenStore(conn, { commandTimeoutMs: scaled(300) }),
        });
        const err = await cold.queryCard({ idtype: 'acc', id: '10001' }).catch((e) => e);
        expect(err).toBeInstanceOf(StoreError);
        expect([err.store, err.operation]).toEqual(['token', 'get']);
        const fallback = new OneCardClient({
          ...sb.onecard,
          tokenStore: new RedisTokenStore(conn, { commandTimeoutMs: scaled(300), onUnavailable: 'memory' }),
        });
        await expect(fallback.queryCard({ idtype: 'acc', id: '10001' })).resolves.toBeTruthy();
        await server.start();
        // After the restart (Redis lost everything) calls recover: 40017 → one refresh through Redis.
        await waitFor('the client to reconnect', () => conn.status === 'ready');
        const after = await Promise.all(
          [warm, cold, warm].map((c) => c.queryCard({ idtype: 'acc', id: '10001' })),
        );
        expect(after).toHaveLength(3);
      } finally {
        conn.disconnect();
      }
    },
    TIMEOUTS.slow,
  );

  it('RedisDedupeStore: two instances, one notice delivered to both → one callback run', async () => {
    const a = new Redis(server.url);
    const b = new Redis(server.url);
    try {
      let runs = 0;
      const make = (conn: Redis) =>
        deduplicate({
          store: new RedisDedupeStore(conn),
          key: (n: { id: string }) => n.id,
          onNotification: async () => void runs++,
        });
      const [x, y] = [make(a), make(b)];
      const results = await Promise.allSettled([x({ id: 'N1' }), y({ id: 'N1' }), x({ id: 'N1' })]);
      await y({ id: 'N1' });
      expect(runs).toBe(1);
      expect(
        results
          .filter((r) => r.status === 'rejected')
          .every((r) => (r as PromiseRejectedResult).reason instanceof DuplicateInFlightError),
      ).toBe(true);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });
});

describe.runIf(redisAvailable())('a Redis that stops answering (redis-server paused with SIGSTOP)', () => {
  let frozen: RedisServer;
  let conn: Redis;
  let gw: Sandbox;
  beforeAll(async () => {
    frozen = await RedisServer.start();
    // No commandTimeout on the client: the stores' own command timeout is what must end each wait.
    conn = new Redis(frozen.url);
    await conn.ping();
    gw = await startSandbox();
  });
  afterAll(async () => {
    frozen?.resume();
    conn?.disconnect();
    await frozen?.stop();
    await gw?.close();
  });

  /** Runs `body` with the server frozen, and lets it run again afterwards whatever happened. */
  async function whileFrozen<T>(body: () => Promise<T>): Promise<T> {
    frozen.pause();
    try {
      return await body();
    } finally {
      frozen.resume();
    }
  }

  it('the notice handler answers fail (StoreError timeout to onError); once Redis is back the retry is processed', async () => {
    const zhixiao = new ZhixiaoPayClient({ baseUrl: ZX_BASE, ...ZX });
    const errors: unknown[] = [];
    let runs = 0;
    const handler = zhixiao.webNotificationHandler({
      onNotification: deduplicate({
        store: new RedisDedupeStore(conn, { commandTimeoutMs: scaled(200) }),
        key: (n) => n.out_trade_no,
        onNotification: () => void runs++,
      }),
      onError: (e) => errors.push(e),
    });
    const body = zhixiao.buildNotification({
      out_trade_no: 'FROZEN1',
      order_id: '9',
      time_end: '2026-11-22 10:00:00',
      uid: 'u',
      pay_type: '1',
    });
    const deliver = async () => {
      const r = await handler(new Request('http://m/notify', { method: 'POST', body }));
      return `${r.status} ${await r.text()}`;
    };
    expect(await whileFrozen(deliver)).toBe('500 fail');
    expect(runs).toBe(0);
    expect(
      errors.map((e) => [
        (e as StoreError).constructor,
        (e as StoreError).operation,
        (e as StoreError).reason,
      ]),
    ).toEqual([[StoreError, 'claim', 'timeout']]);
    // The claim queued while Redis was frozen runs when it resumes; it is released again, so the retry is not refused.
    const key = 'campus-pay:notice:FROZEN1';
    await waitFor('the late claim to be released', async () => (await conn.get(key)) === null);
    expect(await conn.get(key)).toBeNull();
    expect(await deliver()).toBe('200 success');
    expect(runs).toBe(1);
  });

  it('a money call with RedisTokenStore: StoreError (timeout) and nothing reached the gateway', async () => {
    const client = new OneCardClient({
      ...gw.onecard,
      tokenStore: new RedisTokenStore(conn, { commandTimeoutMs: scaled(200) }),
    });
    const barcode = '1234567890123456789012';
    const [entries, fetches] = [gw.onecardGateway.ledger.entries.length, gw.onecardGateway.tokenFetches];
    const err = await whileFrozen(() =>
      client
        .payByBarcode({ barcode, mercacc: '1000060', tranamt: 100, dineseq: '1', posnum: '7' })
        .catch((e) => e),
    );
    expect(err).toBeInstanceOf(StoreError);
    expect([err.store, err.operation, err.reason, err.method]).toEqual([
      'token',
      'get',
      'timeout',
      'payByBarcode',
    ]);
    expect(gw.onecardGateway.tokenFetches).toBe(fetches);
    expect(gw.onecardGateway.ledger.entries.length).toBe(entries);
  });

  it('an abort ends the call at once while Redis is frozen (the store timeout alone would not)', async () => {
    const client = new OneCardClient({
      ...gw.onecard,
      tokenStore: new RedisTokenStore(conn, { commandTimeoutMs: 600_000 }),
      storeTimeoutMs: 600_000,
    });
    const ac = new AbortController();
    const err = await whileFrozen(async () => {
      const call = client.queryCard({ idtype: 'acc', id: '10001' }, { signal: ac.signal }).catch((e) => e);
      setTimeout(() => ac.abort(), 20);
      return call;
    });
    expect(err).toBeInstanceOf(StoreError);
    expect([err.operation, err.reason]).toEqual(['get', 'aborted']);
  });
});

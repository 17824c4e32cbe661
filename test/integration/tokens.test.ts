/** Token sharing in one process, and the memory of a refused fetch, against the sandbox over HTTP. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileTokenStore, MemoryTokenStore, OneCardClient } from '../../src/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { oneCardOptions } from '../helpers/keys.js';
import { mockOneCard, tokenAnswer } from '../helpers/mock-onecard.js';

let sb: Sandbox;
beforeAll(async () => {
  // The real gateway's rule, which the sandbox relaxes unless asked: one token fetch per app key every 2 minutes.
  sb = await startSandbox({ onecard: { tokenRule: 'strict', extraAppKeys: ['app-b', 'app-c', 'app-d'] } });
});
afterAll(() => sb.close());

describe("the sandbox relaxes the gateway's 2-minute rule unless asked", () => {
  const query = (c: OneCardClient) => c.queryCard({ idtype: 'acc', id: '10001' });

  it('by default: a restarted service (a fresh store) fetches again at once, and two services take turns', async () => {
    const relaxed = await startSandbox();
    try {
      expect(relaxed.onecardGateway.tokenMinIntervalMs).toBe(0);
      // Each client with its own store, as two processes (or one restarted) without a shared store.
      const fresh = () => new OneCardClient({ ...relaxed.onecard, tokenStore: new MemoryTokenStore() });
      await query(fresh());
      await query(fresh());
      const [a, b] = [fresh(), fresh()];
      for (let i = 0; i < 3; i++) {
        await query(a);
        await query(b);
      }
      // Each fetch still invalidated the other's token: a query after it fetched again (40017, then resent).
      expect(relaxed.onecardGateway.tokenFetches).toBe(2 + 6);
    } finally {
      await relaxed.close();
    }
  });

  it("'strict' keeps the rule: the second process's fetch is refused with 60048", async () => {
    expect(sb.onecardGateway.tokenMinIntervalMs).toBe(120_000);
    // An app key of its own, so the other tests' fetches are not in its way.
    const own = () =>
      new OneCardClient({ ...sb.onecard, appKey: 'app-c', tokenStore: new MemoryTokenStore() });
    await query(own());
    await expect(query(own())).rejects.toMatchObject({ gatewayCode: '60048' });
  });

  it('under the strict rule, processes with a FileTokenStore on one directory share the token: no 60048', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'campus-pay-tokens-'));
    try {
      // Each client a new store object, as a service restarted, a script, or a second local service.
      const onDisk = () =>
        new OneCardClient({ ...sb.onecard, appKey: 'app-d', tokenStore: new FileTokenStore(dir) });
      const before = sb.onecardGateway.tokenFetches;
      await query(onDisk());
      await query(onDisk());
      await Promise.all([query(onDisk()), query(onDisk())]);
      expect(sb.onecardGateway.tokenFetches - before).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('one token per gateway + app key per process', () => {
  it('four clients with the default store: one fetch at cold start, 200 calls, no failure', async () => {
    const clients = Array.from({ length: 4 }, () => new OneCardClient({ ...sb.onecard, retryBaseMs: 1 }));
    const before = sb.onecardGateway.tokenFetches;
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => clients[i % 4]!.queryCard({ idtype: 'acc', id: '10001' })),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(sb.onecardGateway.tokenFetches - before).toBe(1);
  });

  it('a refused fetch (60048) is remembered: waiting calls fail fast with the rule and the fixes', async () => {
    // Another process (its own store) fetched a token for this app key a moment ago: our fetch is refused.
    const b = { ...sb.onecard, appKey: 'app-b', retryBaseMs: 1 };
    await new OneCardClient({ ...b, tokenStore: new MemoryTokenStore() }).queryCard({
      idtype: 'acc',
      id: '10001',
    });
    const a = new OneCardClient({ ...b, tokenStore: new MemoryTokenStore() });
    const before = sb.onecardGateway.tokenFetches;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => a.queryCard({ idtype: 'acc', id: '10001' })),
    );
    const errors = results.map((r) => (r.status === 'rejected' ? r.reason : r.value));
    expect(errors.map((e) => `${e?.constructor?.name}:${e?.gatewayCode}`)).toEqual(
      Array(20).fill('GatewayError:60048'),
    );
    expect(String(errors[0].message)).toMatch(/2 minutes[\s\S]*RedisTokenStore/);
    expect(sb.onecardGateway.tokenFetches - before).toBe(0); // refused fetches are not counted as served
    // Fast-failing calls did not each send a token request: one refused attempt, then the remembered refusal.
    expect(a.tokenFetches).toBe(1);
  });
});

describe('token lifetimes', () => {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.cleanAll());

  it.each(['0', '-5'])('expires_in %s does not make every call fetch', async (expires) => {
    const { seen } = mockOneCard((m) =>
      m.endsWith('access_token') ? tokenAnswer(1, expires) : { data: { card: [] } },
    );
    const c = new OneCardClient({ ...oneCardOptions, tokenStore: new MemoryTokenStore() });
    for (let i = 0; i < 5; i++) await c.queryCard({ idtype: 'sno', id: '1' });
    expect(seen.filter((s) => s.fields.method === 'synjones.authorize.access_token')).toHaveLength(1);
    nock.cleanAll();
  });

  it('MemoryTokenStore shows no token to util.inspect', async () => {
    const store = new MemoryTokenStore();
    await store.set('k', { token: 'secret-token-value', fetchedAt: 0, expiresAt: Date.now() + 1000 });
    expect(inspect(store, { depth: 10, showHidden: true })).not.toContain('secret-token-value');
  });
});

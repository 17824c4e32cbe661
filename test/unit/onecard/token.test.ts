/** TokenManager's clock rules at their boundaries, on a fake clock (no test waits on wall time). */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GatewayError, TransportError } from '../../../src/core/errors.js';
import {
  MemoryTokenStore,
  type StoredToken,
  type TokenLock,
  type TokenStore,
} from '../../../src/core/token-store.js';
import { TokenManager, type TokenManagerOptions } from '../../../src/onecard/token.js';

const T0 = 1_800_000_000_000;
beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

let n = 0;
function manager(
  expiresInSeconds: number,
  extra: Partial<TokenManagerOptions> = {},
  store: TokenStore = new MemoryTokenStore(),
) {
  const fetched: number[] = [];
  const tokens = new TokenManager({
    store,
    key: `k${n++}`,
    fetch: async () => {
      fetched.push(Date.now() - T0);
      return { token: `t${fetched.length}`, expiresInSeconds };
    },
    ...extra,
  });
  return { tokens, fetched, store };
}
const at = (ms: number) => vi.setSystemTime(T0 + ms);

describe('when a token is refreshed', () => {
  it('a long-lived token: refreshAheadMs (5 min) before expiry, not a millisecond earlier', async () => {
    const { tokens, fetched } = manager(7200);
    expect(await tokens.get()).toBe('t1');
    at(7_200_000 - 300_001);
    expect(await tokens.get()).toBe('t1');
    at(7_200_000 - 300_000);
    expect(await tokens.get()).toBe('t2');
    expect(fetched).toEqual([0, 6_900_000]);
  });

  it('a short-lived token: a fifth of its lifetime before expiry', async () => {
    const { tokens, fetched } = manager(1000);
    await tokens.get();
    at(800_000 - 1);
    expect(await tokens.get()).toBe('t1');
    at(800_000);
    expect(await tokens.get()).toBe('t2');
    expect(fetched).toEqual([0, 800_000]);
  });

  it('refreshAheadMs is an option', async () => {
    const { tokens, fetched } = manager(7200, { refreshAheadMs: 1_000 });
    await tokens.get();
    at(7_200_000 - 1_001);
    await tokens.get();
    at(7_200_000 - 1_000);
    await tokens.get();
    expect(fetched).toEqual([0, 7_199_000]);
  });

  it('due for refresh but fetched less than one interval (plus slack) ago: kept until 1 s before expiry', async () => {
    // 125 s (interval 120 s + 5 s slack): due at 100 s; the gateway would refuse a fetch before 125 s.
    const { tokens, fetched } = manager(125);
    await tokens.get();
    at(110_000);
    expect(await tokens.get()).toBe('t1');
    at(123_999);
    expect(await tokens.get()).toBe('t1');
    at(124_000);
    expect(await tokens.get()).toBe('t2');
    expect(fetched).toEqual([0, 124_000]);
  });

  it.each([
    [120_000, 125_000],
    [1_000, 2_000],
    [10_000, 15_000],
  ])(
    'interval %i ms: a lifetime of 0 becomes the interval plus min(5 s, interval) = %i ms',
    async (interval, life) => {
      const { tokens, store } = manager(0, { minFetchIntervalMs: interval });
      await tokens.get();
      const key = (tokens as unknown as { fetches: number }).fetches;
      expect(key).toBe(1);
      const stored = (await (store as MemoryTokenStore).get(`k${n - 1}`)) as StoredToken;
      expect(stored.expiresAt - stored.fetchedAt).toBe(life);
    },
  );

  it('30 days is the longest lifetime kept', async () => {
    const { tokens, store } = manager(30 * 86_400 + 1);
    await tokens.get();
    const stored = (await store.get(`k${n - 1}`)) as StoredToken;
    expect(stored.expiresAt - stored.fetchedAt).toBe(30 * 86_400_000);
  });
});

describe('the pause after a refused fetch', () => {
  const refusing = (store = new MemoryTokenStore()) => {
    let calls = 0;
    let refuse = true;
    const tokens = new TokenManager({
      store,
      key: 'paused',
      fetch: async () => {
        calls++;
        if (refuse) throw new GatewayError({ level: 'business', code: '60048', message: 'x' });
        return { token: 'fresh', expiresInSeconds: 7200 };
      },
    });
    return { tokens, store, calls: () => calls, allow: () => (refuse = false) };
  };

  it('lasts exactly minFetchIntervalMs, and says until when', async () => {
    const r = refusing();
    const first = await r.tokens.get().then(
      () => {
        throw new Error('fetched');
      },
      (e: GatewayError) => e,
    );
    expect(first.message).toMatch(
      /^failed with business code 60048: the gateway refused a token fetch \(60048 access_token调用次数超限\)\. /,
    );
    expect(first.message).toContain(`no new fetch is tried before ${new Date(T0 + 120_000).toISOString()}.`);
    // The two ways out, in English and in Chinese, with the wait counted from the refusal.
    expect(first.message).toMatch(
      /Two ways out: share one token store .*\(FileTokenStore on one machine, RedisTokenStore across machines\), or wait 120 s/,
    );
    expect(first.message).toMatch(
      /网关拒绝了令牌获取。.*共享一个令牌存储（单机用 FileTokenStore，多机用 RedisTokenStore），或等待 120 秒/,
    );
    r.allow();
    at(119_999);
    const paused = await r.tokens.get().then(
      () => {
        throw new Error('fetched');
      },
      (e: GatewayError) => e,
    );
    expect(paused.message).toMatch(
      /^failed with business code 60048: token fetches are paused after the gateway refused one \(60048 /,
    );
    expect(paused.message).toMatch(/or wait 1 s: .*网关拒绝过令牌获取，现暂停获取。.*或等待 1 秒/);
    expect(r.calls()).toBe(1);
    at(120_000);
    expect(await r.tokens.get()).toBe('fresh');
    expect(r.calls()).toBe(2);
  });

  it('a token in the shared store is used during the pause only while it has not expired, and not if rejected', async () => {
    const r = refusing();
    await r.tokens.get().catch(() => undefined);
    await r.store.set('paused', { token: 'other', fetchedAt: T0, expiresAt: T0 + 50_000 });
    at(49_999);
    expect(await r.tokens.get()).toBe('other');
    at(50_000);
    await expect(r.tokens.get()).rejects.toBeInstanceOf(GatewayError);
    await r.store.set('paused', { token: 'other', fetchedAt: T0, expiresAt: T0 + 100_000 });
    await expect(r.tokens.invalidate('other')).rejects.toBeInstanceOf(GatewayError);
    expect(r.calls()).toBe(1);
  });
});

describe('another process holds the fetch lock', () => {
  /** A shared store whose lock is held elsewhere until `free()`; records lock calls. */
  class HeldStore extends MemoryTokenStore {
    held = true;
    locks: number[] = [];
    released = 0;
    async lock(_key: string, ttlMs: number): Promise<TokenLock | undefined> {
      this.locks.push(ttlMs);
      if (this.held) return undefined;
      return { release: async () => void this.released++ };
    }
  }

  it('a still-valid token is used meanwhile (up to 1 s before expiry) without fetching', async () => {
    const store = new HeldStore();
    const { tokens, fetched } = manager(7200, {}, store);
    const key = `k${n - 1}`;
    await store.set(key, { token: 'old', fetchedAt: T0 - 7_000_000, expiresAt: T0 + 198_000 });
    expect(await tokens.get()).toBe('old');
    expect(fetched).toEqual([]);
  });

  it('an expiring token is not: the manager waits for the other process’s token', async () => {
    const store = new HeldStore();
    const { tokens, fetched } = manager(7200, {}, store);
    const key = `k${n - 1}`;
    await store.set(key, { token: 'old', fetchedAt: T0 - 7_000_000, expiresAt: T0 + 1_000 });
    const got = tokens.get();
    await vi.advanceTimersByTimeAsync(500);
    await store.set(key, { token: 'theirs', fetchedAt: Date.now(), expiresAt: Date.now() + 7_200_000 });
    await vi.advanceTimersByTimeAsync(200);
    expect(await got).toBe('theirs');
    expect(fetched).toEqual([]);
  });

  it('while waiting, the token just rejected by the gateway is not served even if still stored', async () => {
    const store = new HeldStore();
    store.delete = async () => {}; // the shared store lost the delete race
    const { tokens } = manager(7200, { lockWaitMs: 500 }, store);
    await store.set(`k${n - 1}`, { token: 'old', fetchedAt: T0, expiresAt: T0 + 7_200_000 });
    const got = tokens.invalidate('old').then(
      () => 'served',
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(700);
    expect(await got).toBeInstanceOf(TransportError);
  });

  it('gives up after lockWaitMs with a TransportError that sent nothing', async () => {
    const store = new HeldStore();
    const { tokens } = manager(7200, { lockWaitMs: 1_000 }, store);
    const got = tokens.get().then(
      () => {
        throw new Error('fetched');
      },
      (e: TransportError) => e,
    );
    await vi.advanceTimersByTimeAsync(1_200);
    const e = await got;
    expect(e).toBeInstanceOf(TransportError);
    expect([e.method, e.mayHaveReachedGateway, e.message]).toEqual([
      'synjones.authorize.access_token',
      false,
      'synjones.authorize.access_token: timed out waiting for another process to fetch the access token',
    ]);
  });

  it('with the lock: fetches, stores, releases it; lockTtlMs defaults to 15 s', async () => {
    const store = new HeldStore();
    store.held = false;
    const { tokens, fetched } = manager(7200, {}, store);
    expect(await tokens.get()).toBe('t1');
    expect([fetched, store.locks, store.released]).toEqual([[0], [15_000], 1]);
    const custom = new HeldStore();
    custom.held = false;
    await manager(7200, { lockTtlMs: 3_000 }, custom).tokens.get();
    expect(custom.locks).toEqual([3_000]);
  });

  it('the lock is released when the fetch fails', async () => {
    const store = new HeldStore();
    store.held = false;
    const tokens = new TokenManager({
      store,
      key: 'failing',
      fetch: async () => {
        throw new Error('reset');
      },
    });
    await expect(tokens.get()).rejects.toThrow('reset');
    expect(store.released).toBe(1);
  });
});

describe('invalidate after 40017', () => {
  it('drops the failed token here and in the store, and fetches a new one', async () => {
    const { tokens, fetched, store } = manager(7200);
    const key = `k${n - 1}`;
    expect(await tokens.get()).toBe('t1');
    expect(await tokens.invalidate('t1')).toBe('t2');
    expect((await store.get(key))?.token).toBe('t2');
    expect(await tokens.get()).toBe('t2');
    expect(fetched).toEqual([0, 0]);
  });

  it('a token other than the failed one is kept: no fetch', async () => {
    const { tokens, fetched } = manager(7200);
    await tokens.get();
    expect(await tokens.invalidate('some-older-token')).toBe('t1');
    expect(fetched).toEqual([0]);
  });

  it('a fetch already in flight that returns the failed token is followed by a fresh one', async () => {
    const store = new MemoryTokenStore();
    let release: () => void = () => {};
    let calls = 0;
    const tokens = new TokenManager({
      store,
      key: 'race',
      fetch: async () => {
        calls++;
        if (calls === 1) await new Promise<void>((r) => (release = r));
        return { token: `r${calls}`, expiresInSeconds: 7200 };
      },
    });
    const first = tokens.get();
    await vi.advanceTimersByTimeAsync(0);
    const renewed = tokens.invalidate('r1');
    release();
    expect(await first).toBe('r1');
    expect(await renewed).toBe('r2');
    expect(tokens.fetches).toBe(2);
  });
});

describe('what the store is asked, and when a stored token is taken', () => {
  class CountingStore extends MemoryTokenStore {
    reads = 0;
    deletes = true;
    onLock: ((store: CountingStore) => Promise<void>) | undefined;
    override async get(key: string) {
      this.reads++;
      return super.get(key);
    }
    override async delete(key: string, token: string) {
      if (this.deletes) await super.delete(key, token);
    }
    async lock(): Promise<TokenLock | undefined> {
      await this.onLock?.(this);
      return { release: async () => {} };
    }
  }

  it('a fresh token is served from memory: the shared store is not read on every call', async () => {
    const store = new CountingStore();
    const { tokens } = manager(7200, {}, store);
    await tokens.get();
    const reads = store.reads;
    await tokens.get();
    await tokens.get();
    expect(store.reads).toBe(reads);
  });

  it('a fresh token another process stored long ago is used, not refetched', async () => {
    const store = new CountingStore();
    const { tokens, fetched } = manager(7200, {}, store);
    await store.set(`k${n - 1}`, { token: 'theirs', fetchedAt: T0 - 3_600_000, expiresAt: T0 + 3_600_000 });
    expect(await tokens.get()).toBe('theirs');
    expect(fetched).toEqual([]);
  });

  it('a token stored by another process while this one waited for the lock is used', async () => {
    const store = new CountingStore();
    const { tokens, fetched } = manager(7200, {}, store);
    store.onLock = (s) =>
      s.set(`k${n - 1}`, { token: 'just-fetched', fetchedAt: T0, expiresAt: T0 + 7_200_000 });
    expect(await tokens.get()).toBe('just-fetched');
    expect(fetched).toEqual([]);
  });

  it('the reuse window ends exactly one interval (plus slack) after the fetch', async () => {
    // 150 s: due at 120 s; fetched 125 s ago is the end of the window.
    const { tokens, fetched } = manager(150);
    await tokens.get();
    at(124_999);
    expect(await tokens.get()).toBe('t1');
    at(125_000);
    expect(await tokens.get()).toBe('t2');
    expect(fetched).toEqual([0, 125_000]);
  });

  it('a failed refetch after 40017 does not leave the failed token in use', async () => {
    let fail = false;
    let count = 0;
    const tokens = new TokenManager({
      store: new MemoryTokenStore(),
      key: 'refetch',
      minFetchIntervalMs: 0,
      fetch: async () => {
        if (fail) throw new Error('token endpoint down');
        count++;
        return { token: `f${count}`, expiresInSeconds: 7200 };
      },
    });
    expect(await tokens.get()).toBe('f1');
    fail = true;
    await expect(tokens.invalidate('f1')).rejects.toThrow('token endpoint down');
    fail = false;
    expect(await tokens.get()).toBe('f2');
  });

  it('the rejected token is never taken back from a store that still holds it', async () => {
    // A shared store whose delete lost a race: it still holds the token the gateway refused.
    const store = new CountingStore();
    store.deletes = false;
    const { tokens, fetched } = manager(7200, {}, store);
    expect(await tokens.get()).toBe('t1');
    expect(await tokens.invalidate('t1')).toBe('t2');
    expect(fetched).toEqual([0, 0]);
  });

  it('during a pause, the rejected token still in the store is not used', async () => {
    const store = new CountingStore();
    store.deletes = false;
    let refuse = false;
    const tokens = new TokenManager({
      store,
      key: 'pause-rejected',
      fetch: async () => {
        if (refuse) throw new GatewayError({ level: 'business', code: '60048', message: 'x' });
        return { token: 'only', expiresInSeconds: 7200 };
      },
    });
    await tokens.get();
    refuse = true;
    at(200_000);
    await expect(tokens.invalidate('only')).rejects.toBeInstanceOf(GatewayError);
    await expect(tokens.invalidate('only')).rejects.toMatchObject({ gatewayCode: '60048' });
  });

  it('another gateway error is not a refusal to remember: the next call fetches again', async () => {
    let calls = 0;
    const tokens = new TokenManager({
      store: new MemoryTokenStore(),
      key: 'other-code',
      fetch: async () => {
        calls++;
        if (calls === 1) throw new GatewayError({ level: 'system', code: '40004', message: 'sign' });
        return { token: 'ok', expiresInSeconds: 7200 };
      },
    });
    await expect(tokens.get()).rejects.toMatchObject({ gatewayCode: '40004' });
    expect(await tokens.get()).toBe('ok');
  });

  it('a refusal with a code the table does not list at its level still explains itself', async () => {
    const tokens = new TokenManager({
      store: new MemoryTokenStore(),
      key: 'system-60048',
      fetch: async () => {
        throw new GatewayError({ level: 'system', code: '60048', message: 'x' });
      },
    });
    const e = await tokens.get().then(
      () => {
        throw new Error('fetched');
      },
      (err: GatewayError) => err,
    );
    expect(e.message).toContain('the gateway refused a token fetch (60048 ). It allows one fetch');
  });
});

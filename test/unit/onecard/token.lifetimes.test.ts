/** TokenManager rules that need no gateway: lifetimes the SDK can live with, and the paused fetches after 60048. */
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { MemoryTokenStore, type StoredToken } from '../../../src/core/token-store.js';
import { TokenManager } from '../../../src/onecard/token.js';

const DAY_MS = 86_400_000;
const refusal = () =>
  new GatewayError({ level: 'business', code: '60048', message: 'access_token调用次数超限' });

function manager(fetch: () => Promise<{ token: string; expiresInSeconds: number }>, interval = 120_000) {
  const store = new MemoryTokenStore();
  let calls = 0;
  const tokens = new TokenManager({
    store,
    key: 'k',
    minFetchIntervalMs: interval,
    fetch: () => {
      calls++;
      return fetch();
    },
  });
  return { store, tokens, calls: () => calls };
}

const lifetime = (t: StoredToken | undefined) => (t ? t.expiresAt - t.fetchedAt : NaN);

describe('token lifetimes', () => {
  it.each([
    // The 2-minute fetch interval plus 5 s of slack: no lifetime lapses before the next fetch is allowed.
    ['0', 0, 125_000],
    ['negative', -5, 125_000],
    ['shorter than the fetch interval (30 s)', 30, 125_000],
    ['NaN (a non-numeric string)', Number.NaN, 125_000],
    ['Infinity', Number.POSITIVE_INFINITY, 125_000],
    ['absurdly long (about 3,000 years)', 1e11, 30 * DAY_MS],
    ['ordinary (7200 s)', 7200, 7_200_000],
  ])('expires_in %s → a lifetime of the expected length', async (_, seconds, expectedMs) => {
    const { store, tokens } = manager(async () => ({ token: 't1', expiresInSeconds: seconds }));
    await tokens.get();
    expect(lifetime(await store.get('k'))).toBe(expectedMs);
  });

  it('a token with a non-positive lifetime is reused until the 2-minute interval has passed', async () => {
    const { tokens, calls } = manager(async () => ({ token: 't1', expiresInSeconds: 0 }));
    for (let i = 0; i < 10; i++) expect(await tokens.get()).toBe('t1');
    expect(calls()).toBe(1);
  });
});

describe('a refused fetch (60048) is remembered', () => {
  it('calls after the refusal fail fast with the rule and the fixes, without another fetch', async () => {
    const { tokens, calls } = manager(async () => {
      throw refusal();
    });
    const first = await tokens.get().catch((e) => e);
    const later = await Promise.all(Array.from({ length: 5 }, () => tokens.get().catch((e) => e)));
    expect(calls()).toBe(1);
    for (const err of [first, ...later]) {
      expect(err).toBeInstanceOf(GatewayError);
      expect(err.gatewayCode).toBe('60048');
      expect(err.message).toContain('60048 access_token调用次数超限');
      expect(err.message).toMatch(/one fetch per app key every 2 minutes/);
      expect(err.message).toMatch(/share one token store .*RedisTokenStore/);
      expect(err.message).toMatch(/no new fetch is tried before \d{4}-\d\d-\d\dT/);
    }
    expect(later[0].message).toMatch(/paused/);
  });

  it.each([
    ['business', '60066', '间隔时间太短'],
    ['system', '40014', '调用次数超限'],
  ] as const)(
    'a token fetch refused with %s code %s pauses fetching as well, and keeps its code',
    async (level, code, zh) => {
      const { tokens, calls } = manager(async () => {
        throw new GatewayError({ level, code, message: zh });
      });
      const errs = [await tokens.get().catch((e) => e), await tokens.get().catch((e) => e)];
      expect(calls()).toBe(1);
      for (const err of errs) {
        expect(err).toMatchObject({ level, gatewayCode: code });
        expect(err.message).toContain(`${code} ${zh}`);
        expect(err.message).toMatch(/one fetch per app key every 2 minutes/);
      }
    },
  );

  it('another manager on the same store and key shares the refusal', async () => {
    const store = new MemoryTokenStore();
    let calls = 0;
    const make = () =>
      new TokenManager({
        store,
        key: 'shared',
        fetch: async () => {
          calls++;
          throw refusal();
        },
      });
    await make()
      .get()
      .catch(() => undefined);
    const err = await make()
      .get()
      .catch((e) => e);
    expect(err.gatewayCode).toBe('60048');
    expect(calls).toBe(1);
  });

  it('during the pause, a token another process put in the shared store is used', async () => {
    const { store, tokens, calls } = manager(async () => {
      throw refusal();
    });
    await tokens.get().catch(() => undefined);
    const now = Date.now();
    await store.set('k', { token: 'from-elsewhere', fetchedAt: now, expiresAt: now + 7_200_000 });
    expect(await tokens.get()).toBe('from-elsewhere');
    expect(calls()).toBe(1);
  });

  it('once the interval has passed, a fetch is tried again', async () => {
    let refuse = true;
    const { tokens, calls } = manager(async () => {
      if (refuse) throw refusal();
      return { token: 't2', expiresInSeconds: 7200 };
    }, 30);
    await tokens.get().catch(() => undefined);
    refuse = false;
    await new Promise((r) => setTimeout(r, 60));
    expect(await tokens.get()).toBe('t2');
    expect(calls()).toBe(2);
  });

  it('other errors are not remembered: the next call fetches again', async () => {
    let n = 0;
    const { tokens } = manager(async () => {
      if (n++ === 0) throw new Error('connection reset');
      return { token: 't3', expiresInSeconds: 7200 };
    });
    await expect(tokens.get()).rejects.toThrow('connection reset');
    expect(await tokens.get()).toBe('t3');
  });
});

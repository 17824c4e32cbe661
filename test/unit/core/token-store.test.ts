/**
 * The TokenStore contract as the client enforces it: a store that throws, hangs or returns a malformed
 * record gives a typed StoreError before anything is sent; the call's abort and deadline end a wait on the
 * store or on the shared token fetch at once, without cancelling that fetch for the other callers.
 */
import { inspect } from 'node:util';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ConfigurationError,
  MemoryTokenStore,
  OneCardClient,
  type StoredToken,
  StoreError,
  type TokenLock,
  TransportError,
  tokenKey,
} from '../../../src/index.js';
import { TokenManager } from '../../../src/onecard/token.js';
import { oneCardOptions } from '../../helpers/keys.js';
// Not node:http itself before nock: nock intercepts only what is loaded after it.
import { startMerchant } from '../../helpers/merchant.js';
import { mockOneCard, type SeenRequest, tokenAnswer } from '../../helpers/mock-onecard.js';
import { captureFindings, registerSecret } from '../../helpers/secret-scan.js';
import { waitFor } from '../../helpers/timeouts.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  vi.useRealTimers();
});
afterAll(() => nock.enableNetConnect());

type Op = 'get' | 'set' | 'delete' | 'lock' | 'release';
/** `throw` a plain Error, `hang` forever, or answer `value` instead of the stored one. */
type Behaviour = 'throw' | 'hang' | { value: unknown };

/** A shared store as an integrator might write one, misbehaving on the operations it is told to. */
class StubStore extends MemoryTokenStore {
  readonly calls: Op[] = [];
  constructor(private readonly on: Partial<Record<Op, Behaviour>> = {}) {
    super();
  }
  act<T>(op: Op, real: () => Promise<T>): Promise<T> {
    this.calls.push(op);
    const b = this.on[op];
    if (b === 'throw') return Promise.reject(new Error(`the store's own ${op} failure`));
    if (b === 'hang') return new Promise<T>(() => {});
    if (b) return Promise.resolve(b.value as T);
    return real();
  }
  override get(key: string) {
    return this.act('get', () => super.get(key));
  }
  override set(key: string, value: StoredToken) {
    return this.act('set', () => super.set(key, value));
  }
  override delete(key: string, token: string) {
    return this.act('delete', () => super.delete(key, token));
  }
  lock(): Promise<TokenLock | undefined> {
    return this.act('lock', async () => ({ release: () => this.act('release', async () => {}) }));
  }
}

const TOKEN_METHOD = 'synjones.authorize.access_token';
/** What reached the gateway besides token fetches. */
const business = (seen: SeenRequest[]) => seen.map((r) => r.fields.method).filter((m) => m !== TOKEN_METHOD);

const PAY = {
  barcode: '1234567890123456789012',
  mercacc: '1000060',
  tranamt: 100,
  dineseq: '1',
  posnum: '7',
};
/** A gateway that answers everything: the tests show what was (not) sent to it. */
const gateway = () =>
  mockOneCard((m) =>
    m === TOKEN_METHOD
      ? tokenAnswer(1)
      : m.endsWith('card')
        ? { data: { card: [] } }
        : { data: { account: '10001', tranamt: '100' } },
  );
const client = (store: StubStore, extra: object = {}) =>
  new OneCardClient({ ...oneCardOptions, tokenStore: store, ...extra });
const rejection = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('succeeded');
    },
    (e: unknown) => e as StoreError & TransportError,
  );
/** Short enough that a hanging store fails fast; only the typed outcome is asserted, never a duration. */
const SHORT = { storeTimeoutMs: 30 };

describe('a money call with a store that throws or hangs: StoreError, nothing sent', () => {
  it.each<[Op, Behaviour, string]>([
    ['get', 'throw', 'threw'],
    ['get', 'hang', 'timeout'],
    ['lock', 'throw', 'threw'],
    ['lock', 'hang', 'timeout'],
    ['set', 'throw', 'threw'],
    ['set', 'hang', 'timeout'],
  ])('%s that does %s → reason %s', async (op, behaviour, reason) => {
    const { seen } = gateway();
    const store = new StubStore({ [op]: behaviour });
    const e = await rejection(client(store, SHORT).payByBarcode(PAY));
    expect(e).toBeInstanceOf(StoreError);
    expect([e.code, e.store, e.operation, e.reason]).toEqual(['store', 'token', op, reason]);
    expect([e.method, e.wireMethod]).toEqual(['payByBarcode', 'synjones.onecard.barcode.pay']);
    // The store's own error is kept by name only (its properties may hold what it was given).
    if (reason === 'threw') expect((e.cause as Error).message).toBe('Error');
    expect(business(seen)).toEqual([]);
    // Only a failing `set` comes after the token fetch.
    expect(seen.length).toBe(op === 'set' ? 1 : 0);
  });

  it('a set that fails with the token on its error (ioredis keeps command arguments) leaks none of it', async () => {
    const { seen } = gateway();
    // The token the mock gateway issues, registered so the suite's scan looks for it in every view.
    registerSecret('mock access token', tokenAnswer(1).data.access_token);
    class LeakyStore extends StubStore {
      override async set(key: string, value: StoredToken): Promise<void> {
        throw Object.assign(new Error('READONLY You cannot write against a read only replica.'), {
          name: 'ReplyError',
          code: 'READONLY',
          command: { name: 'set', args: [key, JSON.stringify(value)] },
          lastValue: value.token,
        });
      }
    }
    const findings = await captureFindings(async () => {
      const e = await rejection(client(new LeakyStore()).payByBarcode(PAY));
      expect([e.store, e.operation, e.reason]).toEqual(['token', 'set', 'threw']);
      expect((e.cause as Error).message).toBe('ReplyError READONLY');
      expect(inspect(e, { depth: 10 })).not.toContain(tokenAnswer(1).data.access_token);
    });
    expect(findings).toEqual([]);
    expect(business(seen)).toEqual([]);
  });

  it('a set that failed keeps the fetched token in this process: the next call does not fetch again', async () => {
    const { seen } = gateway();
    const c = client(new StubStore({ set: 'throw' }));
    await rejection(c.payByBarcode(PAY));
    await c.queryCard({ idtype: 'sno', id: '1' });
    expect(seen.map((r) => r.fields.method)).toEqual([TOKEN_METHOD, 'synjones.onecard.query.card']);
    expect(seen[1]!.fields.access_token).toBe('token-1');
  });

  it('a lock whose release throws or hangs does not fail the call (the lock lapses on its TTL)', async () => {
    for (const release of ['throw', 'hang'] as const) {
      const { seen } = gateway();
      const store = new StubStore({ release });
      await expect(client(store, SHORT).payByBarcode(PAY)).resolves.toMatchObject({ tranamt: 100 });
      expect(store.calls).toContain('release');
      expect(business(seen)).toEqual(['synjones.onecard.barcode.pay']);
      nock.cleanAll();
    }
  });

  it('a delete that throws after 40017 is a StoreError; the refused call is not resent', async () => {
    let first = true;
    const { seen } = mockOneCard((m) => {
      if (m === TOKEN_METHOD) return tokenAnswer(seen.length);
      if (first) {
        first = false;
        return { errcode: '40017' };
      }
      return { data: { card: [] } };
    });
    const e = await rejection(
      client(new StubStore({ delete: 'throw' })).queryCard({ idtype: 'sno', id: '1' }),
    );
    expect([e.constructor, e.operation, e.reason, e.method]).toEqual([
      StoreError,
      'delete',
      'threw',
      'queryCard',
    ]);
    expect(business(seen)).toEqual(['synjones.onecard.query.card']);
  });
});

describe('a malformed stored record is a StoreError (malformed), never sent', () => {
  const now = Date.now();
  it.each<[string, unknown]>([
    [
      'a token that is an object (sent as "[object Object]" before)',
      { token: { v: 'x' }, expiresAt: now + 7_200_000, fetchedAt: now },
    ],
    ['an empty token', { token: '', expiresAt: now + 7_200_000, fetchedAt: now }],
    ['a numeric token', { token: 42, expiresAt: now + 7_200_000, fetchedAt: now }],
    ['expiresAt as a string', { token: 't', expiresAt: String(now + 7_200_000), fetchedAt: now }],
    ['expiresAt NaN', { token: 't', expiresAt: Number.NaN, fetchedAt: now }],
    ['fetchedAt Infinity', { token: 't', expiresAt: now + 7_200_000, fetchedAt: Number.POSITIVE_INFINITY }],
    ['fetchedAt missing', { token: 't', expiresAt: now + 7_200_000 }],
    ['a bare string', 'token-as-text'],
    ['a number', 7],
  ])('%s', async (_what, record) => {
    const { seen } = gateway();
    const e = await rejection(client(new StubStore({ get: { value: record } })).payByBarcode(PAY));
    expect(e).toBeInstanceOf(StoreError);
    expect([e.store, e.operation, e.reason]).toEqual(['token', 'get', 'malformed']);
    expect(e.message).toBe('payByBarcode: token store get: returned a malformed token record');
    expect(seen).toEqual([]);
  });

  it('no record (undefined or null) is not malformed: a token is fetched', async () => {
    for (const value of [undefined, null]) {
      const { seen } = gateway();
      await client(new StubStore({ get: { value } })).queryCard({ idtype: 'sno', id: '1' });
      expect(business(seen)).toEqual(['synjones.onecard.query.card']);
      nock.cleanAll();
    }
  });

  it('a lock handle without release() is a StoreError (malformed)', async () => {
    const { seen } = gateway();
    const e = await rejection(client(new StubStore({ lock: { value: { ok: true } } })).payByBarcode(PAY));
    expect([e.operation, e.reason]).toEqual(['lock', 'malformed']);
    expect(seen).toEqual([]);
  });
});

describe('the call’s abort and deadline end a wait on a hanging store at once', () => {
  // The store timeout is as long as allowed: only the abort or the deadline can end these calls.
  const LONG = { storeTimeoutMs: 600_000 };

  it('an abort while the store hangs rejects the call, the store still hanging; nothing sent', async () => {
    vi.useFakeTimers();
    const { seen } = gateway();
    const store = new StubStore({ get: 'hang' });
    const ac = new AbortController();
    const call = rejection(client(store, LONG).payByBarcode(PAY, { signal: ac.signal }));
    await vi.advanceTimersByTimeAsync(0);
    expect(store.calls).toEqual(['get']);
    ac.abort();
    const e = await call; // no timer advanced: the abort alone ends it
    expect(e).toBeInstanceOf(StoreError);
    expect([e.operation, e.reason, e.method]).toEqual(['get', 'aborted', 'payByBarcode']);
    expect(seen).toEqual([]);
  });

  it('the deadline (deadlineMs) ends it at that time, not a tick before', async () => {
    vi.useFakeTimers();
    const { seen } = gateway();
    let done = false;
    const call = rejection(
      client(new StubStore({ lock: 'hang' }), LONG).payByBarcode(PAY, { deadlineMs: 300 }),
    );
    void call.finally(() => (done = true));
    await vi.advanceTimersByTimeAsync(299);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const e = await call;
    expect([e.constructor, e.operation, e.reason]).toEqual([StoreError, 'lock', 'timeout']);
    expect(e.message).toMatch(/deadline passed before the store answered/);
    expect(seen).toEqual([]);
  });
});

describe('the token fetch is shared: one caller’s abort or deadline ends only its own wait', () => {
  /** A manager whose token request stays open until `answer()`. */
  function pendingFetch() {
    let answer: () => void = () => {};
    let fetches = 0;
    const tokens = new TokenManager({
      store: new MemoryTokenStore(),
      key: 'shared-fetch',
      fetch: () => {
        fetches++;
        return new Promise((r) => {
          answer = () => r({ token: 'the-token', expiresInSeconds: 7200 });
        });
      },
    });
    return { tokens, answer: () => answer(), fetches: () => fetches };
  }

  it('abort: that caller gets a TransportError at once (nothing of its call sent); the others get the token', async () => {
    vi.useFakeTimers();
    const f = pendingFetch();
    const ac = new AbortController();
    const aborted = rejection(f.tokens.get({ signal: ac.signal }));
    const patient = f.tokens.get();
    await vi.advanceTimersByTimeAsync(0);
    ac.abort();
    const e = await aborted;
    expect(e).toBeInstanceOf(TransportError);
    expect([e.mayHaveReachedGateway, e.causeCode, e.timedOut]).toEqual([false, 'ERR_CANCELED', false]);
    expect(e.message).toMatch(/aborted while waiting for the access token; the call itself was not sent/);
    f.answer();
    expect(await patient).toBe('the-token');
    expect(f.fetches()).toBe(1);
  });

  it('deadline: that caller times out; the fetch goes on for the others', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const f = pendingFetch();
    const late = rejection(f.tokens.get({ deadline: 1_000_250 }));
    const patient = f.tokens.get();
    await vi.advanceTimersByTimeAsync(250);
    const e = await late;
    expect([e.constructor, e.timedOut, e.mayHaveReachedGateway]).toEqual([TransportError, true, false]);
    f.answer();
    expect(await patient).toBe('the-token');
    expect(f.fetches()).toBe(1);
  });

  it('a caller already aborted or out of time starts no fetch', async () => {
    const f = pendingFetch();
    const ac = new AbortController();
    ac.abort();
    await rejection(f.tokens.get({ signal: ac.signal }));
    await rejection(f.tokens.get({ deadline: Date.now() - 1 }));
    expect(f.fetches()).toBe(0);
  });

  it('a lock taken after its timeout is released, not held until its TTL', async () => {
    vi.useFakeTimers();
    let grant: (l: TokenLock) => void = () => {};
    let released = 0;
    const store = new MemoryTokenStore() as MemoryTokenStore & { lock: () => Promise<TokenLock> };
    store.lock = () => new Promise<TokenLock>((r) => (grant = r));
    const tokens = new TokenManager({
      store,
      key: 'late-lock',
      storeTimeoutMs: 100,
      fetch: async () => ({ token: 't', expiresInSeconds: 7200 }),
    });
    const got = rejection(tokens.get());
    await vi.advanceTimersByTimeAsync(100);
    expect([(await got).operation, (await got).reason]).toEqual(['lock', 'timeout']);
    grant({ release: async () => void released++ });
    await vi.advanceTimersByTimeAsync(0);
    expect(released).toBe(1);
  });
});

describe('a token request that hangs, over real HTTP', () => {
  let silent: Awaited<ReturnType<typeof startMerchant>>;
  const methods: string[] = [];
  beforeAll(async () => {
    nock.enableNetConnect('127.0.0.1');
    // A gateway that reads each request and never answers it.
    silent = await startMerchant((req) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => methods.push(new URLSearchParams(body).get('method') ?? ''));
    });
  });
  afterAll(async () => {
    await silent.close();
    nock.disableNetConnect();
  });

  it('an abort ends the money call at once, not when the token request times out; it was not sent', async () => {
    const c = new OneCardClient({
      ...oneCardOptions,
      gatewayUrl: `${silent.url}/gw`,
      tokenStore: new MemoryTokenStore(),
      // Only the abort can end this call within the test's time.
      timeoutMs: 600_000,
    });
    const ac = new AbortController();
    const call = rejection(c.payByBarcode(PAY, { signal: ac.signal }));
    await waitFor('the token request to arrive', () => methods.length > 0, { everyMs: 5 });
    expect(methods).toEqual([TOKEN_METHOD]);
    ac.abort();
    const e = await call;
    expect(e).toBeInstanceOf(TransportError);
    expect([e.mayHaveReachedGateway, e.causeCode]).toEqual([false, 'ERR_CANCELED']);
    expect(methods).toEqual([TOKEN_METHOD]);
  });
});

describe('storeTimeoutMs', () => {
  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY, 600_001])('%s is refused at construction', (v) => {
    expect(() => client(new StubStore(), { storeTimeoutMs: v })).toThrow(ConfigurationError);
    expect(() => client(new StubStore(), { storeTimeoutMs: v })).toThrow(
      'storeTimeoutMs: must be a finite number of milliseconds from 1 to 600000',
    );
  });
});

describe('tokenKey: one key per gateway and app key, however the URL is spelt', () => {
  it.each([
    ['http://card.test:8899/onecard/uap/gateway.action', 'http://card.test:8899/onecard/uap/gateway.action'],
    ['HTTP://Card.Test:8899/onecard/uap/gateway.action', 'http://card.test:8899/onecard/uap/gateway.action'],
    ['https://card.test:443/gw', 'https://card.test/gw'],
    ['http://card.test:80/', 'http://card.test'],
    ['https://user:pa55@card.test/gw?app_secret=s#frag', 'https://card.test/gw'],
  ])('%s', (url, normal) => {
    expect(tokenKey(url, 'app-1')).toBe(`campus-pay:onecard:token:${normal}:app-1`);
  });

  it('keeps two gateways, and two app keys, apart', () => {
    const keys = new Set([
      tokenKey('http://a.test/gw', 'k'),
      tokenKey('http://b.test/gw', 'k'),
      tokenKey('http://a.test/gw', 'k2'),
      tokenKey('http://a.test:8080/gw', 'k'),
      tokenKey('http://a.test/gw2', 'k'),
    ]);
    expect(keys.size).toBe(5);
  });
});

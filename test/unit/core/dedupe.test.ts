import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type ClaimState,
  DEFAULT_STORE_TIMEOUT_MS,
  type DedupeStore,
  DuplicateInFlightError,
  deduplicate,
  MemoryDedupeStore,
  StoreError,
} from '../../../src/index.js';

// The store's expiry reads the clock; a fake clock makes "exactly at the TTL" a fact, not a race.
afterEach(() => {
  vi.useRealTimers();
});

const DAY = 24 * 3600_000;

/** A store as an integrator would write one (e.g. over their own database), recording every call. */
class RecordingStore implements DedupeStore {
  readonly calls: string[] = [];
  constructor(private readonly answer: ClaimState) {}
  async claim(key: string, ttlMs: number): Promise<ClaimState> {
    this.calls.push(`claim ${key} ${ttlMs}`);
    return this.answer;
  }
  async complete(key: string, ttlMs: number): Promise<void> {
    this.calls.push(`complete ${key} ${ttlMs}`);
  }
  async release(key: string): Promise<void> {
    this.calls.push(`release ${key}`);
  }
}

describe('MemoryDedupeStore', () => {
  it('answers claimed, then processing while the claim lives, and claimed again once it expired', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const store = new MemoryDedupeStore();
    expect(await store.claim('k', 1_000)).toBe('claimed');
    vi.setSystemTime(1_000_999);
    expect(await store.claim('k', 1_000)).toBe('processing');
    // A claim lasts ttlMs: at exactly ttlMs later it is gone, so a stuck delivery cannot block forever.
    vi.setSystemTime(1_001_000);
    expect(await store.claim('k', 1_000)).toBe('claimed');
  });

  it('a done key stays done until its TTL, and release() does not undo it', async () => {
    vi.useFakeTimers({ now: 5_000 });
    const store = new MemoryDedupeStore();
    expect(await store.claim('k', 60_000)).toBe('claimed');
    await store.complete('k', 10_000);
    // A late release (e.g. from a duplicate that failed) must not make a processed notice run again.
    await store.release('k');
    expect(await store.claim('k', 60_000)).toBe('done');
    vi.setSystemTime(15_000);
    expect(await store.claim('k', 60_000)).toBe('claimed');
  });

  it('release() drops a live claim and ignores a key it never saw', async () => {
    const store = new MemoryDedupeStore();
    await expect(store.release('never-claimed')).resolves.toBeUndefined();
    expect(await store.claim('k', 60_000)).toBe('claimed');
    await store.release('k');
    expect(await store.claim('k', 60_000)).toBe('claimed');
  });

  it('past 10 000 keys it sweeps only expired entries: live claims still hold', async () => {
    vi.useFakeTimers({ now: 0 });
    const store = new MemoryDedupeStore();
    for (let i = 0; i < 10_001; i++) await store.claim(`live-${i}`, 60_000);
    await store.complete('done', 60_000);
    await store.claim('trigger', 60_000);
    expect(await store.claim('live-0', 60_000)).toBe('processing');
    expect(await store.claim('live-10000', 60_000)).toBe('processing');
    expect(await store.claim('done', 60_000)).toBe('done');
  });
});

describe('deduplicate with an integrator’s store', () => {
  const notice = { out_trade_no: 'D1' };

  it('claims under a stable, namespaced key for 60 s, completes for 8 days, runs the callback once', async () => {
    const store = new RecordingStore('claimed');
    let runs = 0;
    await deduplicate({
      store,
      key: (n: typeof notice) => n.out_trade_no,
      onNotification: () => void runs++,
    })(notice);
    // The key is shared across processes and versions (Redis): it must not change under the user.
    expect(store.calls).toEqual([
      'claim campus-pay:notice:D1 60000',
      `complete campus-pay:notice:D1 ${8 * DAY}`,
    ]);
    expect(runs).toBe(1);
  });

  it('honours processingTtlMs and doneTtlMs', async () => {
    const store = new RecordingStore('claimed');
    await deduplicate({
      store,
      key: (n: typeof notice) => n.out_trade_no,
      onNotification: () => {},
      processingTtlMs: 5,
      doneTtlMs: 7,
    })(notice);
    expect(store.calls).toEqual(['claim campus-pay:notice:D1 5', 'complete campus-pay:notice:D1 7']);
  });

  it('a done key is acknowledged without running the callback', async () => {
    const store = new RecordingStore('done');
    let runs = 0;
    await deduplicate({
      store,
      key: (n: typeof notice) => n.out_trade_no,
      onNotification: () => void runs++,
    })(notice);
    expect(runs).toBe(0);
    expect(store.calls).toEqual(['claim campus-pay:notice:D1 60000']);
  });

  it('a key in flight elsewhere is refused with DuplicateInFlightError (code duplicate), callback not run', async () => {
    const store = new RecordingStore('processing');
    let runs = 0;
    const err = await deduplicate({
      store,
      key: (n: typeof notice) => n.out_trade_no,
      onNotification: () => void runs++,
    })(notice).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DuplicateInFlightError);
    expect((err as DuplicateInFlightError).code).toBe('duplicate');
    expect((err as DuplicateInFlightError).name).toBe('DuplicateInFlightError');
    expect((err as DuplicateInFlightError).message).toBe(
      'notification: the same notice is being processed by another delivery; the gateway will retry',
    );
    expect(runs).toBe(0);
  });

  it('a failing callback releases its claim and rethrows the same error, without completing', async () => {
    const store = new RecordingStore('claimed');
    const boom = new Error('db down');
    const err = await deduplicate({
      store,
      key: (n: typeof notice) => n.out_trade_no,
      onNotification: () => {
        throw boom;
      },
    })(notice).catch((e: unknown) => e);
    expect(err).toBe(boom);
    expect(store.calls).toEqual(['claim campus-pay:notice:D1 60000', 'release campus-pay:notice:D1']);
  });
});

describe('deduplicate with a store that fails, hangs or answers nonsense', () => {
  const notice = { out_trade_no: 'D2' };
  type Op = 'claim' | 'complete' | 'release';
  /** Misbehaves on the operations it is told to: `throw` a plain Error, `hang` forever, or answer `value`. */
  class BrokenStore extends MemoryDedupeStore {
    readonly calls: Op[] = [];
    constructor(private readonly on: Partial<Record<Op, 'throw' | 'hang' | { value: unknown }>>) {
      super();
    }
    act<T>(op: Op, real: () => Promise<T>): Promise<T> {
      this.calls.push(op);
      const b = this.on[op];
      if (b === 'throw') return Promise.reject(new Error(`${op}: connection lost`));
      if (b === 'hang') return new Promise<T>(() => {});
      return b ? Promise.resolve(b.value as T) : real();
    }
    override claim(key: string, ttl: number) {
      return this.act('claim', () => super.claim(key, ttl));
    }
    override complete(key: string, ttl: number) {
      return this.act('complete', () => super.complete(key, ttl));
    }
    override release(key: string) {
      return this.act('release', () => super.release(key));
    }
  }
  const run = (store: DedupeStore, callback: () => unknown = () => {}, storeTimeoutMs?: number) =>
    deduplicate({
      store,
      key: (n: typeof notice) => n.out_trade_no,
      onNotification: callback,
      ...(storeTimeoutMs ? { storeTimeoutMs } : {}),
    })(notice).then(
      () => {
        throw new Error('succeeded');
      },
      (e: unknown) => e as StoreError,
    );

  it('a claim that throws: StoreError (threw), the callback not run', async () => {
    let runs = 0;
    const e = await run(new BrokenStore({ claim: 'throw' }), () => runs++);
    expect(e).toBeInstanceOf(StoreError);
    expect([e.code, e.store, e.operation, e.reason]).toEqual(['store', 'dedupe', 'claim', 'threw']);
    expect((e.cause as Error).message).toBe('Error'); // its name only: see store-call.test.ts
    expect(runs).toBe(0);
  });

  it('a claim that hangs: StoreError (timeout) after storeTimeoutMs (default 5 s), the callback not run', async () => {
    vi.useFakeTimers();
    let runs = 0;
    let settled = false;
    const p = run(new BrokenStore({ claim: 'hang' }), () => runs++);
    void p.finally(() => (settled = true));
    await vi.advanceTimersByTimeAsync(DEFAULT_STORE_TIMEOUT_MS - 1);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect([(await p).operation, (await p).reason]).toEqual(['claim', 'timeout']);
    expect(runs).toBe(0);
  });

  it('storeTimeoutMs is honoured, and checked when the wrapper is made', async () => {
    vi.useFakeTimers();
    const p = run(new BrokenStore({ claim: 'hang' }), () => {}, 50);
    await vi.advanceTimersByTimeAsync(50);
    expect((await p).message).toBe('dedupe store claim: no answer within 50 ms');
    expect(() =>
      deduplicate({
        store: new MemoryDedupeStore(),
        key: String,
        onNotification: () => {},
        storeTimeoutMs: 0,
      }),
    ).toThrow('storeTimeoutMs: must be a finite number of milliseconds from 1 to 600000');
  });

  it.each([undefined, null, 'maybe', 1, { state: 'claimed' }])(
    'a claim answered %j is malformed: the callback not run',
    async (value) => {
      let runs = 0;
      const e = await run(new BrokenStore({ claim: { value } }), () => runs++);
      expect([e.constructor, e.operation, e.reason]).toEqual([StoreError, 'claim', 'malformed']);
      expect(e.message).toBe('dedupe store claim: returned a malformed claim state');
      expect(runs).toBe(0);
    },
  );

  it.each(['throw', 'hang'] as const)(
    'a complete that does %s: StoreError after the callback ran once (the gateway will deliver again)',
    async (b) => {
      let runs = 0;
      const e = await run(new BrokenStore({ complete: b }), () => runs++, 20);
      expect([e.operation, e.reason]).toEqual(['complete', b === 'throw' ? 'threw' : 'timeout']);
      // Within the wrapper's own storeTimeoutMs, not the default.
      if (b === 'hang') expect(e.message).toBe('dedupe store complete: no answer within 20 ms');
      expect(runs).toBe(1);
    },
  );

  it.each(['throw', 'hang'] as const)(
    'a failing callback whose release does %s: the callback’s own error is thrown',
    async (b) => {
      vi.useFakeTimers();
      const boom = new Error('db down');
      const store = new BrokenStore({ release: b });
      let settled = false;
      const p = run(
        store,
        () => {
          throw boom;
        },
        20,
      );
      void p.finally(() => (settled = true));
      // A hung release is given up after the wrapper's storeTimeoutMs, not the default 5 s.
      await vi.advanceTimersByTimeAsync(20);
      expect(settled).toBe(true);
      const e = await p;
      expect(e).toBe(boom);
      expect(store.calls).toEqual(['claim', 'release']);
    },
  );

  it.each([
    ['claimed', ['campus-pay:notice:D2']],
    ['processing', []],
    ['done', []],
  ] as const)(
    'a claim answered %s after it timed out: released only if it is ours, so the next delivery is not refused',
    async (late, expected) => {
      vi.useFakeTimers();
      let grant: (s: ClaimState) => void = () => {};
      const store = new BrokenStore({});
      const released: string[] = [];
      store.claim = () => new Promise<ClaimState>((r) => (grant = r));
      store.release = async (key) => void released.push(key);
      const p = run(store, () => {}, 100);
      await vi.advanceTimersByTimeAsync(100);
      expect((await p).reason).toBe('timeout');
      grant(late);
      await vi.advanceTimersByTimeAsync(0);
      // processing and done are another delivery's claim: releasing it would let the notice run twice.
      expect(released).toEqual(expected);
    },
  );
});

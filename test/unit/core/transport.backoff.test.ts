import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../../../src/core/errors.js';
import { type AttemptResult, Transport, type TransportOptions } from '../../../src/core/transport.js';

/**
 * Backoff and hooks with an axios instance of this test's own (no sockets) on a fake clock: when the
 * next attempt may start is a fact of the timers, not of the machine's speed.
 */
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function fakeAxios(status = 503) {
  const calls: number[] = [];
  return {
    calls,
    async request() {
      calls.push(Date.now());
      return { status, data: new ArrayBuffer(0) };
    },
  };
}
const post = (t: Transport, extra: Record<string, unknown> = {}) =>
  t.post({ method: 'm', url: 'http://gw.test/x', form: {}, retry: 'safe', ...extra });

describe('backoff between retries', () => {
  it('waits random × retryBaseMs × 2^attempt before each retry', async () => {
    vi.useFakeTimers({ now: 0 });
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const axios = fakeAxios();
    const done = post(new Transport({ axios, retryBaseMs: 1_000 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(axios.calls).toEqual([0]);
    await vi.advanceTimersByTimeAsync(499);
    expect(axios.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(axios.calls).toEqual([0, 500]);
    await vi.advanceTimersByTimeAsync(999);
    expect(axios.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(axios.calls).toEqual([0, 500, 1_500]);
    expect((await done).status).toBe(503);
  });

  it('never waits past the call’s deadline', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const axios = fakeAxios();
    const done = post(new Transport({ axios, retryBaseMs: 1_000, maxRetries: 1 }), { deadlineMs: 300 });
    await vi.advanceTimersByTimeAsync(300);
    expect(axios.calls).toEqual([1_000_000, 1_000_300]);
    expect((await done).status).toBe(503);
  });

  it('no retry once the deadline is reached, to the millisecond', async () => {
    vi.useFakeTimers({ now: 0 });
    const axios = fakeAxios();
    const request = axios.request.bind(axios);
    // Each attempt takes exactly the 5 ms deadline: the first ends on it, so there is no second.
    axios.request = async () => {
      const out = await request();
      vi.setSystemTime(Date.now() + 5);
      return out;
    };
    const attempts: AttemptResult[] = [];
    const r = await post(
      new Transport({ axios, retryBaseMs: 0, hooks: { onResponse: (a) => void attempts.push(a) } }),
      { deadlineMs: 5 },
    );
    expect(r.status).toBe(503);
    expect(axios.calls).toHaveLength(1);
    expect(attempts.map((a) => a.willRetry)).toEqual([false]);
  });

  it('no time left before the first attempt: nothing is sent, and the error says so', async () => {
    vi.useFakeTimers({ now: 0 });
    const axios = fakeAxios();
    const err = await post(new Transport({ axios }), { deadlineMs: 0 }).catch((e) => e);
    expect(err).toMatchObject({ name: 'TransportError', mayHaveReachedGateway: false, timedOut: true });
    expect(axios.calls).toHaveLength(0);
  });

  it('a 500 is a server fault like 503: a query is retried; a 499 is not', async () => {
    for (const [status, calls] of [
      [500, 3],
      [499, 1],
    ] as const) {
      const axios = fakeAxios(status);
      await post(new Transport({ axios, retryBaseMs: 0 }));
      expect(axios.calls).toHaveLength(calls);
    }
  });
});

describe('options and hooks', () => {
  it.each([
    ['maxRetries', { maxRetries: 1.5 }, 'maxRetries: must be a finite integer from 0 to 10'],
    ['maxReplyBytes', { maxReplyBytes: 1.5 }, 'maxReplyBytes: must be a finite integer from 1 to 1073741824'],
  ])('%s must be an integer', (option, opts, message) => {
    let err: unknown;
    try {
      new Transport(opts as TransportOptions);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigurationError);
    expect([(err as ConfigurationError).option, (err as Error).message]).toEqual([option, message]);
  });

  it('durationMs is measured from the attempt’s start: never negative, never more than the call took', async () => {
    const attempts: AttemptResult[] = [];
    const before = performance.now();
    await post(new Transport({ axios: fakeAxios(200), hooks: { onResponse: (a) => void attempts.push(a) } }));
    const took = performance.now() - before;
    expect(attempts).toHaveLength(1);
    expect(attempts[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(attempts[0]!.durationMs).toBeLessThanOrEqual(took);
  });

  it('a hook that throws is reported to onHookError with its name, or else as a process warning', async () => {
    const boom = new Error('hook bug');
    const reported: unknown[] = [];
    const r = await post(
      new Transport({
        axios: fakeAxios(200),
        hooks: {
          onRequest: () => {
            throw boom;
          },
          onHookError: (e, name) => void reported.push([e, name]),
        },
      }),
    );
    expect(r.status).toBe(200);
    expect(reported).toEqual([[boom, 'onRequest']]);

    const warnings: Error[] = [];
    const onWarning = (w: Error) => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      await post(
        new Transport({
          axios: fakeAxios(200),
          hooks: {
            onResponse: () => {
              throw boom;
            },
          },
        }),
      );
      await new Promise((res) => setImmediate(res));
      // Only the throwing hook warns: a hook that is not defined is no error. (Other files share this
      // process, so Node's own warnings, e.g. a file handle closed on garbage collection, are left out.)
      const ours = warnings.filter(
        (w) => w.name.startsWith('CampusPay') || w.message.startsWith('campus-pay'),
      );
      expect(ours.map((w) => [w.name, w.message])).toEqual([
        ['CampusPayHookWarning', 'campus-pay: the onResponse hook threw; the call went on unchanged'],
      ]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

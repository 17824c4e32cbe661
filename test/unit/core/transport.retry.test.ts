import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TransportError } from '../../../src/core/errors.js';
import { type AttemptResult, Transport } from '../../../src/core/transport.js';
import { scaled } from '../../helpers/timeouts.js';

/**
 * The retry decision of each failure, against real sockets: a `query` (retry 'safe') is retried on any
 * transient fault; a money call ('never-after-send') only when its bytes provably never left. The server
 * counts what reached it, so "not resent" is a count, not a trust in the SDK's own hooks.
 */
type Behaviour = 'ok' | '503' | 'reset' | 'silent' | 'huge';
let behaviour: Behaviour = 'ok';
let received = 0;
/** Runs when a request has fully reached the server. */
let onReceived: () => void = () => {};
let server: Server;
let base = '';
let closedPort = 0;

beforeAll(async () => {
  server = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      onReceived();
      if (behaviour === 'ok') res.end('fine');
      else if (behaviour === '503') {
        res.statusCode = 503;
        res.end('busy');
      } else if (behaviour === 'reset') req.socket.destroy();
      else if (behaviour === 'huge') res.end(Buffer.alloc(4096, 'x'));
      // 'silent': never answers
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port that was just free: connecting to it is refused.
  const probe = createNetServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
});
afterEach(() => {
  onReceived = () => {};
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function transport(extra: ConstructorParameters<typeof Transport>[0] = {}) {
  const attempts: AttemptResult[] = [];
  const requests: number[] = [];
  const t = new Transport({
    retryBaseMs: 0,
    timeoutMs: scaled(2_000),
    hooks: {
      onRequest: (e) => void requests.push(e.attempt),
      onResponse: (r) => void attempts.push(r),
    },
    ...extra,
  });
  return { t, attempts, requests };
}
const post = (t: Transport, retry: 'safe' | 'never-after-send', opts: Record<string, unknown> = {}) =>
  t.post({ method: 'm', url: `${base}/gw`, form: { a: '1' }, retry, ...opts });
const fail = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('succeeded');
    },
    (e: unknown) => e as TransportError,
  );
const seen = (attempts: AttemptResult[]) =>
  attempts.map((a) => [a.attempt, a.status ?? a.error, a.willRetry]);

describe('transport retry decisions', () => {
  it('a success is returned at once, its status and body intact', async () => {
    behaviour = 'ok';
    received = 0;
    const { t, attempts } = transport();
    const r = await post(t, 'never-after-send');
    expect([r.status, r.body.toString()]).toEqual([200, 'fine']);
    expect(seen(attempts)).toEqual([[0, 200, false]]);
    expect(received).toBe(1);
  });

  it('5xx: a query is retried up to maxRetries, then the 5xx reply is returned; a money call never', async () => {
    behaviour = '503';
    received = 0;
    const q = transport();
    expect((await post(q.t, 'safe')).status).toBe(503);
    expect(seen(q.attempts)).toEqual([
      [0, 503, true],
      [1, 503, true],
      [2, 503, false],
    ]);
    expect(q.requests).toEqual([0, 1, 2]);
    expect(received).toBe(3);
    received = 0;
    const m = transport();
    expect((await post(m.t, 'never-after-send')).status).toBe(503);
    expect(seen(m.attempts)).toEqual([[0, 503, false]]);
    expect(received).toBe(1);
  });

  it('maxRetries is honoured (0: one attempt; 1: two)', async () => {
    behaviour = '503';
    for (const maxRetries of [0, 1]) {
      received = 0;
      const { t } = transport({ maxRetries });
      await post(t, 'safe');
      expect(received).toBe(maxRetries + 1);
    }
  });

  it('a reset after the request was sent: a money call is not resent and may have reached the gateway', async () => {
    behaviour = 'reset';
    received = 0;
    const m = transport();
    const e = await fail(post(m.t, 'never-after-send'));
    expect(e).toBeInstanceOf(TransportError);
    expect([e.mayHaveReachedGateway, e.timedOut, e.causeCode]).toEqual([true, false, 'ECONNRESET']);
    expect(e.message).toBe(`m: network failure (ECONNRESET, 127.0.0.1:${base.split(':')[2]})`);
    expect(received).toBe(1);
    expect(seen(m.attempts)).toEqual([[0, 'ECONNRESET', false]]);
    received = 0;
    const q = transport();
    await fail(post(q.t, 'safe'));
    expect(received).toBe(3);
    expect(seen(q.attempts).map((a) => a[2])).toEqual([true, true, false]);
  });

  it('a refused connection never carried the request: even a money call is retried, and says so', async () => {
    const m = transport();
    const e = await fail(
      m.t.post({
        method: 'm',
        url: `http://127.0.0.1:${closedPort}/gw`,
        form: {},
        retry: 'never-after-send',
      }),
    );
    expect([e.mayHaveReachedGateway, e.causeCode, e.timedOut]).toEqual([false, 'ECONNREFUSED', false]);
    expect(seen(m.attempts)).toEqual([
      [0, 'ECONNREFUSED', true],
      [1, 'ECONNREFUSED', true],
      [2, 'ECONNREFUSED', false],
    ]);
  });

  it('a per-attempt timeout on a connected socket: timedOut, may have reached; money not resent', async () => {
    behaviour = 'silent';
    received = 0;
    const m = transport();
    const e = await fail(post(m.t, 'never-after-send', { timeoutMs: scaled(1_000) }));
    expect([e.timedOut, e.mayHaveReachedGateway, e.causeCode]).toEqual([true, true, 'ETIMEDOUT']);
    expect(e.message).toMatch(
      /^m: the gateway did not answer within the per-attempt timeout \(127\.0\.0\.1:\d+\)$/,
    );
    expect(received).toBe(1);
  });

  it('a reply over maxReplyBytes: may have reached, a money call not resent, a query retried', async () => {
    behaviour = 'huge';
    received = 0;
    const m = transport({ maxReplyBytes: 1024 });
    const e = await fail(post(m.t, 'never-after-send'));
    expect([e.causeCode, e.mayHaveReachedGateway, e.timedOut]).toEqual(['E_REPLY_TOO_LARGE', true, false]);
    expect(e.message).toMatch(
      /^m: the reply is larger than maxReplyBytes; reading stopped \(127\.0\.0\.1:\d+\)$/,
    );
    expect(received).toBe(1);
    received = 0;
    await fail(post(transport({ maxReplyBytes: 1024 }).t, 'safe'));
    expect(received).toBe(3);
  });

  it('an abort before the first attempt sends nothing and says nothing left', async () => {
    behaviour = 'ok';
    received = 0;
    const m = transport();
    const e = await fail(post(m.t, 'safe', { signal: AbortSignal.abort() }));
    expect([e.causeCode, e.mayHaveReachedGateway]).toEqual(['ERR_CANCELED', false]);
    expect(e.message).toMatch(/^m: the call was aborted before anything was sent \(127\.0\.0\.1:\d+\)$/);
    expect(m.requests).toEqual([]);
    expect(received).toBe(0);
  });

  it('an abort while a query waits to retry stops it: no further attempt, and it may have left', async () => {
    behaviour = '503';
    received = 0;
    const ac = new AbortController();
    const m = transport({
      retryBaseMs: 60_000,
      hooks: { onResponse: (r) => r.willRetry && setImmediate(() => ac.abort()) },
    });
    const e = await fail(post(m.t, 'safe', { signal: ac.signal }));
    expect([e.causeCode, e.mayHaveReachedGateway]).toEqual(['ERR_CANCELED', true]);
    expect(e.message).toMatch(/^m: the call was aborted between attempts \(127\.0\.0\.1:\d+\)$/);
    expect(received).toBe(1);
  });

  it('an abort during an attempt on a connected socket: may have reached, not resent', async () => {
    behaviour = 'silent';
    received = 0;
    const ac = new AbortController();
    onReceived = () => ac.abort();
    const m = transport();
    const e = await fail(post(m.t, 'safe', { signal: ac.signal }));
    expect([e.causeCode, e.mayHaveReachedGateway]).toEqual(['ERR_CANCELED', true]);
    expect(e.message).toMatch(/^m: the call was aborted \(127\.0\.0\.1:\d+\)$/);
    expect(received).toBe(1);
  });

  it('once the deadline has passed, a failed query is not retried', async () => {
    behaviour = 'silent';
    received = 0;
    const m = transport();
    const e = await fail(post(m.t, 'safe', { deadlineMs: scaled(1_000) }));
    expect(e.timedOut).toBe(true);
    expect(seen(m.attempts)).toEqual([[0, 'ETIMEDOUT', false]]);
    expect(received).toBe(1);
  });
});

describe('errors from an axios instance of your own', () => {
  /** What axios rejects with: an error carrying the system code (or, for some, only its cause does). */
  const failing = (code: string | undefined, cause?: string) => ({
    calls: 0,
    async request() {
      this.calls++;
      throw Object.assign(new Error(`request failed ${code}`), {
        ...(code ? { code } : {}),
        ...(cause ? { cause: { code: cause } } : {}),
      });
    },
  });

  it.each([
    'ECONNREFUSED',
    'ENOTFOUND',
    'EAI_AGAIN',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'CERT_HAS_EXPIRED',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'ERR_TLS_CERT_ALTNAME_INVALID',
  ])('%s never carried the request: a money call is retried and reported unsent', async (code) => {
    const axios = failing(code);
    const { t } = transport({ axios });
    const e = await fail(post(t, 'never-after-send'));
    expect([e.causeCode, e.mayHaveReachedGateway]).toEqual([code, false]);
    expect(axios.calls).toBe(3);
  });

  it.each([['ECONNRESET'], ['EPIPE'], ['ERR_BAD_RESPONSE']])(
    '%s may have carried it: a money call is sent once',
    async (code) => {
      const axios = failing(code);
      const { t } = transport({ axios });
      const e = await fail(post(t, 'never-after-send'));
      expect([e.causeCode, e.mayHaveReachedGateway]).toEqual([code, true]);
      expect(axios.calls).toBe(1);
    },
  );

  it('a code found only on the cause is used; no code at all counts as a reset', async () => {
    const viaCause = failing(undefined, 'ECONNREFUSED');
    expect((await fail(post(transport({ axios: viaCause }).t, 'never-after-send'))).causeCode).toBe(
      'ECONNREFUSED',
    );
    const none = failing(undefined);
    const e = await fail(post(transport({ axios: none }).t, 'never-after-send'));
    expect([e.causeCode, e.mayHaveReachedGateway, none.calls]).toEqual(['ECONNRESET', true, 1]);
  });
});

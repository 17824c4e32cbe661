/**
 * Nothing hangs, bloats or crashes: reply and notice size caps, hooks that throw, aborted and foreign
 * signals, long-lived signals, deadlines, and handlers behind body parsers that already read the body.
 * Real local HTTP servers throughout.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyParser } from '@koa/bodyparser';
import express from 'express';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  buildZhixiaoNotification,
  ConfigurationError,
  GatewayError,
  MemoryTokenStore,
  OneCardClient,
  OutcomeUnknownError,
  ProtocolError,
  TransportError,
  ValidationError,
  ZhixiaoPayClient,
} from '../../src/index.js';
import { encodeReply } from '../../src/onecard/envelope.js';
import { DES_KEY, oneCardOptions, platformPrivate, ZX } from '../helpers/keys.js';
import { startMerchant } from '../helpers/merchant.js';

let endless: { url: string; close: () => Promise<void> };
let served = 0;
beforeAll(async () => {
  // A "gateway" that answers 200 and streams without end.
  endless = await startMerchant((req, res) => {
    served++;
    req.resume();
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    const pump = () => {
      while (res.write(chunk)) {
        if (res.destroyed) return;
      }
      res.once('drain', pump);
    };
    res.on('close', () => res.removeAllListeners('drain'));
    pump();
  });
});
afterAll(() => endless.close());

const client = (o: object = {}) =>
  new ZhixiaoPayClient({ baseUrl: endless.url, ...ZX, retryBaseMs: 1, ...o });

describe('replies', () => {
  it('an endless reply stops at maxReplyBytes, memory stays flat, and a money call is outcome-unknown', async () => {
    const before = process.memoryUsage().rss;
    const err = await client({ maxReplyBytes: 256 * 1024 })
      .createOrder({ body: 'b', out_trade_no: 'E1', total_fee: 1, notify_url: 'https://m.test/n' })
      .catch((e) => e);
    expect(err.name).toBe('OutcomeUnknownError');
    expect(err.cause.causeCode).toBe('E_REPLY_TOO_LARGE');
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('a throwing onResponse hook never changes the outcome; it is reported', async () => {
    const ok = await startMerchant((_req, res) => res.end('{"ret_code":-1,"ret_content":"x","sign":"y"}'));
    const reported: string[] = [];
    const c = new ZhixiaoPayClient({
      baseUrl: ok.url,
      ...ZX,
      hooks: {
        onRequest: () => {
          throw new TypeError('hook bug');
        },
        onResponse: () => {
          throw new TypeError('hook bug');
        },
        onHookError: (e, hook) => void reported.push(`${hook}:${(e as Error).message}`),
      },
    });
    const err = await c.queryOrder({ out_trade_no: 'A' }).catch((e) => e);
    expect(err).not.toBeInstanceOf(TypeError);
    expect(err.name).toBe('SignatureError');
    expect(reported).toEqual(['onRequest:hook bug', 'onResponse:hook bug']);
    await ok.close();
  });

  it('an already-aborted signal is a TransportError saying nothing was sent', async () => {
    const before = served;
    const err = await client()
      .createOrder(
        { body: 'b', out_trade_no: 'E2', total_fee: 1, notify_url: 'https://m.test/n' },
        { signal: AbortSignal.abort() },
      )
      .catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ mayHaveReachedGateway: false });
    expect(err.message).toMatch(/before anything was sent/);
    expect(served).toBe(before);
  });

  it('a long-lived signal collects no listeners across calls and retries', async () => {
    const warn = vi.fn();
    process.on('warning', warn);
    const busy = await startMerchant((_req, res) => {
      res.statusCode = 503;
      res.end('busy');
    });
    const c = new ZhixiaoPayClient({ baseUrl: busy.url, ...ZX, retryBaseMs: 1 });
    const { signal } = new AbortController();
    for (let i = 0; i < 40; i++) await c.queryOrder({ out_trade_no: 'A' }, { signal }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 10));
    process.off('warning', warn);
    expect(warn.mock.calls.map((c) => String(c[0]?.name))).not.toContain('MaxListenersExceededWarning');
    await busy.close();
  });

  it('deadlineMs bounds the whole call, retries included', async () => {
    const slow = await startMerchant(() => undefined); // never answers
    // A per-attempt timeout far beyond the test's own limit: only the deadline can end this call in
    // time, so a deadline that bounds nothing fails the test by its timeout (no duration is asserted).
    const c = new ZhixiaoPayClient({ baseUrl: slow.url, ...ZX, retryBaseMs: 1, timeoutMs: 600_000 });
    const err = await c.queryOrder({ out_trade_no: 'A' }, { deadlineMs: 150 }).catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err.timedOut).toBe(true);
    await slow.close();
  });

  it.each([
    ['maxRetries', Number.POSITIVE_INFINITY],
    ['maxRetries', -1],
    ['timeoutMs', Number.NaN],
    ['retryBaseMs', Number.POSITIVE_INFINITY],
    ['maxReplyBytes', 0],
  ])('%s: %s is refused at construction', (option, value) => {
    expect(() => client({ [option]: value })).toThrow(expect.objectContaining({ option }));
    expect(() => client({ [option]: value })).toThrow(ConfigurationError);
  });

  it.each([
    ['logger', {}, /info\(message, fields\) method, as console does/],
    ['logger', null, /info\(message, fields\) method/],
    ['logger', { info: 'console' }, /info\(message, fields\) method/],
    ['tracing', 'yes', /must be true or false/],
    ['tracing', 1, /must be true or false/],
  ])('%s: %j is refused at construction, with what it must be', (option, value, message) => {
    expect(() => client({ [option]: value })).toThrow(
      expect.objectContaining({ option, message: expect.stringMatching(message) }),
    );
  });

  it('logger: console-like objects and tracing: false are accepted', () => {
    expect(() => client({ logger: { info: () => {} }, tracing: false })).not.toThrow();
  });
});

describe('errors stay small whatever the reply held', () => {
  /**
   * A OneCard gateway over real HTTP that answers the token call, then every call with `data` (or with
   * `errcode`/`body` when given), signed with the platform fixture key.
   */
  async function gateway(reply: { data?: Record<string, unknown>; body?: string }) {
    const gw = await startMerchant((req, res) => {
      let raw = '';
      req.on('data', (c) => {
        raw += c;
      });
      req.on('end', () => {
        const method = new URLSearchParams(raw).get('method')!;
        const token = method.endsWith('access_token');
        const data = token ? { access_token: 't1', expires_in: '7200' } : reply.data;
        const keys = { desKey: DES_KEY, platformPrivateKey: platformPrivate };
        res.end(
          !token && reply.body !== undefined
            ? reply.body
            : encodeReply(keys, method, '0', { retcode: '0', errmsg: '', ...data }),
        );
      });
    });
    const c = new OneCardClient({
      ...oneCardOptions,
      gatewayUrl: `${gw.url}/gw`,
      tokenStore: new MemoryTokenStore(),
    });
    return { c, close: gw.close };
  }
  // A limit of about 2,000 characters per message, written out here rather than read from the code.
  const small = (err: Error) => {
    expect(err.message.length).toBeLessThan(2_100);
    expect(JSON.stringify(err).length).toBeLessThan(40_000);
  };

  it('a 300 KB reply of 150,000 bad cards: the first 10 issues listed, 100 kept, all counted', async () => {
    const { c, close } = await gateway({ data: { card: new Array(150_000).fill(1) } });
    const err = (await c.queryCard({ idtype: 'sno', id: '1' }).catch((e) => e)) as ValidationError;
    await close();
    expect(err).toBeInstanceOf(ValidationError);
    small(err);
    expect([err.issues.length, err.issueCount]).toEqual([100, 150_000]);
    expect(err.issues[99]!.path).toBe('card.99');
    expect(err.message).toMatch(
      /^queryCard response is invalid: card\.0: .*; card\.9: [^;]*; and 149990 more issues$/,
    );
    expect(err.message.match(/card\.\d+:/g)).toHaveLength(10);
  });

  it('the same on a money call: outcome unknown, its advice intact, its cause as small', async () => {
    const { c, close } = await gateway({ data: { tranamt: new Array(150_000).fill('x') } });
    const err = (await c
      .transfer({ account: '1', tranamt: 1, src_acctype: '###', dst_acctype: '001' })
      .catch((e) => e)) as OutcomeUnknownError;
    await close();
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    small(err);
    expect(err.message).toMatch(/compare the balances, queryAccInfo.*may move the money twice\.$/);
  });

  it('an issue with a huge path or message is clipped, saying how much was cut', () => {
    const err = new ValidationError('m', 'response', [
      { path: 'p'.repeat(10_000), message: 'y'.repeat(10_000) },
    ]);
    small(err);
    expect(err.issues[0]!.path).toBe(`${'p'.repeat(200)}… (9800 more characters)`);
    expect(err.issues[0]!.message).toBe(`${'y'.repeat(200)}… (9800 more characters)`);
    // A surrogate pair is never cut in half.
    const emoji = new ValidationError('m', 'response', [{ path: `${'a'.repeat(199)}😀😀`, message: 'x' }]);
    expect(emoji.issues[0]!.path).toBe(`${'a'.repeat(199)}… (4 more characters)`);
  });

  it('a 100,000-character errmsg and retcode make a small GatewayError', async () => {
    const { c, close } = await gateway({
      data: { retcode: '6'.repeat(100_000), errmsg: '错'.repeat(100_000) },
    });
    const err = (await c.queryCard({ idtype: 'sno', id: '1' }).catch((e) => e)) as GatewayError;
    await close();
    expect(err).toBeInstanceOf(GatewayError);
    small(err);
    expect(err.gatewayCode).toBe(`${'6'.repeat(200)}… (99800 more characters)`);
    expect(err.gatewayMessage).toBe(`${'错'.repeat(1_000)}… (99000 more characters)`);
  });

  it('a 900 KB plain-text body is a small ProtocolError with a short excerpt', async () => {
    const { c, close } = await gateway({ body: `系统错误 ${'x '.repeat(450_000)}` });
    const err = (await c.queryCard({ idtype: 'sno', id: '1' }).catch((e) => e)) as ProtocolError;
    await close();
    expect(err).toBeInstanceOf(ProtocolError);
    small(err);
    expect(err.excerpt.length).toBeLessThanOrEqual(530);
  });

  it('any message is clipped at 2,000 characters', () => {
    const err = new ProtocolError(200, 'z'.repeat(5_000));
    expect(err.message).toBe(`${'z'.repeat(2_000)}… (3011 more characters)`);
  });
});

describe('notification handlers always answer, never crash', () => {
  const zx = new ZhixiaoPayClient({ baseUrl: 'http://zx.test', ...ZX });
  const body = buildZhixiaoNotification(ZX, {
    out_trade_no: 'N1',
    order_id: '1',
    time_end: 't',
    pay_type: 1,
  });

  async function serve(app: (req: never, res: never, next: never) => void) {
    const server = createServer(app as never);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/n`;
    return { url, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  it.each([
    ['express.json() with {}', express.json({ type: '*/*' }), 'application/json', '{}'],
    [
      'express.urlencoded() with &',
      express.urlencoded({ extended: false }),
      'application/x-www-form-urlencoded',
      '&',
    ],
  ])('%s: a clear 400, not a hang', async (_name, parser, type, payload) => {
    const errors: unknown[] = [];
    const app = express();
    app.post(
      '/n',
      parser,
      zx.nodeNotificationHandler({ onNotification: () => undefined, onError: (e) => void errors.push(e) }),
    );
    const s = await serve(app as never);
    const res = await fetch(s.url, {
      method: 'POST',
      body: payload,
      headers: { 'Content-Type': type },
      signal: AbortSignal.timeout(3_000),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('fail');
    expect(String((errors[0] as Error).message)).toMatch(/raw body/);
    await s.close();
  });

  it('Koa: given ctx.request after @koa/bodyparser, uses the raw body the parser kept there', async () => {
    const seen: string[] = [];
    const errors: unknown[] = [];
    const h = zx.nodeNotificationHandler({
      onNotification: (n) => void seen.push(n.out_trade_no),
      onError: (e) => void errors.push(e),
    });
    const app = new Koa();
    app.use(bodyParser());
    app.use(async (ctx) => {
      ctx.respond = false;
      await h(ctx.path === '/n' ? ctx.request : ctx.req, ctx.res);
    });
    const s = await serve(app.callback() as never);
    const post = (url: string) =>
      fetch(url, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        signal: AbortSignal.timeout(5_000),
      }).then(async (r) => [r.status, await r.text()]);
    expect(await post(s.url)).toEqual([200, 'success']);
    // Node's ctx.req: the stream is read and the body is not there; a clear 400 naming ctx.request.
    expect(await post(`${s.url}-req`)).toEqual([400, 'fail']);
    expect(seen).toEqual(['N1']);
    expect(String((errors[0] as Error).message)).toMatch(/Koa: handler\(ctx\.request, ctx\.res\)/);
    await s.close();
  });

  it('Koa: a content type @koa/bodyparser skips leaves body {} and the stream unread; the stream is read', async () => {
    const seen: string[] = [];
    const h = zx.nodeNotificationHandler({ onNotification: (n) => void seen.push(n.out_trade_no) });
    const app = new Koa();
    app.use(bodyParser());
    app.use(async (ctx) => {
      ctx.respond = false;
      await h(ctx.request, ctx.res);
    });
    const s = await serve(app.callback() as never);
    const res = await fetch(s.url, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'text/plain' },
      signal: AbortSignal.timeout(5_000),
    });
    expect([res.status, await res.text(), seen]).toEqual([200, 'success', ['N1']]);
    await s.close();
  });

  it('Fastify-style request ({ raw, body }): uses the body its parser kept, not the read stream', async () => {
    const seen: string[] = [];
    const h = zx.nodeNotificationHandler({ onNotification: (n) => void seen.push(n.out_trade_no) });
    const s = await serve(((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void h({ raw: req, body: Buffer.concat(chunks) }, res));
    }) as never);
    const res = await fetch(s.url, { method: 'POST', body, signal: AbortSignal.timeout(5_000) });
    expect([res.status, await res.text(), seen]).toEqual([200, 'success', ['N1']]);
    await s.close();
  });

  it('a body that arrived while earlier middleware awaited is complete but unread: it is read, not refused', async () => {
    const seen: string[] = [];
    const h = zx.nodeNotificationHandler({ onNotification: (n) => void seen.push(n.out_trade_no) });
    const s = await serve(((req: IncomingMessage, res: ServerResponse) => {
      // Wait, without reading, until Node has received the whole message (as after an awaited session lookup).
      const later = () => (req.complete ? void h(req, res) : setTimeout(later, 5));
      later();
    }) as never);
    const res = await fetch(s.url, { method: 'POST', body, signal: AbortSignal.timeout(5_000) });
    expect([res.status, await res.text(), seen]).toEqual([200, 'success', ['N1']]);
    await s.close();
  });

  it.each([{}, null, undefined])(
    'given %j, neither a Node request nor a wrapper of one, answers 500 fail and reports it',
    async (notRequest) => {
      const errors: unknown[] = [];
      const h = zx.nodeNotificationHandler({
        onNotification: () => undefined,
        onError: (e) => void errors.push(e),
      });
      const s = await serve(
        ((_req: IncomingMessage, res: ServerResponse) => void h(notRequest as never, res)) as never,
      );
      const res = await fetch(s.url, { method: 'POST', body, signal: AbortSignal.timeout(5_000) });
      expect([res.status, await res.text()]).toEqual([500, 'fail']);
      expect(String((errors[0] as Error).message)).toMatch(/neither a Node request/);
      await s.close();
    },
  );

  it('a throwing onError still answers, and no unhandled rejection escapes', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    const h = zx.nodeNotificationHandler({
      onNotification: () => undefined,
      onError: () => {
        throw new Error('logger down');
      },
    });
    const s = await serve(((req: never, res: never) => void h(req, res)) as never);
    const res = await fetch(s.url, { method: 'POST', body: 'sign=x&param=y' });
    expect(res.status).toBe(400);
    await new Promise((r) => setTimeout(r, 20));
    expect(unhandled).not.toHaveBeenCalled();
    process.off('unhandledRejection', unhandled);
    await s.close();
  });

  it('a 200 MB notice is answered 413 fail without being kept (memory stays flat)', async () => {
    const h = zx.nodeNotificationHandler({ onNotification: () => undefined, maxBodyBytes: 1024 * 1024 });
    const s = await serve(((req: never, res: never) => void h(req, res)) as never);
    const before = process.memoryUsage().rss;
    const chunk = new Uint8Array(1024 * 1024).fill(0x61);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= 200) return c.close();
        sent++;
        c.enqueue(chunk);
      },
    });
    const res = await fetch(s.url, { method: 'POST', body: stream, duplex: 'half' } as RequestInit).catch(
      () => undefined,
    );
    if (res) {
      expect(res.status).toBe(413);
      expect(await res.text()).toBe('fail');
    }
    expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
    // The handler still works for the next, normal notice.
    const ok = await fetch(s.url, { method: 'POST', body });
    expect(await ok.text()).toBe('success');
    await s.close();
  });

  it('the web handler caps the body too', async () => {
    const h = zx.webNotificationHandler({ onNotification: () => undefined, maxBodyBytes: 1000 });
    const res = await h(new Request('http://x/n', { method: 'POST', body: 'a'.repeat(5000) }));
    expect(res.status).toBe(413);
    expect((await h(new Request('http://x/n', { method: 'POST', body }))).status).toBe(200);
  });

  it('the web handler answers a request whose body was already read with 400 and how to pass it', async () => {
    const errors: unknown[] = [];
    const h = zx.webNotificationHandler({
      onNotification: () => undefined,
      onError: (e) => void errors.push(e),
    });
    const request = new Request('http://x/n', { method: 'POST', body });
    await request.text(); // as a middleware's c.req.parseBody() does
    const res = await h(request);
    expect([res.status, await res.text()]).toEqual([400, 'fail']);
    expect(String((errors[0] as Error).message)).toMatch(/bodyUsed[\s\S]*c\.req\.raw/);
  });

  it('a handler without onNotification is refused when made', () => {
    expect(() => zx.nodeNotificationHandler({} as never)).toThrow(ValidationError);
  });
});

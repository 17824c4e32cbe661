import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SignatureError, ValidationError } from '../../../src/core/errors.js';
import { type HandlerOptions, makeNodeHandler, makeWebHandler } from '../../../src/core/handlers.js';
import type { NotificationInput } from '../../../src/core/notice.js';

const ACKS = { ok: 'OK!', fail: 'NO!' };
const CONSUMED =
  'notification: the request body was already read by a body parser and nothing usable was left; give the handler the raw body: Express: express.raw({ type: "*/*" }) on the route, or mount it before any body parser; Koa: handler(ctx.request, ctx.res) after @koa/bodyparser, with ctx.respond = false; Fastify: handler(request, reply.raw) after reply.hijack(); or pass the raw body to parseNotification';
const BODY_USED =
  'notification: the request body was already read (request.bodyUsed); give the handler the request before anything reads its body (Hono: pass c.req.raw, not after c.req.parseBody() or c.req.text()), or pass the raw body to parseNotification';

/** A parser that records what it was given, as text, and refuses a body that says so. */
function recorder() {
  const inputs: string[] = [];
  const parse = (input: NotificationInput) => {
    const text =
      input instanceof URLSearchParams
        ? `query:${input.toString()}`
        : typeof input === 'string'
          ? `string:${input}`
          : input instanceof Uint8Array
            ? `bytes:${Buffer.from(input).toString()}`
            : `object:${JSON.stringify(input)}`;
    inputs.push(text);
    if (text.includes('forged')) throw new SignatureError('mismatch', 'forged');
    if (text.includes('bug')) throw new TypeError('parser bug');
    return text;
  };
  return { inputs, parse };
}

let server: Server | undefined;
afterEach(async () => {
  const s = server;
  server = undefined;
  if (s) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A real HTTP server; `before` plays a framework that ran before the handler. */
async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  before?: (req: IncomingMessage & { body?: unknown; rawBody?: unknown }) => void | Promise<void>,
) {
  server = createServer(async (req, res) => {
    if (before) await before(req);
    await handler(req, res);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Sends with node:http so that a body can be larger than its declared length, or chunked. */
function send(
  url: string,
  opts: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const req = httpRequest(url, { method: opts.method ?? 'POST', headers: opts.headers }, (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      });
      req.on('error', reject);
      req.end(opts.body);
    },
  );
}

describe('handler options are checked when the handler is made', () => {
  it.each([
    ['no options', undefined, 'onNotification', 'must be a function'],
    ['onNotification not a function', { onNotification: 'x' }, 'onNotification', 'must be a function'],
    ...[0, -1, 1.5, Number.NaN, 2 ** 60].map((m): [string, unknown, string, string] => [
      `maxBodyBytes ${m}`,
      { onNotification: () => {}, maxBodyBytes: m },
      'maxBodyBytes',
      'must be a positive integer number of bytes',
    ]),
  ])('%s', (_what, options, path, message) => {
    for (const make of [makeNodeHandler, makeWebHandler]) {
      let err: unknown;
      try {
        make(() => 1, ACKS, options as HandlerOptions<number>);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ValidationError);
      expect([
        (err as ValidationError).method,
        (err as ValidationError).direction,
        (err as ValidationError).issues,
      ]).toEqual(['notificationHandler', 'request', [{ path, message }]]);
    }
  });

  it('with a journal or onSettled (settle), no callback is fine, but one that is not a function is refused', () => {
    const settle = async () => {};
    for (const make of [makeNodeHandler, makeWebHandler]) {
      expect(() => make(() => 1, ACKS, undefined, settle)).not.toThrow();
      expect(() => make(() => 1, ACKS, { onNotification: 'x' } as never, settle)).toThrow(
        /onNotification: must be a function/,
      );
    }
  });

  it('maxBodyBytes 1 is allowed', () => {
    expect(() => makeWebHandler(() => 1, ACKS, { onNotification: () => {}, maxBodyBytes: 1 })).not.toThrow();
  });
});

describe('the Node handler', () => {
  it('answers ok, as plain text, only after the callback resolved; the body is read from the stream', async () => {
    const { inputs, parse } = recorder();
    const order: string[] = [];
    const url = await serve(
      makeNodeHandler(parse, ACKS, {
        onNotification: async (n) => {
          await new Promise((r) => setTimeout(r, 5));
          order.push(`done ${n}`);
        },
      }),
    );
    const r = await send(`${url}/n`, { body: 'a=1' });
    expect([r.status, r.body, r.headers['content-type']]).toEqual([200, 'OK!', 'text/plain; charset=utf-8']);
    expect(order).toEqual(['done bytes:a=1']);
    expect(inputs).toEqual(['bytes:a=1']);
  });

  it('a request sent to a path that makes no URL (//) is still answered', async () => {
    const { inputs, parse } = recorder();
    const url = await serve(makeNodeHandler(parse, ACKS, { onNotification: () => {} }));
    expect(await send(`${url}//`, { body: 'a=1' })).toMatchObject({ status: 200, body: 'OK!' });
    expect(inputs).toEqual(['bytes:a=1']);
  });

  it('GET and HEAD read the query string', async () => {
    const { inputs, parse } = recorder();
    const url = await serve(makeNodeHandler(parse, ACKS, { onNotification: () => {} }));
    expect((await send(`${url}/n?x=1&y=2`, { method: 'GET' })).body).toBe('OK!');
    expect((await send(`${url}/n?z=3`, { method: 'HEAD' })).status).toBe(200);
    expect(inputs).toEqual(['query:x=1&y=2', 'query:z=3']);
  });

  it('a refused notice is 400 fail, a throwing callback or parser bug 500 fail; onError sees each', async () => {
    const { parse } = recorder();
    const errors: unknown[] = [];
    const url = await serve(
      makeNodeHandler(parse, ACKS, {
        onNotification: (n) => {
          if (n.includes('boom')) throw new Error('db down');
        },
        onError: (e) => void errors.push((e as Error).message),
      }),
    );
    expect(await send(url, { body: 'forged' })).toMatchObject({ status: 400, body: 'NO!' });
    expect(await send(url, { body: 'bug' })).toMatchObject({ status: 500, body: 'NO!' });
    expect(await send(url, { body: 'boom' })).toMatchObject({ status: 500, body: 'NO!' });
    expect(errors).toEqual(['forged', 'parser bug', 'db down']);
  });

  it('an onError that throws changes nothing', async () => {
    const { parse } = recorder();
    const url = await serve(
      makeNodeHandler(parse, ACKS, {
        onNotification: () => {},
        onError: () => {
          throw new Error('logger down');
        },
      }),
    );
    expect(await send(url, { body: 'forged' })).toMatchObject({ status: 400, body: 'NO!' });
    expect(await send(url, { body: 'fine' })).toMatchObject({ status: 200, body: 'OK!' });
  });

  it('a body of exactly maxBodyBytes is read; one byte more is 413 and closes the connection', async () => {
    const { inputs, parse } = recorder();
    const url = await serve(makeNodeHandler(parse, ACKS, { onNotification: () => {}, maxBodyBytes: 8 }));
    expect((await send(url, { body: '12345678' })).status).toBe(200);
    const big = await send(url, { body: '123456789' });
    expect([big.status, big.body, big.headers.connection]).toEqual([413, 'NO!', 'close']);
    // Only a refused oversized body closes the connection.
    const small = await send(url, { body: '1', headers: { connection: 'keep-alive' } });
    expect([small.status, small.headers.connection]).toEqual([200, 'keep-alive']);
    // Chunked, no declared length: the limit holds on the bytes read.
    const chunked = await send(url, { body: '123456789', headers: { 'transfer-encoding': 'chunked' } });
    expect(chunked.status).toBe(413);
    expect(inputs).toEqual(['bytes:12345678', 'bytes:1']);
  });

  it('a body a framework kept (rawBody first, then body) is used; an oversized one is 413', async () => {
    const { inputs, parse } = recorder();
    let kept: { body?: unknown; rawBody?: unknown } = {};
    const url = await serve(
      makeNodeHandler(parse, ACKS, { onNotification: () => {}, maxBodyBytes: 8 }),
      async (req) => {
        for await (const _ of req) {
          // a framework read the stream
        }
        Object.assign(req, kept);
      },
    );
    kept = { rawBody: Buffer.from('raw=1'), body: 'parsed=1' };
    expect((await send(url, { body: 'x' })).status).toBe(200);
    kept = { rawBody: '', body: 'text=1' };
    expect((await send(url, { body: 'x' })).status).toBe(200);
    kept = { body: { param: 'p', sign: 's' } };
    expect((await send(url, { body: 'x' })).status).toBe(200);
    kept = { body: '12345678' };
    expect((await send(url, { body: 'x' })).status).toBe(200);
    kept = { body: '123456789' };
    expect((await send(url, { body: 'x' })).status).toBe(413);
    kept = { rawBody: new Uint8Array(9) };
    expect((await send(url, { body: 'x' })).status).toBe(413);
    expect(inputs).toEqual([
      'bytes:raw=1',
      'string:text=1',
      'object:{"param":"p","sign":"s"}',
      'string:12345678',
    ]);
  });

  it('a body that arrived while an async middleware ran is still read, not taken for a parsed one', async () => {
    const { inputs, parse } = recorder();
    const url = await serve(makeNodeHandler(parse, ACKS, { onNotification: () => {} }), async (req) => {
      // e.g. an auth check: by the time it is done, the small body has fully arrived, unread.
      await new Promise<void>((r) => (req.complete ? r() : req.once('readable', () => setImmediate(r))));
      await new Promise((r) => setTimeout(r, 20));
    });
    expect(await send(url, { body: 'a=1' })).toMatchObject({ status: 200, body: 'OK!' });
    expect(inputs).toEqual(['bytes:a=1']);
  });

  // @koa/bodyparser sets `body` to {} for a content type it skips, leaving the stream unread: the stream's
  // own state decides, so the notice is read rather than refused.
  it('a framework that set an empty body without reading the stream: the stream is read', async () => {
    const { inputs, parse } = recorder();
    const url = await serve(makeNodeHandler(parse, ACKS, { onNotification: () => {} }), (req) => {
      Object.assign(req, { body: {} });
    });
    expect(await send(url, { body: 'a=1' })).toMatchObject({ status: 200, body: 'OK!' });
    expect(inputs).toEqual(['bytes:a=1']);
  });

  it('a stream a parser consumed, leaving nothing usable: 400 with the fix, never a hang', async () => {
    const { inputs, parse } = recorder();
    const errors: string[] = [];
    let kept: { body?: unknown } = {};
    const url = await serve(
      makeNodeHandler(parse, ACKS, {
        onNotification: () => {},
        onError: (e) => void errors.push((e as Error).message),
      }),
      async (req) => {
        for await (const _ of req) {
          // consumed
        }
        Object.assign(req, kept);
      },
    );
    for (const body of [{}, '', Buffer.alloc(0), undefined]) {
      kept = { body };
      expect(await send(url, { body: 'x' })).toMatchObject({ status: 400, body: 'NO!' });
    }
    expect(errors).toEqual([CONSUMED, CONSUMED, CONSUMED, CONSUMED]);
    expect(inputs).toEqual([]);
  });

  it('a response already sent or started by someone else is left alone', async () => {
    const { parse } = recorder();
    const errors: unknown[] = [];
    const handler = makeNodeHandler(parse, ACKS, {
      onNotification: () => {},
      onError: (e) => void errors.push(e),
    });
    const url = await serve(async (req, res) => {
      if (req.url === '/ended') {
        res.statusCode = 202;
        res.end('mine');
      } else {
        res.writeHead(203);
        res.write('started');
      }
      await handler(req, res);
      if (!res.writableEnded) res.end(' by me');
    });
    expect(await send(`${url}/ended`, { body: 'a=1' })).toMatchObject({ status: 202, body: 'mine' });
    expect(await send(`${url}/started`, { body: 'a=1' })).toMatchObject({
      status: 203,
      body: 'started by me',
    });
    expect(errors).toEqual([]);
  });

  it('a client that goes away mid-body: the handler finishes and reports it, nothing hangs', async () => {
    const { parse } = recorder();
    let reported: (e: unknown) => void = () => {};
    const seen = new Promise((r) => {
      reported = r;
    });
    const url = await serve(
      makeNodeHandler(parse, ACKS, { onNotification: () => {}, onError: (e) => reported(e) }),
    );
    const req = httpRequest(`${url}/n`, { method: 'POST', headers: { 'content-length': '100' } });
    req.on('error', () => {});
    req.write('param=');
    setTimeout(() => req.destroy(), 50);
    expect(await seen).toBeInstanceOf(Error);
  });

  it('a refusal the handler makes itself is a CampusPayError with code validation', async () => {
    const { parse } = recorder();
    const errors: Array<{ code?: string }> = [];
    const url = await serve(
      makeNodeHandler(parse, ACKS, {
        onNotification: () => {},
        maxBodyBytes: 2,
        onError: (e) => void errors.push(e as { code?: string }),
      }),
    );
    expect((await send(url, { body: '123' })).status).toBe(413);
    expect(errors.map((e) => e.code)).toEqual(['validation']);
  });
});

describe('the web handler', () => {
  const web = (opts: Partial<HandlerOptions<string>> = {}) => {
    const r = recorder();
    return { ...r, h: makeWebHandler(r.parse, ACKS, { onNotification: () => {}, ...opts }) };
  };
  const text = async (res: Response) => [res.status, await res.text(), res.headers.get('content-type')];

  it('POST body, GET query; ok as plain text', async () => {
    const { h, inputs } = web();
    expect(await text(await h(new Request('http://m/n', { method: 'POST', body: 'a=1' })))).toEqual([
      200,
      'OK!',
      'text/plain; charset=utf-8',
    ]);
    expect(await text(await h(new Request('http://m/n?q=1')))).toEqual([
      200,
      'OK!',
      'text/plain; charset=utf-8',
    ]);
    expect(await text(await h(new Request('http://m/n', { method: 'POST' })))).toEqual([
      200,
      'OK!',
      'text/plain; charset=utf-8',
    ]);
    expect(inputs).toEqual(['bytes:a=1', 'query:q=1', 'bytes:']);
  });

  it('refused 400, callback or parser failure 500, each reported', async () => {
    const errors: string[] = [];
    const { h } = web({
      onNotification: (n) => {
        if (n.includes('boom')) throw new Error('db down');
      },
      onError: (e) => void errors.push((e as Error).message),
    });
    const post = (body: string) => h(new Request('http://m/n', { method: 'POST', body }));
    expect(await text(await post('forged'))).toEqual([400, 'NO!', 'text/plain; charset=utf-8']);
    expect((await post('bug')).status).toBe(500);
    expect((await post('boom')).status).toBe(500);
    expect(errors).toEqual(['forged', 'parser bug', 'db down']);
  });

  it('a body already used is 400 with the fix', async () => {
    const errors: string[] = [];
    const { h } = web({ onError: (e) => void errors.push((e as Error).message) });
    const req = new Request('http://m/n', { method: 'POST', body: 'a=1' });
    await req.text();
    expect((await h(req)).status).toBe(400);
    expect(errors).toEqual([BODY_USED]);
  });

  it('a declared content-length over maxBodyBytes is refused before reading; at it, read', async () => {
    const { h, inputs } = web({ maxBodyBytes: 8 });
    const declared = (len: string, body: string) =>
      h(new Request('http://m/n', { method: 'POST', body, headers: { 'content-length': len } }));
    expect((await declared('9', 'a')).status).toBe(413);
    expect((await declared('8', '12345678')).status).toBe(200);
    expect(inputs).toEqual(['bytes:12345678']);
  });

  it('exactly maxBodyBytes is read; more is 413, by declared length or by the bytes streamed', async () => {
    const errors: string[] = [];
    const { h, inputs } = web({ maxBodyBytes: 8, onError: (e) => void errors.push((e as Error).message) });
    const post = (body: BodyInit, headers: Record<string, string> = {}) =>
      h(new Request('http://m/n', { method: 'POST', body, headers, duplex: 'half' } as RequestInit));
    expect((await post('12345678')).status).toBe(200);
    expect((await post('123456789')).status).toBe(413);
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('12345'));
        c.enqueue(new TextEncoder().encode('6789'));
        c.close();
      },
    });
    expect((await post(stream)).status).toBe(413);
    expect(inputs).toEqual(['bytes:12345678']);
    expect(errors).toEqual([
      'notification: the body is larger than maxBodyBytes (8)',
      'notification: the body is larger than maxBodyBytes (8)',
    ]);
  });
});

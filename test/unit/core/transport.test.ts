/**
 * The two senders (axios, the default, and the bare node:http one) over real local sockets: the same
 * "provably unsent" answers, so the same retries, and never a resent money call. Then proxies, which only
 * the axios sender honours.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, connect, createServer as createTcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import axios from 'axios';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttemptResult,
  ConfigurationError,
  OutcomeUnknownError,
  TransportError,
  ZhixiaoPayClient,
} from '../../../src/index.js';
import { encodeReply } from '../../../src/zhixiao/envelope.js';
import { ZX } from '../../helpers/keys.js';
import { scaled, waitFor } from '../../helpers/timeouts.js';

const tls = (f: string) => readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'tls', f));
const SENDERS: Array<[string, object]> = [
  ['axios (default)', { httpClient: 'axios' }],
  ['node', { httpClient: 'node' }],
  ["caller's own axios instance", { axios: axios.create({ timeout: 60_000 }) }],
];
const okReply = JSON.stringify(encodeReply(ZX, 0, { out_trade_no: 'A', order_id: '1', status: '1' }));
const refundOf = (c: ZhixiaoPayClient, o: object = {}) =>
  c.refundOrder({ out_trade_no: 'A', refund_fee: 1 }, o).catch((e: unknown) => e);
const queryOf = (c: ZhixiaoPayClient, o: object = {}) =>
  c.queryOrder({ out_trade_no: 'A' }, o).catch((e: unknown) => e);

const servers: Array<{ close(): void; closeAllConnections?(): void }> = [];
const sockets = new Set<Socket>();
afterAll(() => {
  for (const s of sockets) s.destroy();
  for (const s of servers) {
    s.closeAllConnections?.();
    s.close();
  }
});

async function listen<S extends Server | ReturnType<typeof createTcpServer>>(server: S) {
  servers.push(server);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** Counts the requests that really arrived; `answer` decides what each gets. */
async function gateway(answer: (n: number, res: import('node:http').ServerResponse) => void) {
  const seen = { requests: 0 };
  const port = await listen(
    createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => answer(++seen.requests, res));
    }),
  );
  return { url: `http://127.0.0.1:${port}`, seen };
}

let refusedUrl: string;
let handshakeNeverEnds: string;
let silent: Awaited<ReturnType<typeof gateway>>;
let resets: Awaited<ReturnType<typeof gateway>>;

beforeAll(async () => {
  const closed = createTcpServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((r) => closed.close(r));
  // Accepts TCP and says nothing: a TLS handshake that never completes, so no request byte can leave.
  handshakeNeverEnds = `https://127.0.0.1:${await listen(createTcpServer(() => {}))}`;
  silent = await gateway(() => {});
  resets = await gateway((_n, res) => res.socket?.destroy());
});

describe.each(SENDERS)('the %s sender', (_name, sender) => {
  const client = (baseUrl: string, attempts: AttemptResult[] = [], o: object = {}) =>
    new ZhixiaoPayClient({
      baseUrl,
      ...ZX,
      ...sender,
      retryBaseMs: 1,
      hooks: { onResponse: (r) => void attempts.push(r) },
      ...o,
    });

  it('connection refused: a refund is retried, since nothing left the machine', async () => {
    const attempts: AttemptResult[] = [];
    const err = await refundOf(client(refusedUrl, attempts));
    expect(attempts.map((a) => `${a.error}:${a.willRetry}`)).toEqual([
      'ECONNREFUSED:true',
      'ECONNREFUSED:true',
      'ECONNREFUSED:false',
    ]);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ mayHaveReachedGateway: false });
  });

  it('a timeout during the TLS handshake is provably unsent: a refund is retried', async () => {
    const attempts: AttemptResult[] = [];
    const err = await refundOf(client(handshakeNeverEnds, attempts, { timeoutMs: 100 }));
    expect(attempts.map((a) => `${a.error}:${a.willRetry}`)).toEqual([
      'ETIMEDOUT:true',
      'ETIMEDOUT:true',
      'ETIMEDOUT:false',
    ]);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ mayHaveReachedGateway: false, timedOut: true });
  });

  it('an abort during the TLS handshake: nothing was sent', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const err = await refundOf(client(handshakeNeverEnds), { signal: ac.signal });
    expect(err).toBeInstanceOf(TransportError);
    expect(err).not.toBeInstanceOf(OutcomeUnknownError);
    expect(err).toMatchObject({ mayHaveReachedGateway: false, causeCode: 'ERR_CANCELED' });
  });

  it('a request that arrived and got no answer: the refund is sent once and outcome-unknown', async () => {
    const before = silent.seen.requests;
    const err = await refundOf(client(silent.url, [], { timeoutMs: scaled(100) }));
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect((err as OutcomeUnknownError).cause).toMatchObject({ timedOut: true, mayHaveReachedGateway: true });
    expect(silent.seen.requests - before).toBe(1);
  });

  it('the same silence on a query is retried twice', async () => {
    const before = silent.seen.requests;
    const err = await queryOf(client(silent.url, [], { timeoutMs: scaled(100) }));
    expect(err).toMatchObject({ code: 'transport', timedOut: true });
    expect(silent.seen.requests - before).toBe(3);
  });

  it('an abort after the request arrived: the refund is outcome-unknown, not resent', async () => {
    const before = silent.seen.requests;
    const ac = new AbortController();
    const waiting = refundOf(client(silent.url), { signal: ac.signal });
    await waitFor('the refund to arrive', () => silent.seen.requests > before, { everyMs: 5 });
    ac.abort();
    const err = await waiting;
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(silent.seen.requests - before).toBe(1);
  });

  it('a connection reset after the request: the refund once, the query three times', async () => {
    let before = resets.seen.requests;
    expect(await refundOf(client(resets.url))).toBeInstanceOf(OutcomeUnknownError);
    expect(resets.seen.requests - before).toBe(1);
    before = resets.seen.requests;
    expect(await queryOf(client(resets.url))).toMatchObject({
      code: 'transport',
      mayHaveReachedGateway: true,
    });
    expect(resets.seen.requests - before).toBe(3);
  });

  it('a reply over maxReplyBytes is cut off: outcome-unknown for a refund', async () => {
    const big = await gateway((_n, res) => res.end(Buffer.alloc(64 * 1024, 0x41)));
    const err = await refundOf(client(big.url, [], { maxReplyBytes: 1024 }));
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect((err as OutcomeUnknownError).cause).toMatchObject({ causeCode: 'E_REPLY_TOO_LARGE' });
  });

  it('redirects are not followed', async () => {
    const target = await gateway((_n, res) => res.end(okReply));
    const redirect = await gateway((_n, res) => {
      res.writeHead(307, { Location: `${target.url}/pay_api/order_query` });
      res.end();
    });
    const err = await queryOf(client(redirect.url));
    expect(err).toMatchObject({ code: 'protocol', status: 307 });
    expect(target.seen.requests).toBe(0);
  });
});

/**
 * A gateway that closes a connection once it has sat idle for `idleMs`, saying so in `Keep-Alive:
 * timeout=` or not. A request that arrives later stands for one that crossed the server's close on the
 * wire: it meets a reset, after its bytes left.
 */
async function idleClosingGateway(idleMs: number, announce: boolean) {
  const seen = { requests: 0, connections: 0, resets: 0 };
  const head = `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(okReply)}\r\nConnection: keep-alive\r\n`;
  const hint = announce ? `Keep-Alive: timeout=${idleMs / 1000}\r\n` : '';
  const port = await listen(
    createTcpServer((socket) => {
      seen.connections++;
      let idleSince = Date.now();
      let buffered = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        if (buffered.length === 0 && Date.now() - idleSince >= idleMs) {
          seen.resets++;
          socket.resetAndDestroy();
          return;
        }
        buffered = Buffer.concat([buffered, chunk]);
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: *(\d+)/i.exec(buffered.subarray(0, end).toString())?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.subarray(end + 4 + length);
        seen.requests++;
        socket.write(`${head}${hint}\r\n${okReply}`);
        idleSince = Date.now();
      });
    }),
  );
  return { url: `http://127.0.0.1:${port}`, seen };
}

it('a money call never goes out on a kept-alive socket the gateway is closing (announced or not)', async () => {
  // Each row: a refund, a pause past the gateway's idle limit, a second refund. Run side by side.
  const rows = [
    ['axios', 2_000, true],
    ['node', 2_000, true],
    ['axios', 5_000, false],
    ['node', 5_000, false],
  ] as const;
  const results = await Promise.all(
    rows.map(async ([httpClient, idleMs, announce]) => {
      const gw = await idleClosingGateway(idleMs, announce);
      const c = new ZhixiaoPayClient({ baseUrl: gw.url, ...ZX, httpClient });
      const first = await refundOf(c);
      await new Promise((r) => setTimeout(r, idleMs + 200));
      const second = await refundOf(c);
      const outcome = (v: unknown) => (v instanceof Error ? v.name : 'ok');
      return `${httpClient} ${idleMs} ${announce}: ${outcome(first)} ${outcome(second)}, resets ${gw.seen.resets}`;
    }),
  );
  expect(results).toEqual(rows.map(([h, i, a]) => `${h} ${i} ${a}: ok ok, resets 0`));
});

describe('proxies (the axios sender)', () => {
  const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];
  const saved = Object.fromEntries(PROXY_VARS.map((k) => [k, process.env[k]]));
  afterEach(() => {
    for (const k of PROXY_VARS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  let target: Awaited<ReturnType<typeof gateway>>;
  let proxyUrl: string;
  const through: string[] = [];
  let httpsTarget: string;

  beforeAll(async () => {
    target = await gateway((_n, res) => res.end(okReply));
    // A forward proxy for http:// targets (absolute URL in the request line) and CONNECT for https://.
    const proxy = createHttpServer((req, res) => {
      through.push(`${req.method} ${req.url}`);
      const out = httpRequest(String(req.url), { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(out);
    });
    proxy.on('connect', (req, client: Socket) => {
      through.push(`CONNECT ${req.url}`);
      const [host, port] = String(req.url).split(':');
      const up = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.pipe(client);
        client.pipe(up);
      });
      up.on('error', () => client.destroy());
      client.on('error', () => up.destroy());
    });
    proxyUrl = `http://127.0.0.1:${await listen(proxy)}`;
    httpsTarget = `https://localhost:${await listen(
      createHttpsServer({ key: tls('server.key'), cert: tls('server.pem') }, (req, res) => {
        req.resume();
        req.on('end', () => res.end(okReply));
      }),
    )}`;
  });

  const zx = (baseUrl: string, o: object = {}) => new ZhixiaoPayClient({ baseUrl, ...ZX, ...o });

  it('HTTP_PROXY carries an http:// gateway call', async () => {
    through.length = 0;
    process.env.HTTP_PROXY = proxyUrl;
    await expect(zx(target.url).queryOrder({ out_trade_no: 'A' })).resolves.toMatchObject({ status: 1 });
    expect(through).toEqual([`POST ${target.url}/pay_api/order_query`]);
  });

  it('HTTPS_PROXY tunnels an https:// gateway call (CONNECT), certificate checks on', async () => {
    through.length = 0;
    process.env.HTTPS_PROXY = proxyUrl;
    const c = zx(httpsTarget, { ca: tls('ca.pem') });
    await expect(c.queryOrder({ out_trade_no: 'A' })).resolves.toMatchObject({ status: 1 });
    expect(through).toEqual([`CONNECT ${new URL(httpsTarget).host}`]);
  });

  it('NO_PROXY, `proxy: false` and the node sender bypass it; `proxy` names one explicitly', async () => {
    process.env.HTTP_PROXY = proxyUrl;
    through.length = 0;
    await zx(target.url, { proxy: false }).queryOrder({ out_trade_no: 'A' });
    await zx(target.url, { httpClient: 'node' }).queryOrder({ out_trade_no: 'A' });
    process.env.NO_PROXY = '127.0.0.1';
    await zx(target.url).queryOrder({ out_trade_no: 'A' });
    expect(through).toEqual([]);
    delete process.env.HTTP_PROXY;
    delete process.env.NO_PROXY;
    await zx(target.url, { proxy: proxyUrl }).queryOrder({ out_trade_no: 'A' });
    expect(through).toHaveLength(1);
  });

  it.each([
    [{ proxy: 'socks5://p:1080' }, 'proxy'],
    [{ proxy: 'not a url' }, 'proxy'],
    [{ httpClient: 'node', proxy: 'http://p:3128' }, 'proxy'],
    [{ httpClient: 'fetch' }, 'httpClient'],
    [{ httpClient: 'node', axios: { request: async () => ({ status: 200, data: '' }) } }, 'httpClient'],
  ])('%j is refused at construction, naming %s', (o, option) => {
    const err = (() => {
      try {
        zx('http://127.0.0.1:1', o);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err).toMatchObject({ option });
  });

  it('a proxy password never appears in an error', async () => {
    const err = await zx(refusedUrl, { proxy: 'http://user:s3cretPw@127.0.0.1:1', retryBaseMs: 1 })
      .queryOrder({ out_trade_no: 'A' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(JSON.stringify(err) + err.message + err.stack).not.toContain('s3cretPw');
  });
});

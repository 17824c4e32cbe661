/**
 * The console's JSON actions and event stream over real HTTP (the buttons themselves are clicked in
 * test/e2e/console.test.ts): what each action refuses and why, orders named by the merchant's number,
 * faults aimed at one method, and `sandbox.events` as the one source behind the stream.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTokenStore, OneCardClient, ZhixiaoPayClient } from '../../src/index.js';
import { type Sandbox, type SandboxEvent, startSandbox } from '../../src/sandbox/index.js';
import { scanText } from '../helpers/secret-scan.js';
import { waitFor } from '../helpers/timeouts.js';

let sb: Sandbox;
let zx: ZhixiaoPayClient;
beforeAll(async () => {
  sb = await startSandbox({
    onecard: { tokenMinIntervalMs: 0 },
    notifications: { retryDelaysMs: [0, 60_000] },
  });
  zx = new ZhixiaoPayClient(sb.zhixiao);
});
afterEach(() => sb.faults.clear());
afterAll(() => sb.close());

const post = async (path: string, body?: unknown, method = 'POST') => {
  const res = await fetch(sb.url + path, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
let n = 0;
const order = async (notify_url = 'http://127.0.0.1:9/n') => {
  const out_trade_no = `K${Date.now()}${++n}`;
  const o = await zx.createOrder({ body: 'x', out_trade_no, total_fee: 250, notify_url });
  return { out_trade_no, order_id: o.order_id };
};

describe('order actions', () => {
  it('name an order by the merchant number too, and refuse what its state does not allow', async () => {
    const o = await order();
    await expect(post(`/api/orders/zhixiao/${o.out_trade_no}/refund`)).resolves.toMatchObject({
      status: 409,
      body: { error: expect.stringContaining('only a paid order') },
    });
    await expect(post(`/api/orders/zhixiao/${o.out_trade_no}/pay`)).resolves.toEqual({
      status: 200,
      body: { gateway: 'zhixiao', ref: o.order_id, status: '2', meaning: expect.any(String), refunded: 0 },
    });
    await expect(zx.queryOrder({ out_trade_no: o.out_trade_no })).resolves.toMatchObject({ status: 2 });
    await expect(post(`/api/orders/zhixiao/${o.order_id}/expire`)).resolves.toMatchObject({ status: 409 });
    await expect(post(`/api/orders/zhixiao/${o.order_id}/refund`)).resolves.toMatchObject({
      status: 200,
      body: { refunded: 250 },
    });
    await expect(post(`/api/orders/zhixiao/${o.order_id}/refund`)).resolves.toMatchObject({ status: 409 });
    await expect(post('/api/orders/zhixiao/nope/pay')).resolves.toMatchObject({ status: 404 });
    // A malformed %-escape in the ref is a bad request, not a crash of the sandbox.
    await expect(post('/api/orders/zhixiao/%E0%A4%A/pay')).resolves.toMatchObject({ status: 400 });
    await expect(post('/api/orders/zhixiao/nope/pay')).resolves.toMatchObject({ status: 404 });
    await expect(post(`/api/orders/zhixiao/${o.order_id}/cancel`)).resolves.toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('action') },
    });
  });
});

describe('a request another site sends from a browser', () => {
  const from = (origin: string, path: string, method = 'POST') =>
    fetch(sb.url + path, { method, headers: { Origin: origin }, body: '{"kind":"serverError"}' });

  it('may not pay an order, arm or clear faults (its Origin names another host); the sandbox own pages may', async () => {
    const o = await order();
    for (const origin of ['http://evil.example', 'null', `${sb.url}.evil.example`]) {
      expect((await from(origin, `/api/orders/zhixiao/${o.out_trade_no}/pay`)).status).toBe(403);
      expect((await from(origin, `/pay/zhixiao/${o.order_id}/pay`)).status).toBe(403);
      expect((await from(origin, '/api/faults')).status).toBe(403);
    }
    expect(sb.faults.armed()).toEqual([]);
    await expect(zx.queryOrder({ out_trade_no: o.out_trade_no })).resolves.toMatchObject({ status: 1 });
    expect((await from(sb.url, '/api/faults')).status).toBe(200);
    expect((await from(sb.url, '/api/faults', 'DELETE')).status).toBe(200);
    expect((await from(sb.url, `/api/orders/zhixiao/${o.out_trade_no}/pay`)).status).toBe(200);
  });

  it("still opens the pay page with the merchant site's form POST (a recharge's post_data)", async () => {
    const o = await order();
    const res = await from('http://merchant.example', `/pay/zhixiao/${o.order_id}`);
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
  });
});

describe('notice actions', () => {
  it('drop and delay only a notice that waits for its next attempt; replay any; unknown ids are 404', async () => {
    const o = await order();
    await post(`/api/orders/zhixiao/${o.order_id}/pay`);
    const rec = sb.notifications.find((r) => r.ref === o.order_id)!;
    await waitFor('the first attempt', () => rec.attempts.length === 1);
    await expect(post(`/api/notices/${rec.id}/delay`, {})).resolves.toMatchObject({ status: 400 });
    await expect(post(`/api/notices/${rec.id}/delay`, 'ms=5')).resolves.toMatchObject({ status: 400 });
    await expect(post(`/api/notices/${rec.id}/delay`, { ms: 60_000 })).resolves.toMatchObject({
      status: 200,
    });
    await expect(post(`/api/notices/${rec.id}/drop`)).resolves.toMatchObject({
      status: 200,
      body: { id: rec.id, dropped: true },
    });
    await expect(post(`/api/notices/${rec.id}/drop`)).resolves.toMatchObject({
      status: 409,
      body: { error: expect.stringContaining('dropped') },
    });
    const replay = await post(`/api/notices/${rec.id}/replay`);
    expect(replay).toMatchObject({ status: 200, body: { ref: o.order_id, replay: true } });
    expect(replay.body.id).toBe(sb.notifications.length);
    await expect(post('/api/notices/99999/replay')).resolves.toMatchObject({ status: 404 });
  });
});

describe('faults aimed at a method', () => {
  it('a fault armed for createOrder waits for createOrder: queryOrder calls pass it by', async () => {
    const o = await order();
    await expect(
      post('/api/faults', { kind: 'serverError', method: 'createOrder', count: 2 }),
    ).resolves.toEqual({
      status: 200,
      body: { armed: [{ kind: 'serverError', method: 'createOrder', remaining: 2 }], shares: {} },
    });
    await zx.queryOrder({ out_trade_no: o.out_trade_no });
    expect(sb.faults.armed()).toEqual([{ kind: 'serverError', method: 'createOrder', remaining: 2 }]);
    const calls: string[] = [];
    const stop = sb.events.subscribe(
      (e) => void (e.type === 'call' && calls.push(`${e.method} ${e.status}`)),
    );
    const err = await zx
      .createOrder({
        body: 'x',
        out_trade_no: `K${Date.now()}x`,
        total_fee: 1,
        notify_url: 'http://127.0.0.1:9/n',
      })
      .catch((e) => e);
    stop();
    expect(err).toMatchObject({ name: 'OutcomeUnknownError' });
    expect(calls).toEqual(['createOrder 502']);
    expect(sb.faults.armed()).toEqual([{ kind: 'serverError', method: 'createOrder', remaining: 1 }]);
  });

  it('the token fetch takes a fault only when getAccessToken is named', async () => {
    const client = new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore() });
    const fetches = sb.onecardGateway.tokenFetches;
    await post('/api/faults', { kind: 'busy', method: 'getAccessToken' });
    await expect(client.queryCard({ idtype: 'acc', id: '10001' })).rejects.toMatchObject({
      gatewayCode: '40014',
    });
    expect(sb.onecardGateway.tokenFetches).toBe(fetches);
    expect(sb.faults.armed()).toEqual([]);
    // That client now waits out the gateway's refusal (40014 pauses its token fetches); a fresh one fetches.
    const fresh = new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore() });
    await expect(fresh.queryCard({ idtype: 'acc', id: '10001' })).resolves.toBeDefined();
    expect(sb.onecardGateway.tokenFetches).toBe(fetches + 1);
  });

  it('refuses an unknown kind or method, a bad count, a method on a notice fault, a body that is not JSON', async () => {
    for (const [body, field] of [
      [{ kind: 'meltdown' }, 'kind'],
      [{}, 'kind'],
      [{ kind: 'busy', method: 'payByCash' }, 'method'],
      [{ kind: 'dropNotice', method: 'createOrder' }, 'method'],
      [{ kind: 'busy', count: 0 }, 'count'],
      [{ kind: 'busy', count: '2' }, 'count'],
      ['{', 'body'],
    ] as const) {
      const r = await post('/api/faults', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(String(r.body.error)).toMatch(new RegExp(`^${field}`));
    }
    expect(sb.faults.armed()).toEqual([]);
    await post('/api/faults', { kind: 'busy', count: 3 });
    await expect(post('/api/faults', undefined, 'DELETE')).resolves.toEqual({
      status: 200,
      body: { armed: [], shares: {} },
    });
  });
});

describe('the event stream', () => {
  it('sends the state on connecting, then each event and the state again, with no secret in it', async () => {
    const ac = new AbortController();
    const res = await fetch(`${sb.url}/api/events`, { signal: ac.signal });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const messages: Array<{ type: string } & Record<string, unknown>> = [];
    let text = '';
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        const parts = text.split('\n\n');
        for (const p of parts.slice(messages.length, -1))
          if (p.startsWith('data: ')) messages.push(JSON.parse(p.slice(6)));
      }
    })().catch(() => undefined);
    try {
      await waitFor('the first state', () => messages.length > 0);
      expect(messages[0]).toMatchObject({ type: 'state', state: { cards: expect.any(Array) } });
      const client = new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore() });
      await client.queryCard({ idtype: 'acc', id: '10001' });
      const o = await order();
      await post(`/api/orders/zhixiao/${o.order_id}/fail`);
      await waitFor('the order event and a state after it', () => {
        const i = messages.findIndex((m) => m.type === 'order' && m.ref === o.order_id);
        return i > 0 && messages.slice(i).some((m) => m.type === 'state');
      });
      const types = messages.map((m) => (m.type === 'call' ? `call ${m.method}` : m.type));
      expect(types).toEqual(
        expect.arrayContaining(['call getAccessToken', 'call queryCard', 'call createOrder', 'order']),
      );
      const last = messages.filter((m) => m.type === 'state').at(-1) as unknown as {
        state: { orders: unknown[] };
      };
      expect(last.state.orders).toContainEqual(expect.objectContaining({ order_id: o.order_id, status: 3 }));
      scanText('console event stream', text);
    } finally {
      ac.abort();
      await reading;
    }
  });

  it('a listener that throws does not fail the call; unsubscribing stops the events', async () => {
    const seen: SandboxEvent[] = [];
    const stopBad = sb.events.subscribe(() => {
      throw new Error('listener broke');
    });
    const stop = sb.events.subscribe((e) => void seen.push(e));
    const warnings: string[] = [];
    const onWarning = (w: Error) => void warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const o = await order();
      expect(seen).toContainEqual(
        expect.objectContaining({ type: 'call', method: 'createOrder', code: '0' }),
      );
      stop();
      await zx.queryOrder({ out_trade_no: o.out_trade_no });
      expect(seen.filter((e) => e.type === 'call' && e.method === 'queryOrder')).toEqual([]);
      await waitFor('the warning', () => warnings.some((w) => w.includes('listener broke')));
    } finally {
      stopBad();
      process.off('warning', onWarning);
    }
  });
});

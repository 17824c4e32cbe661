import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttemptResult,
  OutcomeUnknownError,
  TransportError,
  ZhixiaoPayClient,
} from '../../../src/index.js';
import { encodeReply } from '../../../src/zhixiao/envelope.js';
import { ZX, ZX_BASE } from '../../helpers/keys.js';
import { scaled } from '../../helpers/timeouts.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

const okReply = JSON.stringify(encodeReply(ZX, 0, { out_trade_no: 'A', order_id: '1', status: '1' }));
const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

function counting() {
  const attempts: AttemptResult[] = [];
  const client = new ZhixiaoPayClient({
    baseUrl: ZX_BASE,
    ...ZX,
    retryBaseMs: 1,
    hooks: { onResponse: (r) => void attempts.push(r) },
  });
  return { client, attempts };
}

describe('the retry policy (src/core/transport.ts)', () => {
  it('a query is retried on reset and 5xx, at most twice', async () => {
    nock(ZX_BASE)
      .post('/pay_api/order_query')
      .replyWithError(reset())
      .post('/pay_api/order_query')
      .reply(503, 'busy')
      .post('/pay_api/order_query')
      .reply(200, okReply);
    const { client, attempts } = counting();
    await expect(client.queryOrder({ out_trade_no: 'A' })).resolves.toMatchObject({ status: 1 });
    expect(attempts.map((a) => [a.status ?? a.error, a.willRetry])).toEqual([
      ['ECONNRESET', true],
      [503, true],
      [200, false],
    ]);
  });

  it('gives up after the third attempt', async () => {
    nock(ZX_BASE).post('/pay_api/order_query').times(3).replyWithError(reset());
    const { client, attempts } = counting();
    await expect(client.queryOrder({ out_trade_no: 'A' })).rejects.toBeInstanceOf(TransportError);
    expect(attempts).toHaveLength(3);
  });

  it('an order create or refund is never resent once sent', async () => {
    nock(ZX_BASE).post('/pay_api/order_refund').replyWithError(reset());
    const { client, attempts } = counting();
    const err = await client.refundOrder({ out_trade_no: 'A', refund_fee: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    // No v1.27 query reports refunds: the advice sends it to a person (resolve) instead of running queryOrder.
    expect(err.query).toBeUndefined();
    expect(err.advice).toMatch(/resolve\(\)[^.]*needs-review[^.]*merchant console/);
    expect(attempts).toHaveLength(1);
    nock(ZX_BASE).post('/pay_api/order_create').reply(502, '<html>bad gateway</html>');
    const err2 = await client
      .createOrder({ body: 'b', out_trade_no: 'B', total_fee: 1, notify_url: 'http://n' })
      .catch((e) => e);
    expect(err2).toMatchObject({ code: 'outcome_unknown', reason: 'protocol' });
    expect(attempts).toHaveLength(2);
  });

  it('per-call timeoutMs, and timeouts of queries are retried', async () => {
    nock(ZX_BASE)
      .post('/pay_api/order_query')
      .delay(scaled(300))
      .reply(200, okReply)
      .post('/pay_api/order_query')
      .reply(200, okReply);
    const { client, attempts } = counting();
    await expect(client.queryOrder({ out_trade_no: 'A' }, { timeoutMs: scaled(50) })).resolves.toMatchObject({
      status: 1,
    });
    expect(attempts[0]).toMatchObject({ error: 'ETIMEDOUT', willRetry: true });
  });

  it('an AbortSignal stops a call and its retries', async () => {
    nock(ZX_BASE).post('/pay_api/order_query').delay(scaled(500)).reply(200, okReply);
    const { client, attempts } = counting();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), scaled(30));
    const err = await client.queryOrder({ out_trade_no: 'A' }, { signal: ac.signal }).catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err.message).toMatch(/aborted/);
    expect(attempts).toHaveLength(1);
  });

  it('hooks see names and timings only', async () => {
    nock(ZX_BASE).post('/pay_api/order_query').reply(200, okReply);
    const seen: unknown[] = [];
    const client = new ZhixiaoPayClient({
      baseUrl: ZX_BASE,
      ...ZX,
      hooks: { onRequest: (e) => seen.push(e), onResponse: (r) => seen.push(r) },
    });
    await client.queryOrder({ out_trade_no: 'A' });
    const text = JSON.stringify(seen);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toEqual({ method: 'queryOrder', url: `${ZX_BASE}/pay_api/order_query`, attempt: 0 });
    for (const secret of [ZX.appSecret, ZX.aesKey]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/param|sign/);
  });
});

describe('an axios instance of your own', () => {
  it('is used instead of the built-in sender, with its interceptors', async () => {
    const axios = (await import('axios')).default;
    const instance = axios.create();
    const seen: string[] = [];
    instance.interceptors.request.use((config) => {
      seen.push(String(config.url));
      return config;
    });
    nock(ZX_BASE).post('/pay_api/order_query').reply(200, okReply);
    const client = new ZhixiaoPayClient({ baseUrl: ZX_BASE, ...ZX, axios: instance });
    await expect(client.queryOrder({ out_trade_no: 'A' })).resolves.toMatchObject({ status: 1 });
    expect(seen).toEqual([`${ZX_BASE}/pay_api/order_query`]);
  });

  it('keeps the never-resend rule', async () => {
    const axios = (await import('axios')).default;
    nock(ZX_BASE).post('/pay_api/order_refund').replyWithError(reset());
    const client = new ZhixiaoPayClient({ baseUrl: ZX_BASE, ...ZX, axios: axios.create(), retryBaseMs: 1 });
    await expect(client.refundOrder({ out_trade_no: 'A', refund_fee: 1 })).rejects.toBeInstanceOf(
      OutcomeUnknownError,
    );
  });
});

/** Logs and traces over real HTTP to the sandbox: one line and one span per attempt, nothing secret in them. */
import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttemptLog,
  ConfigurationError,
  GatewayError,
  MemoryTokenStore,
  OneCardClient,
  ZhixiaoPayClient,
} from '../../src/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';

let sb: Sandbox;
const exporter = new InMemorySpanExporter();
beforeAll(async () => {
  sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 } });
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
});
afterAll(async () => {
  trace.disable();
  await sb.close();
});

function collecting() {
  const lines: Array<[string, AttemptLog]> = [];
  return { lines, logger: { info: (m: string, f: AttemptLog) => void lines.push([m, f]) } };
}
const order = (tag: string) => `L${Date.now()}${tag}`;
const newOrder = (out_trade_no: string) => ({
  body: 'b',
  out_trade_no,
  total_fee: 1250,
  notify_url: 'http://127.0.0.1:9/n',
});

describe('logger: one redacted line per attempt', () => {
  it('a successful call: method, order key, attempt, status, outcome, duration', async () => {
    const { lines, logger } = collecting();
    const zx = new ZhixiaoPayClient({ ...sb.zhixiao, logger });
    const no = order('a');
    await zx.createOrder(newOrder(no));
    expect(lines).toHaveLength(1);
    const [line, fields] = lines[0]!;
    expect(line).toMatch(
      new RegExp(`^campus-pay createOrder out_trade_no=${no} attempt=0 status=200 ok \\d+ms$`),
    );
    expect(fields).toMatchObject({
      method: 'createOrder',
      orderKey: `out_trade_no=${no}`,
      attempt: 0,
      status: 200,
      outcome: 'ok',
    });
    expect(fields.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('a retried query logs each attempt; a gateway refusal logs its code', async () => {
    const { lines, logger } = collecting();
    const zx = new ZhixiaoPayClient({ ...sb.zhixiao, logger, retryBaseMs: 1 });
    const no = order('b');
    await zx.createOrder(newOrder(no));
    sb.faults.next('serverError');
    await zx.queryOrder({ out_trade_no: no });
    expect(lines.slice(1).map(([, f]) => [f.method, f.attempt, f.status, f.outcome])).toEqual([
      ['queryOrder', 0, 502, 'retry'],
      ['queryOrder', 1, 200, 'ok'],
    ]);
    const err = await zx.queryOrder({ out_trade_no: order('missing') }).catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    const last = lines.at(-1)![1];
    expect(last).toMatchObject({ outcome: 'gateway', gatewayCode: String(err.gatewayCode) });
    expect(lines.at(-1)![0]).toContain(`code=${err.gatewayCode}`);
  });

  it('a OneCard call logs no token, key or signature, and names the network error of a lost attempt', async () => {
    const { lines, logger } = collecting();
    const store = new MemoryTokenStore();
    const oc = new OneCardClient({ ...sb.onecard, tokenStore: store, logger, retryBaseMs: 1 });
    await oc.queryCard({ idtype: 'sno', id: '2023000001' });
    sb.faults.next('dropBeforeProcess');
    await oc.queryCard({ idtype: 'sno', id: '2023000001' });
    const methods = lines.map(([, f]) => `${f.method}:${f.outcome}`);
    expect(methods).toContain('queryCard:ok');
    expect(lines.some(([, f]) => f.outcome === 'retry' && f.error !== undefined)).toBe(true);
    const token = (await store.get(`campus-pay:onecard:token:${sb.onecard.gatewayUrl}:${sb.onecard.appKey}`))
      ?.token;
    expect(token).toBeTruthy();
    const text = JSON.stringify(lines);
    for (const secret of [token!, sb.onecard.desKey, sb.zhixiao.appSecret])
      expect(text).not.toContain(secret);
    expect(text).not.toMatch(/sign=|request=|2023000001/);
  });

  it('a throwing logger never changes the outcome; a logger without info is refused', async () => {
    const zx = new ZhixiaoPayClient({
      ...sb.zhixiao,
      logger: {
        info: () => {
          throw new Error('disk full');
        },
      },
    });
    await expect(zx.createOrder(newOrder(order('c')))).resolves.toMatchObject({
      order_id: expect.any(String),
    });
    expect(() => new ZhixiaoPayClient({ ...sb.zhixiao, logger: {} as never })).toThrow(ConfigurationError);
  });

  it('DEBUG=campus-pay logs the same lines to stderr', async () => {
    const saved = process.env.DEBUG;
    const write = process.stderr.write;
    const seen: string[] = [];
    process.env.DEBUG = 'express,campus-pay';
    process.stderr.write = ((chunk: string) => {
      seen.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      const no = order('d');
      await new ZhixiaoPayClient({ ...sb.zhixiao }).createOrder(newOrder(no));
      process.env.DEBUG = 'express';
      await new ZhixiaoPayClient({ ...sb.zhixiao }).createOrder(newOrder(order('e')));
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatch(
        new RegExp(`^campus-pay createOrder out_trade_no=${no} attempt=0 status=200 ok`),
      );
    } finally {
      process.stderr.write = write;
      if (saved === undefined) delete process.env.DEBUG;
      else process.env.DEBUG = saved;
    }
  });
});

describe('tracing: a span per call and per attempt (OpenTelemetry, in-memory exporter)', () => {
  const byName = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);

  it('attempt spans are children of the call span, with status, outcome and order key', async () => {
    exporter.reset();
    const zx = new ZhixiaoPayClient({ ...sb.zhixiao, tracing: true, retryBaseMs: 1 });
    const no = order('f');
    await zx.createOrder(newOrder(no));
    sb.faults.next('serverError');
    await zx.queryOrder({ out_trade_no: no });
    const spans = exporter.getFinishedSpans();
    const [call] = byName(spans, 'campus-pay queryOrder');
    const attempts = byName(spans, 'campus-pay queryOrder attempt');
    expect(call?.attributes).toMatchObject({
      'campus_pay.method': 'queryOrder',
      'campus_pay.order_key': `out_trade_no=${no}`,
      'campus_pay.outcome': 'ok',
    });
    expect(
      attempts.map((s) => [s.attributes['campus_pay.attempt'], s.attributes['http.response.status_code']]),
    ).toEqual([
      [0, 502],
      [1, 200],
    ]);
    for (const a of attempts) {
      expect(a.parentSpanContext?.spanId).toBe(call?.spanContext().spanId);
      expect(a.spanContext().traceId).toBe(call?.spanContext().traceId);
    }
  });

  it('a refused call ends its span in error with the gateway code', async () => {
    exporter.reset();
    const zx = new ZhixiaoPayClient({ ...sb.zhixiao, tracing: true });
    const err = await zx.queryOrder({ out_trade_no: order('none') }).catch((e) => e);
    const [call] = byName(exporter.getFinishedSpans(), 'campus-pay queryOrder');
    expect(call?.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(call?.attributes).toMatchObject({
      'campus_pay.outcome': 'gateway',
      'campus_pay.gateway_code': String(err.gatewayCode),
    });
  });

  it('with several accepted secrets or a key provider, the attempt span names the verifying key (index, version)', async () => {
    exporter.reset();
    const zx = new ZhixiaoPayClient({
      ...sb.zhixiao,
      appSecret: undefined,
      keyProvider: async () => ({ appSecret: [sb.zhixiao.appSecret, 'a-newer-secret'] }),
      tracing: true,
    });
    await zx.createOrder(newOrder(order('k')));
    const [attempt] = byName(exporter.getFinishedSpans(), 'campus-pay createOrder attempt');
    expect(attempt?.attributes).toMatchObject({ 'campus_pay.key_index': 0, 'campus_pay.key_version': 1 });
  });

  it('no spans without `tracing: true`, with or without a logger', async () => {
    exporter.reset();
    await new ZhixiaoPayClient({ ...sb.zhixiao }).createOrder(newOrder(order('g')));
    const { lines, logger } = collecting();
    await new ZhixiaoPayClient({ ...sb.zhixiao, logger, tracing: false }).createOrder(newOrder(order('h')));
    expect(lines).toHaveLength(1);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});

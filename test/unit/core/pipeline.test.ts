import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type CampusPayError,
  ConfigurationError,
  GatewayError,
  OutcomeUnknownError,
  ProtocolError,
  SignatureError,
  TransportError,
  ValidationError,
} from '../../../src/core/errors.js';
import type { MethodKind, MethodSpec } from '../../../src/core/method.js';
import { type Call, type GatewayProtocol, Pipeline, toWire } from '../../../src/core/pipeline.js';
import type { CallBounds } from '../../../src/core/store-call.js';
import { Transport } from '../../../src/core/transport.js';
import { oneCardMethods } from '../../../src/onecard/methods.js';
import { zhixiaoMethods } from '../../../src/zhixiao/methods.js';

/**
 * The pipeline with a gateway of this test's own: the form goes as JSON in `p`, the server answers
 * whatever `answer` says, and counts what reached it. What a protocol sees of each call is recorded.
 */
let answer: (form: Record<string, unknown>) => { status: number; body: string } = () => ({
  status: 200,
  body: '{}',
});
let hits: Record<string, unknown>[] = [];
let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const form = JSON.parse(new URLSearchParams(body).get('p') ?? '{}') as Record<string, unknown>;
      hits.push(form);
      const a = answer(form);
      res.statusCode = a.status;
      res.end(a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gw`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  hits = [];
  answer = () => ({ status: 200, body: '{}' });
});

interface Seen {
  begins: number;
  sealed: Array<{ session: string; busy: boolean; payload: Record<string, unknown> }>;
}

function pipeline(
  opts: {
    renew?: GatewayProtocol<string>['renew'];
    open?: (body: string) => unknown;
    sealDelay?: number;
  } = {},
) {
  const seen: Seen = { begins: 0, sealed: [] };
  const protocol: GatewayProtocol<string> = {
    begin: () => {
      seen.begins++;
      return 'S1';
    },
    async seal(call: Call<string>) {
      seen.sealed.push({ session: call.session, busy: call.busy, payload: call.payload });
      if (opts.sealDelay) await new Promise((r) => setTimeout(r, opts.sealDelay));
      return { url, form: { p: JSON.stringify({ ...call.payload, session: call.session }) } };
    },
    open: (_call, reply) => {
      const text = reply.body.toString();
      if (opts.open) return opts.open(text);
      if (reply.status !== 200) throw new ProtocolError(reply.status, 'not 200');
      return JSON.parse(text) as unknown;
    },
    ...(opts.renew ? { renew: opts.renew } : {}),
  };
  const p = new Pipeline(protocol, new Transport({ retryBaseMs: 0 }), 'Asia/Shanghai');
  return { p, seen };
}

const spec = (kind: MethodKind, extra: Partial<MethodSpec> = {}): MethodSpec => ({
  wire: `wire.${kind}`,
  section: '9.9',
  kind,
  request: z
    .object({ no: z.string().optional(), fee: z.number().optional(), at: z.date().optional() })
    .strict(),
  response: z.object({ no: z.string().optional(), fee: z.union([z.string(), z.number()]).optional() }),
  ...extra,
});

const PLAIN = 'must be a plain object such as { signal, timeoutMs, deadlineMs, journalKey }';

const caught = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('succeeded');
    },
    (e: unknown) => e as CampusPayError & Record<string, unknown>,
  );

describe('call options are checked before any I/O, the session fetch included', () => {
  it.each<[string, unknown, string, string]>([
    ['null', null, 'options', PLAIN],
    ['a string', 'fast', 'options', PLAIN],
    ['a signal instead of { signal }', AbortSignal.timeout(1_000), 'options', PLAIN],
    ['a controller instead of { signal }', new AbortController(), 'options', PLAIN],
    ['an array', [], 'options', PLAIN],
    [
      'a controller as signal',
      { signal: new AbortController() },
      'options.signal',
      'must be an AbortSignal (pass controller.signal, not the controller)',
    ],
    // 1e12 and 2^31 overflow Node's timer to 1 ms: the call would be sent, then reported unknown.
    ...[0, -1, 0.5, 600_001, 1e12, Number.NaN, Number.POSITIVE_INFINITY, '5', '5s', null, true].map(
      (t): [string, unknown, string, string] => [
        `timeoutMs ${String(t)}`,
        { timeoutMs: t },
        'options.timeoutMs',
        'must be a finite number of milliseconds from 1 to 600000',
      ],
    ),
    ...[0, -1, 2 ** 31, 1e12, Number.NaN, Number.NEGATIVE_INFINITY, '5s', {}].map(
      (t): [string, unknown, string, string] => [
        `deadlineMs ${String(t)}`,
        { deadlineMs: t },
        'options.deadlineMs',
        'must be a finite number of milliseconds from 1 to 2147483647',
      ],
    ),
    [
      'timeoutMS (a typo)',
      { timeoutMS: 5_000 },
      'options.timeoutMS',
      'is not an option; did you mean timeoutMs?',
    ],
    ['deadline', { deadline: 5_000 }, 'options.deadline', 'is not an option; did you mean deadlineMs?'],
    ['sigal', { sigal: undefined }, 'options.sigal', 'is not an option; did you mean signal?'],
    [
      'an unrelated key',
      { retries: 3 },
      'options.retries',
      'is not an option (known: signal, timeoutMs, deadlineMs, journalKey)',
    ],
    [
      'idempotent outside call()',
      { idempotent: true },
      'options.idempotent',
      'is not an option (known: signal, timeoutMs, deadlineMs, journalKey)',
    ],
  ])('%s', async (_what, opts, path, message) => {
    const { p, seen } = pipeline();
    const e = await caught(p.run('payIt', spec('money'), {}, opts as never));
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as unknown as ValidationError).issues).toEqual([{ path, message }]);
    expect((e as unknown as ValidationError).direction).toBe('request');
    expect(e.message).toBe(`payIt request is invalid: ${path}: ${message}`);
    expect([e.method, e.wireMethod]).toEqual(['payIt', 'wire.money']);
    expect([seen.begins, hits.length]).toEqual([0, 0]);
  });

  it('values at the edges of each range, undefined values and a null-prototype object are fine', async () => {
    const { p } = pipeline();
    for (const opts of [
      { timeoutMs: 5_000, signal: new AbortController().signal },
      { timeoutMs: 600_000, deadlineMs: 2 ** 31 - 1 },
      { timeoutMs: 1_000, deadlineMs: 1_000 },
      { timeoutMs: undefined, deadlineMs: undefined, signal: undefined },
      Object.assign(Object.create(null), { timeoutMs: 5_000 }),
    ])
      await expect(p.run('q', spec('query'), {}, opts)).resolves.toEqual({});
    expect(hits).toHaveLength(5);
  });

  it('every wrong option is listed, in one error', async () => {
    const { p, seen } = pipeline();
    const e = (await caught(
      p.run('payIt', spec('money'), {}, { timeoutMs: 1e12, deadlineMS: 5, signal: 'x' } as never),
    )) as unknown as ValidationError;
    expect(e.issues.map((i) => i.path)).toEqual([
      'options.timeoutMs',
      'options.deadlineMS',
      'options.signal',
    ]);
    expect([seen.begins, hits.length]).toEqual([0, 0]);
  });

  it('an already aborted signal: a TransportError saying nothing was sent, before the session', async () => {
    const { p, seen } = pipeline();
    const e = await caught(p.run('payIt', spec('money'), {}, { signal: AbortSignal.abort() }));
    expect(e).toBeInstanceOf(TransportError);
    expect([e.mayHaveReachedGateway, e.causeCode, e.message]).toEqual([
      false,
      'ERR_CANCELED',
      'payIt: the call was aborted before anything was sent',
    ]);
    expect([seen.begins, hits.length]).toEqual([0, 0]);
  });

  it('bad input: a ValidationError on the request, before the session', async () => {
    const { p, seen } = pipeline();
    const e = await caught(p.run('payIt', spec('money'), { no: 5 }));
    expect([e.constructor, (e as unknown as ValidationError).direction]).toEqual([
      ValidationError,
      'request',
    ]);
    expect([seen.begins, hits.length]).toEqual([0, 0]);
  });
});

describe('the wire form', () => {
  it('amounts become decimal strings, Dates compact Beijing time, undefined fields are dropped', async () => {
    const { p } = pipeline();
    await p.run('payIt', spec('money', { amounts: ['fee'] }), {
      no: 'A',
      fee: 120,
      at: new Date('2026-12-02T02:03:04Z'),
    });
    expect(hits).toEqual([{ no: 'A', fee: '120', at: '20261202100304', session: 'S1' }]);
    await p.run('payIt', spec('money', { amounts: ['fee'] }), { no: undefined } as never);
    expect(hits[1]).toEqual({ session: 'S1' });
  });

  it('an amount is not stringified unless the table lists it; the entry’s toWire runs last', async () => {
    const { p } = pipeline();
    await p.run('payIt', spec('money'), { fee: 7 });
    expect(hits[0]).toEqual({ fee: 7, session: 'S1' });
    const seenCtx: string[] = [];
    await p.run(
      'payIt',
      spec('money', {
        amounts: ['fee'],
        toWire: (v, ctx) => {
          seenCtx.push(`${ctx.timeZone} ${ctx.now instanceof Date}`);
          return { ...v, extra: typeof v.fee };
        },
      }),
      { fee: 7 },
    );
    expect(hits[1]).toEqual({ fee: '7', extra: 'string', session: 'S1' });
    // A field left undefined is not handed to the entry's toWire at all (it might write it out).
    const keys: string[][] = [];
    await p.run(
      'payIt',
      spec('money', {
        toWire: (v) => {
          keys.push(Object.keys(v));
          return v;
        },
      }),
      {
        no: undefined,
        fee: 1,
      } as never,
    );
    expect(keys).toEqual([['fee']]);
    expect(seenCtx).toEqual(['Asia/Shanghai true']);
  });
});

describe('defaults are filled in before the wire conversion', () => {
  // 2026-12-07T01:45:11.104Z is 2026-12-07 09:45:11 in Beijing (UTC+8, no DST), written out by hand.
  const now = new Date('2026-12-07T01:45:11.104Z');
  /**
   * Every defaulted field of both tables, the request that leaves it out, and the wire value expected at
   * `now` in Beijing and in UTC. A default added to a table without a row here fails the first test.
   */
  const DEFAULTED: Record<string, { input: Record<string, unknown>; beijing: unknown; utc: unknown }> = {
    'recharge.order_time': {
      input: {
        client_type: 'web',
        pay_type: 'alipay',
        account: '10001',
        acctype: '###',
        order_no: 'R1',
        order_amount: 100,
        return_url: 'https://m.test/r',
        notify_url: 'https://m.test/n',
      },
      beijing: '20261207094511',
      utc: '20261207014511',
    },
  };
  const tables: Record<string, MethodSpec> = { ...oneCardMethods, ...zhixiaoMethods };
  const ctx = (timeZone: string) => ({ timeZone, now });

  it('the list above names exactly the defaulted fields of both tables', () => {
    const found = Object.entries(tables).flatMap(([name, m]) =>
      Object.keys(m.defaults?.(ctx('Asia/Shanghai')) ?? {}).map((f) => `${name}.${f}`),
    );
    expect(found.sort()).toEqual(Object.keys(DEFAULTED).sort());
  });

  it.each(Object.entries(DEFAULTED))('%s: written in the client’s zone, like a given value', (key, row) => {
    const [name, field] = key.split('.') as [string, string];
    const m = tables[name]!;
    const valid = m.request.parse(row.input) as Record<string, unknown>;
    expect(valid[field]).toBeUndefined();
    expect(toWire(m, valid, ctx('Asia/Shanghai'))[field]).toBe(row.beijing);
    expect(toWire(m, valid, ctx('UTC'))[field]).toBe(row.utc);
    // A value given by the caller wins over the default and goes through the same conversion.
    const given = m.request.parse({ ...row.input, [field]: now }) as Record<string, unknown>;
    expect(toWire(m, given, ctx('Asia/Shanghai'))[field]).toBe(row.beijing);
  });

  it('a default never replaces a given value, and the entry’s toWire sees the converted default', async () => {
    const { p } = pipeline();
    const seenByEntry: unknown[] = [];
    const withDefault = spec('money', {
      defaults: () => ({ at: now, no: 'D' }),
      toWire: (v) => {
        seenByEntry.push(v.at);
        return v;
      },
    });
    await p.run('payIt', withDefault, { no: 'A' });
    await p.run('payIt', withDefault, { no: undefined } as never);
    expect(hits.map(({ session: _, ...h }) => h)).toEqual([
      { at: '20261207094511', no: 'A' },
      { at: '20261207094511', no: 'D' },
    ]);
    expect(seenByEntry).toEqual(['20261207094511', '20261207094511']);
  });
});

describe('the retry class of each kind', () => {
  it.each([
    ['query', 3],
    ['token', 3],
    ['money', 1],
    ['state', 1],
  ] as const)('%s on 503: %i attempt(s)', async (kind, attempts) => {
    answer = () => ({ status: 503, body: 'busy' });
    const { p } = pipeline();
    const e = await caught(p.run('m', spec(kind), {}));
    expect(hits).toHaveLength(attempts);
    if (kind === 'query' || kind === 'token') {
      expect(e).toBeInstanceOf(ProtocolError);
      expect(e).not.toBeInstanceOf(OutcomeUnknownError);
    } else {
      expect(e).toBeInstanceOf(OutcomeUnknownError);
      expect([e.reason, e.method, e.wireMethod]).toEqual(['protocol', 'm', `wire.${kind}`]);
    }
  });

  it('a money call without a documented query is told to reconcile; with one, gets that advice', async () => {
    answer = () => ({ status: 503, body: 'busy' });
    const { p } = pipeline();
    const plain = (await caught(p.run('m', spec('money'), {}))) as unknown as OutcomeUnknownError;
    expect(plain.advice).toBe(
      "No query of the gateway's API reports this call's outcome: check it in the gateway's records (the merchant console or the account statement) before trying again.",
    );
    expect(plain.query).toBeUndefined();
    const withQuery = (await caught(
      p.run(
        'm',
        spec('money', {
          outcome: (v: { no?: string }) => ({
            advice: `ask about ${v.no}`,
            query: { method: 'q', params: { no: v.no } },
          }),
        }),
        {
          no: 'N1',
        },
      ),
    )) as unknown as OutcomeUnknownError;
    expect([withQuery.advice, withQuery.query]).toEqual([
      'ask about N1',
      { method: 'q', params: { no: 'N1' } },
    ]);
  });
});

describe('what the gateway answered', () => {
  it('a reply that fails the response schema: ValidationError on a query, outcome unknown on money', async () => {
    answer = () => ({ status: 200, body: '{"no":5}' });
    const { p } = pipeline();
    const q = await caught(p.run('q', spec('query'), {}));
    expect([q.constructor, (q as unknown as ValidationError).direction, q.method]).toEqual([
      ValidationError,
      'response',
      'q',
    ]);
    const m = await caught(p.run('m', spec('money'), {}));
    expect([m.constructor, m.reason]).toEqual([OutcomeUnknownError, 'validation']);
  });

  it('a reply about another order or amount is refused, naming the fields', async () => {
    const echoing = spec('query', { echoes: ['no', 'fee'] });
    const { p } = pipeline();
    answer = () => ({ status: 200, body: '{"no":"B","fee":"5"}' });
    const one = await caught(p.run('q', echoing, { no: 'A', fee: 5 }));
    expect([one.constructor, one.message]).toEqual([
      ProtocolError,
      'q: the reply is about another request: no differs from what was sent (HTTP 200)',
    ]);
    const two = await caught(p.run('q', echoing, { no: 'A', fee: 6 }));
    expect(two.message).toBe(
      'q: the reply is about another request: no, fee differ from what was sent (HTTP 200)',
    );
  });

  it('echoes compare as decimal strings; a field not sent or sent empty is not compared', async () => {
    const echoing = spec('query', {
      echoes: ['no', 'fee'],
      request: z.object({ no: z.string().optional(), fee: z.number().optional() }),
    });
    const { p } = pipeline();
    answer = () => ({ status: 200, body: '{"no":"B","fee":"5"}' });
    await expect(p.run('q', echoing, { fee: 5 })).resolves.toEqual({ no: 'B', fee: '5' });
    await expect(p.run('q', echoing, { no: '', fee: 5 })).resolves.toEqual({ no: 'B', fee: '5' });
    answer = () => ({ status: 200, body: '{}' });
    await expect(p.run('q', echoing, {})).resolves.toEqual({});
  });

  it.each([
    ['absent', '{"fee":"5"}'],
    ['null', '{"no":null,"fee":"5"}'],
    ['empty', '{"no":"","fee":"5"}'],
    ['only under another spelling', '{"NO":"A","fee":"5"}'],
  ])('a required echo that is %s is a mismatch', async (_what, body) => {
    const echoing = spec('query', {
      echoes: ['no', 'fee'],
      response: z.object({ no: z.string().nullable().optional(), fee: z.string() }).loose(),
    });
    const { p } = pipeline();
    answer = () => ({ status: 200, body });
    const e = await caught(p.run('q', echoing, { no: 'A', fee: 5 }));
    expect([e.constructor, e.message]).toEqual([
      ProtocolError,
      'q: the reply does not say which request it answers: no is missing (the spec requires the echo) (HTTP 200)',
    ]);
  });

  it('missing and differing fields are both named; several missing are listed', async () => {
    const echoing = spec('query', { echoes: ['no', 'fee', 'at'], response: z.unknown() });
    const { p } = pipeline();
    answer = () => ({ status: 200, body: '{"fee":"6"}' });
    const both = await caught(p.run('q', echoing, { no: 'A', fee: 5 }));
    expect(both.message).toBe(
      'q: the reply is about another request: fee differs from what was sent; no is missing (the spec requires the echo) (HTTP 200)',
    );
    answer = () => ({ status: 200, body: '{}' });
    const two = await caught(p.run('q', echoing, { no: 'A', fee: 5 }));
    expect(two.message).toBe(
      'q: the reply does not say which request it answers: no, fee are missing (the spec requires the echo) (HTTP 200)',
    );
  });

  it('an optional echo (echoesIfPresent) is compared when present, not required', async () => {
    const echoing = spec('query', { echoes: ['fee'], echoesIfPresent: ['no'] });
    const { p } = pipeline();
    answer = () => ({ status: 200, body: '{"fee":"5"}' });
    await expect(p.run('q', echoing, { no: 'A', fee: 5 })).resolves.toEqual({ fee: '5' });
    answer = () => ({ status: 200, body: '{"no":"B","fee":"5"}' });
    const e = await caught(p.run('q', echoing, { no: 'A', fee: 5 }));
    expect(e.message).toBe('q: the reply is about another request: no differs from what was sent (HTTP 200)');
    answer = () => ({ status: 200, body: '{"no":"A","fee":"5"}' });
    await expect(p.run('q', echoing, { no: 'A', fee: 5 })).resolves.toEqual({ no: 'A', fee: '5' });
  });

  it('a money call whose reply lacks a required echo is outcome unknown (the answer cannot be trusted)', async () => {
    const echoing = spec('money', { echoes: ['fee'], amounts: ['fee'] });
    const { p } = pipeline();
    answer = () => ({ status: 200, body: '{"no":"A"}' });
    const e = await caught(p.run('m', echoing, { fee: 5 }));
    expect([e.constructor, e.reason]).toEqual([OutcomeUnknownError, 'protocol']);
    expect(hits).toHaveLength(1);
  });

  it('a null or non-object reply carries no echo: a mismatch when one is required, fine when optional', async () => {
    for (const reply of [null, 'plain text']) {
      const { p } = pipeline({ open: () => reply });
      const required = spec('query', { echoes: ['no'], response: z.unknown() });
      expect(await caught(p.run('q', required, { no: 'A' }))).toBeInstanceOf(ProtocolError);
      const optional = spec('query', { echoesIfPresent: ['no'], response: z.unknown() });
      await expect(p.run('q', optional, { no: 'A' })).resolves.toBe(reply);
      await expect(p.run('q', required, {})).resolves.toBe(reply);
    }
  });

  it('verdicts of the gateway pass through a money call unchanged', async () => {
    for (const err of [
      new GatewayError({ level: 'business', code: '60010', message: 'x' }),
      new ConfigurationError('k', 'bad'),
    ]) {
      const { p } = pipeline({
        open: () => {
          throw err;
        },
      });
      const e = await caught(p.run('m', spec('money'), {}));
      expect(e).toBe(err);
      expect([e.method, e.wireMethod]).toEqual(['m', 'wire.money']);
    }
  });

  it('a forged reply on a money call is outcome unknown, not a failure to retry', async () => {
    const { p } = pipeline({
      open: () => {
        throw new SignatureError('mismatch', 'bad sign');
      },
    });
    const e = await caught(p.run('m', spec('money'), {}));
    expect([e.constructor, e.reason, e.message]).toEqual([
      OutcomeUnknownError,
      'signature',
      `m: the outcome is unknown (bad sign). It was not resent. ${"No query of the gateway's API reports this call's outcome: check it in the gateway's records (the merchant console or the account statement) before trying again."}`,
    ]);
    expect(hits).toHaveLength(1);
  });

  it('an error that is not the SDK’s passes unchanged, unnamed', async () => {
    const boom = new RangeError('bug in open');
    for (const kind of ['query', 'money'] as const) {
      const { p } = pipeline({
        open: () => {
          throw boom;
        },
      });
      const e = await caught(p.run('m', spec(kind), {}));
      expect(e).toBe(boom);
      expect(e.message).toBe('bug in open');
      expect('method' in e).toBe(false);
    }
  });
});

describe('renewal after a refused call (OneCard 40017)', () => {
  it('a new session from renew: one resend with it, and its answer', async () => {
    let first = true;
    const renewals: unknown[] = [];
    const { p, seen } = pipeline({
      open: () => {
        if (first) {
          first = false;
          throw new GatewayError({ level: 'system', code: '40017', message: 'token' });
        }
        return {};
      },
      renew: async (err, call) => {
        renewals.push([(err as GatewayError).gatewayCode, call.session]);
        return 'S2';
      },
    });
    await expect(p.run('q', spec('query'), {})).resolves.toEqual({});
    expect(renewals).toEqual([['40017', 'S1']]);
    expect(seen.sealed.map((s) => s.session)).toEqual(['S1', 'S2']);
    expect(hits.map((h) => h.session)).toEqual(['S1', 'S2']);
  });

  it('renew declining (undefined): the error stands, nothing resent', async () => {
    const err = new GatewayError({ level: 'system', code: '40017', message: 'token' });
    const { p } = pipeline({
      open: () => {
        throw err;
      },
      renew: async () => undefined,
    });
    expect(await caught(p.run('m', spec('money'), {}))).toBe(err);
    expect(hits).toHaveLength(1);
  });
});

describe('concurrency', () => {
  it('a call sealed while another is in flight is marked busy; a lone call is not', async () => {
    const { p, seen } = pipeline({ sealDelay: 30 });
    await p.run('q', spec('query'), {});
    await Promise.all([p.run('q', spec('query'), {}), p.run('q', spec('query'), {})]);
    await p.run('q', spec('query'), {});
    expect(seen.sealed.map((s) => s.busy)).toEqual([false, false, true, false]);
  });

  it('a failing call leaves the in-flight count right', async () => {
    answer = () => ({ status: 503, body: 'busy' });
    const { p, seen } = pipeline();
    await caught(p.run('m', spec('money'), {}));
    answer = () => ({ status: 200, body: '{}' });
    await p.run('q', spec('query'), {});
    expect(seen.sealed.map((s) => s.busy)).toEqual([false, false]);
  });
});

describe('call() for methods outside the table', () => {
  it('not resent unless declared idempotent; the payload goes as given', async () => {
    answer = () => ({ status: 503, body: 'busy' });
    const { p } = pipeline();
    const e = await caught(p.adHoc('x.y', { any: 1 }));
    expect([e.constructor, e.method]).toEqual([OutcomeUnknownError, 'x.y']);
    expect(hits).toEqual([{ any: 1, session: 'S1' }]);
    hits = [];
    const e2 = await caught(p.adHoc('x.y', { any: 1 }, { idempotent: false }));
    expect(e2).toBeInstanceOf(OutcomeUnknownError);
    expect(hits).toHaveLength(1);
    hits = [];
    const q = await caught(p.adHoc('x.y', {}, { idempotent: true, timeoutMs: 5_000 }));
    expect(q).toBeInstanceOf(ProtocolError);
    expect(hits).toHaveLength(3);
  });

  it('its options are checked like any call’s, idempotent included', async () => {
    const { p } = pipeline();
    for (const [opts, path, message] of [
      [{ timeoutMs: -1 }, 'options.timeoutMs', 'must be a finite number of milliseconds from 1 to 600000'],
      [{ idempotent: 'yes' }, 'options.idempotent', 'must be true or false'],
      [{ idempotnet: true }, 'options.idempotnet', 'is not an option; did you mean idempotent?'],
      [
        null,
        'options',
        'must be a plain object such as { signal, timeoutMs, deadlineMs, journalKey, idempotent }',
      ],
    ] as const) {
      const e = await caught(p.adHoc('x.y', {}, opts as never));
      expect([e.constructor, e.method, (e as unknown as ValidationError).issues]).toEqual([
        ValidationError,
        'x.y',
        [{ path, message }],
      ]);
    }
    expect(hits).toHaveLength(0);
  });
});

describe('the call’s signal and deadline reach the session and its renewal', () => {
  it('begin and renew get the signal and the absolute deadline (deadlineMs from the start of the call)', async () => {
    const got: Array<CallBounds | undefined> = [];
    let renewed = false;
    const protocol: GatewayProtocol<string> = {
      begin: (_spec, _name, bounds) => {
        got.push(bounds);
        return 'S1';
      },
      seal: (call) => ({ url, form: { p: JSON.stringify({ session: call.session }) } }),
      open: () => {
        if (renewed) return {};
        throw new GatewayError({ level: 'system', code: '40017', message: 'token invalid' });
      },
      renew: async (_err, call) => {
        got.push(call.bounds);
        renewed = true;
        return 'S2';
      },
    };
    const p = new Pipeline(protocol, new Transport({ retryBaseMs: 0 }), 'Asia/Shanghai');
    const { signal } = new AbortController();
    const before = Date.now();
    await p.run('q', spec('query'), {}, { signal, deadlineMs: 60_000 });
    const after = Date.now();
    expect(got).toHaveLength(2);
    for (const b of got) {
      expect(b?.signal).toBe(signal);
      expect(b?.deadline).toBeGreaterThanOrEqual(before + 60_000);
      expect(b?.deadline).toBeLessThanOrEqual(after + 60_000);
    }
    await p.run('q', spec('query'), {});
    expect(got[2]).toEqual({ signal: undefined, deadline: undefined });
  });
});

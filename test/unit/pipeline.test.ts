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
} from '../../src/core/errors.js';
import type { MethodKind, MethodSpec } from '../../src/core/method.js';
import { type Call, type GatewayProtocol, Pipeline } from '../../src/core/pipeline.js';
import type { CallBounds } from '../../src/core/store-call.js';
import { Transport } from '../../src/core/transport.js';

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

const caught = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('succeeded');
    },
    (e: unknown) => e as CampusPayError & Record<string, unknown>,
  );

describe('call options are checked before any I/O, the session fetch included', () => {
  it.each<[string, unknown, string, string]>([
    ['null', null, 'options', 'must be an object'],
    ['a string', 'fast', 'options', 'must be an object'],
    [
      'a controller as signal',
      { signal: new AbortController() },
      'options.signal',
      'must be an AbortSignal (pass controller.signal, not the controller)',
    ],
    ...[0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5'].map((t): [string, unknown, string, string] => [
      `timeoutMs ${String(t)}`,
      { timeoutMs: t },
      'options.timeoutMs',
      'must be a finite number of milliseconds greater than 0',
    ]),
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

  it('a small positive timeoutMs and a real signal are fine', async () => {
    const { p } = pipeline();
    await expect(
      p.run('q', spec('query'), {}, { timeoutMs: 5_000, signal: new AbortController().signal }),
    ).resolves.toEqual({});
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
      "No query of the gateway's API reports this call's outcome: check it in the gateway's records (reconciliation, the merchant console or the account statement) before trying again.",
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

  it('echoes compare as decimal strings; a field not sent, sent empty or not echoed is not compared', async () => {
    const echoing = spec('query', {
      echoes: ['no', 'fee'],
      request: z.object({ no: z.string().optional(), fee: z.number().optional() }),
    });
    const { p } = pipeline();
    answer = () => ({ status: 200, body: '{"no":"B","fee":"5"}' });
    await expect(p.run('q', echoing, { fee: 5 })).resolves.toEqual({ no: 'B', fee: '5' });
    await expect(p.run('q', echoing, { no: '', fee: 5 })).resolves.toEqual({ no: 'B', fee: '5' });
    answer = () => ({ status: 200, body: '{}' });
    await expect(p.run('q', echoing, { no: 'A', fee: 5 })).resolves.toEqual({});
  });

  it('a null reply skips the echo check', async () => {
    const echoing = spec('query', { echoes: ['no'], response: z.null() });
    const { p } = pipeline({ open: () => null });
    await expect(p.run('q', echoing, { no: 'A' })).resolves.toBeNull();
  });

  it('a reply that is not an object skips the echo check', async () => {
    const echoing = spec('query', { echoes: ['no'], response: z.unknown() });
    const { p } = pipeline({ open: () => 'plain text' });
    await expect(p.run('q', echoing, { no: 'A' })).resolves.toBe('plain text');
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
      `m: the outcome is unknown (bad sign). It was not resent. ${"No query of the gateway's API reports this call's outcome: check it in the gateway's records (reconciliation, the merchant console or the account statement) before trying again."}`,
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

  it('its options are checked like any call’s', async () => {
    const { p } = pipeline();
    const e = await caught(p.adHoc('x.y', {}, { timeoutMs: -1 }));
    expect([e.constructor, e.method]).toEqual([ValidationError, 'x.y']);
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

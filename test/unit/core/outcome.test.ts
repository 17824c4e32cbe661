import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  GatewayError,
  OutcomeUnknownError,
  ProtocolError,
  TransportError,
  ValidationError,
} from '../../../src/core/errors.js';
import type { MethodSpec, RefusalMeaning } from '../../../src/core/method.js';
import { advisedQuery, adviseRefusal, guardOutcome, queryAdvice } from '../../../src/core/outcome.js';

describe('guardOutcome, the never-resend rule', () => {
  const advice = () => ({ advice: 'check the ledger' });
  const run = (repeatable: boolean, err: unknown) =>
    guardOutcome(repeatable, 'pay', advice, async () => {
      throw err;
    }).catch((e: unknown) => e);

  it('answers and verdicts pass through unchanged', async () => {
    for (const err of [
      new GatewayError({ level: 'business', code: '60010', message: 'x' }),
      new ConfigurationError('o', 'bad'),
      new ValidationError('pay', 'request', [{ path: 'a', message: 'b' }]),
      new TransportError({ method: 'pay', mayHaveReachedGateway: false, message: 'refused' }),
      new RangeError('a bug'),
    ]) {
      expect(await run(false, err)).toBe(err);
    }
    const unknown = new OutcomeUnknownError('pay', new ProtocolError(502, 'x'), advice());
    expect(await run(false, unknown)).toBe(unknown);
  });

  it('anything after the bytes may have left becomes OutcomeUnknownError with the advice', async () => {
    for (const err of [
      new ProtocolError(502, 'html'),
      new ValidationError('pay', 'response', [{ path: 'a', message: 'b' }]),
      new TransportError({ method: 'pay', mayHaveReachedGateway: true, message: 'reset' }),
    ]) {
      const e = (await run(false, err)) as OutcomeUnknownError;
      expect(e).toBeInstanceOf(OutcomeUnknownError);
      expect([e.cause, e.advice, e.method]).toEqual([err, 'check the ledger', 'pay']);
    }
  });

  it('repeatable calls pass everything through', async () => {
    const err = new ProtocolError(502, 'html');
    expect(await run(true, err)).toBe(err);
  });

  it('queryAdvice names the query as it runs, with what to read in its answer', () => {
    const query = { method: 'queryOrder', params: { out_trade_no: 'A1', amount: 5 } };
    expect(queryAdvice(query)).toEqual({
      query,
      advice: 'Query the outcome with queryOrder({"out_trade_no":"A1","amount":5}) before trying again.',
    });
    expect(queryAdvice(query, 'read its status').advice).toBe(
      'Query the outcome with queryOrder({"out_trade_no":"A1","amount":5}) and read its status before trying again.',
    );
  });
});

describe('adviseRefusal: a refused money call that does not prove the money stayed', () => {
  const advice = { query: { method: 'queryOrder', params: { out_trade_no: 'A1' } }, advice: 'Query A1.' };
  /** A method spec as the tables write one: only what adviseRefusal reads. */
  const spec = (extra: Partial<MethodSpec> & { meaning?: RefusalMeaning } = {}) => {
    const { meaning, ...rest } = extra;
    return {
      kind: 'money',
      outcome: () => advice,
      ...(meaning ? { journal: { refusal: () => meaning } } : {}),
      ...rest,
    } as unknown as MethodSpec;
  };
  const refusal = () => new GatewayError({ level: 'business', code: '60053', message: 'in doubt' });

  it('an unclear refusal carries the query and the advice, in its message too', () => {
    for (const s of [spec({ meaning: 'unclear' }), spec({ meaning: 'order-exists' }), spec()]) {
      const err = refusal();
      const said = err.message;
      expect(adviseRefusal(s, {}, err)).toBe(err);
      expect([err.query, err.advice, err.message]).toEqual([advice.query, 'Query A1.', `${said} Query A1.`]);
    }
    // A journal without a refusal rule is no proof either.
    const noRule = spec({ journal: {} } as Partial<MethodSpec>);
    expect((adviseRefusal(noRule, {}, refusal()) as GatewayError).advice).toBe('Query A1.');
  });

  it('left as it is: a refusal that proves nothing moved, another kind of call, no advice, another error', () => {
    const cases: Array<[MethodSpec, unknown]> = [
      [spec({ meaning: 'not-moved' }), refusal()],
      [spec({ kind: 'query' }), refusal()],
      [spec({ kind: 'state' }), refusal()],
      [spec({ outcome: undefined }), refusal()],
      [spec(), new ProtocolError(502, 'html')],
      [spec(), new Error('a bug')],
    ];
    for (const [s, err] of cases) {
      const before = err instanceof Error ? err.message : '';
      expect(adviseRefusal(s, {}, err)).toBe(err);
      expect((err as GatewayError).advice).toBeUndefined();
      expect((err as Error).message).toBe(before);
    }
  });

  it("the advice is built from the call's own request", () => {
    let seen: unknown;
    const s = spec({
      meaning: 'unclear',
      outcome: (v: unknown) => {
        seen = v;
        return advice;
      },
    } as Partial<MethodSpec>);
    adviseRefusal(s, { out_trade_no: 'A1' }, refusal());
    expect(seen).toEqual({ out_trade_no: 'A1' });
  });
});

describe('advisedQuery: the query runQuery may run', () => {
  const query = { method: 'queryOrder', params: { out_trade_no: 'A1' } };
  const refusalQuery = (err: unknown) => {
    try {
      advisedQuery(err, ['queryOrder']);
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      const v = e as ValidationError;
      return {
        method: v.method,
        direction: v.direction,
        path: v.issues[0]?.path,
        message: v.issues[0]?.message,
      };
    }
    throw new Error('expected a refusal');
  };

  it("an OutcomeUnknownError's or a GatewayError's query, when it is one of the client's", () => {
    const unknown = new OutcomeUnknownError('createOrder', new ProtocolError(502, 'x'), {
      query,
      advice: 'a',
    });
    expect(advisedQuery(unknown, ['queryOrder'])).toBe(query);
    const refused = new GatewayError({ level: 'business', code: '-1', message: 'x' });
    refused.query = query;
    expect(advisedQuery(refused, ['queryOrder'])).toBe(query);
  });

  it('refused before any I/O, saying why: no query, or a query of the other gateway', () => {
    const noQuery = new OutcomeUnknownError('refundOrder', new ProtocolError(502, 'x'), {
      advice: 'ask a person',
    });
    expect(refusalQuery(noQuery)).toEqual({
      method: 'runQuery',
      direction: 'request',
      path: 'query',
      message:
        'the error advises no query (no query of the protocol can tell this call): follow its advice instead',
    });
    const other = new OutcomeUnknownError('recharge', new ProtocolError(502, 'x'), {
      query: { method: 'queryRechargeOrder', params: {} },
      advice: 'a',
    });
    expect(refusalQuery(other).message).toBe(
      'queryRechargeOrder is not a query of this client: run it on a client of the gateway that threw the error',
    );
    // Only the SDK's own errors carry a query it will run: a look-alike object carries none.
    expect(refusalQuery({ query }).path).toBe('query');
    expect(refusalQuery(new Error('x')).path).toBe('query');
  });
});

import { describe, expect, it } from 'vitest';
import { base64Repaired, noticeFields } from '../../../src/core/notice.js';
import { SignatureError, ValidationError } from '../../../src/index.js';

const ENVELOPE = ['param', 'sign'] as const;

const thrown = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e as Error & { reason?: string };
  }
  throw new Error('did not throw');
};

describe('noticeFields: whatever reached the endpoint, as string fields', () => {
  it('reads a form body (string, Buffer, Uint8Array), a query with or without ?, URLSearchParams, fields', () => {
    const want = { param: 'a+b/c=', sign: 'S', id: 'x y' };
    const body = 'param=a%2Bb%2Fc%3D&sign=S&id=x+y';
    for (const input of [
      body,
      `?${body}`,
      ` ${body}\r\n`, // a trailing newline from a hand-written client is not part of the last value
      Buffer.from(body),
      new Uint8Array(Buffer.from(body)),
      new URLSearchParams(body),
      { ...want },
    ]) {
      expect(noticeFields(input, ENVELOPE)).toEqual(want);
    }
  });

  it('only a leading ? is the query mark: one inside a raw value stays', () => {
    expect(noticeFields('param=a?b&sign=s?', ENVELOPE)).toEqual({ param: 'a?b', sign: 's?' });
    expect(noticeFields('?param=a?b&sign=s', ENVELOPE)).toEqual({ param: 'a?b', sign: 's' });
  });

  it('returns a copy: the caller’s object is not touched by later repairs', () => {
    const input = { param: 'p', sign: 's' };
    const out = noticeFields(input, ENVELOPE);
    out.param = 'changed';
    expect(input.param).toBe('p');
  });

  it.each([
    ['null', null, 'got null'],
    ['an array', [['param', 'p']], 'got an array'],
    ['a number', 5, 'got number'],
    ['undefined', undefined, 'got undefined'],
  ])('%s is a ValidationError on input naming what it got', (_what, input, got) => {
    const e = thrown(() => noticeFields(input as never, ENVELOPE)) as ValidationError;
    expect(e).toBeInstanceOf(ValidationError);
    expect([e.method, e.direction, e.issues.length, e.issues[0]?.path]).toEqual([
      'parseNotification',
      'notification',
      1,
      'input',
    ]);
    expect(e.issues[0]?.message).toBe(
      `must be the raw body (string or Buffer), the query (URLSearchParams) or the form fields as an object; ${got}`,
    );
  });

  it('an object without any envelope field is a parsed body; a body or query without one is unsigned', () => {
    const parsed = thrown(() => noticeFields({ out_trade_no: '1' }, ENVELOPE));
    expect(parsed).toBeInstanceOf(SignatureError);
    expect(parsed.reason).toBe('parsed_body');
    expect(parsed.message).toBe(
      'notification: got an object without param/sign — pass the raw body or query string, or the form fields, not a parsed JSON payload',
    );
    for (const input of [
      {},
      'out_trade_no=1',
      Buffer.from('out_trade_no=1'),
      new Uint8Array(Buffer.from('out_trade_no=1')),
      new URLSearchParams('out_trade_no=1'),
    ]) {
      const e = thrown(() => noticeFields(input, ENVELOPE));
      expect([e.constructor, e.reason, e.message]).toEqual([
        SignatureError,
        'missing_signature',
        'notification: none of param, sign is present',
      ]);
    }
  });

  it('any one envelope field is enough to go on', () => {
    expect(noticeFields({ sign: 's' }, ENVELOPE)).toEqual({ sign: 's' });
    expect(noticeFields({ param: 'p' }, ENVELOPE)).toEqual({ param: 'p' });
  });

  it('a field that is not a string is malformed, named', () => {
    for (const v of [5, null, ['a'], { a: 1 }]) {
      const e = thrown(() => noticeFields({ param: 'p', sign: v } as never, ENVELOPE));
      expect([e.constructor, e.reason, e.message]).toEqual([
        SignatureError,
        'malformed',
        'notification: field sign is not a string',
      ]);
    }
  });
});

describe('base64Repaired: + restored where a form decoder made it a space', () => {
  it('restores + in the named base64 fields only, in one copy, leaving the input alone', () => {
    const fields = { request: 'ab cd/ef==', sign: 'x y', other: 'p q' };
    expect(base64Repaired(fields, ['request', 'sign'])).toEqual({
      request: 'ab+cd/ef==',
      sign: 'x+y',
      other: 'p q',
    });
    expect(fields.request).toBe('ab cd/ef==');
  });

  it('nothing to repair: undefined', () => {
    expect(base64Repaired({ request: 'abcd', sign: 'xy' }, ['request', 'sign'])).toBeUndefined();
    expect(base64Repaired({ other: 'a b' }, ['request'])).toBeUndefined();
  });

  it.each([['{"a": 1}'], ['ab cd==='], ['!ab cd'], ['ab cd!'], ['ab cd=x']])(
    '%s does not read as base64 once repaired, so it is left as is',
    (v) => {
      expect(base64Repaired({ request: v }, ['request'])).toBeUndefined();
    },
  );

  it('a field that is not base64 does not stop the repair of the next', () => {
    expect(base64Repaired({ request: '{"a": 1}', sign: 'x y' }, ['request', 'sign'])).toEqual({
      request: '{"a": 1}',
      sign: 'x+y',
    });
  });
});

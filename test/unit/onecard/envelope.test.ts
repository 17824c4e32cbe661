import { createSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecryptionError, GatewayError, ProtocolError, SignatureError } from '../../../src/core/errors.js';
import { loadPublicKey, tripleDesDecrypt, tripleDesEncrypt } from '../../../src/crypto.js';
import {
  decodeReply,
  decryptJson,
  encodeReply,
  NO_TOKEN,
  requestFields,
  signString,
  wrapperOf,
} from '../../../src/onecard/envelope.js';
import { vectors } from '../../helpers/fixtures.js';
import { DES_KEY, platformPrivate, platformPublicPem } from '../../helpers/keys.js';

const keys = { desKey: DES_KEY, platformPublicKey: loadPublicKey(platformPublicPem) };
const M = 'synjones.onecard.query.card';

/** A reply signed by the platform key with node:crypto over `errcode…request…` (spec 1.2). */
function reply(fields: Record<string, string>): Buffer {
  const text = Object.keys(fields)
    .sort()
    .map((k) => k + fields[k])
    .join('');
  const sign = createSign('RSA-SHA1').update(text, 'utf8').sign(platformPrivate, 'base64');
  return Buffer.from(new URLSearchParams({ ...fields, sign }).toString());
}
const enc = (o: unknown) => tripleDesEncrypt(JSON.stringify(o), DES_KEY);

async function failure(body: Buffer, opts: { offload?: boolean } = {}) {
  try {
    await decodeReply(keys, M, 200, body, opts);
  } catch (e) {
    return e as Error & Record<string, unknown>;
  }
  throw new Error('accepted');
}

describe('OneCard request envelope (1.2)', () => {
  it('the sign string of the openssl vector', () => {
    expect(
      signString({
        v: '2.0',
        sign_method: 'rsa',
        timestamp: '2026-01-02 03:04:05',
        request: 'AB+/=',
        method: 'synjones.onecard.query.card',
        format: 'json',
        app_key: 'test',
        access_token: '000',
        sign: 'ignored',
      }),
    ).toBe(vectors.signText);
  });

  it.each([
    ['synjones.onecard.paygw.notify.result', 'paygw_notify_result'],
    ['onecard.query.card', 'query_card'],
    ['x.synjones.onecard.y', 'x_synjones_onecard_y'],
    ['synjones.x.onecard.y', 'x_onecard_y'],
  ])('wrapperOf(%s) = %s: prefixes only at the start', (m, w) => {
    expect(wrapperOf(m)).toBe(w);
  });

  it('requestFields: the eight documented fields, the payload under its wrapper', () => {
    const f = requestFields({
      method: M,
      appKey: 'k1',
      accessToken: NO_TOKEN,
      desKey: DES_KEY,
      payload: { idtype: 'sno', id: '1' },
      timestamp: '2026-12-02 10:00:00',
    });
    const { request, ...rest } = f;
    expect(rest).toEqual({
      method: M,
      timestamp: '2026-12-02 10:00:00',
      format: 'json',
      app_key: 'k1',
      access_token: '0'.repeat(128),
      v: '2.0',
      sign_method: 'rsa',
    });
    expect(JSON.parse(tripleDesDecrypt(request!, DES_KEY))).toEqual({
      query_card: { idtype: 'sno', id: '1' },
    });
  });
});

describe('OneCard decodeReply, step by step', () => {
  it('verifies on the thread pool too: valid passes, altered fails', async () => {
    const body = reply({ errcode: '0', request: enc({ query_card: { retcode: '0', card: [] } }) });
    await expect(decodeReply(keys, M, 200, body, { offload: true })).resolves.toEqual({ card: [] });
    const e = await failure(Buffer.from(body.toString().replace('errcode=0', 'errcode=0&x=1')), {
      offload: true,
    });
    expect([e.constructor, e.reason, e.message]).toEqual([
      SignatureError,
      'mismatch',
      "the reply's sign does not verify with platformPublicKey (wrong key, or the reply was altered)",
    ]);
  });

  it('no sign: missing_signature, before anything is decrypted', async () => {
    const e = await failure(Buffer.from(`errcode=0&request=${encodeURIComponent(enc({}))}`));
    expect([e.reason, e.message]).toEqual(['missing_signature', 'the reply carries no sign']);
  });

  it('without a platform key (explicit opt-out) the reply is read unverified', async () => {
    const body = Buffer.from(
      `errcode=0&request=${encodeURIComponent(enc({ query_card: { retcode: 0, n: 1 } }))}`,
    );
    await expect(
      decodeReply({ desKey: DES_KEY, platformPublicKey: undefined }, M, 200, body),
    ).resolves.toEqual({
      n: 1,
    });
  });

  it.each([
    ['', 'the gateway answered with an empty body (HTTP 200)'],
    ['   ', 'the gateway answered with an empty body (HTTP 200)'],
    ['系统繁忙', 'the gateway answered with a plain-text message: 系统繁忙 (HTTP 200)'],
    ['x=1&y=2', 'the gateway answered with a plain-text message: x=1&y=2 (HTTP 200)'],
    ['xerrcode=0', 'the gateway answered with a plain-text message: xerrcode=0 (HTTP 200)'],
    ['errcode=0&request=%zz', 'the reply is not valid form encoding (HTTP 200)'],
    ['errcode=01&sign=x', 'errcode is not an integer (HTTP 200)'],
    ['errcode=+0&sign=x', 'errcode is not an integer (HTTP 200)'],
    ['errcode=0.0&sign=x', 'errcode is not an integer (HTTP 200)'],
    ['errcode=&sign=x', 'errcode is not an integer (HTTP 200)'],
    ['errcode=0x&sign=x', 'errcode is not an integer (HTTP 200)'],
  ])('%j: ProtocolError %s', async (body, message) => {
    const e = await failure(Buffer.from(body));
    expect([e.constructor, e.message]).toEqual([ProtocolError, message]);
  });

  it('a ProtocolError carries an excerpt of the body, with the DES key masked', async () => {
    const body = `errcode=0&request=%zz&note=${DES_KEY}`;
    const e = await failure(Buffer.from(body));
    expect(e.message).toBe('the reply is not valid form encoding (HTTP 200)');
    expect(e.excerpt).toContain('errcode=0&request=%zz&note=');
    expect(e.excerpt).not.toContain(DES_KEY);
  });

  it('a verified reply whose request does not decrypt to JSON: DecryptionError about the reply', async () => {
    const e = await failure(reply({ errcode: '0', request: tripleDesEncrypt('not json', DES_KEY) }));
    expect([e.constructor, e.message]).toEqual([
      DecryptionError,
      'the reply: the decrypted request is not JSON',
    ]);
  });

  it('errcode may follow another field, and may be negative', async () => {
    const e = await failure(reply({ a: '1', errcode: '-1', request: '' }));
    expect([e.constructor, e.level, e.gatewayCode]).toEqual([GatewayError, 'system', '-1']);
  });

  it('a wrapper missing, null or an array: DecryptionError naming it', async () => {
    for (const data of [{ other: {} }, { query_card: null }, { query_card: [1] }, { query_card: 'x' }]) {
      const e = await failure(reply({ errcode: '0', request: enc(data) }));
      expect([e.constructor, e.message]).toEqual([
        DecryptionError,
        "the reply's JSON has no query_card object",
      ]);
    }
  });

  it('no retcode (or not a string or number): ProtocolError, never a success', async () => {
    for (const retcode of [undefined, null, true, {}]) {
      const e = await failure(
        reply({ errcode: '0', request: enc({ query_card: { retcode, errmsg: 'x' } }) }),
      );
      expect([e.constructor, e.message]).toEqual([
        ProtocolError,
        'the reply has no retcode, so it cannot be read as a success (HTTP 200)',
      ]);
    }
  });

  it('retcode 0 as number or padded string succeeds, without retcode and errmsg in the result', async () => {
    for (const retcode of [0, '0', ' 0 ']) {
      const body = reply({ errcode: '0', request: enc({ query_card: { retcode, errmsg: 'ok', n: 1 } }) });
      await expect(decodeReply(keys, M, 200, body)).resolves.toEqual({ n: 1 });
    }
  });

  it('a business code: errmsg when given, else the code table; an unknown code has no info', async () => {
    const withMsg = await failure(
      reply({ errcode: '0', request: enc({ query_card: { retcode: 60003, errmsg: '查无此人' } }) }),
    );
    expect([withMsg.level, withMsg.gatewayCode, withMsg.gatewayMessage]).toEqual([
      'business',
      '60003',
      '查无此人',
    ]);
    const noMsg = await failure(
      reply({ errcode: '0', request: enc({ query_card: { retcode: '60010', errmsg: 5 } }) }),
    );
    expect(noMsg.gatewayMessage).toBe('账户余额不足');
    const unknown = await failure(
      reply({ errcode: '0', request: enc({ query_card: { retcode: '99999' } }) }),
    );
    expect([unknown.gatewayMessage, unknown.info]).toEqual(['未知错误 unknown error', undefined]);
  });
});

describe('decryptJson', () => {
  it('plain JSON (even after spaces) is taken as is; ciphertext is decrypted', () => {
    expect(decryptJson('  {"a":1}', DES_KEY, 'x')).toEqual({ a: 1 });
    expect(decryptJson(enc({ b: 2 }), DES_KEY, 'x')).toEqual({ b: 2 });
  });

  it('not JSON, or JSON that is not an object: DecryptionError naming the source', () => {
    expect(() => decryptJson('{"a":', DES_KEY, 'the reply')).toThrow(
      new DecryptionError('the reply: the decrypted request is not JSON'),
    );
    for (const v of [[1], null, 5, '"s"']) {
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      let err: unknown;
      try {
        decryptJson(tripleDesEncrypt(text, DES_KEY), DES_KEY, 'notification');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DecryptionError);
      expect((err as Error).message).toBe('notification: the decrypted request is not an object');
    }
  });
});

describe('encodeReply (sandbox and mock gateways)', () => {
  it('an error reply carries an empty request; a data reply the wrapper', () => {
    const err = new URLSearchParams(
      encodeReply({ desKey: DES_KEY, platformPrivateKey: platformPrivate }, M, '40004', undefined),
    );
    expect([err.get('errcode'), err.get('request')]).toEqual(['40004', '']);
    const ok = new URLSearchParams(
      encodeReply({ desKey: DES_KEY, platformPrivateKey: platformPrivate }, M, '0', { retcode: '0' }),
    );
    expect(JSON.parse(tripleDesDecrypt(ok.get('request')!, DES_KEY))).toEqual({
      query_card: { retcode: '0' },
    });
  });
});

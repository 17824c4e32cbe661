import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aesDecrypt, aesEncrypt } from '../../../src/crypto.js';
import { GatewayError, ProtocolError, SignatureError } from '../../../src/index.js';
import {
  decodeReply,
  encodeReply,
  encodeRequest,
  replySign,
  requestSign,
} from '../../../src/zhixiao/envelope.js';
import { ZX } from '../../helpers/keys.js';

/** Spec 1.3, written out here rather than read from the SDK: lower-case hex md5 of the concatenation. */
const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
const reply = (o: Record<string, unknown>) => Buffer.from(JSON.stringify(o));
/** A gateway reply signed as the spec says: md5(ret_code + ret_content + appsecret). */
const signedReply = (code: number | string, content: string, extra: Record<string, unknown> = {}) =>
  reply({ ret_code: code, ret_content: content, sign: md5(`${code}${content}${ZX.appSecret}`), ...extra });

const failure = (status: number, body: Buffer) => {
  try {
    decodeReply(ZX, status, body);
  } catch (e) {
    return e as Error & Record<string, unknown>;
  }
  throw new Error('accepted');
};

describe('Zhixiao sign strings (1.3)', () => {
  it('request: md5(id + param + appsecret); reply: md5(ret_code + ret_content + appsecret)', () => {
    expect(requestSign(ZX, 'P')).toBe(md5(`partner1Pweiweixiao`));
    expect(requestSign(ZX, 'P', 'other')).toBe(md5(`otherPweiweixiao`));
    expect(replySign(ZX, -1, 'C')).toBe(md5('-1Cweiweixiao'));
    expect(replySign(ZX, '0', '')).toBe(md5('0weiweixiao'));
  });

  it('encodeRequest: id, AES param of the JSON, sign over both', () => {
    const f = encodeRequest(ZX, { a: 1 });
    expect(Object.keys(f)).toEqual(['id', 'param', 'sign']);
    expect(f.id).toBe('partner1');
    expect(aesDecrypt(f.param, ZX.aesKey)).toBe('{"a":1}');
    expect(f.sign).toBe(md5(`partner1${f.param}weiweixiao`));
  });

  it('encodeReply: a string content is encrypted as is, an object as JSON', () => {
    const text = encodeReply(ZX, -2, '格式错误');
    expect(aesDecrypt(text.ret_content, ZX.aesKey)).toBe('格式错误');
    expect(text.sign).toBe(md5(`-2${text.ret_content}weiweixiao`));
    const obj = encodeReply(ZX, 0, { s: '1' });
    expect(aesDecrypt(obj.ret_content, ZX.aesKey)).toBe('{"s":"1"}');
  });
});

describe('Zhixiao decodeReply', () => {
  it('a verified success returns the decrypted JSON, the text of a message reply, {} when empty', () => {
    expect(decodeReply(ZX, 200, signedReply(0, aesEncrypt('{"s":"1"}', ZX.aesKey)))).toEqual({ s: '1' });
    expect(decodeReply(ZX, 200, signedReply(0, aesEncrypt('开票成功', ZX.aesKey)))).toBe('开票成功');
    expect(decodeReply(ZX, 200, signedReply(0, ''))).toEqual({});
    expect(
      decodeReply(ZX, 200, reply({ ret_code: 0, ret_content: null, sign: md5(`0${ZX.appSecret}`) })),
    ).toEqual({});
    expect(decodeReply(ZX, 200, reply({ ret_code: 0, sign: md5(`0${ZX.appSecret}`) }))).toEqual({});
  });

  it('not JSON: a ProtocolError saying whether the body was empty, with the status', () => {
    const empty = failure(502, Buffer.from('  \n'));
    expect([empty.constructor, empty.message, empty.status]).toEqual([
      ProtocolError,
      'the gateway answered with an empty body (HTTP 502)',
      502,
    ]);
    const html = failure(502, Buffer.from('<html>Bad Gateway</html>'));
    expect(html.message).toBe('the gateway answered with a body that is not JSON (HTTP 502)');
    expect(html.excerpt).toContain('Bad Gateway');
  });

  it.each([
    ['null', 'null'],
    ['a number', '5'],
    ['an object without ret_code', '{"sign":"x"}'],
  ])('%s: a ProtocolError, no ret_code', (_what, text) => {
    const e = failure(200, Buffer.from(text));
    expect([e.constructor, e.message]).toEqual([ProtocolError, 'the reply has no ret_code (HTTP 200)']);
  });

  it('ret_content that is not a string is a ProtocolError', () => {
    const e = failure(200, reply({ ret_code: 0, ret_content: { s: 1 }, sign: 'x' }));
    expect([e.constructor, e.message]).toEqual([ProtocolError, 'ret_content is not a string (HTTP 200)']);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['not a string', 5],
  ])('a sign %s: missing_signature', (_what, sign) => {
    const e = failure(200, reply({ ret_code: 0, ret_content: '', sign }));
    expect([e.constructor, e.reason, e.message]).toEqual([
      SignatureError,
      'missing_signature',
      'the reply carries no sign',
    ]);
  });

  it.each([
    ['05'],
    ['+0'],
    [' 0'],
    ['00'],
    ['-12'],
    ['-1.0'],
    ['1e3'],
    [1.5],
    [2 ** 60],
    [true],
    [['0']],
    [[5]],
  ])('ret_code %j cannot be bound by the sign: malformed, even when signed as sent', (code) => {
    const e = failure(200, signedReply(code as never, ''));
    expect([e.constructor, e.reason, e.message]).toEqual([
      SignatureError,
      'malformed',
      'ret_code is not in canonical form, so the sign cannot bind it',
    ]);
  });

  it.each([['0'], ['-1'], ['-3'], ['7'], ['-40']])('ret_code %j as a string is canonical', (code) => {
    // Signed as sent, it verifies; a non-zero code then is a GatewayError, zero a success.
    const body = signedReply(code, '');
    if (code === '0') expect(decodeReply(ZX, 200, body)).toEqual({});
    else expect(failure(200, body)).toBeInstanceOf(GatewayError);
  });

  it('a sign over other content is a mismatch, with a message that leaks nothing', () => {
    const e = failure(200, reply({ ret_code: 0, ret_content: '', sign: md5(`0x${ZX.appSecret}`) }));
    expect([e.constructor, e.reason, e.message]).toEqual([
      SignatureError,
      'mismatch',
      "the reply's sign does not match (wrong appSecret, or the reply was altered)",
    ]);
  });

  it('an error code: level system, the code, the decrypted or plain message, else the code table', () => {
    const enc = failure(
      200,
      signedReply(-2, aesEncrypt('total_fee 格式错误', ZX.aesKey)),
    ) as unknown as GatewayError;
    expect([enc.level, enc.gatewayCode, enc.gatewayMessage]).toEqual(['system', '-2', 'total_fee 格式错误']);
    const plain = failure(200, signedReply(-1, '退款金额超过可退款金额')) as unknown as GatewayError;
    expect([plain.gatewayCode, plain.gatewayMessage, plain.info?.zh]).toEqual([
      '-1',
      '退款金额超过可退款金额',
      '通用错误码',
    ]);
    const none = failure(200, signedReply(-3, '')) as unknown as GatewayError;
    expect([none.gatewayCode, none.gatewayMessage]).toEqual(['-3', '账号被冻结']);
    const unknown = failure(200, signedReply(-99, '')) as unknown as GatewayError;
    expect([unknown.gatewayCode, unknown.gatewayMessage, unknown.info]).toEqual([
      '-99',
      '未知错误 unknown error',
      undefined,
    ]);
  });
});

describe('Zhixiao replies under two accepted aes keys (rotation)', () => {
  const right = 'R'.repeat(16);
  /** A wrong key under which `ciphertext` passes the PKCS#7 check by chance (about one key in 256). */
  const wrongKeyFor = (ciphertext: string) => {
    for (let i = 0; i < 100_000; i++) {
      const key = `wrong-${String(i).padStart(10, '0')}`;
      try {
        aesDecrypt(ciphertext, key);
        return key;
      } catch {
        // the padding check refused this key, as it refuses most
      }
    }
    throw new Error('no key passes the padding check');
  };

  it("a text reply (2.8 开票成功) is read with the key that encrypted it, not a wrong key's garbage", () => {
    const content = aesEncrypt('开票成功', right);
    const c = { ...ZX, aesKey: 'unused', aesKeys: [wrongKeyFor(content), right] };
    expect(decodeReply(c, 200, signedReply(0, content))).toBe('开票成功');
  });

  it('the right key listed first: a later key that passes the padding check does not replace its text', () => {
    const content = aesEncrypt('开票成功', right);
    const c = { ...ZX, aesKey: 'unused', aesKeys: [right, wrongKeyFor(content)] };
    expect(decodeReply(c, 200, signedReply(0, content))).toBe('开票成功');
    const json = aesEncrypt('{"message":"开票成功"}', right);
    expect(decodeReply({ ...c, aesKeys: [right, wrongKeyFor(json)] }, 200, signedReply(0, json))).toEqual({
      message: '开票成功',
    });
  });

  it("a -1's message is read with the right key, so its condition is the gateway's", () => {
    const content = aesEncrypt('订单不存在', right);
    const c = { ...ZX, aesKey: 'unused', aesKeys: [wrongKeyFor(content), right] };
    const err = (() => {
      try {
        decodeReply(c, 200, signedReply(-1, content));
      } catch (e) {
        return e as GatewayError;
      }
      throw new Error('accepted');
    })();
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.gatewayMessage).toBe('订单不存在');
    expect(err.info?.condition).toBe('order_not_found');
  });
});

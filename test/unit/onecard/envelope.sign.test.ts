import { describe, expect, it } from 'vitest';
import { GatewayError, ProtocolError, SignatureError } from '../../../src/core/errors.js';
import { loadPublicKey, rsaSha1Sign, tripleDesEncrypt } from '../../../src/crypto.js';
import { decodeReply, encodeReply, signString, wrapperOf } from '../../../src/onecard/envelope.js';
import { DES_KEY, platformPrivate, platformPublicPem } from '../../helpers/keys.js';

const keys = { desKey: DES_KEY, platformPublicKey: loadPublicKey(platformPublicPem) };
const signer = { desKey: DES_KEY, platformPrivateKey: platformPrivate };
const M = 'synjones.onecard.query.card';

describe('wrapperOf', () => {
  it.each([
    ['synjones.onecard.query.card', 'query_card'],
    ['synjones.authorize.access_token', 'authorize_access_token'],
    ['synjones.onecard.paygw.recharge.card', 'paygw_recharge_card'],
    ['synjones.onecard.query.accinfo.total', 'query_accinfo_total'],
  ])('%s → %s', (m, w) => expect(wrapperOf(m)).toBe(w));
});

describe('signString', () => {
  it('concatenates name+value of every field but sign, sorted by name', () => {
    const s = signString({
      v: '2.0',
      method: 'm',
      sign: 'x',
      access_token: 't',
      timestamp: '2026-01-02 03:04:05',
      app_key: 'k',
      request: 'AB+/=',
      format: 'json',
      sign_method: 'rsa',
    });
    expect(s).toBe(
      'access_tokentapp_keykformatjsonmethodmrequestAB+/=sign_methodrsatimestamp2026-01-02 03:04:05v2.0',
    );
  });
});

describe('decodeReply', async () => {
  it('round-trips a signed reply', async () => {
    const body = encodeReply(signer, M, '0', { retcode: '0', errmsg: '', card: [] });
    await expect(decodeReply(keys, M, 200, Buffer.from(body))).resolves.toEqual({ card: [] });
  });

  it('keeps a raw + in base64 values (split on the first = only, percent-decoded once)', async () => {
    // Find a payload whose ciphertext contains '+', and send it unencoded as some gateways do.
    let request = '';
    for (let i = 0; !request.includes('+'); i++)
      request = tripleDesEncrypt(JSON.stringify({ query_card: { retcode: '0', n: i } }), DES_KEY);
    const sign = rsaSha1Sign(`errcode0request${request}`, platformPrivate);
    const body = `errcode=0&request=${request}&sign=${encodeURIComponent(sign)}`;
    await expect(decodeReply(keys, M, 200, Buffer.from(body))).resolves.toMatchObject({
      n: expect.any(Number),
    });
  });

  it('a missing sign fails closed; a changed one is a mismatch', async () => {
    const body = encodeReply(signer, M, '0', { retcode: '0' });
    const unsigned = body.replace(/&sign=.*$/, '');
    await expect(decodeReply(keys, M, 200, Buffer.from(unsigned))).rejects.toThrow(
      expect.objectContaining({ reason: 'missing_signature' }),
    );
    const tampered = body.replace('errcode=0', 'errcode=0&extra=1');
    await expect(decodeReply(keys, M, 200, Buffer.from(tampered))).rejects.toThrow(SignatureError);
  });

  it('errcode → system GatewayError with the Chinese message', async () => {
    const body = encodeReply(signer, M, '40004', undefined);
    await expect(decodeReply(keys, M, 200, Buffer.from(body))).rejects.toThrow(
      expect.objectContaining({ level: 'system', gatewayCode: '40004', gatewayMessage: '签名校验失败' }),
    );
  });

  it('retcode → business GatewayError; errmsg preferred, else the table', async () => {
    const a = encodeReply(signer, M, '0', { retcode: '60010', errmsg: '' });
    await expect(decodeReply(keys, M, 200, Buffer.from(a))).rejects.toThrow(
      expect.objectContaining({ level: 'business', gatewayCode: '60010', gatewayMessage: '账户余额不足' }),
    );
    const b = encodeReply(signer, M, '0', { retcode: '60003', errmsg: '查无此人' });
    await expect(decodeReply(keys, M, 200, Buffer.from(b))).rejects.toThrow(GatewayError);
  });

  it('a plain GBK body becomes a readable ProtocolError', async () => {
    // "系统错误" in GBK
    const gbk = Buffer.from([0xcf, 0xb5, 0xcd, 0xb3, 0xb4, 0xed, 0xce, 0xf3]);
    const err = (await decodeReply(keys, M, 500, gbk).catch((e) => e)) as ProtocolError;
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err!.message).toContain('系统错误');
    expect(err!.status).toBe(500);
  });

  it.each([
    ['empty', ''],
    ['html', '<html><body>502 Bad Gateway</body></html>'],
    ['truncated', 'errcode=0&request=AAAA%2'],
    ['errcode not a number', 'errcode=x&request=&sign='],
  ])('%s → ProtocolError', async (_n, body) => {
    await expect(decodeReply(keys, M, 200, Buffer.from(body))).rejects.toThrow(ProtocolError);
  });
});

import { describe, expect, it } from 'vitest';
import { aesEncrypt, md5Hex } from '../../../src/crypto.js';
import { DecryptionError, SignatureError, ValidationError } from '../../../src/index.js';
import { encodeRequest } from '../../../src/zhixiao/envelope.js';
import { parseZhixiaoNotification } from '../../../src/zhixiao/notifications.js';
import { ZX } from '../../helpers/keys.js';

const notice = {
  out_trade_no: '2088612279536603',
  order_id: '1464678934786097',
  time_end: '2017-07-23 16:00:00',
  uid: '2088',
  pay_type: '2',
};

/** Signs as spec 2.5 says, independently of the SDK's signer: md5(id + param + appsecret). */
const signed = (param: string, secret = ZX.appSecret) => ({
  id: ZX.appId,
  param,
  sign: md5Hex(ZX.appId + param + secret),
});

const refusal = (input: Parameters<typeof parseZhixiaoNotification>[1]) => {
  try {
    parseZhixiaoNotification(ZX, input);
  } catch (e) {
    return e as SignatureError;
  }
  throw new Error('accepted');
};

describe('Zhixiao notice (2.5): which field is missing or wrong, by reason and message', () => {
  it('sign missing while param is there: missing_signature', () => {
    const e = refusal({ id: ZX.appId, param: aesEncrypt(JSON.stringify(notice), ZX.aesKey) });
    expect(e).toBeInstanceOf(SignatureError);
    expect([e.reason, e.message]).toEqual(['missing_signature', 'notification: no sign field']);
  });

  it('param missing while sign is there: malformed, not a mere mismatch', () => {
    const e = refusal({ id: ZX.appId, sign: md5Hex(`${ZX.appId}${ZX.appSecret}`) });
    expect([e.reason, e.message]).toEqual(['malformed', 'notification: no param field']);
  });

  it('another appid: wrong_app_id', () => {
    const e = refusal({ ...signed(aesEncrypt('{}', ZX.aesKey)), id: 'partner2' });
    expect([e.reason, e.message]).toEqual([
      'wrong_app_id',
      'notification: id is another appid than the configured one',
    ]);
  });

  it('a parsed JSON object, or nothing at all, names the envelope fields it lacks', () => {
    const parsed = refusal(notice);
    expect(parsed.reason).toBe('parsed_body');
    expect(parsed.message).toMatch(/^notification: got an object without param\/sign — /);
    const empty = refusal('');
    expect([empty.reason, empty.message]).toEqual([
      'missing_signature',
      'notification: none of param, sign is present',
    ]);
  });

  it('an upper-case sign verifies (hex case carries no meaning)', () => {
    const f = signed(aesEncrypt(JSON.stringify(notice), ZX.aesKey));
    expect(parseZhixiaoNotification(ZX, { ...f, sign: f.sign.toUpperCase() }).uid).toBe('2088');
  });

  it('a forged notice whose param has spaces is refused: the + repair is verified too', () => {
    // Someone who knows the AES key but not the secret: a param with + (sent as spaces) and a sign
    // made with their own secret. Repairing the spaces must not skip the signature check.
    let param = '';
    for (let i = 0; !param.includes('+'); i++)
      param = aesEncrypt(JSON.stringify({ ...notice, uid: `forged-${i}` }), ZX.aesKey);
    const forged = { ...signed(param, 'not-the-secret'), param: param.replaceAll('+', ' ') };
    const e = refusal(forged);
    expect(e).toBeInstanceOf(SignatureError);
    expect([e.reason, e.message]).toEqual([
      'mismatch',
      'notification: sign does not match (not from the gateway, or altered)',
    ]);
  });

  it.each([
    ['an array', [notice]],
    ['null', null],
    ['a number', 5],
    ['a string', 'paid'],
  ])('a correctly signed param that decrypts to %s is a DecryptionError', (_what, payload) => {
    const f = encodeRequest(ZX, payload);
    const e = refusal(f);
    expect(e).toBeInstanceOf(DecryptionError);
    expect(e.message).toBe('notification: param is not a JSON object');
  });

  it('a correctly signed notice with a bad field is a ValidationError of parseNotification', () => {
    const e = refusal(encodeRequest(ZX, { ...notice, pay_type: 'card' })) as unknown as ValidationError;
    expect(e).toBeInstanceOf(ValidationError);
    expect([e.method, e.direction]).toEqual(['parseNotification', 'notification']);
    expect(e.issues.map((i) => i.path)).toEqual(['pay_type']);
  });
});

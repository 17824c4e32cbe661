import { createSign, createVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadPublicKey, tripleDesDecrypt, tripleDesEncrypt } from '../../../src/crypto.js';
import { DecryptionError, SignatureError, ValidationError } from '../../../src/index.js';
import {
  buildOneCardNotification,
  NOTIFY_METHOD,
  ONECARD_ACKS,
  parseOneCardNotification,
} from '../../../src/onecard/notifications.js';
import { DES_KEY, ONECARD_NOTICE, platformPrivate, platformPublicPem } from '../../helpers/keys.js';

const keys = { desKey: DES_KEY, platformPublicKey: loadPublicKey(platformPublicPem) };
const notice = ONECARD_NOTICE;

/** The spec's sign string (1.2): every field but sign, sorted by name, name+value, no separator. */
const specSignString = (f: Record<string, string>) =>
  Object.entries(f)
    .filter(([k]) => k !== 'sign')
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => k + v)
    .join('');
/** Signs with node:crypto directly, as the platform would. */
const platformSign = (f: Record<string, string>): Record<string, string> => ({
  ...f,
  sign: createSign('RSA-SHA1').update(specSignString(f), 'utf8').sign(platformPrivate, 'base64'),
});
const fields = (
  extra: Partial<Record<string, string>> = {},
  payload: unknown = { paygw_notify_result: notice },
) => {
  const f: Record<string, string> = {
    method: NOTIFY_METHOD,
    timestamp: '2026-12-02 10:00:00',
    format: 'json',
    partner: 'p1',
    v: '2.0',
    sign_method: 'rsa',
    request: tripleDesEncrypt(JSON.stringify(payload), DES_KEY),
  };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete f[k];
    else f[k] = v;
  }
  return f;
};
// 2026-12-02 10:00:00 in Beijing.
const STAMP = Date.UTC(2026, 11, 2, 2, 0, 0);

const refusal = (input: Record<string, string>, opts: { maxAgeMs?: number; now?: number } = {}) => {
  try {
    parseOneCardNotification(
      { ...keys, ...(opts.maxAgeMs === undefined ? {} : { maxAgeMs: opts.maxAgeMs }) },
      input,
      new Date(opts.now ?? STAMP),
    );
  } catch (e) {
    return e as SignatureError;
  }
  throw new Error('accepted');
};

describe('OneCard notice (2.2.4.4)', () => {
  it('the acknowledgement words are exactly ok / fail', () => {
    expect(ONECARD_ACKS).toEqual({ ok: 'ok', fail: 'fail' });
    expect(NOTIFY_METHOD).toBe('synjones.onecard.paygw.notify.result');
  });

  it('a front-end notice with the merchant’s own query parameters verifies over the documented fields', () => {
    const f = platformSign(fields());
    const withExtras = { ...f, from: 'pay-page', lang: 'zh' };
    expect(parseOneCardNotification(keys, withExtras).order_no).toBe('111');
    expect(parseOneCardNotification(keys, new URLSearchParams(withExtras)).order_no).toBe('111');
  });

  it('a notice without method (not signed over one) is accepted; another method is refused', () => {
    expect(parseOneCardNotification(keys, platformSign(fields({ method: undefined }))).out_id).toBe(
      '1234567890',
    );
    const e = refusal(platformSign(fields({ method: 'synjones.onecard.query.card' })));
    expect([e.reason, e.message]).toEqual([
      'malformed',
      'notification: method is not synjones.onecard.paygw.notify.result',
    ]);
  });

  it('without maxAgeMs the timestamp is not read at all: a notice without one is accepted', () => {
    expect(parseOneCardNotification(keys, platformSign(fields({ timestamp: undefined }))).order_no).toBe(
      '111',
    );
  });

  it('a raw + in sign and request, turned into spaces by form decoding, is restored in both', () => {
    // Raw (unencoded) base64 in a form body, as some gateways send it: URLSearchParams reads + as space.
    let both = 0;
    for (let i = 0; both < 2 && i < 200; i++) {
      const f = platformSign(fields({}, { paygw_notify_result: { ...notice, out_id: `${i}` } }));
      if (!f.sign!.includes('+') || !f.request!.includes('+')) continue;
      both++;
      const raw = Object.entries(f)
        .map(([k, v]) => `${k}=${k === 'sign' || k === 'request' ? v : encodeURIComponent(v)}`)
        .join('&');
      expect(new URLSearchParams(raw).get('sign')).toContain(' ');
      expect(parseOneCardNotification(keys, raw).out_id).toBe(`${i}`);
    }
    expect(both).toBe(2);
  });

  it('a request without sign is unsigned, not a parsed body', () => {
    const e = refusal({ request: 'x' });
    expect([e.reason, e.message]).toEqual(['missing_signature', 'notification: no sign field']);
  });

  it('a signed request that does not decrypt to JSON: DecryptionError about the notification', () => {
    const e = refusal(platformSign(fields({ request: tripleDesEncrypt('not json', DES_KEY) })));
    expect([e.constructor, e.message]).toEqual([
      DecryptionError,
      'notification: the decrypted request is not JSON',
    ]);
  });

  it('a payload without the paygw_notify_result wrapper is read as the notice itself', () => {
    expect(parseOneCardNotification(keys, platformSign(fields({}, notice))).order_no).toBe('111');
  });

  it('refusals carry their reason and a message', () => {
    const f = platformSign(fields());
    const unsigned = refusal({ ...f, sign: '' });
    expect([unsigned.reason, unsigned.message]).toEqual(['missing_signature', 'notification: no sign field']);
    const tampered = refusal({ ...f, partner: 'p2' });
    expect([tampered.constructor, tampered.reason, tampered.message]).toEqual([
      SignatureError,
      'mismatch',
      'notification: sign does not verify with platformPublicKey (not from the gateway, or altered)',
    ]);
    const noRequest = refusal(platformSign(fields({ request: undefined })));
    expect([noRequest.constructor, noRequest.message]).toEqual([
      DecryptionError,
      'notification: no request field',
    ]);
    const bad = refusal(platformSign(fields({}, { paygw_notify_result: { ...notice, order_amount: 'x' } })));
    expect(bad).toBeInstanceOf(ValidationError);
    expect([
      (bad as unknown as ValidationError).method,
      (bad as unknown as ValidationError).direction,
    ]).toEqual(['parseNotification', 'notification']);
  });

  it('maxAgeMs: exactly maxAgeMs old is accepted, one ms older is stale; the check is off without it', () => {
    const f = platformSign(fields());
    const at = (now: number, maxAgeMs?: number) =>
      parseOneCardNotification({ ...keys, ...(maxAgeMs === undefined ? {} : { maxAgeMs }) }, f, new Date(now))
        .order_no;
    expect(at(STAMP + 60_000, 60_000)).toBe('111');
    const e = refusal(f, { maxAgeMs: 60_000, now: STAMP + 60_001 });
    expect([e.reason, e.message]).toEqual([
      'stale_timestamp',
      'notification: older than maxNoticeAgeMs (60000 ms); the gateway repeats notices, so this refuses a real one',
    ]);
    expect(at(STAMP + 30 * 86_400_000)).toBe('111');
  });

  it('maxAgeMs with a missing or unreadable timestamp: malformed', () => {
    for (const timestamp of [undefined, '', '2026/12/02 10:00']) {
      const e = refusal(platformSign(fields({ timestamp })), { maxAgeMs: 60_000 });
      expect([e.reason, e.message]).toEqual([
        'malformed',
        'notification: timestamp is missing or not yyyy-MM-dd HH:mm:ss',
      ]);
    }
  });
});

describe('buildOneCardNotification', () => {
  it('writes the documented fields, the wrapper, and a platform signature over the spec’s sign string', () => {
    const body = buildOneCardNotification({ desKey: DES_KEY, platformPrivateKey: platformPrivate }, notice, {
      timestamp: '2026-12-02 10:00:00',
    });
    const f = Object.fromEntries(new URLSearchParams(body));
    const { request, sign, ...system } = f;
    expect(system).toEqual({
      method: 'synjones.onecard.paygw.notify.result',
      timestamp: '2026-12-02 10:00:00',
      format: 'json',
      partner: 'sandbox',
      v: '2.0',
      sign_method: 'rsa',
    });
    expect(JSON.parse(tripleDesDecrypt(request!, DES_KEY))).toEqual({ paygw_notify_result: notice });
    const verified = createVerify('RSA-SHA1')
      .update(specSignString(f), 'utf8')
      .verify(keys.platformPublicKey, sign!, 'base64');
    expect(verified).toBe(true);
  });

  it('stamps now in the given zone and takes the partner', () => {
    const body = buildOneCardNotification({ desKey: DES_KEY, platformPrivateKey: platformPrivate }, notice, {
      partner: 'p9',
      timeZone: 'UTC',
    });
    const f = Object.fromEntries(new URLSearchParams(body));
    expect(f.partner).toBe('p9');
    const stamped = Date.parse(`${f.timestamp!.replace(' ', 'T')}Z`);
    expect(Math.abs(stamped - Date.now())).toBeLessThan(60_000);
  });
});

import { describe, expect, it } from 'vitest';
import { encodeForm } from '../../../src/core/form.js';
import { formatGatewayTime } from '../../../src/core/time.js';
import { loadPrivateKey, rsaSha1Sign, tripleDesEncrypt } from '../../../src/crypto.js';
import { ConfigurationError, OneCardClient, SignatureError } from '../../../src/index.js';
import { signString } from '../../../src/onecard/envelope.js';
import {
  DES_KEY,
  merchantKeyPem,
  ONECARD_NOTICE,
  oneCardOptions,
  platformPrivate,
} from '../../helpers/keys.js';

const client = new OneCardClient(oneCardOptions);
const notice = ONECARD_NOTICE;

function build(
  opts: { at?: Date; plain?: boolean; spaced?: boolean; payload?: object; zone?: string } = {},
): Record<string, string> {
  const json = JSON.stringify({ paygw_notify_result: opts.payload ?? notice }, null, opts.spaced ? 1 : 0);
  const fields: Record<string, string> = {
    method: 'synjones.onecard.paygw.notify.result',
    timestamp: formatGatewayTime(opts.at ?? new Date(), opts.zone),
    format: 'json',
    partner: 'p1',
    v: '2.0',
    sign_method: 'rsa',
    request: opts.plain ? json : tripleDesEncrypt(json, DES_KEY),
  };
  return { ...fields, sign: rsaSha1Sign(signString(fields), platformPrivate) };
}

describe('recharge notifications (paygw.notify.result)', () => {
  it('POST body, GET query, URLSearchParams and parsed fields all verify', () => {
    const f = build();
    const body = encodeForm(f);
    for (const input of [body, Buffer.from(body), `?${body}`, new URLSearchParams(body), f]) {
      expect(client.parseRechargeNotification(input)).toMatchObject({
        order_no: '111',
        order_amount: 100,
        order_status: '0',
      });
    }
  });

  it('accepts a plain-JSON request field', () => {
    expect(client.parseRechargeNotification(build({ plain: true })).out_id).toBe('1234567890');
  });

  it('a fractional fen is refused', () => {
    expect(() =>
      client.parseRechargeNotification(build({ payload: { ...notice, order_amount: '100.5' } })),
    ).toThrow(/order_amount/);
  });

  it('accepts a validly signed notice whatever its age: the gateway repeats the same notice until ok', () => {
    for (const ago of [7 * 60_000, 3600_000, 2 * 86_400_000]) {
      expect(client.parseNotification(build({ at: new Date(Date.now() - ago) })).order_no).toBe('111');
    }
  });

  it('maxNoticeAgeMs is an opt-in age limit, read in the client time zone', () => {
    const strict = new OneCardClient({ ...oneCardOptions, maxNoticeAgeMs: 10 * 60_000 });
    expect(() => strict.parseNotification(build({ at: new Date(Date.now() - 3600_000) }))).toThrow(
      expect.objectContaining({ reason: 'stale_timestamp' }),
    );
    expect(strict.parseNotification(build({ at: new Date(Date.now() - 5 * 60_000) })).order_no).toBe('111');
    const ny = new OneCardClient({
      ...oneCardOptions,
      maxNoticeAgeMs: 10 * 60_000,
      timeZone: 'America/New_York',
    });
    const stampedInNy = build({ at: new Date(), zone: 'America/New_York' });
    expect(ny.parseNotification(stampedInNy).order_no).toBe('111');
    // The same wall-clock text read as Beijing time is 12–13 hours off.
    expect(() => strict.parseNotification(stampedInNy)).toThrow(
      expect.objectContaining({ reason: 'stale_timestamp' }),
    );
  });

  it('a plain-JSON request with spaces verifies over the bytes as received', () => {
    const f = build({ plain: true, spaced: true });
    expect(f.request).toContain(' ');
    const standardForm = new URLSearchParams(f).toString(); // spaces as +
    for (const input of [f, encodeForm(f), standardForm, new URLSearchParams(standardForm)]) {
      expect(client.parseNotification(input).out_id).toBe('1234567890');
    }
  });

  it('any single character changed in request or sign is rejected', () => {
    const f = build();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    let checked = 0;
    for (const field of ['request', 'sign'] as const) {
      const value = f[field]!;
      for (let i = 0; i < value.length; i++) {
        const ch = value[i]!;
        if (ch === '=') continue;
        const changed = {
          ...f,
          [field]: value.slice(0, i) + alphabet[(alphabet.indexOf(ch) + 1) % 64] + value.slice(i + 1),
        };
        expect(() => client.parseRechargeNotification(changed)).toThrow(SignatureError);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('a notice signed by someone else (the merchant key) is refused', () => {
    const f = build();
    const forged = { ...f, sign: rsaSha1Sign(signString(f), loadPrivateKey(merchantKeyPem)) };
    expect(() => client.parseRechargeNotification(forged)).toThrow(
      expect.objectContaining({ reason: 'mismatch' }),
    );
  });

  it('missing sign, a parsed JSON object, another method', () => {
    const f = build();
    expect(() => client.parseRechargeNotification({ ...f, sign: '' })).toThrow(
      expect.objectContaining({ reason: 'missing_signature' }),
    );
    expect(() => client.parseRechargeNotification(notice)).toThrow(
      expect.objectContaining({ reason: 'parsed_body' }),
    );
    const other = { ...f, method: 'synjones.onecard.query.card' };
    const resigned = { ...other, sign: rsaSha1Sign(signString(other), platformPrivate) };
    expect(() => client.parseRechargeNotification(resigned)).toThrow(
      expect.objectContaining({ reason: 'malformed' }),
    );
  });

  it('verification of notices cannot be switched off', () => {
    const { platformPublicKey: _, ...rest } = oneCardOptions;
    const unsafe = new OneCardClient({ ...rest, dangerouslySkipReplyVerification: true });
    expect(() => unsafe.parseRechargeNotification(build())).toThrow(ConfigurationError);
  });

  it('the web handler answers ok only after the callback resolves, fail when it throws', async () => {
    const body = encodeForm(build());
    const order: string[] = [];
    const ok = client.webRechargeNotificationHandler({
      onNotification: async () => {
        await new Promise((r) => setTimeout(r, 10));
        order.push('callback done');
      },
    });
    const res = await ok(new Request('http://m/notify', { method: 'POST', body }));
    order.push(`answered ${await res.text()}`);
    expect(order).toEqual(['callback done', 'answered ok']);
    const get = await ok(new Request(`http://m/notify?${body}`));
    expect(await get.text()).toBe('ok');
    const failing = client.webRechargeNotificationHandler({
      onNotification: () => {
        throw new Error('db down');
      },
    });
    const res2 = await failing(new Request('http://m/notify', { method: 'POST', body }));
    expect([res2.status, await res2.text()]).toEqual([500, 'fail']);
    const forged = await ok(
      new Request('http://m/notify', { method: 'POST', body: body.replace('sign=', 'sign=A') }),
    );
    expect([forged.status, await forged.text()]).toEqual([400, 'fail']);
  });
});

/** Signature debugging for integrators: decrypt, verify and sign strings, from the envelopes' own functions. */
import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  aesDecrypt,
  loadPrivateKey,
  loadPublicKey,
  rsaSha1Sign,
  rsaSha1Verify,
  safeEqual,
  tripleDesDecrypt,
} from '../core/crypto.js';
import { restoreBase64Fields } from '../core/form.js';
import { formatGatewayTime } from '../core/time.js';
import { type OneCardEnvOptions, oneCardOptionsFromEnv, zhixiaoOptionsFromEnv } from '../env.js';
import { NO_TOKEN, requestFields, signString } from '../onecard/envelope.js';
import {
  encodeRequest,
  replySign,
  replySignString,
  requestSign,
  requestSignString,
} from '../zhixiao/envelope.js';

const mask = (text: string, secret: string, reveal: boolean) =>
  reveal || !secret ? text : text.replaceAll(secret, '<secret>');

/** The merchant's private key, from the OneCard options. */
export const privateKeyOf = (c: OneCardEnvOptions): KeyObject =>
  loadPrivateKey(c.privateKey, c.privateKeyPassphrase ? { passphrase: c.privateKeyPassphrase } : {});

export function decrypt(gateway: string, ciphertext: string): unknown {
  const text =
    gateway === 'onecard'
      ? tripleDesDecrypt(ciphertext, oneCardOptionsFromEnv().desKey)
      : aesDecrypt(ciphertext, zhixiaoOptionsFromEnv().aesKey);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Verifies a captured form body: a OneCard request (merchant key), reply or notice (platform key), or a Zhixiao request/notice. */
export function verify(gateway: string, body: string, reveal: boolean) {
  if (gateway === 'onecard') {
    const c = oneCardOptionsFromEnv();
    // Standard decoding (a + in the timestamp is a space), then base64 fields repaired: robust for
    // correctly encoded bodies and for raw-+ replies alike.
    const fields = restoreBase64Fields(
      Object.fromEntries(new URLSearchParams(body.trim().replace(/^\?/, ''))),
      ['sign', 'request'],
    );
    const isRequest = 'app_key' in fields;
    const key = isRequest ? createPublicKey(privateKeyOf(c)) : loadPublicKey(c.platformPublicKey!);
    const text = signString(fields);
    return {
      kind: isRequest
        ? 'request (checked with your private key’s public half)'
        : 'reply or notification (checked with platformPublicKey)',
      valid: fields.sign ? rsaSha1Verify(text, fields.sign, key) : false,
      signString: mask(text, fields.access_token ?? '', reveal),
    };
  }
  const c = zhixiaoOptionsFromEnv();
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) {
    const r = JSON.parse(trimmed) as { ret_code: unknown; ret_content?: string; sign?: string };
    const [code, content] = [String(r.ret_code), r.ret_content ?? ''];
    return {
      kind: 'reply',
      valid: safeEqual(replySign(c, code, content), r.sign ?? '', { caseInsensitive: true }),
      signString: mask(replySignString(c, code, content), c.appSecret, reveal),
    };
  }
  const f = restoreBase64Fields(Object.fromEntries(new URLSearchParams(trimmed)), ['param']);
  const param = f.param ?? '';
  return {
    kind: 'request or notification',
    valid: safeEqual(requestSign(c, param, f.id), f.sign ?? '', { caseInsensitive: true }),
    signString: mask(requestSignString(c, param, f.id), c.appSecret, reveal),
  };
}

/** The exact fields and sign string the SDK would send for `method` with `payload`. */
export function signStringFor(
  gateway: string,
  method: string,
  payload: unknown,
  opts: { token?: string; timestamp?: string; reveal: boolean },
) {
  if (gateway === 'onecard') {
    const c = oneCardOptionsFromEnv();
    const token = opts.token ?? NO_TOKEN;
    const fields = requestFields({
      method,
      appKey: c.appKey,
      accessToken: token,
      desKey: c.desKey,
      payload,
      timestamp: opts.timestamp ?? formatGatewayTime(),
    });
    const text = signString(fields);
    const secret = token === NO_TOKEN ? '' : token;
    const sign = rsaSha1Sign(text, privateKeyOf(c));
    return {
      fields: {
        ...fields,
        access_token: mask(fields.access_token!, secret, opts.reveal),
        // A valid signature replays this exact request until its timestamp expires.
        sign: opts.reveal ? sign : '<secret>',
      },
      signString: mask(text, secret, opts.reveal),
    };
  }
  const c = zhixiaoOptionsFromEnv();
  const fields = encodeRequest(c, payload);
  return {
    // An MD5 sign over a known text lets anyone guess the appSecret offline.
    fields: opts.reveal ? fields : { ...fields, sign: '<secret>' },
    signString: mask(requestSignString(c, fields.param), c.appSecret, opts.reveal),
  };
}

/** Signature debugging for integrators: decrypt, verify, sign strings, and `doctor`. */
import { createPublicKey } from 'node:crypto';
import {
  aesDecrypt,
  loadPrivateKey,
  loadPublicKey,
  md5Hex,
  rsaSha1Sign,
  rsaSha1Verify,
  safeEqual,
  tripleDesDecrypt,
} from '../core/crypto.js';
import { CampusPayError, GatewayError, SignatureError } from '../core/errors.js';
import { encodeForm, restoreBase64Fields } from '../core/form.js';
import { formatGatewayTime } from '../core/time.js';
import { CAMPUS_PAY_ENV, oneCardOptionsFromEnv, zhixiaoOptionsFromEnv } from '../env.js';
import { decodeReply, NO_TOKEN, requestFields, signString } from '../onecard/envelope.js';
import { ZhixiaoPayClient } from '../zhixiao/client.js';
import { encodeRequest } from '../zhixiao/envelope.js';

const mask = (text: string, secret: string, reveal: boolean) =>
  reveal || !secret ? text : text.replaceAll(secret, '<secret>');

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
    const key = isRequest
      ? createPublicKey(
          loadPrivateKey(c.privateKey, c.privateKeyPassphrase ? { passphrase: c.privateKeyPassphrase } : {}),
        )
      : loadPublicKey(c.platformPublicKey!);
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
    const text = String(r.ret_code) + (r.ret_content ?? '') + c.appSecret;
    return {
      kind: 'reply',
      valid: safeEqual(md5Hex(text), r.sign ?? '', { caseInsensitive: true }),
      signString: mask(text, c.appSecret, reveal),
    };
  }
  const f = Object.fromEntries(new URLSearchParams(trimmed));
  const param = (f.param ?? '').replaceAll(' ', '+');
  const text = (f.id ?? c.appId) + param + c.appSecret;
  return {
    kind: 'request or notification',
    valid: safeEqual(md5Hex(text), f.sign ?? '', { caseInsensitive: true }),
    signString: mask(text, c.appSecret, reveal),
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
    const key = loadPrivateKey(
      c.privateKey,
      c.privateKeyPassphrase ? { passphrase: c.privateKeyPassphrase } : {},
    );
    const secret = token === NO_TOKEN ? '' : token;
    const sign = rsaSha1Sign(text, key);
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
    signString: mask(fields.id + fields.param + c.appSecret, c.appSecret, opts.reveal),
  };
}

/** A doctor check: `skipped` is never reported as passed. */
interface Check {
  check: string;
  status: 'ok' | 'failed' | 'skipped';
  detail: string;
}

const status = (ok: boolean): Check['status'] => (ok ? 'ok' : 'failed');

/**
 * Checks a configuration against the real gateway without side effects. OneCard: a query with a bogus
 * token must come back 40017 — which proves the URL, the app key (not 40002), our signature (not 40004)
 * and our clock (not 40018) — without fetching a token, which would invalidate the one in use.
 */
export async function doctor(gateway: string): Promise<Check[]> {
  const checks: Check[] = [];
  if (gateway === 'onecard') {
    const c = oneCardOptionsFromEnv();
    const merchantPublic = process.env[CAMPUS_PAY_ENV.onecard.merchantPublicKey];
    const key = loadPrivateKey(
      c.privateKey,
      c.privateKeyPassphrase ? { passphrase: c.privateKeyPassphrase } : {},
    );
    if (merchantPublic) {
      const same = rsaSha1Verify(
        'doctor',
        rsaSha1Sign('doctor', key),
        loadPublicKey(merchantPublic.replaceAll('\\n', '\n')),
      );
      checks.push({
        check: 'private key matches the registered public key',
        status: status(same),
        detail: same ? 'yes' : `no: ${CAMPUS_PAY_ENV.onecard.merchantPublicKey} is another key pair`,
      });
    } else {
      checks.push({
        check: 'private key matches the registered public key',
        status: 'skipped',
        detail: `set ${CAMPUS_PAY_ENV.onecard.merchantPublicKey} to check`,
      });
    }
    const res = await fetch(c.gatewayUrl, { method: 'HEAD' }).catch((e: Error) => e);
    if (res instanceof Error) {
      checks.push({ check: 'gateway reachable', status: 'failed', detail: res.message });
      return checks;
    }
    const date = res.headers.get('date');
    const skew = date ? Math.round((Date.now() - Date.parse(date)) / 1000) : undefined;
    checks.push({
      check: 'clock skew vs gateway (must be within ±360 s)',
      status: skew === undefined ? 'skipped' : status(Math.abs(skew) < 300),
      detail:
        skew === undefined
          ? 'gateway sent no Date header'
          : `${skew} s; local Beijing time ${formatGatewayTime()}`,
    });
    // Built by hand rather than through OneCardClient, whose 40017 recovery would fetch a real token.
    const method = 'synjones.onecard.query.card';
    const fields = requestFields({
      method,
      appKey: c.appKey,
      accessToken: 'campus-pay-doctor-bogus-token',
      desKey: c.desKey,
      payload: { idtype: 'sno', id: '0' },
      timestamp: formatGatewayTime(),
    });
    const body = encodeForm({ ...fields, sign: rsaSha1Sign(signString(fields), key) });
    const reply = await fetch(c.gatewayUrl, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' },
    });
    const err = await Promise.resolve()
      .then(async () =>
        decodeReply(
          { desKey: c.desKey, platformPublicKey: loadPublicKey(c.platformPublicKey!) },
          method,
          reply.status,
          Buffer.from(await reply.arrayBuffer()),
        ),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    const code = err instanceof GatewayError ? err.gatewayCode : undefined;
    const verdict: Record<string, string> = {
      '40002': 'the app key is wrong: check CAMPUS_PAY_ONECARD_APP_KEY (appKey) and the gateway URL',
      '40015':
        "the request did not decrypt: desKey (CAMPUS_PAY_ONECARD_DES_KEY) is probably not this app key's 3DES key",
      '40004': 'the gateway rejects our signature: the private key is not the one registered',
      '40018': 'the gateway rejects our timestamp: fix the clock',
    };
    checks.push({
      check: 'gateway accepts our signature, app key and timestamp',
      status: status(code === '40017'),
      detail:
        code === '40017'
          ? 'yes (answered 40017 for a bogus token, as expected)'
          : code
            ? `${code}: ${verdict[code] ?? (err as Error).message}`
            : err instanceof SignatureError
              ? 'the reply does not verify with platformPublicKey'
              : String((err as Error | undefined)?.message ?? 'unexpected success'),
    });
    return checks;
  }
  const client = new ZhixiaoPayClient(zhixiaoOptionsFromEnv());
  const err = await client.queryOrder({ out_trade_no: `doctor-${Date.now()}` }).then(
    () => undefined,
    (e: unknown) => e,
  );
  const signed = err === undefined || err instanceof GatewayError;
  checks.push({
    check: 'gateway answers with a reply signed with our appSecret',
    status: status(signed),
    detail: signed ? 'yes' : err instanceof CampusPayError ? `${err.code}: ${err.message}` : String(err),
  });
  // -2 (参数校验失败) for a well-formed probe means the gateway could not read our param.
  const unreadable = err instanceof GatewayError && err.gatewayCode === '-2';
  checks.push({
    check: 'gateway decrypts our param (aesKey) and accepts our sign (appSecret)',
    status: signed ? status(!unreadable) : 'skipped',
    detail: !signed
      ? 'needs a signed reply first'
      : unreadable
        ? '-2 参数校验失败: aesKey (CAMPUS_PAY_ZHIXIAO_AES_KEY) or appSecret is probably wrong'
        : `yes${err ? ` (${(err as GatewayError).gatewayMessage})` : ''}`,
  });
  return checks;
}

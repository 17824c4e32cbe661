/**
 * The OneCard envelope (spec 1.2, docs/protocol.md): nine form fields, 3DES-encrypted JSON under a
 * wrapper named after the method, RSA-SHA1 over the sorted fields; replies `errcode&request&sign`
 * signed with the platform key. Pure functions, shared by the client, the sandbox and the CLI.
 */
import type { KeyObject } from 'node:crypto';
import { codeText, describeCode } from '../core/codes.js';
import { rsaSha1Sign, rsaSha1VerifyAny, tripleDesDecrypt, tripleDesEncrypt } from '../core/crypto.js';
import { DecryptionError, GatewayError, ProtocolError, SignatureError } from '../core/errors.js';
import { decodeStrictForm, decodeText, encodeForm } from '../core/form.js';
import { redactExcerpt } from '../core/redact.js';
import { ONECARD_BUSINESS_CODES, ONECARD_SYSTEM_CODES } from './codes.js';

/** The token field's value for the token call itself: 128 zeros. */
export const NO_TOKEN = '0'.repeat(128);

/** `synjones.onecard.query.card` → `query_card`; `synjones.authorize.access_token` → `authorize_access_token`. */
export function wrapperOf(method: string): string {
  return method
    .replace(/^synjones\./, '')
    .replace(/^onecard\./, '')
    .replaceAll('.', '_');
}

/** name+value of every field but `sign`, sorted by name, no separators. */
export function signString(fields: Record<string, string>): string {
  return Object.keys(fields)
    .filter((k) => k !== 'sign')
    .sort()
    .map((k) => k + fields[k])
    .join('');
}

export interface RequestParts {
  method: string;
  appKey: string;
  accessToken: string;
  desKey: string;
  payload: unknown;
  /** `yyyy-MM-dd HH:mm:ss`, Beijing time, computed once per request by the caller. */
  timestamp: string;
}

/** The eight signed fields of a request (everything but `sign`). */
export function requestFields(p: RequestParts): Record<string, string> {
  const json = JSON.stringify({ [wrapperOf(p.method)]: p.payload });
  return {
    method: p.method,
    timestamp: p.timestamp,
    format: 'json',
    app_key: p.appKey,
    access_token: p.accessToken,
    v: '2.0',
    sign_method: 'rsa',
    request: tripleDesEncrypt(json, p.desKey),
  };
}

export interface DecodeKeys {
  /** The 3DES key, or the accepted keys in the order they are tried (rotation: the current one first). */
  desKey: string | readonly string[];
  /**
   * The platform key, or several accepted while the gateway rolls its key over (any one verifies).
   * undefined only when the caller explicitly opted out of reply verification.
   */
  platformPublicKey: KeyObject | readonly KeyObject[] | undefined;
}

export interface DecodeOptions {
  /** Verify the signature on libuv's thread pool instead of inline. */
  offload?: boolean;
  /** Values to mask in error excerpts besides the keys (the access token in use). */
  secrets?: readonly string[];
  /** Told which accepted platform key (its index) verified the reply. */
  verified?: ((keyIndex: number) => void) | undefined;
}

/** One key or several, as a list. */
export const asList = <T>(k: T | readonly T[]): readonly T[] =>
  Array.isArray(k) ? (k as readonly T[]) : [k as T];

/**
 * Checks a reply and returns the object under the method's wrapper. Order: envelope shape → platform
 * signature → errcode → decrypt → wrapper → retcode, so nothing unverified reaches the decryptor or the
 * JSON parser. Throws ProtocolError, SignatureError, GatewayError or DecryptionError. This is the
 * function every OneCard call runs.
 */
export async function decodeReply(
  keys: DecodeKeys,
  method: string,
  status: number,
  body: Buffer,
  opts: DecodeOptions = {},
): Promise<Record<string, unknown>> {
  const secrets = [...asList(keys.desKey), ...(opts.secrets ?? [])];
  const fields = splitReply(status, body, secrets);
  if (keys.platformPublicKey) {
    if (!fields.sign) throw new SignatureError('missing_signature', 'the reply carries no sign');
    const text = signString(fields);
    const index = await rsaSha1VerifyAny(text, fields.sign, asList(keys.platformPublicKey), opts.offload);
    if (index < 0) {
      throw new SignatureError(
        'mismatch',
        "the reply's sign does not verify with platformPublicKey (wrong key, or the reply was altered)",
      );
    }
    opts.verified?.(index);
  }
  return openReply(keys.desKey, method, fields, status);
}

/** The `errcode&request&sign` fields, or a ProtocolError (HTML page, GBK text, empty…). */
function splitReply(status: number, body: Buffer, secrets: readonly string[]): Record<string, string> {
  const trimmed = decodeText(body).trim();
  const excerpt = () => redactExcerpt(trimmed, secrets);
  if (!trimmed.includes('=') || !/(^|&)errcode=/.test(trimmed)) {
    const what =
      trimmed === '' ? 'an empty body' : `a plain-text message: ${redactExcerpt(trimmed, secrets, 120)}`;
    throw new ProtocolError(status, `the gateway answered with ${what}`, excerpt());
  }
  const fields = decodeStrictForm(trimmed);
  if (!fields) throw new ProtocolError(status, 'the reply is not valid form encoding', excerpt());
  if (!/^(0|-?[1-9]\d*)$/.test(fields.errcode ?? ''))
    throw new ProtocolError(status, 'errcode is not an integer');
  return fields;
}

/** errcode, decryption, wrapper and retcode of a verified reply. */
function openReply(
  desKey: string | readonly string[],
  method: string,
  fields: Record<string, string>,
  status: number,
): Record<string, unknown> {
  const errcode = fields.errcode!;
  if (errcode !== '0') {
    const info = describeCode(ONECARD_SYSTEM_CODES, errcode);
    throw new GatewayError({ level: 'system', code: errcode, message: codeText(info), info });
  }
  const data = decryptJson(fields.request ?? '', desKey, 'the reply');
  const inner = data[wrapperOf(method)];
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) {
    throw new DecryptionError(`the reply's JSON has no ${wrapperOf(method)} object`);
  }
  const r = inner as Record<string, unknown>;
  // retcode is 不可空: a reply without it may be reporting an error in errmsg alone, so it is no success.
  if (typeof r.retcode !== 'string' && typeof r.retcode !== 'number') {
    throw new ProtocolError(status, 'the reply has no retcode, so it cannot be read as a success');
  }
  const retcode = String(r.retcode).trim();
  if (retcode !== '0') {
    const info = describeCode(ONECARD_BUSINESS_CODES, retcode);
    const errmsg = typeof r.errmsg === 'string' && r.errmsg ? r.errmsg : codeText(info);
    throw new GatewayError({ level: 'business', code: retcode, message: errmsg, info });
  }
  const { retcode: _r, errmsg: _e, ...business } = r;
  return business;
}

/**
 * 3DES-decrypts and parses a JSON object; a plain-JSON value (some notifications) is accepted as is.
 * With several keys (rotation), the first whose plaintext is JSON wins: a wrong key can pass the padding
 * check by chance, but not also yield JSON. The data was verified before, so trying keys reveals nothing.
 */
export function decryptJson(
  request: string,
  desKey: string | readonly string[],
  what: string,
): Record<string, unknown> {
  const attempt = (key: string | undefined): unknown => {
    const text = key === undefined ? request : tripleDesDecrypt(request, key);
    try {
      return JSON.parse(text);
    } catch {
      throw new DecryptionError(`${what}: the decrypted request is not JSON`);
    }
  };
  if (request.trimStart().startsWith('{')) return jsonObject(attempt(undefined), what);
  const [first, ...others] = asList(desKey);
  try {
    return jsonObject(attempt(first), what);
  } catch (err) {
    for (const key of others) {
      try {
        return jsonObject(attempt(key), what);
      } catch {
        // the next accepted key
      }
    }
    throw err; // the current key's reason
  }
}

function jsonObject(data: unknown, what: string): Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new DecryptionError(`${what}: the decrypted request is not an object`);
  return data as Record<string, unknown>;
}

/** Builds a reply body the way the gateway does (for the sandbox and mock gateways in tests). */
export function encodeReply(
  keys: { desKey: string; platformPrivateKey: KeyObject },
  method: string,
  errcode: string,
  data: Record<string, unknown> | undefined,
): string {
  const request =
    data === undefined ? '' : tripleDesEncrypt(JSON.stringify({ [wrapperOf(method)]: data }), keys.desKey);
  const fields: Record<string, string> = { errcode, request };
  return encodeForm({ ...fields, sign: rsaSha1Sign(signString(fields), keys.platformPrivateKey) });
}

/**
 * The OneCard envelope, exactly as PROTOCOL-NOTES §1: nine form fields, 3DES-encrypted JSON under a
 * wrapper named after the method, RSA-SHA1 over the sorted fields; replies `errcode&request&sign`
 * signed with the platform key. Pure functions, shared by the client, the sandbox and the CLI.
 */
import type { KeyObject } from 'node:crypto';
import { rsaSha1Sign, rsaSha1Verify, tripleDesDecrypt, tripleDesEncrypt } from '../core/crypto.js';
import {
  DecryptionError,
  GatewayError,
  ProtocolError,
  redactExcerpt,
  SignatureError,
} from '../core/errors.js';
import { decodeStrictForm, decodeText, encodeForm } from '../core/form.js';
import { BUSINESS_ERRORS, SYSTEM_ERRORS } from './codes.js';

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
  desKey: string;
  /** undefined only when the caller explicitly opted out of reply verification. */
  platformPublicKey: KeyObject | undefined;
}

/**
 * Checks a reply and returns the object under the method's wrapper. Order: envelope shape → platform
 * signature → errcode → decrypt → retcode. Throws ProtocolError, SignatureError, GatewayError or DecryptionError.
 */
export function decodeReply(
  keys: DecodeKeys,
  method: string,
  status: number,
  body: Buffer,
): Record<string, unknown> {
  const fields = splitReply(keys, method, status, body);
  if (keys.platformPublicKey) {
    assertSigned(
      method,
      fields,
      rsaSha1Verify(signString(fields), fields.sign ?? '', keys.platformPublicKey),
    );
  }
  return openReply(keys, method, fields);
}

/** Step 1 of decodeReply: the `errcode&request&sign` fields, or a ProtocolError (HTML page, GBK text, empty…). */
export function splitReply(
  keys: Pick<DecodeKeys, 'desKey'>,
  method: string,
  status: number,
  body: Buffer,
): Record<string, string> {
  const trimmed = decodeText(body).trim();
  const excerpt = () => redactExcerpt(trimmed, [keys.desKey]);
  if (!trimmed.includes('=') || !/(^|&)errcode=/.test(trimmed)) {
    const what =
      trimmed === ''
        ? 'an empty body'
        : `a plain-text message: ${redactExcerpt(trimmed, [keys.desKey], 120)}`;
    throw new ProtocolError(method, status, `the gateway answered with ${what}`, excerpt());
  }
  const fields = decodeStrictForm(trimmed);
  if (!fields) throw new ProtocolError(method, status, 'the reply is not valid form encoding', excerpt());
  if (!/^-?\d+$/.test(fields.errcode ?? ''))
    throw new ProtocolError(method, status, 'errcode is not an integer');
  return fields;
}

/** Step 2: fails closed on a missing or non-verifying platform signature (`valid` is the verify result). */
export function assertSigned(method: string, fields: Record<string, string>, valid: boolean): void {
  if (!fields.sign) throw new SignatureError('missing_signature', `${method}: the reply carries no sign`);
  if (!valid) {
    throw new SignatureError(
      'mismatch',
      `${method}: the reply's sign does not verify with platformPublicKey (wrong key, or the reply was altered)`,
    );
  }
}

/** Step 3: errcode, decryption, wrapper and retcode. */
export function openReply(
  keys: Pick<DecodeKeys, 'desKey'>,
  method: string,
  fields: Record<string, string>,
): Record<string, unknown> {
  const errcode = fields.errcode!;
  if (errcode !== '0') {
    throw new GatewayError({
      level: 'system',
      code: errcode,
      message: SYSTEM_ERRORS[errcode] ?? '未知错误 unknown error',
      method,
    });
  }
  const data = decryptJson(fields.request ?? '', keys.desKey, `${method} reply`);
  const inner = data[wrapperOf(method)];
  if (typeof inner !== 'object' || inner === null) {
    throw new DecryptionError(`${method} reply: the JSON has no ${wrapperOf(method)} object`);
  }
  const r = inner as Record<string, unknown>;
  const retcode = r.retcode === undefined ? '0' : String(r.retcode);
  if (retcode !== '0') {
    const errmsg =
      typeof r.errmsg === 'string' && r.errmsg
        ? r.errmsg
        : (BUSINESS_ERRORS[retcode] ?? '未知错误 unknown error');
    throw new GatewayError({ level: 'business', code: retcode, message: errmsg, method });
  }
  return r;
}

/** 3DES-decrypts and parses a JSON object; a plain-JSON value (some notifications) is accepted as is. */
export function decryptJson(request: string, desKey: string, what: string): Record<string, unknown> {
  const text = request.trimStart().startsWith('{') ? request : tripleDesDecrypt(request, desKey);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new DecryptionError(`${what}: the decrypted request is not JSON`);
  }
  if (typeof data !== 'object' || data === null)
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

/**
 * The Zhixiao envelope (spec 1.3, PROTOCOL-NOTES §2): form `id`, `param`, `sign`; reply JSON
 * `{ret_code, ret_content, sign}`. Pure functions over strings, used by the client, the notification
 * parser, the sandbox and the CLI alike.
 */
import { aesDecrypt, aesEncrypt, md5Hex, safeEqual } from '../core/crypto.js';
import {
  DecryptionError,
  GatewayError,
  ProtocolError,
  redactExcerpt,
  SignatureError,
} from '../core/errors.js';
import { decodeText } from '../core/form.js';

export interface ZhixiaoCredentials {
  appId: string;
  appSecret: string;
  aesKey: string;
}

/** md5(id + param + appsecret), the request and notification sign. */
export const requestSign = (c: ZhixiaoCredentials, param: string, id = c.appId) =>
  md5Hex(id + param + c.appSecret);

/** md5(String(ret_code) + ret_content + appsecret), over the still-encrypted ret_content. */
export const replySign = (c: ZhixiaoCredentials, retCode: number | string, retContent: string) =>
  md5Hex(String(retCode) + retContent + c.appSecret);

/** Builds the three form fields of a request (or of a notification, which has the same shape). */
export function encodeRequest(
  c: ZhixiaoCredentials,
  payload: unknown,
): { id: string; param: string; sign: string } {
  const param = aesEncrypt(JSON.stringify(payload), c.aesKey);
  return { id: c.appId, param, sign: requestSign(c, param) };
}

/** Builds a reply the way the gateway does (used by the sandbox and by tests' mock gateways). */
export function encodeReply(c: ZhixiaoCredentials, retCode: number, content: unknown) {
  const text = typeof content === 'string' ? content : JSON.stringify(content);
  const ret_content = aesEncrypt(text, c.aesKey);
  return { ret_code: retCode, ret_content, sign: replySign(c, retCode, ret_content) };
}

/** Decrypted JSON, or the decrypted text when it is not JSON (2.8 answers 开票成功). */
export function decryptContent(c: ZhixiaoCredentials, content: string): unknown {
  const text = aesDecrypt(content, c.aesKey);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Checks a reply and returns its decrypted content. Order matters: the sign is verified before anything
 * is decrypted, so a forged body never reaches the decryptor or the JSON parser.
 */
export function decodeReply(c: ZhixiaoCredentials, method: string, status: number, body: Buffer): unknown {
  const text = decodeText(body);
  let reply: unknown;
  try {
    reply = JSON.parse(text);
  } catch {
    const what = text.trim() === '' ? 'an empty body' : 'a body that is not JSON';
    throw new ProtocolError(
      method,
      status,
      `the gateway answered with ${what}`,
      redactExcerpt(text, [c.appSecret, c.aesKey]),
    );
  }
  if (typeof reply !== 'object' || reply === null || !('ret_code' in reply)) {
    throw new ProtocolError(
      method,
      status,
      'the reply has no ret_code',
      redactExcerpt(text, [c.appSecret, c.aesKey]),
    );
  }
  const r = reply as { ret_code: unknown; ret_content?: unknown; sign?: unknown };
  const code =
    typeof r.ret_code === 'number' || typeof r.ret_code === 'string' ? String(r.ret_code) : undefined;
  if (code === undefined || !/^-?\d+$/.test(code)) {
    throw new ProtocolError(
      method,
      status,
      'ret_code is not an integer',
      redactExcerpt(text, [c.appSecret, c.aesKey]),
    );
  }
  const content = r.ret_content === undefined || r.ret_content === null ? '' : r.ret_content;
  if (typeof content !== 'string') throw new ProtocolError(method, status, 'ret_content is not a string');
  if (typeof r.sign !== 'string' || r.sign === '') {
    throw new SignatureError('missing_signature', `${method}: the reply carries no sign`);
  }
  if (!safeEqual(replySign(c, code, content), r.sign, { caseInsensitive: true })) {
    throw new SignatureError(
      'mismatch',
      `${method}: the reply's sign does not match (wrong appSecret, or the reply was altered)`,
    );
  }
  if (code !== '0') {
    throw new GatewayError({ level: 'system', code, message: errorText(c, code, content), method });
  }
  if (content === '') return {};
  return decryptContent(c, content);
}

const RET_CODES: Record<string, string> = {
  '-1': '通用错误 general error',
  '-2': '参数校验失败 parameter check failed',
  '-3': '账号被冻结 account frozen',
};

/** On error, ret_content is an encrypted message or plain text; either way make it readable. */
function errorText(c: ZhixiaoCredentials, code: string, content: string): string {
  let message = content;
  if (content) {
    try {
      message = aesDecrypt(content, c.aesKey);
    } catch (e) {
      if (!(e instanceof DecryptionError)) throw e;
    }
  }
  const known = RET_CODES[code];
  return message && known ? `${known}: ${message}` : message || known || 'unknown error';
}

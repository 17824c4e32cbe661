/**
 * The Zhixiao envelope (spec 1.3, docs/protocol.md): form `id`, `param`, `sign`; reply JSON
 * `{ret_code, ret_content, sign}`. Pure functions over strings, used by the client, the notification
 * parser, the sandbox and the CLI alike.
 */
import { type CodeInfo, codeText, describeCode } from '../core/codes.js';
import { aesDecrypt, aesEncrypt, md5Hex, safeEqual } from '../core/crypto.js';
import { DecryptionError, GatewayError, ProtocolError, SignatureError } from '../core/errors.js';
import { decodeText } from '../core/form.js';
import { redactExcerpt } from '../core/redact.js';
import { ZHIXIAO_CODES, zhixiaoCodeInfo } from './codes.js';

export interface ZhixiaoCredentials {
  appId: string;
  /** The current appsecret: signs what is sent. */
  appSecret: string;
  /** The current aes_key: encrypts what is sent. */
  aesKey: string;
  /** Every accepted appsecret, the current one first: any one verifies a reply or notice (rotation). */
  secrets?: readonly string[];
  /** Every accepted aes_key, the current one first: tried in turn on a verified reply or notice. */
  aesKeys?: readonly string[];
}

const secretsOf = (c: ZhixiaoCredentials) => c.secrets ?? [c.appSecret];
const aesKeysOf = (c: ZhixiaoCredentials) => c.aesKeys ?? [c.aesKey];
/** What an error excerpt must never show. */
const keysOf = (c: ZhixiaoCredentials) => [...secretsOf(c), ...aesKeysOf(c)];

/** Which accepted appsecret makes `sign` (the first that does), or -1; `signWith` computes it for one. */
export function acceptedSecret(
  c: ZhixiaoCredentials,
  sign: string,
  signWith: (c: ZhixiaoCredentials) => string,
): number {
  return secretsOf(c).findIndex((appSecret) =>
    safeEqual(signWith({ ...c, appSecret }), sign, { caseInsensitive: true }),
  );
}

/** id + param + appsecret: the text a request or notification sign is the MD5 of. Holds the appSecret. */
export const requestSignString = (c: ZhixiaoCredentials, param: string, id = c.appId) =>
  id + param + c.appSecret;

/** String(ret_code) + ret_content + appsecret, over the still-encrypted ret_content. Holds the appSecret. */
export const replySignString = (c: ZhixiaoCredentials, retCode: number | string, retContent: string) =>
  String(retCode) + retContent + c.appSecret;

/** md5(id + param + appsecret), the request and notification sign. */
export const requestSign = (c: ZhixiaoCredentials, param: string, id = c.appId) =>
  md5Hex(requestSignString(c, param, id));

/** md5(String(ret_code) + ret_content + appsecret), the reply sign. */
export const replySign = (c: ZhixiaoCredentials, retCode: number | string, retContent: string) =>
  md5Hex(replySignString(c, retCode, retContent));

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

const isJson = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/** Control characters (but tab and line breaks) or U+FFFD (bytes that are not UTF-8): not a message. */
const UNREADABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/;
/** How much a plaintext looks like the gateway's: JSON, then readable text, then anything that decrypted. */
const likeness = (text: string) => (isJson(text) ? 2 : UNREADABLE.test(text) ? 0 : 1);

/**
 * The decrypted text. With several accepted keys, a wrong key passes the padding check about once in 256
 * and yields noise: the plaintext most like the gateway's wins (JSON, else readable text such as 2.8's
 * 开票成功 or a -1's message), the current key first among equals. The content was verified first, so
 * trying keys reveals nothing.
 */
function decryptText(c: ZhixiaoCredentials, content: string): string {
  let best: { text: string; score: number } | undefined;
  let failure: unknown;
  for (const key of aesKeysOf(c)) {
    try {
      const text = aesDecrypt(content, key);
      const score = likeness(text);
      if (score === 2) return text;
      if (!best || score > best.score) best = { text, score };
    } catch (err) {
      failure ??= err;
    }
  }
  if (best === undefined) throw failure;
  return best.text;
}

/** Decrypted JSON, or the decrypted text when it is not JSON (2.8 answers 开票成功). */
export function decryptContent(c: ZhixiaoCredentials, content: string): unknown {
  const text = decryptText(c, content);
  return isJson(text) ? (JSON.parse(text) as unknown) : text;
}

/**
 * Checks a reply and returns its decrypted content (JSON, or the text of a message reply). Order
 * matters: ret_code is checked for its canonical form and the sign verified before anything is
 * decrypted, so a forged or re-split body never reaches the decryptor or the JSON parser. This is the
 * function every Zhixiao call runs.
 */
export function decodeReply(
  c: ZhixiaoCredentials,
  status: number,
  body: Buffer,
  /** Told which accepted appsecret (its index) verified the reply. */
  verified?: (keyIndex: number) => void,
): unknown {
  const text = decodeText(body);
  const excerpt = () => redactExcerpt(text, keysOf(c));
  let reply: unknown;
  try {
    reply = JSON.parse(text);
  } catch {
    const what = text.trim() === '' ? 'an empty body' : 'a body that is not JSON';
    throw new ProtocolError(status, `the gateway answered with ${what}`, excerpt());
  }
  if (typeof reply !== 'object' || reply === null || !('ret_code' in reply)) {
    throw new ProtocolError(status, 'the reply has no ret_code', excerpt());
  }
  const r = reply as { ret_code: unknown; ret_content?: unknown; sign?: unknown };
  const content = r.ret_content === undefined || r.ret_content === null ? '' : r.ret_content;
  if (typeof content !== 'string') throw new ProtocolError(status, 'ret_content is not a string');
  if (typeof r.sign !== 'string' || r.sign === '') {
    throw new SignatureError('missing_signature', 'the reply carries no sign');
  }
  const code = canonicalRetCode(r.ret_code);
  if (code === undefined) {
    // The sign covers ret_code + ret_content with no separator: a re-spelt code may be a genuine reply
    // re-split between the two fields, so it is refused like a bad signature.
    throw new SignatureError('malformed', 'ret_code is not in canonical form, so the sign cannot bind it');
  }
  const keyIndex = acceptedSecret(c, r.sign, (k) => replySign(k, code, content));
  if (keyIndex < 0) {
    throw new SignatureError(
      'mismatch',
      "the reply's sign does not match (wrong appSecret, or the reply was altered)",
    );
  }
  verified?.(keyIndex);
  if (code !== '0') {
    const message = errorText(c, describeCode(ZHIXIAO_CODES, code), content);
    throw new GatewayError({ level: 'system', code, message, info: zhixiaoCodeInfo(code, message) });
  }
  if (content === '') return {};
  return decryptContent(c, content);
}

/**
 * ret_code as the decimal string the sign was made over, or undefined. A JSON number is read as is (the
 * usual form). A string must be a plain integer and not a longer spelling of a documented code: "05",
 * "+0", " 0" or "-12" could be "0"/"-1" with the first characters of ret_content moved over.
 */
function canonicalRetCode(v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? String(v) : undefined;
  if (typeof v !== 'string' || !/^(0|-?[1-9]\d*)$/.test(v)) return undefined;
  const extendsKnown = ['0', ...Object.keys(ZHIXIAO_CODES)].some((k) => v !== k && v.startsWith(k));
  return extendsKnown ? undefined : v;
}

/** On error, ret_content is an encrypted message or plain text; either way make it readable. */
function errorText(c: ZhixiaoCredentials, info: CodeInfo | undefined, content: string): string {
  let message = content;
  if (content) {
    try {
      message = decryptText(c, content);
    } catch (e) {
      if (!(e instanceof DecryptionError)) throw e;
    }
  }
  return message || codeText(info);
}

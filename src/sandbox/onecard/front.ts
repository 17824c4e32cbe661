/**
 * The OneCard gateway front: the envelope checks in the gateway's order with its system codes (spec
 * 1.2.2), the access token of each app key (2.2.1.1), then the method's record: its field formats
 * (60002), then its handler; replies signed with the platform key. Built on the library's own envelope functions, so
 * client and sandbox exercise the same code.
 */
import type { KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { rsaSha1Verify } from '../../core/crypto.js';
import { parseBeijingTime } from '../../core/time.js';
import { decryptJson, encodeReply, NO_TOKEN, signString, wrapperOf } from '../../onecard/envelope.js';
import { type OneCardMethodName, oneCardMethods } from '../../onecard/methods.js';
import { BusinessError, refuse } from '../business-error.js';
import type { CallInfo } from '../faults.js';
import { formatProblem } from '../formats.js';
import { type ReplyStyle, styleReply } from '../reply-style.js';
import type { OneCardSandboxMethods } from './methods/index.js';

export interface OneCardSandboxKeys {
  appKey: string;
  desKey: string;
  merchantPublicKey: KeyObject;
  platformPrivateKey: KeyObject;
  /**
   * The merchant's keys of earlier rotations, still accepted on requests, as a gateway does while a
   * merchant rolls its keys over (`sandbox.rotateKeys`, until `sandbox.retireKeys`).
   */
  previous?: Array<{ desKey: string; merchantPublicKey: KeyObject }>;
}

export interface OneCardReply {
  method: string;
  errcode: string;
  data?: Record<string, unknown>;
  /** The 3DES key the request came in, which the reply goes out in (default: the current one). */
  desKey?: string;
}

const TOKEN_METHOD = oneCardMethods.getAccessToken.wire;
const NAME_BY_WIRE = new Map(
  Object.entries(oneCardMethods).map(([name, m]) => [m.wire, name as OneCardMethodName]),
);
const ENVELOPE = [
  'method',
  'timestamp',
  'format',
  'app_key',
  'access_token',
  'v',
  'sign_method',
  'request',
  'sign',
];

/** The access tokens: one per app key, so a fetch for one app key does not touch another's. */
export class OneCardTokens {
  /** Token fetches served, for tests. */
  fetches = 0;
  readonly #tokens = new Map<string, { value: string; expiresAt: number; issuedAt: number }>();

  constructor(
    readonly ttlSeconds: number,
    readonly minIntervalMs: number,
  ) {}

  /** A new token, which invalidates the last; 60048 inside the minimum interval (2.2.1.1). */
  issue(appKey: string) {
    const now = Date.now();
    const last = this.#tokens.get(appKey);
    if (last && now - last.issuedAt < this.minIntervalMs) refuse('60048', 'access_token调用次数超限');
    this.fetches++;
    const value = randomBytes(32).toString('hex');
    this.#tokens.set(appKey, { value, issuedAt: now, expiresAt: now + this.ttlSeconds * 1000 });
    return { access_token: value, expires_in: String(this.ttlSeconds) };
  }

  /** The token call carries 128 zeros (or the current token); every other call the current token. */
  accepts(appKey: string, token: string, tokenCall: boolean): boolean {
    const current = this.#tokens.get(appKey);
    if (tokenCall) return token === NO_TOKEN || token === current?.value;
    return !!current && token === current.value && Date.now() <= current.expiresAt;
  }

  revoke(appKey: string) {
    this.#tokens.delete(appKey);
  }
}

export class OneCardFront {
  constructor(
    readonly keys: OneCardSandboxKeys,
    readonly appKeys: ReadonlySet<string>,
    readonly tokens: OneCardTokens,
    readonly methods: OneCardSandboxMethods,
  ) {}

  /** Whether a form is the token call and whether it moves money, read before any check (for the fault knobs). */
  describe(form: URLSearchParams): CallInfo {
    const method = form.get('method') ?? '';
    const name = NAME_BY_WIRE.get(method);
    return {
      token: method === TOKEN_METHOD,
      money: !!name && oneCardMethods[name].kind === 'money',
      method: name ?? method,
    };
  }

  /** Handles one POST to the gateway URL, in the gateway's order of checks. */
  handle(form: URLSearchParams): OneCardReply {
    const f = Object.fromEntries(form);
    const method = f.method ?? '';
    const sys = (errcode: string): OneCardReply => ({ errcode, method });
    if (ENVELOPE.some((k) => !f[k])) return sys('40001');
    if (!this.appKeys.has(f.app_key!)) return sys('40002');
    if (f.sign_method !== 'rsa') return sys('40003');
    const accepted = [this.keys, ...(this.keys.previous ?? [])];
    const text = signString(f);
    if (!accepted.some((k) => rsaSha1Verify(text, f.sign!, k.merchantPublicKey))) return sys('40004');
    if (f.v !== '2.0') return sys('40016');
    if (f.format !== 'json') return sys('40015');
    const at = parseBeijingTime(f.timestamp!);
    if (!at || Math.abs(Date.now() - at.getTime()) > 6 * 60_000) return sys('40018');
    const name = NAME_BY_WIRE.get(method);
    if (!name) return sys('40012');
    let body: Record<string, unknown> | undefined;
    let desKey = this.keys.desKey;
    for (const k of accepted) {
      try {
        const inner = decryptJson(f.request!, k.desKey, method)[wrapperOf(method)];
        if (typeof inner !== 'object' || inner === null) return sys('40015');
        body = inner as Record<string, unknown>;
        desKey = k.desKey;
        break;
      } catch {
        // the next accepted key
      }
    }
    if (!body) return sys('40015');
    if (!this.tokens.accepts(f.app_key!, f.access_token!, method === TOKEN_METHOD)) return sys('40017');
    try {
      const m = this.methods[name];
      const problem = formatProblem(m, body);
      if (problem) refuse('60002', `参数输入错误: ${problem}`);
      const data = m.handle(body, f.app_key!);
      return { errcode: '0', method, desKey, data: { retcode: '0', errmsg: '', ...data } };
    } catch (err) {
      if (!(err instanceof BusinessError)) throw err;
      return { errcode: '0', method, desKey, data: { retcode: err.code, errmsg: err.message } };
    }
  }

  /** A call refused under load: 40014 调用次数超限, before any processing. */
  busy(form: URLSearchParams): OneCardReply {
    return { errcode: '40014', method: form.get('method') ?? '' };
  }

  /** The reply's code: errcode, or retcode under errcode 0. */
  code(reply: OneCardReply): string {
    return reply.errcode === '0' ? String(reply.data?.retcode ?? '') : reply.errcode;
  }

  /** Whether a reply says the call took effect: a business success. */
  committed(reply: OneCardReply): boolean {
    return reply.errcode === '0' && reply.data?.retcode === '0';
  }

  /** Serialises a reply, signed with the platform key (or deliberately not, for the bad-signature fault). */
  encode(reply: OneCardReply, style: ReplyStyle, badSignature = false): string {
    const keys = {
      desKey: reply.desKey ?? this.keys.desKey,
      platformPrivateKey: this.keys.platformPrivateKey,
    };
    const data = reply.errcode === '0' ? styleReply(reply.data, style) : undefined;
    const body = encodeReply(keys, reply.method, reply.errcode, data);
    if (!badSignature) return body;
    return body.replace(
      /sign=([^&]*)/,
      (_m, s: string) => `sign=${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`,
    );
  }
}

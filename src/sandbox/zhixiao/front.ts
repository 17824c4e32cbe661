/**
 * The Zhixiao gateway front: the path decides the interface; appid, frozen account, sign and param are
 * checked in the gateway's order with its ret_codes (spec 1.3), then the interface's record: its field
 * formats (-2), then its handler. Replies are signed with the library's own envelope functions.
 */
import { aesDecrypt } from '../../core/crypto.js';
import { acceptedSecret, encodeReply, requestSign, type ZhixiaoCredentials } from '../../zhixiao/envelope.js';
import { type ZhixiaoMethodName, zhixiaoMethods } from '../../zhixiao/methods.js';
import { BusinessError, refuse } from '../business-error.js';
import type { CallInfo } from '../faults.js';
import { formatProblem } from '../formats.js';
import { type ReplyStyle, styleReply } from '../reply-style.js';
import type { ZhixiaoSandboxMethods } from './methods.js';

/** Paths the sandbox serves for 2.6–2.8 (the real vendor hands these out per customer). */
export const ZHIXIAO_SANDBOX_PATHS = {
  getIdentity: '/pay_api/user_identity',
  getUserCard: '/pay_api/user_card',
  createInvoice: '/pay_api/invoice_create',
} as const;

/** Path → interface: the table's paths, and the sandbox's own for 2.6–2.8. */
const NAME_BY_PATH = new Map(
  (Object.keys(zhixiaoMethods) as ZhixiaoMethodName[]).map((name) => [
    zhixiaoMethods[name].wire ?? ZHIXIAO_SANDBOX_PATHS[name as keyof typeof ZHIXIAO_SANDBOX_PATHS],
    name,
  ]),
);

export interface ZhixiaoReply {
  ret_code: number;
  content: unknown;
  /** The keys the request came with, which sign and encrypt the reply (default: the current ones). */
  credentials?: ZhixiaoCredentials;
}

export class ZhixiaoFront {
  /** While true, every call answers ret_code -3 (账号被冻结), as a frozen merchant account does. */
  frozen = false;

  constructor(
    readonly credentials: ZhixiaoCredentials,
    readonly methods: ZhixiaoSandboxMethods,
    /** More appids accepted with the same appSecret and AES key (a second tenant of one sandbox). */
    readonly extraAppIds: readonly string[] = [],
  ) {}

  /** The paths the sandbox serves: the table's, and its own for 2.6–2.8. */
  get paths(): string[] {
    return [...NAME_BY_PATH.keys()];
  }

  /** Whether a call moves money, from its path (Zhixiao has no token call). */
  describe(path: string): CallInfo {
    const name = NAME_BY_PATH.get(path);
    return { token: false, money: !!name && zhixiaoMethods[name].kind === 'money', method: name ?? path };
  }

  /** Handles one API POST, in the gateway's order of checks. */
  handle(path: string, form: URLSearchParams): ZhixiaoReply {
    const id = form.get('id') ?? '';
    const param = (form.get('param') ?? '').replaceAll(' ', '+');
    const sign = form.get('sign') ?? '';
    if (id !== this.credentials.appId && !this.extraAppIds.includes(id))
      return { ret_code: -1, content: 'appid 不存在' };
    if (this.frozen) return { ret_code: -3, content: '账号被冻结' };
    // While a merchant rolls its keys over (sandbox.rotateKeys), every accepted secret and aes_key is
    // tried; the reply goes out with the ones the request came with.
    const c = this.credentials;
    const secret = acceptedSecret(c, sign, (k) => requestSign(k, param, id));
    if (secret < 0) return { ret_code: -1, content: '签名错误' };
    let body: Record<string, unknown> | undefined;
    let aesKey = c.aesKey;
    for (const key of c.aesKeys ?? [c.aesKey]) {
      try {
        body = JSON.parse(aesDecrypt(param, key)) as Record<string, unknown>;
        aesKey = key;
        break;
      } catch {
        // the next accepted key
      }
    }
    if (!body) return { ret_code: -2, content: 'param 解密失败' };
    const credentials = { ...c, appSecret: (c.secrets ?? [c.appSecret])[secret]!, aesKey };
    const name = NAME_BY_PATH.get(path);
    if (!name) return { ret_code: -1, content: `接口不存在 ${path}` };
    try {
      const m = this.methods[name];
      const problem = formatProblem(m, body);
      if (problem) refuse('-2', `参数校验失败: ${problem}`);
      return { ret_code: 0, content: m.handle(body), credentials };
    } catch (err) {
      if (err instanceof BusinessError)
        return { ret_code: Number(err.code), content: err.message, credentials };
      throw err;
    }
  }

  /** A call refused under load: -1 系统繁忙, before any processing. */
  busy(): ZhixiaoReply {
    return { ret_code: -1, content: '系统繁忙' };
  }

  /** Whether a reply says the call took effect. */
  committed(reply: ZhixiaoReply): boolean {
    return reply.ret_code === 0;
  }

  encode(reply: ZhixiaoReply, style: ReplyStyle, badSignature = false): string {
    const c = reply.credentials ?? this.credentials;
    const r = encodeReply(c, reply.ret_code, styleReply(reply.content, style));
    return JSON.stringify(
      badSignature ? { ...r, sign: r.sign.replace(/^./, (c) => (c === '0' ? '1' : '0')) } : r,
    );
  }
}

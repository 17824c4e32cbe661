/** OneCardClient: every method of Synjones 校园一卡通 v2.41, with token management and verified replies. */
import type { KeyObject } from 'node:crypto';
import type { z } from 'zod';
import {
  type KeyInput,
  loadPrivateKey,
  loadPublicKey,
  rsaSha1Sign,
  rsaSha1SignAsync,
  rsaSha1Verify,
  rsaSha1VerifyAsync,
  tripleDesEncrypt,
} from '../core/crypto.js';
import {
  ConfigurationError,
  GatewayError,
  guardOutcome,
  type OutcomeQuery,
  requireOption,
} from '../core/errors.js';
import {
  type HandlerOptions,
  makeNodeHandler,
  makeWebHandler,
  type NodeHandler,
  type NotificationInput,
  type WebHandler,
} from '../core/handlers.js';
import { validate } from '../core/schema.js';
import { formatCompactTime, formatGatewayTime, isValidTimeZone } from '../core/time.js';
import { MemoryTokenStore, type TokenStore, tokenKey } from '../core/token-store.js';
import { Transport, type TransportOptions } from '../core/transport.js';
import { TOKEN_INVALID } from './codes.js';
import { assertSigned, NO_TOKEN, openReply, requestFields, signString, splitReply } from './envelope.js';
import { type OneCardKind, type OneCardMethodName, oneCardMethods } from './methods.js';
import { ONECARD_ACKS, parseRechargeNotification } from './notifications.js';
import type * as s from './schemas.js';
import { amountsToStrings } from './schemas.js';
import type * as d from './schemas-deployed.js';
import { TokenManager, type TokenManagerOptions } from './token.js';

export interface OneCardClientOptions extends TransportOptions {
  /** The one gateway URL, e.g. `http://card.example.edu.cn:8899/onecard/uap/gateway.action`. */
  gatewayUrl: string;
  /** app_key issued for your application. */
  appKey: string;
  /** The 3DES app secret, base64 of 24 bytes. */
  desKey: string;
  /** Your RSA private key, in any format `loadPrivateKey` reads (PEM, bare base64, DER, PKCS#12, a path). */
  privateKey: KeyInput;
  /** Passphrase for an encrypted PEM or a PKCS#12 private key. */
  privateKeyPassphrase?: string;
  /** The platform's RSA public key (PEM, base64, certificate, a path): verifies every reply and notice. */
  platformPublicKey?: KeyInput;
  /**
   * Accept unsigned or wrongly signed replies. Dangerous: anyone on the network path can then forge
   * balances and payment results. For a first connection test only; notifications still need the key.
   */
  dangerouslySkipReplyVerification?: boolean;
  /** Where tokens live. Default: one MemoryTokenStore shared by every client in this process. */
  tokenStore?: TokenStore;
  /** Zone of the `timestamp` field (default Asia/Shanghai, which the gateway expects). */
  timeZone?: string;
  /**
   * Where RSA signing and verification run. `'auto'` (default): on libuv's thread pool while other calls of
   * this client are in flight, so a busy service's event loop is not blocked; inline when the call is alone,
   * where the thread hop only adds latency. `true`: always on the pool. `false`: always inline.
   */
  signOnThreadPool?: boolean | 'auto';
  /** Token timing: refresh-ahead, minimum fetch interval, lock TTL and wait. */
  token?: Pick<TokenManagerOptions, 'refreshAheadMs' | 'minFetchIntervalMs' | 'lockTtlMs' | 'lockWaitMs'>;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client's timeoutMs for this call. */
  timeoutMs?: number;
}

type Req<M extends OneCardMethodName> = z.input<(typeof oneCardMethods)[M]['request']>;
type Res<M extends OneCardMethodName> = z.output<(typeof oneCardMethods)[M]['response']>;

/** Process-wide default, so two clients for the same app key never fetch competing tokens. */
const defaultTokenStore = new MemoryTokenStore();

interface Invocation {
  method: string;
  kind: OneCardKind;
  payload: unknown;
  outcomeQuery?: OutcomeQuery | undefined;
  response?: z.ZodType;
  name: string;
}

export class OneCardClient {
  readonly gatewayUrl: string;
  readonly appKey: string;
  readonly #desKey: string;
  readonly #privateKey: KeyObject;
  readonly #platformKey: KeyObject | undefined;
  readonly #timeZone: string;
  readonly #offload: boolean | 'auto';
  #inFlight = 0;
  readonly #transport: Transport;
  readonly #tokens: TokenManager;

  constructor(options: OneCardClientOptions) {
    this.gatewayUrl = requireOption(options, 'gatewayUrl', 'url');
    this.appKey = requireOption(options, 'appKey');
    requireOption(options, 'desKey');
    tripleDesEncrypt('', options.desKey); // refuses a malformed key now, not on the first call
    this.#desKey = options.desKey;
    if (options.privateKey === undefined) throw new ConfigurationError('privateKey', 'is required');
    this.#privateKey = loadPrivateKey(options.privateKey, {
      option: 'privateKey',
      ...(options.privateKeyPassphrase ? { passphrase: options.privateKeyPassphrase } : {}),
    });
    if (options.platformPublicKey !== undefined) {
      this.#platformKey = loadPublicKey(options.platformPublicKey, { option: 'platformPublicKey' });
    } else if (options.dangerouslySkipReplyVerification !== true) {
      throw new ConfigurationError(
        'platformPublicKey',
        'is required to verify replies; set dangerouslySkipReplyVerification: true only for a first connection test',
      );
    }
    this.#timeZone = options.timeZone ?? 'Asia/Shanghai';
    if (!isValidTimeZone(this.#timeZone))
      throw new ConfigurationError('timeZone', 'is not an IANA time zone name');
    this.#offload = options.signOnThreadPool ?? 'auto';
    this.#transport = new Transport(options);
    this.#tokens = new TokenManager({
      ...options.token,
      store: options.tokenStore ?? defaultTokenStore,
      key: tokenKey(this.gatewayUrl, this.appKey),
      fetch: async () => {
        const r = await this.getAccessToken();
        return { token: r.access_token, expiresInSeconds: r.expires_in };
      },
    });
  }

  /** Token fetches this client made, for metrics. */
  get tokenFetches(): number {
    return this.#tokens.fetches;
  }

  /** 2.2.1.1 获取访问令牌 Fetches a new token. Normally the client does this itself; each fetch invalidates the last. */
  async getAccessToken(opts?: CallOptions): Promise<s.AccessTokenResponse> {
    const inv = { ...this.#entry('getAccessToken', {}), name: 'getAccessToken' };
    return (await this.#invoke(inv, NO_TOKEN, opts)) as s.AccessTokenResponse;
  }

  /** 2.2.2.1 卡信息查询 Cards of an identity (student number, ID, phone, account, card number or barcode). */
  queryCard(req: s.QueryCardRequest, opts?: CallOptions): Promise<s.QueryCardResponse> {
    return this.#call('queryCard', req, opts);
  }

  /** 2.2.2.2 电子账户信息查询 E-accounts and balances of a card account. */
  queryAccInfo(req: s.QueryAccInfoRequest, opts?: CallOptions): Promise<s.QueryAccInfoResponse> {
    return this.#call('queryAccInfo', req, opts);
  }

  /** 2.2.3.1 查询密码校验 Checks a query password. Not resent (a wrong password must not count twice). */
  checkPassword(req: s.CheckPasswordRequest, opts?: CallOptions): Promise<s.CheckPasswordResponse> {
    return this.#call('checkPassword', req, opts);
  }

  /** 2.2.3.2 账户内电子账户间转账 Moves `tranamt` fen between two e-accounts. Never resent. */
  transfer(req: s.TransferRequest, opts?: CallOptions): Promise<s.TransferResponse> {
    return this.#call('transfer', req, opts);
  }

  /** 2.2.3.3 账户二维码/条码获取 A 22-digit payment code valid `expires` seconds. */
  getBarcode(req: s.GetBarcodeRequest, opts?: CallOptions): Promise<s.GetBarcodeResponse> {
    return this.#call('getBarcode', req, opts);
  }

  /** 2.2.3.4 二维码支付交易 Charges a scanned payment code `tranamt` fen. Never resent. */
  payByBarcode(req: s.PayByBarcodeRequest, opts?: CallOptions): Promise<s.PayByBarcodeResponse> {
    return this.#call('payByBarcode', req, opts);
  }

  /** 2.2.4.1 校园卡与支付系统账号绑定 Binds a card to an Alipay/WeChat account. */
  bindPayAccount(req: s.BindPayAccountRequest, opts?: CallOptions): Promise<s.BindPayAccountResponse> {
    return this.#call('bindPayAccount', req, opts);
  }

  /** 2.2.4.2 校园卡与支付系统账号解绑 Unbinds it. */
  unbindPayAccount(req: s.UnbindPayAccountRequest, opts?: CallOptions): Promise<s.UnbindPayAccountResponse> {
    return this.#call('unbindPayAccount', req, opts);
  }

  /**
   * 2.2.4.3 校园卡充值请求 Starts a recharge; returns post_type / post_url / post_data for the payer
   * (see `rechargeToHtmlForm`, `rechargeToQrPayload`). Never resent; query with queryRechargeOrder.
   */
  recharge(req: s.RechargeRequest, opts?: CallOptions): Promise<s.RechargeResponse> {
    return this.#call('recharge', req, opts);
  }

  /** 2.2.4.5 订单状态查询 Status of a recharge order, with `order_state` spelling out order_status. */
  queryRechargeOrder(
    req: s.QueryRechargeOrderRequest,
    opts?: CallOptions,
  ): Promise<s.QueryRechargeOrderResponse> {
    return this.#call('queryRechargeOrder', req, opts);
  }

  /** Seen in deployments, not in v2.41 — 电子账户汇总: count and total balance of one e-account type. */
  queryAccInfoTotal(
    req: d.QueryAccInfoTotalRequest,
    opts?: CallOptions,
  ): Promise<d.QueryAccInfoTotalResponse> {
    return this.#call('queryAccInfoTotal', req, opts);
  }

  /** Seen in deployments, not in v2.41 — 通过二维码查询学工号姓名: whose payment code is this. */
  querySnoNameFromBarcode(
    req: d.QuerySnoNameFromBarcodeRequest,
    opts?: CallOptions,
  ): Promise<d.QuerySnoNameFromBarcodeResponse> {
    return this.#call('querySnoNameFromBarcode', req, opts);
  }

  /** Seen in deployments, not in v2.41 — 修改查询密码 Sets a new query password. Never resent. */
  modifyPassword(req: d.ModifyPasswordRequest, opts?: CallOptions): Promise<d.AckResponse> {
    return this.#call('modifyPassword', req, opts);
  }

  /** Seen in deployments, not in v2.41 — 挂失 Reports a card lost. Never resent. */
  lostCard(req: d.CardStateRequest, opts?: CallOptions): Promise<d.AckResponse> {
    return this.#call('lostCard', req, opts);
  }

  /** Seen in deployments, not in v2.41 — 解挂 Cancels a loss report. Never resent. */
  unlostCard(req: d.CardStateRequest, opts?: CallOptions): Promise<d.AckResponse> {
    return this.#call('unlostCard', req, opts);
  }

  /** Seen in deployments, not in v2.41 — 冻结 Freezes a card. Never resent. */
  freezeCard(req: d.CardStateRequest, opts?: CallOptions): Promise<d.AckResponse> {
    return this.#call('freezeCard', req, opts);
  }

  /** Seen in deployments, not in v2.41 — 解冻 Unfreezes a card. Never resent. */
  unfreezeCard(req: d.CardStateRequest, opts?: CallOptions): Promise<d.AckResponse> {
    return this.#call('unfreezeCard', req, opts);
  }

  /** Seen in deployments, not in v2.41 — 开户 Opens a (virtual) card account; the field is `depcode`. Never resent. */
  openAccount(req: d.OpenAccountRequest, opts?: CallOptions): Promise<d.OpenAccountResponse> {
    return this.#call('openAccount', req, opts);
  }

  /** Seen in deployments, not in v2.41 — 修改账户信息 Changes a card account's details. Never resent. */
  modifyAccount(req: d.ModifyAccountRequest, opts?: CallOptions): Promise<d.AckResponse> {
    return this.#call('modifyAccount', req, opts);
  }

  /**
   * Any method outside v2.41, in the same envelope (wrapper derived from the name). Not validated, and
   * never resent unless `idempotent: true` — the SDK cannot know whether it moves money.
   */
  async call<T = Record<string, unknown>>(
    method: string,
    payload: Record<string, unknown>,
    opts: CallOptions & { idempotent?: boolean } = {},
  ): Promise<T> {
    if (!/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/.test(method)) {
      throw new ConfigurationError(
        'method',
        'must be a dotted method name such as synjones.onecard.query.accinfo.total',
      );
    }
    const kind: OneCardKind = opts.idempotent ? 'query' : 'state';
    return (await this.#withToken({ method, kind, payload, name: method }, opts)) as T;
  }

  /** 2.2.4.4 Verifies and decrypts a recharge notification (POST body or GET query). Throws with a reason. */
  parseRechargeNotification(input: NotificationInput): s.RechargeNotification {
    if (!this.#platformKey) {
      throw new ConfigurationError(
        'platformPublicKey',
        'is required to verify notifications, whatever dangerouslySkipReplyVerification says',
      );
    }
    return parseRechargeNotification({ desKey: this.#desKey, platformPublicKey: this.#platformKey }, input);
  }

  /** A Node `(req, res)` endpoint answering `ok` once `onNotification` resolves. */
  nodeRechargeNotificationHandler(options: HandlerOptions<s.RechargeNotification>): NodeHandler {
    return makeNodeHandler((i) => this.parseRechargeNotification(i), ONECARD_ACKS, options);
  }

  /** A web `Request → Response` endpoint answering `ok` once `onNotification` resolves. */
  webRechargeNotificationHandler(options: HandlerOptions<s.RechargeNotification>): WebHandler {
    return makeWebHandler((i) => this.parseRechargeNotification(i), ONECARD_ACKS, options);
  }

  /** Validates, then builds the invocation for a table method. */
  #entry(name: OneCardMethodName, input: unknown): Omit<Invocation, 'name'> {
    const m = oneCardMethods[name] as (typeof oneCardMethods)[OneCardMethodName];
    const valid = validate(m.request, input, name, 'request') as Record<string, unknown>;
    const withDefaults =
      name === 'recharge' && valid.order_time === undefined
        ? { ...valid, order_time: formatCompactTime(new Date(), this.#timeZone) }
        : valid;
    const outcomeQuery =
      'outcomeQuery' in m ? (m.outcomeQuery as (v: unknown) => OutcomeQuery | undefined)(valid) : undefined;
    return {
      method: m.method,
      kind: m.kind,
      payload: amountsToStrings(withDefaults, ('amounts' in m ? m.amounts : undefined) ?? []),
      outcomeQuery,
      response: m.response,
    };
  }

  async #call<M extends OneCardMethodName>(name: M, input: Req<M>, opts?: CallOptions): Promise<Res<M>> {
    const inv = { ...this.#entry(name, input), name };
    return (await this.#withToken(inv, opts)) as Res<M>;
  }

  async #withToken(inv: Invocation, opts?: CallOptions): Promise<unknown> {
    const token = await this.#tokens.get();
    try {
      return await this.#invoke(inv, token, opts);
    } catch (err) {
      // 40017: rejected before processing, so resending once with a fresh token is safe even for payments.
      if (!(err instanceof GatewayError && err.level === 'system' && err.gatewayCode === TOKEN_INVALID))
        throw err;
      return this.#invoke(inv, await this.#tokens.invalidate(token), opts);
    }
  }

  async #invoke(inv: Invocation, accessToken: string, opts: CallOptions = {}): Promise<unknown> {
    // One timestamp per request, used in both the sign string and the form (a second boundary between two
    // calls to the clock is a 40004 otherwise).
    const timestamp = formatGatewayTime(new Date(), this.#timeZone);
    const fields = requestFields({
      method: inv.method,
      appKey: this.appKey,
      accessToken,
      desKey: this.#desKey,
      payload: inv.payload,
      timestamp,
    });
    this.#inFlight++;
    try {
      const offload = this.#offload === 'auto' ? this.#inFlight > 1 : this.#offload;
      const text = signString(fields);
      const sign = offload
        ? await rsaSha1SignAsync(text, this.#privateKey)
        : rsaSha1Sign(text, this.#privateKey);
      const repeatable = inv.kind === 'query' || inv.kind === 'token';
      return await guardOutcome(repeatable, inv.name, inv.outcomeQuery, async () => {
        const reply = await this.#transport.post({
          method: inv.name,
          url: this.gatewayUrl,
          form: { ...fields, sign },
          retry: repeatable ? 'safe' : 'never-after-send',
          signal: opts.signal,
          timeoutMs: opts.timeoutMs,
        });
        const keys = { desKey: this.#desKey };
        const replyFields = splitReply(keys, inv.method, reply.status, reply.body);
        const key = this.#platformKey;
        if (key) {
          const signed = signString(replyFields);
          const sig = replyFields.sign ?? '';
          assertSigned(
            inv.method,
            replyFields,
            offload ? await rsaSha1VerifyAsync(signed, sig, key) : rsaSha1Verify(signed, sig, key),
          );
        }
        const data = openReply(keys, inv.method, replyFields);
        return inv.response ? validate(inv.response, data, inv.name, 'response') : data;
      });
    } finally {
      this.#inFlight--;
    }
  }
}

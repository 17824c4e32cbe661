/** OneCardClient: every method of Synjones 校园一卡通 v2.41, with token management and verified replies. */
import type { z } from 'zod';
import { ConfigurationError } from '../core/errors.js';
import {
  type HandlerOptions,
  makeNodeHandler,
  makeWebHandler,
  type NodeHandler,
  type NotificationInput,
  type WebHandler,
} from '../core/handlers.js';
import type { JournalClientOptions } from '../core/journal-hook.js';
import { type KeyProviderOptions, KeyRing } from '../core/keyring.js';
import { logNotice } from '../core/observe.js';
import { requireOption } from '../core/options.js';
import { advisedQuery } from '../core/outcome.js';
import { type CallOptions, Pipeline } from '../core/pipeline.js';
import { SETTLEMENT } from '../core/reconcile.js';
import { type NotificationRoute, noticeRoute, type RouteOptions } from '../core/router.js';
import { type SettlementOptions, settleReply } from '../core/settle.js';
import { SettlingClient, tenantOf } from '../core/settling-client.js';
import { checkTimeZone } from '../core/time.js';
import { MemoryTokenStore, type TokenStore, tokenKey } from '../core/token-store.js';
import { Transport, type TransportOptions } from '../core/transport.js';
import { type OneCardKeyRing, type OneCardKeySet, type OneCardKeys, parseOneCardKeys } from './keys.js';
import {
  ONECARD_ADVISED_QUERIES,
  type OneCardMethodName,
  type OneCardOutcomeQuery,
  oneCardMethods,
} from './methods.js';
import { ONECARD_ACKS, parseOneCardNotification } from './notifications.js';
import { type InvalidTokenPolicy, type OneCardSession, oneCardProtocol } from './protocol.js';
import { oneCardNoticeFacts, oneCardResolver } from './resolve.js';
import type * as s from './schemas.js';
import type * as d from './schemas-deployed.js';
import { TokenManager, type TokenManagerOptions } from './token.js';

export type { CallOptions } from '../core/pipeline.js';

/**
 * The key options (`desKey`, `privateKey`, `privateKeyPassphrase`, `platformPublicKey`) are given here or
 * returned by `keyProvider` (its answer wins); `desKey` and `privateKey` are required from one of them.
 */
export interface OneCardClientOptions
  extends TransportOptions,
    JournalClientOptions,
    SettlementOptions,
    Partial<OneCardKeys>,
    KeyProviderOptions<Partial<OneCardKeys>> {
  /** The one gateway URL, e.g. `http://card.example.edu.cn:8899/onecard/uap/gateway.action`. */
  gatewayUrl: string;
  /** app_key issued for your application. */
  appKey: string;
  /**
   * Accept unsigned or wrongly signed replies. Dangerous: anyone on the network path can then forge
   * balances and payment results. For a first connection test only; notifications still need the key.
   */
  dangerouslySkipReplyVerification?: boolean;
  /** Where tokens live. Default: one MemoryTokenStore shared by every client in this process. */
  tokenStore?: TokenStore;
  /**
   * Longest wait for one token-store operation (default 5000 ms, DEFAULT_STORE_TIMEOUT_MS). A store that
   * throws, hangs past it or returns a malformed record fails the call with a StoreError, nothing sent.
   */
  storeTimeoutMs?: number;
  /** Zone of the `timestamp` field (default Asia/Shanghai, which the gateway expects). */
  timeZone?: string;
  /**
   * Where RSA signing and verification run. `'auto'` (default): on libuv's thread pool while other calls of
   * this client are in flight, so a busy service's event loop is not blocked; inline when the call is alone,
   * where the thread hop only adds latency. `true`: always on the pool. `false`: always inline.
   */
  signOnThreadPool?: boolean | 'auto';
  /**
   * A money call answered with 40017 (token invalid): `'refresh-and-throw'` (default) or `'resend'`.
   * See InvalidTokenPolicy and docs/reliability.md.
   */
  moneyOnInvalidToken?: InvalidTokenPolicy;
  /** Notices: refuse those whose signed timestamp is older than this (default: no limit; see parseNotification). */
  maxNoticeAgeMs?: number;
  /** Token timing: refresh-ahead, minimum fetch interval, lock TTL and wait. */
  token?: Pick<TokenManagerOptions, 'refreshAheadMs' | 'minFetchIntervalMs' | 'lockTtlMs' | 'lockWaitMs'>;
}

/** A OneCard tenant's route in a NotificationRouter. */
export interface OneCardRouteOptions extends RouteOptions<s.RechargeNotification> {
  /**
   * The `partner` (合作者身份 ID, 2.2.4.4) this tenant's notices carry, as the gateway's operator set it up:
   * how the router finds the tenant. Leave it out to route by `path` alone.
   */
  partner?: string;
}

type Table = typeof oneCardMethods;
/** What a table method takes and returns. */
export type OneCardRequest<M extends OneCardMethodName> = z.input<Table[M]['request']>;
/** What a table method returns: its client method's reply type (named, so editors show each field's meaning). */
export type OneCardReply<M extends OneCardMethodName> = Awaited<ReturnType<OneCardClient[M]>>;
/** The table's reply schema output, which the client methods must return exactly (test/types/one-source.test.ts). */
type TableReply<M extends OneCardMethodName> = z.output<Table[M]['response']>;
/** The compiler checks that the client has one method per table entry, with the entry's types. */
type OneCardApi = {
  [M in Exclude<OneCardMethodName, 'getAccessToken'>]: (
    req: OneCardRequest<M>,
    opts?: CallOptions,
  ) => Promise<TableReply<M>>;
};

/** Process-wide default, so two clients for the same app key never fetch competing tokens. */
const defaultTokenStore = new MemoryTokenStore();

export class OneCardClient extends SettlingClient implements OneCardApi {
  readonly gatewayUrl: string;
  readonly appKey: string;
  readonly #keys: OneCardKeyRing;
  readonly #timeZone: string;
  readonly #maxNoticeAgeMs: number | undefined;
  readonly #tokens: TokenManager;
  readonly #pipeline: Pipeline<OneCardSession>;
  readonly #transport: Transport;

  constructor(options: OneCardClientOptions) {
    super();
    this.gatewayUrl = requireOption(options, 'gatewayUrl', 'url');
    this.appKey = requireOption(options, 'appKey');
    const transport = new Transport(options);
    this.#transport = transport;
    const skip = options.dangerouslySkipReplyVerification === true;
    this.#keys = new KeyRing<OneCardKeySet>({
      parse: (raw, name, previous) => parseOneCardKeys(raw, name, previous, skip),
      base: keyOptions(options),
      provider: options.keyProvider,
      ttlMs: options.keyTtlMs,
      onKeyError: options.onKeyError,
      logger: transport.logger,
    });
    this.#timeZone = checkTimeZone(options.timeZone);
    const policy = options.moneyOnInvalidToken ?? 'refresh-and-throw';
    if (policy !== 'refresh-and-throw' && policy !== 'resend')
      throw new ConfigurationError('moneyOnInvalidToken', "must be 'refresh-and-throw' or 'resend'");
    const age = options.maxNoticeAgeMs;
    if (age !== undefined && !(Number.isFinite(age) && age > 0))
      throw new ConfigurationError('maxNoticeAgeMs', 'must be a positive number of milliseconds');
    this.#maxNoticeAgeMs = age;
    this.#tokens = new TokenManager({
      ...options.token,
      storeTimeoutMs: options.storeTimeoutMs,
      store: options.tokenStore ?? defaultTokenStore,
      key: tokenKey(this.gatewayUrl, this.appKey),
      fetch: async () => {
        const r = await this.getAccessToken();
        return { token: r.access_token, expiresInSeconds: r.expires_in ?? Number.NaN };
      },
    });
    const protocol = oneCardProtocol({
      gatewayUrl: this.gatewayUrl,
      appKey: this.appKey,
      keys: this.#keys,
      timeZone: this.#timeZone,
      offload: options.signOnThreadPool ?? 'auto',
      tokens: () => this.#tokens,
      moneyOnInvalidToken: policy,
    });
    const tenant = tenantOf(this.gatewayUrl, this.appKey);
    const resolver = oneCardResolver(this, options.orderLifeMs);
    const journal = this.settleWith(options, 'onecard', tenant, resolver, transport.logger);
    this.#pipeline = new Pipeline(protocol, transport, this.#timeZone, journal);
  }

  /**
   * Resolves once the keys are loaded. With an async `keyProvider`, the first read starts in the
   * constructor and calls wait for it; await this at startup so that a provider that fails stops the
   * service there, with a ConfigurationError, rather than on its first payment.
   */
  keysReady(): Promise<void> {
    return this.#keys.ready();
  }

  /**
   * Reads the `keyProvider` again now (e.g. when the secret manager says the key changed). Calls in
   * flight finish with the keys they started with. Rejects with a ConfigurationError when the read
   * fails, keeping the last good keys (`onKeyError` and the logger hear of it too).
   */
  async reloadKeys(): Promise<void> {
    await this.#keys.reload();
  }

  /**
   * Runs the query an error of this client advises (`err.query` of an OutcomeUnknownError, or of a
   * refused money call that did not prove its money stayed), as given: `await onecard.runQuery(err)`.
   * A ValidationError, nothing sent, when the error advises no query (a transfer, a barcode payment:
   * follow `err.advice`) or a query of the other gateway.
   */
  async runQuery(err: unknown, opts?: CallOptions): Promise<OneCardReply<OneCardOutcomeQuery['method']>> {
    const q = advisedQuery(err, ONECARD_ADVISED_QUERIES) as OneCardOutcomeQuery;
    return this.#run(q.method, q.params, opts);
  }

  /** Token fetches this client made, for metrics. */
  get tokenFetches(): number {
    return this.#tokens.fetches;
  }

  #run<M extends OneCardMethodName>(name: M, req: unknown, opts?: CallOptions): Promise<TableReply<M>> {
    const spec = oneCardMethods[name];
    const out = this.#pipeline.run(name, spec, req, opts) as Promise<TableReply<M>>;
    return settleReply(this[SETTLEMENT], name, spec, req, out);
  }

  /** 2.2.1.1 获取访问令牌 Fetches a new token. Normally the client does this itself; each fetch invalidates the last. */
  getAccessToken(opts?: CallOptions): Promise<s.AccessTokenReply> {
    return this.#run('getAccessToken', {}, opts);
  }

  /** 2.2.2.1 卡信息查询 Cards of an identity (student number, ID, phone, account, card number or barcode). */
  queryCard(req: s.QueryCardRequest, opts?: CallOptions): Promise<s.QueryCardReply> {
    return this.#run('queryCard', req, opts);
  }

  /** 2.2.2.2 电子账户信息查询 E-accounts and balances of a card account. */
  queryAccInfo(req: s.QueryAccInfoRequest, opts?: CallOptions): Promise<s.QueryAccInfoReply> {
    return this.#run('queryAccInfo', req, opts);
  }

  /** 2.2.3.1 查询密码校验 Checks a query password. Not resent (a wrong password must not count twice). */
  checkPassword(req: s.CheckPasswordRequest, opts?: CallOptions): Promise<s.CheckPasswordReply> {
    return this.#run('checkPassword', req, opts);
  }

  /** 2.2.3.2 账户内电子账户间转账 Moves `tranamt` fen between two e-accounts. Never resent. */
  transfer(req: s.TransferRequest, opts?: CallOptions): Promise<s.TransferReply> {
    return this.#run('transfer', req, opts);
  }

  /** 2.2.3.3 账户二维码/条码获取 A 22-digit payment code valid `expires` seconds. */
  getBarcode(req: s.GetBarcodeRequest, opts?: CallOptions): Promise<s.GetBarcodeReply> {
    return this.#run('getBarcode', req, opts);
  }

  /** 2.2.3.4 二维码支付交易 Charges a scanned payment code `tranamt` fen. Never resent. */
  payByBarcode(req: s.PayByBarcodeRequest, opts?: CallOptions): Promise<s.PayByBarcodeReply> {
    return this.#run('payByBarcode', req, opts);
  }

  /** 2.2.4.1 校园卡与支付系统账号绑定 Binds a card to an Alipay/WeChat account. */
  bindPayAccount(req: s.BindPayAccountRequest, opts?: CallOptions): Promise<s.BindPayAccountReply> {
    return this.#run('bindPayAccount', req, opts);
  }

  /** 2.2.4.2 校园卡与支付系统账号解绑 Unbinds it. */
  unbindPayAccount(req: s.UnbindPayAccountRequest, opts?: CallOptions): Promise<s.UnbindPayAccountReply> {
    return this.#run('unbindPayAccount', req, opts);
  }

  /**
   * 2.2.4.3 校园卡充值请求 Starts a recharge; returns post_type / post_url / post_data for the payer
   * (see `rechargeToHtmlForm`, `rechargeToQrPayload`). Never resent; query with queryRechargeOrder.
   */
  recharge(req: s.RechargeRequest, opts?: CallOptions): Promise<s.RechargeReply> {
    return this.#run('recharge', req, opts);
  }

  /** 2.2.4.5 订单状态查询 Status of a recharge order, with `order_state` spelling out order_status. */
  queryRechargeOrder(
    req: s.QueryRechargeOrderRequest,
    opts?: CallOptions,
  ): Promise<s.QueryRechargeOrderReply> {
    return this.#run('queryRechargeOrder', req, opts);
  }

  /** Seen in deployments, not in v2.41 — 电子账户汇总: count and total balance of one e-account type. */
  queryAccInfoTotal(req: d.QueryAccInfoTotalRequest, opts?: CallOptions): Promise<d.QueryAccInfoTotalReply> {
    return this.#run('queryAccInfoTotal', req, opts);
  }

  /** Seen in deployments, not in v2.41 — 通过二维码查询学工号姓名: whose payment code is this. */
  querySnoNameFromBarcode(
    req: d.QuerySnoNameFromBarcodeRequest,
    opts?: CallOptions,
  ): Promise<d.QuerySnoNameFromBarcodeReply> {
    return this.#run('querySnoNameFromBarcode', req, opts);
  }

  /** Seen in deployments, not in v2.41 — 修改查询密码 Sets a new query password. Never resent. */
  modifyPassword(req: d.ModifyPasswordRequest, opts?: CallOptions): Promise<d.AckReply> {
    return this.#run('modifyPassword', req, opts);
  }

  /** Seen in deployments, not in v2.41 — 挂失 Reports a card lost. Never resent. */
  lostCard(req: d.CardStateRequest, opts?: CallOptions): Promise<d.AckReply> {
    return this.#run('lostCard', req, opts);
  }

  /** Seen in deployments, not in v2.41 — 解挂 Cancels a loss report. Never resent. */
  unlostCard(req: d.CardStateRequest, opts?: CallOptions): Promise<d.AckReply> {
    return this.#run('unlostCard', req, opts);
  }

  /** Seen in deployments, not in v2.41 — 冻结 Freezes a card. Never resent. */
  freezeCard(req: d.CardStateRequest, opts?: CallOptions): Promise<d.AckReply> {
    return this.#run('freezeCard', req, opts);
  }

  /** Seen in deployments, not in v2.41 — 解冻 Unfreezes a card. Never resent. */
  unfreezeCard(req: d.CardStateRequest, opts?: CallOptions): Promise<d.AckReply> {
    return this.#run('unfreezeCard', req, opts);
  }

  /** Seen in deployments, not in v2.41 — 开户 Opens a (virtual) card account; the field is `depcode`. Never resent. */
  openAccount(req: d.OpenAccountRequest, opts?: CallOptions): Promise<d.OpenAccountReply> {
    return this.#run('openAccount', req, opts);
  }

  /** Seen in deployments, not in v2.41 — 修改账户信息 Changes a card account's details. Never resent. */
  modifyAccount(req: d.ModifyAccountRequest, opts?: CallOptions): Promise<d.AckReply> {
    return this.#run('modifyAccount', req, opts);
  }

  /**
   * Any method outside the table, in the same envelope (wrapper derived from the name). The payload is
   * sent as given, and the call is never resent unless `idempotent: true` — the SDK cannot know whether
   * it moves money.
   * It writes no payment journal entry, even for a money method called by its gateway name: call the
   * table method (e.g. `transfer`) for a journaled payment.
   */
  call<T = Record<string, unknown>>(
    method: string,
    payload: Record<string, unknown>,
    opts: CallOptions & { idempotent?: boolean } = {},
  ): Promise<T> {
    if (typeof method !== 'string' || !/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/.test(method)) {
      throw new ConfigurationError(
        'method',
        'must be a dotted method name such as synjones.onecard.query.accinfo.total',
      );
    }
    return this.#pipeline.adHoc(method, payload, opts) as Promise<T>;
  }

  /**
   * 2.2.4.4 交易通知 Verifies and decrypts a recharge notice (POST body or GET query); throws
   * SignatureError with a reason. A validly signed notice is accepted whatever its age (the gateway
   * repeats the same notice until it reads `ok`), unless `maxNoticeAgeMs` is set: process notices
   * idempotently, by order number (see `deduplicate`).
   */
  parseNotification(input: NotificationInput): s.RechargeNotification {
    const { version, keys } = this.#keys.latest();
    if (!keys.platformKeys) {
      throw new ConfigurationError(
        'platformPublicKey',
        'is required to verify notifications, whatever dangerouslySkipReplyVerification says',
      );
    }
    return parseOneCardNotification(
      {
        desKey: keys.desKeys,
        platformPublicKey: keys.platformKeys,
        timeZone: this.#timeZone,
        ...(this.#maxNoticeAgeMs ? { maxAgeMs: this.#maxNoticeAgeMs } : {}),
        verified: this.#keys.whichKey(version, keys.platformKeys.length, (by) =>
          logNotice(this.#transport.logger, by),
        ),
      },
      input,
    );
  }

  /**
   * A Node `(req, res)` endpoint answering `ok` once the notice is settled and `onNotification` resolved.
   * With a `journal` or `onSettled`, a paid notice moves the recharge's entry (made if missing) and is
   * announced once; `onNotification` is then optional.
   */
  nodeNotificationHandler(options?: HandlerOptions<s.RechargeNotification>): NodeHandler {
    return makeNodeHandler(
      (i) => this.parseNotification(i),
      ONECARD_ACKS,
      options,
      this.noticeSettler(oneCardNoticeFacts),
    );
  }

  /** A web `Request → Response` endpoint, settling as nodeNotificationHandler does. */
  webNotificationHandler(options?: HandlerOptions<s.RechargeNotification>): WebHandler {
    return makeWebHandler(
      (i) => this.parseNotification(i),
      ONECARD_ACKS,
      options,
      this.noticeSettler(oneCardNoticeFacts),
    );
  }

  /**
   * This tenant's notices in a NotificationRouter (one endpoint for several schools): found by the
   * `partner` they carry, or by `path`, then verified and settled as nodeNotificationHandler does.
   */
  notificationRoute(options?: OneCardRouteOptions): NotificationRoute {
    const { partner, ...handler } = options ?? {};
    return noticeRoute(handler, {
      gateway: 'onecard',
      tenant: this.tenant,
      field: 'partner',
      option: 'partner',
      merchantId: partner,
      envelope: 'request',
      parse: (i) => this.parseNotification(i),
      acks: ONECARD_ACKS,
      settle: this.noticeSettler(oneCardNoticeFacts),
    });
  }

  /** @deprecated since 0.2.0: renamed parseNotification, as on ZhixiaoPayClient. */
  parseRechargeNotification(input: NotificationInput): s.RechargeNotification {
    return this.parseNotification(input);
  }

  /** @deprecated since 0.2.0: renamed nodeNotificationHandler, as on ZhixiaoPayClient. */
  nodeRechargeNotificationHandler(options: HandlerOptions<s.RechargeNotification>): NodeHandler {
    return this.nodeNotificationHandler(options);
  }

  /** @deprecated since 0.2.0: renamed webNotificationHandler, as on ZhixiaoPayClient. */
  webRechargeNotificationHandler(options: HandlerOptions<s.RechargeNotification>): WebHandler {
    return this.webNotificationHandler(options);
  }
}

/** The key options given to the client (those left undefined may come from the provider). */
function keyOptions(options: OneCardClientOptions): Record<string, unknown> {
  const { desKey, privateKey, privateKeyPassphrase, platformPublicKey } = options;
  return Object.fromEntries(
    Object.entries({ desKey, privateKey, privateKeyPassphrase, platformPublicKey }).filter(
      ([, v]) => v !== undefined,
    ),
  );
}

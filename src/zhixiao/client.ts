/** ZhixiaoPayClient: every interface of 知校聚合支付 v1.27, typed, verified, never resending money. */
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
import { logNotice, type VerifiedBy } from '../core/observe.js';
import { requireOption } from '../core/options.js';
import { advisedQuery } from '../core/outcome.js';
import { type CallOptions, Pipeline } from '../core/pipeline.js';
import { SETTLEMENT } from '../core/reconcile.js';
import { type NotificationRoute, noticeRoute, type RouteOptions } from '../core/router.js';
import { type SettlementOptions, settleReply } from '../core/settle.js';
import { SettlingClient, tenantOf } from '../core/settling-client.js';
import { checkTimeZone } from '../core/time.js';
import { Transport, type TransportOptions } from '../core/transport.js';
import { parseZhixiaoKeys, type ZhixiaoKeyRing, type ZhixiaoKeys } from './keys.js';
import {
  ZHIXIAO_ADVISED_QUERIES,
  type ZhixiaoMethodName,
  type ZhixiaoOutcomeQuery,
  zhixiaoMethods,
} from './methods.js';
import { buildZhixiaoNotification, parseZhixiaoNotification, ZHIXIAO_ACKS } from './notifications.js';
import { type ZhixiaoSession, zhixiaoProtocol } from './protocol.js';
import { zhixiaoNoticeFacts, zhixiaoResolver } from './resolve.js';
import type * as s from './schemas.js';

export type { CallOptions } from '../core/pipeline.js';

/**
 * The key options (`appSecret`, `aesKey`) are given here or returned by `keyProvider` (its answer wins);
 * both are required from one of them.
 */
export interface ZhixiaoPayClientOptions
  extends TransportOptions,
    JournalClientOptions,
    SettlementOptions,
    Partial<ZhixiaoKeys>,
    KeyProviderOptions<Partial<ZhixiaoKeys>> {
  /** Gateway base URL, e.g. `https://pay.example.edu.cn`. */
  baseUrl: string;
  /** 请求发起方的 appid. */
  appId: string;
  /** Path per interface. 2.6–2.8 have no documented path and must be set here to be called. */
  paths?: Partial<Record<ZhixiaoMethodName, string>>;
  /** Zone of the gateway's times (default Asia/Shanghai). */
  timeZone?: string;
}

type Table = typeof zhixiaoMethods;
/** What a table method takes and returns. */
export type ZhixiaoRequest<M extends ZhixiaoMethodName> = z.input<Table[M]['request']>;
/** What a table method returns: its client method's reply type (named, so editors show each field's meaning). */
export type ZhixiaoReply<M extends ZhixiaoMethodName> = Awaited<ReturnType<ZhixiaoPayClient[M]>>;
/** The table's reply schema output, which the client methods must return exactly (test/types/one-source.test.ts). */
type TableReply<M extends ZhixiaoMethodName> = z.output<Table[M]['response']>;
/** The compiler checks that the client has one method per table entry, with the entry's types. */
type ZhixiaoApi = {
  [M in ZhixiaoMethodName]: (req: ZhixiaoRequest<M>, opts?: CallOptions) => Promise<TableReply<M>>;
};

export class ZhixiaoPayClient extends SettlingClient implements ZhixiaoApi {
  readonly baseUrl: string;
  readonly appId: string;
  readonly #keys: ZhixiaoKeyRing;
  readonly #pipeline: Pipeline<ZhixiaoSession>;
  readonly #transport: Transport;

  constructor(options: ZhixiaoPayClientOptions) {
    super();
    this.baseUrl = requireOption(options, 'baseUrl', 'url').replace(/\/+$/, '');
    this.appId = requireOption(options, 'appId');
    const transport = new Transport(options);
    this.#transport = transport;
    const { appSecret, aesKey } = options;
    const base = Object.fromEntries(Object.entries({ appSecret, aesKey }).filter(([, v]) => v !== undefined));
    this.#keys = new KeyRing({
      parse: (raw, name) => parseZhixiaoKeys(this.appId, raw, name),
      base,
      provider: options.keyProvider,
      ttlMs: options.keyTtlMs,
      onKeyError: options.onKeyError,
      logger: transport.logger,
    });
    const paths: Record<string, string> = {};
    for (const [name, path] of Object.entries(options.paths ?? {})) {
      if (!Object.hasOwn(zhixiaoMethods, name))
        throw new ConfigurationError(`paths.${name}`, 'is not a Zhixiao interface');
      checkPath(path, `paths.${name}`);
      paths[name] = path;
    }
    const protocol = zhixiaoProtocol({ baseUrl: this.baseUrl, keys: this.#keys, paths });
    const tenant = tenantOf(this.baseUrl, this.appId);
    const resolver = zhixiaoResolver(this, options.orderLifeMs);
    const journal = this.settleWith(options, 'zhixiao', tenant, resolver, transport.logger);
    this.#pipeline = new Pipeline(protocol, transport, checkTimeZone(options.timeZone), journal);
  }

  /** Resolves once the keys are loaded (see OneCardClient.keysReady). */
  keysReady(): Promise<void> {
    return this.#keys.ready();
  }

  /** Reads the `keyProvider` again now; calls in flight keep their keys (see OneCardClient.reloadKeys). */
  async reloadKeys(): Promise<void> {
    await this.#keys.reload();
  }

  #run<M extends ZhixiaoMethodName>(name: M, req: unknown, opts?: CallOptions): Promise<TableReply<M>> {
    const spec = zhixiaoMethods[name];
    const out = this.#pipeline.run(name, spec, req, opts) as Promise<TableReply<M>>;
    return settleReply(this[SETTLEMENT], name, spec, req, out);
  }

  /**
   * Runs the query an error of this client advises (`err.query` of an OutcomeUnknownError, or of a
   * refused createOrder that did not prove it was not made), as given: `await zhixiao.runQuery(err)`.
   * A ValidationError, nothing sent, when the error advises no query (a refund: follow `err.advice`) or
   * a query of the other gateway.
   */
  async runQuery(err: unknown, opts?: CallOptions): Promise<ZhixiaoReply<ZhixiaoOutcomeQuery['method']>> {
    const q = advisedQuery(err, ZHIXIAO_ADVISED_QUERIES) as ZhixiaoOutcomeQuery;
    return this.#run(q.method, q.params, opts);
  }

  /** 2.1 订单创建 Create an order; returns the pay page `url` (or `sp_data` for mini-programs). Never resent. */
  createOrder(req: s.CreateOrderRequest, opts?: CallOptions): Promise<s.CreateOrderReply> {
    return this.#run('createOrder', req, opts);
  }

  /** 2.2 订单查询 Query an order: `status` 1 pending, 2 paid, 3 failed, spelled out in `state` (`OrderStatus`). Retried when safe. */
  queryOrder(req: s.QueryOrderRequest, opts?: CallOptions): Promise<s.QueryOrderReply> {
    return this.#run('queryOrder', req, opts);
  }

  /** 2.3 订单取消 Cancel an unpaid order. Never resent. */
  cancelOrder(req: s.CancelOrderRequest, opts?: CallOptions): Promise<s.OrderRefReply> {
    return this.#run('cancelOrder', req, opts);
  }

  /** 2.4 订单退款 Refund `refund_fee` fen of a paid order (partial refunds allowed). Never resent. */
  refundOrder(req: s.RefundOrderRequest, opts?: CallOptions): Promise<s.OrderRefReply> {
    return this.#run('refundOrder', req, opts);
  }

  /** 2.6 身份认证 Identity of an Alipay/WeChat uid. Needs `paths.getIdentity`. */
  getIdentity(req: s.GetIdentityRequest, opts?: CallOptions): Promise<s.GetIdentityReply> {
    return this.#run('getIdentity', req, opts);
  }

  /** 2.7 获取用户信息及卡包跳转地址 User info and card-pack `schema_url`. Needs `paths.getUserCard`. */
  getUserCard(req: s.GetUserCardRequest, opts?: CallOptions): Promise<s.GetUserCardReply> {
    return this.#run('getUserCard', req, opts);
  }

  /** 2.8 票据创建 Invoice a paid order. Needs `paths.createInvoice`. Never resent. */
  createInvoice(req: s.CreateInvoiceRequest, opts?: CallOptions): Promise<s.CreateInvoiceReply> {
    return this.#run('createInvoice', req, opts);
  }

  /**
   * Any path outside the table, in the same envelope. The payload is sent as given, and the call is
   * never resent unless `idempotent: true` — the SDK cannot know whether it moves money.
   * It writes no payment journal entry, even for a money method called by its gateway name: call the
   * table method (e.g. `transfer`) for a journaled payment.
   */
  call<T = Record<string, unknown>>(
    path: string,
    payload: Record<string, unknown>,
    opts: CallOptions & { idempotent?: boolean } = {},
  ): Promise<T> {
    checkPath(path, 'path');
    return this.#pipeline.adHoc(path, payload, opts) as Promise<T>;
  }

  /** 2.5 Verifies and decrypts a payment notification; throws SignatureError with a reason on failure. */
  parseNotification(input: NotificationInput): s.PaymentNotification {
    const { version, keys } = this.#keys.latest();
    const log = (by: VerifiedBy) => logNotice(this.#transport.logger, by);
    return parseZhixiaoNotification(keys, input, this.#keys.whichKey(version, keys.secrets.length, log));
  }

  /**
   * A Node `(req, res)` endpoint (Express, Koa via ctx.req/ctx.res, Fastify via reply.raw) answering
   * `success` once the notice is settled and `onNotification` resolved. With a `journal` or `onSettled`,
   * the order's entry moves to succeeded (made if missing) and is announced once; `onNotification` is then
   * optional.
   */
  nodeNotificationHandler(options?: HandlerOptions<s.PaymentNotification>): NodeHandler {
    return makeNodeHandler(
      (i) => this.parseNotification(i),
      ZHIXIAO_ACKS,
      options,
      this.noticeSettler(zhixiaoNoticeFacts),
    );
  }

  /** A web `Request → Response` endpoint (Hono, Next.js route handlers, Bun, Deno), settling the same way. */
  webNotificationHandler(options?: HandlerOptions<s.PaymentNotification>): WebHandler {
    return makeWebHandler(
      (i) => this.parseNotification(i),
      ZHIXIAO_ACKS,
      options,
      this.noticeSettler(zhixiaoNoticeFacts),
    );
  }

  /**
   * This tenant's notices in a NotificationRouter (one endpoint for several merchants): found by the `id`
   * (appid) they carry, or by `path` for a deployment that leaves `id` out, then verified and settled as
   * nodeNotificationHandler does.
   */
  notificationRoute(options?: RouteOptions<s.PaymentNotification>): NotificationRoute {
    return noticeRoute(options, {
      gateway: 'zhixiao',
      tenant: this.tenant,
      field: 'id',
      merchantId: this.appId,
      envelope: 'param',
      parse: (i) => this.parseNotification(i),
      acks: ZHIXIAO_ACKS,
      settle: this.noticeSettler(zhixiaoNoticeFacts),
    });
  }

  /** Builds a correctly signed notification body for your tests. */
  buildNotification(notice: Record<string, unknown>): string {
    return buildZhixiaoNotification(this.#keys.latest().keys, notice);
  }
}

/** A path on the gateway: starts with `/`, no query, fragment or space (nothing to split a URL on). */
function checkPath(path: unknown, option: string): void {
  if (typeof path !== 'string' || !/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(path))
    throw new ConfigurationError(option, 'must be a path starting with / (no query, fragment or spaces)');
}

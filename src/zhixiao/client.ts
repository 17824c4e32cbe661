/** ZhixiaoPayClient: every interface of 知校聚合支付 v1.27, typed, verified, never resending money. */
import type { z } from 'zod';
import { aesEncrypt } from '../core/crypto.js';
import { ConfigurationError, guardOutcome, type OutcomeQuery, requireOption } from '../core/errors.js';
import {
  type HandlerOptions,
  makeNodeHandler,
  makeWebHandler,
  type NodeHandler,
  type NotificationInput,
  type WebHandler,
} from '../core/handlers.js';
import { validate } from '../core/schema.js';
import { Transport, type TransportOptions } from '../core/transport.js';
import { decodeReply, encodeRequest, type ZhixiaoCredentials } from './envelope.js';
import { type ZhixiaoMethodName, zhixiaoMethods } from './methods.js';
import { buildZhixiaoNotification, parseZhixiaoNotification, ZHIXIAO_ACKS } from './notifications.js';
import type * as s from './schemas.js';

export interface ZhixiaoPayClientOptions extends TransportOptions {
  /** Gateway base URL, e.g. `https://pay.example.edu.cn`. */
  baseUrl: string;
  /** 请求发起方的 appid. */
  appId: string;
  /** appsecret, the MD5 signing secret. */
  appSecret: string;
  /** aes_key: 16, 24 or 32 ASCII characters. */
  aesKey: string;
  /** Path per interface. 2.6–2.8 have no documented path and must be set here to be called. */
  paths?: Partial<Record<ZhixiaoMethodName, string>>;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client's timeoutMs for this call. */
  timeoutMs?: number;
}

type Req<M extends ZhixiaoMethodName> = z.input<(typeof zhixiaoMethods)[M]['request']>;
type Res<M extends ZhixiaoMethodName> = z.output<(typeof zhixiaoMethods)[M]['response']>;

export class ZhixiaoPayClient {
  readonly baseUrl: string;
  readonly appId: string;
  readonly #credentials: ZhixiaoCredentials;
  readonly #paths: Partial<Record<ZhixiaoMethodName, string>>;
  readonly #transport: Transport;

  constructor(options: ZhixiaoPayClientOptions) {
    this.baseUrl = requireOption(options, 'baseUrl', 'url').replace(/\/+$/, '');
    this.appId = requireOption(options, 'appId');
    this.#credentials = {
      appId: this.appId,
      appSecret: requireOption(options, 'appSecret'),
      aesKey: requireOption(options, 'aesKey'),
    };
    aesEncrypt('', this.#credentials.aesKey); // refuses a key of the wrong length now, not on the first call
    for (const [name, path] of Object.entries(options.paths ?? {})) {
      if (!(name in zhixiaoMethods))
        throw new ConfigurationError(`paths.${name}`, 'is not a Zhixiao interface');
      if (typeof path !== 'string' || !path.startsWith('/'))
        throw new ConfigurationError(`paths.${name}`, 'must start with /');
    }
    this.#paths = { ...options.paths };
    this.#transport = new Transport(options);
  }

  /** 2.1 订单创建 Create an order; returns the pay page `url` (or `sp_data` for mini-programs). Never resent. */
  createOrder(req: s.CreateOrderRequest, opts?: CallOptions): Promise<s.CreateOrderResponse> {
    return this.#call('createOrder', req, opts);
  }

  /** 2.2 订单查询 Query an order: `status` 1 pending, 2 paid, 3 failed (see `OrderStatus`). Retried when safe. */
  queryOrder(req: s.QueryOrderRequest, opts?: CallOptions): Promise<s.QueryOrderResponse> {
    return this.#call('queryOrder', req, opts);
  }

  /** 2.3 订单取消 Cancel an unpaid order. Never resent. */
  cancelOrder(req: s.CancelOrderRequest, opts?: CallOptions): Promise<s.OrderRefResponse> {
    return this.#call('cancelOrder', req, opts);
  }

  /** 2.4 订单退款 Refund `refund_fee` fen of a paid order (partial refunds allowed). Never resent. */
  refundOrder(req: s.RefundOrderRequest, opts?: CallOptions): Promise<s.OrderRefResponse> {
    return this.#call('refundOrder', req, opts);
  }

  /** 2.6 身份认证 Identity of an Alipay/WeChat uid. Needs `paths.getIdentity`. */
  getIdentity(req: s.GetIdentityRequest, opts?: CallOptions): Promise<s.GetIdentityResponse> {
    return this.#call('getIdentity', req, opts);
  }

  /** 2.7 获取用户信息及卡包跳转地址 User info and card-pack `schema_url`. Needs `paths.getUserCard`. */
  getUserCard(req: s.GetUserCardRequest, opts?: CallOptions): Promise<s.GetUserCardResponse> {
    return this.#call('getUserCard', req, opts);
  }

  /** 2.8 票据创建 Invoice a paid order. Needs `paths.createInvoice`. Never resent. */
  createInvoice(req: s.CreateInvoiceRequest, opts?: CallOptions): Promise<s.CreateInvoiceResponse> {
    return this.#call('createInvoice', req, opts);
  }

  /** 2.5 Verifies and decrypts a payment notification; throws SignatureError with a reason on failure. */
  parseNotification(input: NotificationInput): s.PaymentNotification {
    return parseZhixiaoNotification(this.#credentials, input);
  }

  /** A Node `(req, res)` endpoint (Express, Koa via ctx.req/ctx.res, Fastify via reply.raw) answering `success`. */
  nodeNotificationHandler(options: HandlerOptions<s.PaymentNotification>): NodeHandler {
    return makeNodeHandler((i) => this.parseNotification(i), ZHIXIAO_ACKS, options);
  }

  /** A web `Request → Response` endpoint (Hono, Next.js route handlers, Bun, Deno) answering `success`. */
  webNotificationHandler(options: HandlerOptions<s.PaymentNotification>): WebHandler {
    return makeWebHandler((i) => this.parseNotification(i), ZHIXIAO_ACKS, options);
  }

  /** Builds a correctly signed notification body for your tests. */
  buildNotification(notice: Record<string, unknown>): string {
    return buildZhixiaoNotification(this.#credentials, notice);
  }

  async #call<M extends ZhixiaoMethodName>(name: M, input: Req<M>, opts: CallOptions = {}): Promise<Res<M>> {
    const m = zhixiaoMethods[name] as (typeof zhixiaoMethods)[ZhixiaoMethodName];
    const path = this.#paths[name] ?? m.path;
    if (!path) {
      throw new ConfigurationError(
        `paths.${name}`,
        `interface ${m.section} has no documented path; set paths.${name} to the path your vendor gave you`,
      );
    }
    const valid = validate(m.request, input, name, 'request');
    const wire = m.toWire ? (m.toWire as (v: unknown) => unknown)(valid) : valid;
    const form = encodeRequest(this.#credentials, wire);
    const query = m.outcomeQuery
      ? (m.outcomeQuery as (v: unknown) => OutcomeQuery | undefined)(valid)
      : undefined;
    return guardOutcome(m.kind === 'query', name, query, async () => {
      const reply = await this.#transport.post({
        method: name,
        url: this.baseUrl + path,
        form,
        retry: m.kind === 'query' ? 'safe' : 'never-after-send',
        signal: opts.signal,
        timeoutMs: opts.timeoutMs,
      });
      const content = decodeReply(this.#credentials, name, reply.status, reply.body);
      const body = typeof content === 'string' ? { message: content } : content;
      return validate(m.response, body, name, 'response') as Res<M>;
    });
  }
}

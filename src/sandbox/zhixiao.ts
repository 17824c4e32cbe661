/** The Zhixiao gateway, server side: orders, payment through the pay page, notifications, refunds. */
import { aesDecrypt, safeEqual } from '../core/crypto.js';
import type { Handlers } from '../core/method.js';
import { formatGatewayTime } from '../core/time.js';
import { encodeReply, requestSign, type ZhixiaoCredentials } from '../zhixiao/envelope.js';
import { type ZhixiaoMethodName, zhixiaoMethods } from '../zhixiao/methods.js';
import { buildZhixiaoNotification } from '../zhixiao/notifications.js';
import type { Notifier } from './notifier.js';
import { type ReplyStyle, styleReply } from './reply-style.js';

export interface ZhixiaoOrder {
  order_id: string;
  out_trade_no: string;
  body: string;
  total_fee: number;
  refunded: number;
  /** 1 pending · 2 paid · 3 failed or cancelled. */
  status: 1 | 2 | 3;
  notify_url: string;
  return_url?: string;
  user_no?: string;
  user_name?: string;
  pay_type: number;
  time_end?: string;
  invoiced?: boolean;
  createdAt: number;
}

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

class ZxError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
const fail = (code: number, message: string): never => {
  throw new ZxError(code, message);
};

const fen = (v: unknown, field: string): number => {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : Number.NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : fail(-2, `${field} 必须是正整数(分)`);
};

export interface ZhixiaoReply {
  ret_code: number;
  content: unknown;
}

export class ZhixiaoSandbox {
  readonly orders = new Map<string, ZhixiaoOrder>();
  #seq = 0;
  /** How empty optional reply fields are written ("" by default; null or left out, as real gateways do). */
  replyStyle: ReplyStyle = 'empty';
  /** While true, every call answers ret_code -3 (账号被冻结), as a frozen merchant account does. */
  frozen = false;
  readonly #orderTtlMs: number;

  constructor(
    readonly credentials: ZhixiaoCredentials,
    readonly notifier: Notifier,
    readonly publicUrl: () => string,
    options: { orderTtlMs?: number } = {},
  ) {
    this.#orderTtlMs = options.orderTtlMs ?? 3_600_000;
  }

  /** The paths the sandbox serves: the table's, and its own for 2.6–2.8. */
  get paths(): string[] {
    return [...NAME_BY_PATH.keys()];
  }

  #byTradeNo(v: unknown): ZhixiaoOrder {
    const o = [...this.orders.values()].find((x) => x.out_trade_no === v);
    return this.#expire(o ?? fail(-1, '订单不存在'));
  }

  /** An unpaid order past its hour is failed (3), as the gateway's pay page closes. */
  #expire(o: ZhixiaoOrder): ZhixiaoOrder {
    if (o.status === 1 && Date.now() - o.createdAt > this.#orderTtlMs) o.status = 3;
    return o;
  }

  /** Handles one API POST. Path decides the interface. */
  handle(path: string, form: URLSearchParams): ZhixiaoReply {
    const id = form.get('id') ?? '';
    const param = (form.get('param') ?? '').replaceAll(' ', '+');
    const sign = form.get('sign') ?? '';
    if (id !== this.credentials.appId) return { ret_code: -1, content: 'appid 不存在' };
    if (this.frozen) return { ret_code: -3, content: '账号被冻结' };
    if (!safeEqual(requestSign(this.credentials, param), sign, { caseInsensitive: true })) {
      return { ret_code: -1, content: '签名错误' };
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(aesDecrypt(param, this.credentials.aesKey)) as Record<string, unknown>;
    } catch {
      return { ret_code: -2, content: 'param 解密失败' };
    }
    const name = NAME_BY_PATH.get(path);
    const handler = name ? this.#routes[name] : undefined;
    if (!handler) return { ret_code: -1, content: `接口不存在 ${path}` };
    try {
      return { ret_code: 0, content: handler(body) };
    } catch (err) {
      if (err instanceof ZxError) return { ret_code: err.code, content: err.message };
      throw err;
    }
  }

  encode(reply: ZhixiaoReply, badSignature = false): string {
    const r = encodeReply(this.credentials, reply.ret_code, styleReply(reply.content, this.replyStyle));
    return JSON.stringify(
      badSignature ? { ...r, sign: r.sign.replace(/^./, (c) => (c === '0' ? '1' : '0')) } : r,
    );
  }

  /** One route per table interface: an interface added to the table without one here does not compile. */
  readonly #routes = {
    createOrder: (b) => {
      for (const f of ['body', 'out_trade_no', 'total_fee', 'notify_url'] as const)
        if (!b[f]) fail(-2, `${f} 不能为空`);
      if (Buffer.byteLength(String(b.body)) > 128) fail(-2, 'body 超过 128 字节');
      if (Buffer.byteLength(String(b.out_trade_no)) > 40) fail(-2, 'out_trade_no 超过 40 字节');
      if ([...this.orders.values()].some((o) => o.out_trade_no === b.out_trade_no))
        fail(-1, '商户订单号重复');
      this.#seq += 1;
      const order: ZhixiaoOrder = {
        order_id: `${Date.now()}${String(this.#seq).padStart(4, '0')}`,
        out_trade_no: String(b.out_trade_no),
        body: String(b.body),
        total_fee: fen(b.total_fee, 'total_fee'),
        refunded: 0,
        status: 1,
        createdAt: Date.now(),
        notify_url: String(b.notify_url),
        pay_type: Number(b.pay_type ?? 1),
        ...(b.return_url ? { return_url: String(b.return_url) } : {}),
        ...(b.user_no ? { user_no: String(b.user_no) } : {}),
        ...(b.user_name ? { user_name: String(b.user_name) } : {}),
      };
      this.orders.set(order.order_id, order);
      const sp = b.openid
        ? { sp_data: JSON.stringify({ appId: 'wx-sandbox', package: `prepay_id=sandbox${order.order_id}` }) }
        : {};
      return {
        out_trade_no: order.out_trade_no,
        order_id: order.order_id,
        url: `${this.publicUrl()}/pay/zhixiao/${order.order_id}`,
        ...sp,
      };
    },
    queryOrder: (b) => {
      const o = this.#byTradeNo(b.out_trade_no);
      return {
        out_trade_no: o.out_trade_no,
        order_id: o.order_id,
        status: String(o.status),
        // Written even when empty, so the reply style decides: "", null or absent.
        time_end: o.time_end ?? '',
      };
    },
    cancelOrder: (b) => {
      const o = this.#byTradeNo(b.out_trade_no);
      if (o.status === 2) fail(-1, '订单已支付，不能取消');
      o.status = 3;
      return { out_trade_no: o.out_trade_no, order_id: o.order_id };
    },
    refundOrder: (b) => {
      const o = this.#byTradeNo(b.out_trade_no);
      if (o.status !== 2) fail(-1, '订单未支付，不能退款');
      const amount = fen(b.refund_fee, 'refund_fee');
      if (amount > o.total_fee - o.refunded) fail(-1, '退款金额超过可退款金额');
      o.refunded += amount;
      return { out_trade_no: o.out_trade_no, order_id: o.order_id };
    },
    getIdentity: (b) => {
      if (!b.uid) fail(-2, 'uid 不能为空');
      return {
        open_id: `zx_${String(b.uid).slice(-8)}`,
        user_no: '2023000001',
        user_name: '张三',
        sex: '1',
        identity_type: '1',
      };
    },
    getUserCard: (b) => {
      if (!b.user_no) fail(-2, 'user_no 不能为空');
      return {
        ...(b.school_id ? { school_id: b.school_id } : {}),
        user_no: String(b.user_no),
        user_name: '张三',
        sex: '1',
        identity_type: '1',
        schema_url: `${this.publicUrl()}/card/${encodeURIComponent(String(b.user_no))}`,
      };
    },
    createInvoice: (b) => {
      const o = b.out_trade_no
        ? this.#byTradeNo(b.out_trade_no)
        : (this.orders.get(String(b.zx_order_no)) ?? fail(-1, '订单不存在'));
      if (o.status !== 2) fail(-1, '订单未支付，不能开票');
      const type = (b as { pay_type?: unknown }).pay_type ?? b.payer_type; // sent under both names
      if (type === undefined) fail(-2, '开票类型不能为空');
      if (Number(type) === 2 && !b.payer_taxnum) fail(-2, '单位开票需要纳税人识别号');
      if (o.invoiced) fail(-1, '订单已开票');
      o.invoiced = true;
      return '开票成功';
    },
  } satisfies Handlers<typeof zhixiaoMethods, [], string>; // 2.8 answers a message

  /** The payer's choice on the pay page. */
  settle(orderId: string, paid: boolean): ZhixiaoOrder {
    const found = this.orders.get(orderId);
    if (!found) throw new Error('no such order');
    const o = this.#expire(found);
    if (o.status !== 1) return o;
    if (!paid) {
      o.status = 3;
      return o;
    }
    o.status = 2;
    o.time_end = formatGatewayTime();
    this.notifier.send('zhixiao', o.order_id, o.notify_url, this.notificationBody(o), 'success');
    return o;
  }

  notificationBody(o: ZhixiaoOrder): string {
    const notice = {
      out_trade_no: o.out_trade_no,
      order_id: o.order_id,
      time_end: o.time_end ?? formatGatewayTime(),
      ...(o.user_no ? { user_no: o.user_no } : {}),
      ...(o.user_name ? { user_name: o.user_name } : {}),
      uid: `2088${o.order_id.slice(-12)}`,
      pay_type: String(o.pay_type),
    };
    return buildZhixiaoNotification(this.credentials, notice);
  }
}

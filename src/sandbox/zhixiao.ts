/** The Zhixiao gateway, server side: orders, payment through the pay page, notifications, refunds. */
import { aesDecrypt, safeEqual } from '../core/crypto.js';
import { formatGatewayTime } from '../core/time.js';
import { encodeReply, encodeRequest, requestSign, type ZhixiaoCredentials } from '../zhixiao/envelope.js';
import type { Notifier } from './notifier.js';

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
}

/** Paths the sandbox serves for 2.6–2.8 (the real vendor hands these out per customer). */
export const ZHIXIAO_SANDBOX_PATHS = {
  getIdentity: '/pay_api/user_identity',
  getUserCard: '/pay_api/user_card',
  createInvoice: '/pay_api/invoice_create',
} as const;

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

  constructor(
    readonly credentials: ZhixiaoCredentials,
    readonly notifier: Notifier,
    readonly publicUrl: () => string,
  ) {}

  #byTradeNo(v: unknown): ZhixiaoOrder {
    const o = [...this.orders.values()].find((x) => x.out_trade_no === v);
    return o ?? fail(-1, '订单不存在');
  }

  /** Handles one API POST. Path decides the interface. */
  handle(path: string, form: URLSearchParams): ZhixiaoReply {
    const id = form.get('id') ?? '';
    const param = (form.get('param') ?? '').replaceAll(' ', '+');
    const sign = form.get('sign') ?? '';
    if (id !== this.credentials.appId) return { ret_code: -1, content: 'appid 不存在' };
    if (!safeEqual(requestSign(this.credentials, param), sign, { caseInsensitive: true })) {
      return { ret_code: -1, content: '签名错误' };
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(aesDecrypt(param, this.credentials.aesKey)) as Record<string, unknown>;
    } catch {
      return { ret_code: -2, content: 'param 解密失败' };
    }
    const handler = this.#routes[path];
    if (!handler) return { ret_code: -1, content: `接口不存在 ${path}` };
    try {
      return { ret_code: 0, content: handler(body) };
    } catch (err) {
      if (err instanceof ZxError) return { ret_code: err.code, content: err.message };
      throw err;
    }
  }

  encode(reply: ZhixiaoReply, badSignature = false): string {
    const r = encodeReply(this.credentials, reply.ret_code, reply.content);
    return JSON.stringify(
      badSignature ? { ...r, sign: r.sign.replace(/^./, (c) => (c === '0' ? '1' : '0')) } : r,
    );
  }

  readonly #routes: Record<string, (b: Record<string, unknown>) => unknown> = {
    '/pay_api/order_create': (b) => {
      for (const f of ['body', 'out_trade_no', 'total_fee', 'notify_url'])
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
    '/pay_api/order_query': (b) => {
      const o = this.#byTradeNo(b.out_trade_no);
      return {
        out_trade_no: o.out_trade_no,
        order_id: o.order_id,
        status: String(o.status),
        ...(o.time_end ? { time_end: o.time_end } : {}),
      };
    },
    '/pay_api/order_cancel': (b) => {
      const o = this.#byTradeNo(b.out_trade_no);
      if (o.status === 2) fail(-1, '订单已支付，不能取消');
      o.status = 3;
      return { out_trade_no: o.out_trade_no, order_id: o.order_id };
    },
    '/pay_api/order_refund': (b) => {
      const o = this.#byTradeNo(b.out_trade_no);
      if (o.status !== 2) fail(-1, '订单未支付，不能退款');
      const amount = fen(b.refund_fee, 'refund_fee');
      if (amount > o.total_fee - o.refunded) fail(-1, '退款金额超过可退款金额');
      o.refunded += amount;
      return { out_trade_no: o.out_trade_no, order_id: o.order_id };
    },
    [ZHIXIAO_SANDBOX_PATHS.getIdentity]: (b) => {
      if (!b.uid) fail(-2, 'uid 不能为空');
      return {
        open_id: `zx_${String(b.uid).slice(-8)}`,
        user_no: '2023000001',
        user_name: '张三',
        sex: '1',
        identity_type: '1',
      };
    },
    [ZHIXIAO_SANDBOX_PATHS.getUserCard]: (b) => {
      if (!b.user_no) fail(-2, 'user_no 不能为空');
      return {
        ...(b.school_id ? { school_id: b.school_id } : {}),
        user_no: b.user_no,
        user_name: '张三',
        sex: '1',
        identity_type: '1',
        schema_url: `${this.publicUrl()}/card/${encodeURIComponent(String(b.user_no))}`,
      };
    },
    [ZHIXIAO_SANDBOX_PATHS.createInvoice]: (b) => {
      const o = b.out_trade_no
        ? this.#byTradeNo(b.out_trade_no)
        : (this.orders.get(String(b.zx_order_no)) ?? fail(-1, '订单不存在'));
      if (o.status !== 2) fail(-1, '订单未支付，不能开票');
      if (b.pay_type === undefined && b.payer_type === undefined) fail(-2, '开票类型不能为空');
      if (Number(b.pay_type ?? b.payer_type) === 2 && !b.payer_taxnum) fail(-2, '单位开票需要纳税人识别号');
      if (o.invoiced) fail(-1, '订单已开票');
      o.invoiced = true;
      return '开票成功';
    },
  };

  /** The payer's choice on the pay page. */
  settle(orderId: string, paid: boolean): ZhixiaoOrder {
    const o = this.orders.get(orderId);
    if (!o) throw new Error('no such order');
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
    return new URLSearchParams(encodeRequest(this.credentials, notice)).toString();
  }
}

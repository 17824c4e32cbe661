/**
 * Zhixiao settlement: the orders, their hour of validity, the payer's choice on the pay page and the
 * signed payment notice (2.5).
 */
import { formatGatewayTime } from '../../core/time.js';
import type { ZhixiaoCredentials } from '../../zhixiao/envelope.js';
import { buildZhixiaoNotification } from '../../zhixiao/notifications.js';
import { refuse } from '../business-error.js';
import type { Notifier } from '../notifier.js';

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

export class ZhixiaoSettlement {
  readonly orders = new Map<string, ZhixiaoOrder>();
  /** order_id by out_trade_no: a query finds its order at once, however many orders the sandbox holds. */
  readonly #byTradeNo = new Map<string, string>();
  #seq = 0;

  constructor(
    readonly credentials: ZhixiaoCredentials,
    readonly notifier: Notifier,
    /** An unpaid order expires after this long (支付有效时间为 1 小时). */
    readonly orderTtlMs: number,
  ) {}

  /** Books a new order, 1 (pending). */
  open(order: Omit<ZhixiaoOrder, 'order_id' | 'refunded' | 'status' | 'createdAt'>): ZhixiaoOrder {
    this.#seq += 1;
    const o: ZhixiaoOrder = {
      ...order,
      order_id: `${Date.now()}${String(this.#seq).padStart(4, '0')}`,
      refunded: 0,
      status: 1,
      createdAt: Date.now(),
    };
    this.orders.set(o.order_id, o);
    this.#byTradeNo.set(o.out_trade_no, o.order_id);
    return o;
  }

  /** Whether an order has this out_trade_no. */
  has(outTradeNo: unknown): boolean {
    return typeof outTradeNo === 'string' && this.#byTradeNo.has(outTradeNo);
  }

  /** The order of this out_trade_no, or -1 订单不存在. */
  byTradeNo(v: unknown): ZhixiaoOrder {
    const id = typeof v === 'string' ? this.#byTradeNo.get(v) : undefined;
    const o = id === undefined ? undefined : this.orders.get(id);
    return this.expire(o ?? refuse('-1', '订单不存在'));
  }

  /** An unpaid order past its hour is failed (3), as the gateway's pay page closes. */
  expire(o: ZhixiaoOrder): ZhixiaoOrder {
    if (o.status === 1 && Date.now() - o.createdAt > this.orderTtlMs) o.status = 3;
    return o;
  }

  /** A pending order expires now, as if its hour had passed (the console's Expire). */
  expireNow(orderId: string): ZhixiaoOrder {
    const o = this.#get(orderId);
    if (o.status === 1) o.status = 3;
    return o;
  }

  /** The rest of a paid order goes back to the payer, as a refund made in the vendor's back office. */
  refundRest(orderId: string): ZhixiaoOrder {
    const o = this.#get(orderId);
    if (o.status === 2) o.refunded = o.total_fee;
    return o;
  }

  #get(orderId: string): ZhixiaoOrder {
    const found = this.orders.get(orderId);
    if (!found) throw new Error('no such order');
    return this.expire(found);
  }

  /** The payer's choice on the pay page. */
  settle(orderId: string, paid: boolean): ZhixiaoOrder {
    const o = this.#get(orderId);
    if (o.status !== 1) return o;
    if (!paid) {
      o.status = 3;
      return o;
    }
    o.status = 2;
    o.time_end = formatGatewayTime();
    if (o.notify_url) {
      this.notifier.send(
        'zhixiao',
        o.order_id,
        o.notify_url,
        this.notificationBody(o),
        'success',
        o.out_trade_no,
      );
    }
    return o;
  }

  notificationBody(o: ZhixiaoOrder): string {
    return buildZhixiaoNotification(this.credentials, zhixiaoNotice(o));
  }
}

/** The fields of an order's payment notice (2.5), before encryption and signing. */
export function zhixiaoNotice(o: ZhixiaoOrder): Record<string, string> {
  return {
    out_trade_no: o.out_trade_no,
    order_id: o.order_id,
    time_end: o.time_end ?? formatGatewayTime(),
    ...(o.user_no ? { user_no: o.user_no } : {}),
    ...(o.user_name ? { user_name: o.user_name } : {}),
    uid: `2088${o.order_id.slice(-12)}`,
    pay_type: String(o.pay_type),
  };
}

/**
 * The console's order actions: pay, fail, expire or refund an order of either gateway, as the payer,
 * the clock or the vendor's back office would. Each says what it refused and why (409), and tells the
 * event source what moved.
 */
import { RechargeOrderStatus } from '../../onecard/schemas.js';
import { OrderStatus } from '../../zhixiao/schemas.js';
import type { OrderEvent, SandboxEvents, SandboxGateway } from '../events.js';
import type { OneCardSandbox } from '../onecard/index.js';
import type { ZhixiaoSandbox } from '../zhixiao/index.js';

export type OrderAction = OrderEvent['action'];
export const ORDER_ACTIONS: readonly OrderAction[] = ['pay', 'fail', 'expire', 'refund'];

/** An action the console cannot do: `status` is the HTTP status to answer (404 or 409). */
export class ConsoleActionError extends Error {
  override name = 'ConsoleActionError';
  constructor(
    readonly status: 404 | 409 | 400,
    message: string,
  ) {
    super(message);
  }
}

/** An order as the console shows it: the gateway's own status and what it means. */
export interface OrderView {
  gateway: SandboxGateway;
  /** Zhixiao order_id or OneCard out_id. */
  ref: string;
  status: string;
  meaning: string;
  /** Zhixiao: what has been refunded, in fen. */
  refunded?: number;
}

const meaning = (table: Record<string, { meaning: string }>, status: string) =>
  table[status]?.meaning ?? status;

export class ConsoleOrders {
  constructor(
    readonly onecard: OneCardSandbox,
    readonly zhixiao: ZhixiaoSandbox,
    readonly events: SandboxEvents,
  ) {}

  /** The gateway's id of an order named by it, or by the merchant's order number (out_trade_no, order_no). */
  resolve(gateway: SandboxGateway, ref: string): string {
    const id =
      gateway === 'zhixiao'
        ? this.zhixiao.orders.has(ref)
          ? ref
          : [...this.zhixiao.orders.values()].find((o) => o.out_trade_no === ref)?.order_id
        : this.onecard.ledger.recharges.has(ref)
          ? ref
          : [...this.onecard.ledger.recharges.values()].find((o) => o.order_no === ref)?.out_id;
    if (id === undefined) throw new ConsoleActionError(404, `no ${gateway} order ${ref}`);
    return id;
  }

  view(gateway: SandboxGateway, id: string): OrderView {
    if (gateway === 'zhixiao') {
      const o = this.zhixiao.orders.get(id);
      const status = String(o?.status);
      return { gateway, ref: id, status, meaning: meaning(OrderStatus, status), refunded: o?.refunded ?? 0 };
    }
    const status = this.onecard.ledger.recharges.get(id)?.order_status ?? '';
    return { gateway, ref: id, status, meaning: meaning(RechargeOrderStatus, status) };
  }

  /**
   * Pay, fail or expire a pending order; refund a paid one. OneCard has no expiry status: an abandoned
   * recharge ends as 77 (payment failed), notified like a failure. A Zhixiao refund returns what is
   * left of the order; a OneCard one moves it to 80 (refund started).
   */
  act(gateway: SandboxGateway, ref: string, action: OrderAction): OrderView {
    if (!ORDER_ACTIONS.includes(action))
      throw new ConsoleActionError(400, `action: "${action}" is not one of ${ORDER_ACTIONS.join(', ')}`);
    const id = this.resolve(gateway, ref);
    const before = this.view(gateway, id);
    const allowed =
      action === 'refund'
        ? gateway === 'zhixiao'
          ? before.status === '2' && this.#refundable(id)
          : ['40', '50', '60'].includes(before.status)
        : before.status === (gateway === 'zhixiao' ? '1' : '10');
    if (!allowed)
      throw new ConsoleActionError(
        409,
        `${gateway} order ${id} is ${before.status} (${before.meaning}): ${
          action === 'refund' ? 'only a paid order with money left' : 'only a pending order'
        } can be ${action === 'pay' ? 'paid' : action === 'fail' ? 'failed' : `${action}ed`}`,
      );
    const g = gateway === 'zhixiao' ? this.zhixiao : this.onecard;
    if (action === 'refund') g.refund(id);
    else if (action === 'expire' && gateway === 'zhixiao') this.zhixiao.expire(id);
    else g.settle(id, action === 'pay');
    return this.told(gateway, id, action, 'console');
  }

  /** Tells the event source an order moved outside the API; returns the order's view. */
  told(gateway: SandboxGateway, id: string, action: OrderAction, by: OrderEvent['by']): OrderView {
    const v = this.view(gateway, id);
    this.events.emit({ type: 'order', gateway, ref: id, action, status: v.status, by });
    return v;
  }

  #refundable(id: string): boolean {
    const o = this.zhixiao.orders.get(id);
    return !!o && o.refunded < o.total_fee;
  }
}

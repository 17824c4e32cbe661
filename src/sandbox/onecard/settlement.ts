/**
 * OneCard settlement: recharge orders on the ledger, the payer's choice on the pay page, crediting the
 * card through the statuses of 2.2.4.5, and the signed paygw.notify.result notice (2.2.4.4).
 */
import type { KeyObject } from 'node:crypto';
import { formatCompactTime, formatGatewayTime } from '../../core/time.js';
import { buildOneCardNotification } from '../../onecard/notifications.js';
import type { Notifier } from '../notifier.js';
import type { OneCardLedger, RechargeOrder } from './ledger.js';

export class OneCardSettlement {
  constructor(
    readonly ledger: OneCardLedger,
    readonly notifier: Notifier,
    readonly keys: { desKey: string; platformPrivateKey: KeyObject },
    /** The `partner` its notices carry. */
    readonly partner: string,
    /** How long a paid recharge stays in 40, then in 50, before it is credited (60). */
    readonly creditDelayMs: number,
  ) {}

  /** Books a new recharge order, 10 (ordered). */
  open(order: Omit<RechargeOrder, 'out_id' | 'order_status'>): RechargeOrder {
    const o: RechargeOrder = { ...order, out_id: this.ledger.nextSerial(), order_status: '10' };
    this.ledger.recharges.set(o.out_id, o);
    return o;
  }

  /** The order with this out_id, else with this order_no. */
  find(by: { out_id?: unknown; order_no?: unknown }): RechargeOrder | undefined {
    return [...this.ledger.recharges.values()].find((o) =>
      by.out_id ? o.out_id === by.out_id : o.order_no === by.order_no,
    );
  }

  /** The payer's choice on the pay page: pay (credit the card, notify) or fail. */
  settle(outId: string, paid: boolean): RechargeOrder {
    const o = this.ledger.recharges.get(outId);
    if (!o) throw new Error('no such recharge');
    if (o.order_status !== '10') return o;
    if (!paid) {
      o.order_status = '77';
      this.#notify(o);
      return o;
    }
    o.pay_time = formatCompactTime();
    o.sttl_date = o.pay_time.slice(0, 8);
    const credit = () => {
      const acc = this.ledger.cardholders
        .find((c) => c.account === o.account)
        ?.accounts.find((a) => a.type === o.acctype);
      if (acc) acc.balance += o.order_amount;
      o.order_status = '60';
      this.ledger.record({
        kind: 'recharge',
        account: o.account,
        amount: o.order_amount,
        detail: `order ${o.order_no}`,
      });
      this.#notify(o);
    };
    const delay = this.creditDelayMs;
    if (delay <= 0) {
      credit();
      return o;
    }
    // 40 paid → 50 crediting → 60 credited, as the real payment gateway reports them.
    o.order_status = '40';
    setTimeout(() => {
      o.order_status = '50';
      setTimeout(credit, delay).unref();
    }, delay).unref();
    return o;
  }

  /** Moves a paid recharge to 80 (订单转入退款 refund started), as the payment system does on a refund. */
  refund(outId: string): RechargeOrder {
    const o = this.ledger.recharges.get(outId);
    if (!o) throw new Error('no such recharge');
    if (['40', '50', '60'].includes(o.order_status)) o.order_status = '80';
    return o;
  }

  /** No notice when the order's notify_url was null or left out (值为 null 时, 不发起通知). */
  #notify(o: RechargeOrder) {
    if (o.notify_url)
      this.notifier.send('onecard', o.out_id, o.notify_url, this.notificationBody(o), 'ok', o.order_no);
  }

  /** A paygw.notify.result notice as form fields, signed with the platform key (the SDK's own builder). */
  notificationBody(o: RechargeOrder, timestamp = formatGatewayTime()): string {
    return buildOneCardNotification(this.keys, rechargeNotice(o), { timestamp, partner: this.partner });
  }
}

/** The fields of a recharge's paygw.notify.result notice (2.2.4.4): credited (60) is written `0`. */
export function rechargeNotice(o: RechargeOrder): Record<string, string> {
  return { ...rechargeView(o), order_status: o.order_status === '60' ? '0' : o.order_status };
}

/** The order as 2.2.4.5 and 2.2.4.4 write it. */
export function rechargeView(o: RechargeOrder) {
  return {
    account: o.account,
    acctype: o.acctype,
    order_no: o.order_no,
    order_amount: String(o.order_amount),
    out_id: o.out_id,
    pay_time: o.pay_time ?? '',
    sttl_date: o.sttl_date ?? '',
    order_status: o.order_status,
  };
}

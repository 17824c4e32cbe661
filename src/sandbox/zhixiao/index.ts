/**
 * The Zhixiao gateway of the sandbox (`sandbox.zhixiaoGateway`), in three rooms this class wires: the
 * front (`front.ts`: envelope, ret_codes), the interfaces (`methods.ts`: one record per interface, its
 * field formats and its handler) and settlement (`settlement.ts`: orders, the pay page's choice, notices).
 */
import type { ZhixiaoCredentials } from '../../zhixiao/envelope.js';
import type { ApiFront } from '../api.js';
import type { Notifier } from '../notifier.js';
import type { PayPageModel } from '../pages.js';
import type { ReplyStyle } from '../reply-style.js';
import { ZhixiaoFront, type ZhixiaoReply } from './front.js';
import { zhixiaoSandboxMethods } from './methods.js';
import { type ZhixiaoOrder, ZhixiaoSettlement } from './settlement.js';

export { ZHIXIAO_SANDBOX_PATHS, type ZhixiaoReply } from './front.js';
export type { ZhixiaoOrder } from './settlement.js';

const STATUS_WORDS: Record<number, string> = {
  1: '待支付 pending',
  2: '支付成功 paid',
  3: '支付失败 failed',
};

export class ZhixiaoSandbox {
  /** How empty optional reply fields are written ("" by default; null or left out, as real gateways do). */
  replyStyle: ReplyStyle = 'empty';
  readonly #settlement: ZhixiaoSettlement;
  readonly #front: ZhixiaoFront;

  constructor(
    readonly credentials: ZhixiaoCredentials,
    readonly notifier: Notifier,
    readonly publicUrl: () => string,
    options: { orderTtlMs?: number; extraAppIds?: readonly string[] } = {},
  ) {
    this.#settlement = new ZhixiaoSettlement(credentials, notifier, options.orderTtlMs ?? 3_600_000);
    this.#front = new ZhixiaoFront(
      credentials,
      zhixiaoSandboxMethods({ settlement: this.#settlement, publicUrl }),
      options.extraAppIds,
    );
  }

  /** The orders, by order_id. */
  get orders(): Map<string, ZhixiaoOrder> {
    return this.#settlement.orders;
  }

  /** While true, every call answers ret_code -3 (账号被冻结), as a frozen merchant account does. */
  get frozen(): boolean {
    return this.#front.frozen;
  }
  set frozen(v: boolean) {
    this.#front.frozen = v;
  }

  /** The paths the sandbox serves: the table's, and its own for 2.6–2.8. */
  get paths(): string[] {
    return this.#front.paths;
  }

  /** Handles one API POST. Path decides the interface. */
  handle(path: string, form: URLSearchParams): ZhixiaoReply {
    return this.#front.handle(path, form);
  }

  encode(reply: ZhixiaoReply, badSignature = false): string {
    return this.#front.encode(reply, this.replyStyle, badSignature);
  }

  /** The face the HTTP layer talks to; calls go through `handle`, so a wrapper around it sees them all. */
  readonly api: ApiFront = {
    gateway: 'zhixiao',
    contentType: 'application/json; charset=utf-8',
    describe: (path) => this.#front.describe(path),
    process: (path, form) => {
      const reply = this.handle(path, form);
      return {
        committed: this.#front.committed(reply),
        code: String(reply.ret_code),
        body: (bad) => this.encode(reply, bad),
      };
    },
    busy: () => this.encode(this.#front.busy()),
  };

  /**
   * Books an order straight into settlement, as createOrder with these fields would, then settles it as
   * the pay page would (`status` 2 paid, 3 failed) but without a notice: for benchmarks and demos that need
   * many orders (the bench's 100,000-order reconcile) faster than the API makes them.
   */
  seedOrder(order: { out_trade_no: string; total_fee: number; status?: 1 | 2 | 3 }): ZhixiaoOrder {
    if (this.#settlement.has(order.out_trade_no)) throw new Error(`${order.out_trade_no}: 商户订单号重复`);
    const o = this.#settlement.open({
      out_trade_no: order.out_trade_no,
      body: 'seeded',
      total_fee: order.total_fee,
      notify_url: '',
      pay_type: 1,
    });
    if (order.status === 2 || order.status === 3) this.settle(o.order_id, order.status === 2);
    return o;
  }

  /** The payer's choice on the pay page. */
  settle(orderId: string, paid: boolean): ZhixiaoOrder {
    return this.#settlement.settle(orderId, paid);
  }

  /** A pending order expires now (status 3), as if its hour had passed. */
  expire(orderId: string): ZhixiaoOrder {
    return this.#settlement.expireNow(orderId);
  }

  /** A paid order is refunded in full (what is left of it), as from the vendor's back office. */
  refund(orderId: string): ZhixiaoOrder {
    return this.#settlement.refundRest(orderId);
  }

  notificationBody(o: ZhixiaoOrder): string {
    return this.#settlement.notificationBody(o);
  }

  /** What the pay page shows of an order. */
  payPage(orderId: string): PayPageModel | undefined {
    const o = this.orders.get(orderId);
    if (!o) return undefined;
    return {
      gateway: 'zhixiao',
      ref: orderId,
      title: o.body,
      amount: o.total_fee,
      rows: [
        ['Order 订单', o.body],
        ['out_trade_no', o.out_trade_no],
        ['order_id', o.order_id],
      ],
      state: STATUS_WORDS[o.status] ?? String(o.status),
      payable: o.status === 1,
    };
  }

  /** The payer pays or fails on the pay page, then goes back to return_url as is. */
  payOrFail(orderId: string, paid: boolean): { state: string; return_to?: string | undefined } {
    const o = this.settle(orderId, paid);
    return { state: STATUS_WORDS[o.status] ?? String(o.status), return_to: o.return_url };
  }
}

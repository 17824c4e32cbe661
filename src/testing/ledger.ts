/**
 * What the sandbox recorded, read by the merchant's order keys (`out_trade_no`, `order_no`) rather than
 * the gateways' own ids: orders, recharges, balances, and every notice with what the merchant answered.
 * The assertions throw node:assert's `AssertionError` (actual and expected attached), which vitest, jest
 * and node:test all show with a diff.
 */
import { AssertionError, deepStrictEqual } from 'node:assert';
import type { NotificationRecord, Sandbox } from '../sandbox/index.js';
import type { RechargeOrder } from '../sandbox/onecard/ledger.js';
import type { ZhixiaoOrder } from '../sandbox/zhixiao/settlement.js';

/** A Zhixiao order, by the merchant's order number. */
export interface ZhixiaoOrderKey {
  out_trade_no: string;
}
/** A OneCard recharge, by the merchant's order number. */
export interface OneCardOrderKey {
  order_no: string;
}
export type OrderKey = ZhixiaoOrderKey | OneCardOrderKey;

export type { RechargeOrder, ZhixiaoOrder };

/** How an order key is written in messages: `out_trade_no "T1"`. */
export const describeKey = (key: OrderKey) =>
  'out_trade_no' in key ? `out_trade_no "${key.out_trade_no}"` : `order_no "${key.order_no}"`;

export class TestLedger {
  constructor(readonly sandbox: Sandbox) {}

  /** The Zhixiao order, as the gateway holds it now (a copy), or undefined. */
  order(key: ZhixiaoOrderKey): ZhixiaoOrder | undefined {
    const o = [...this.sandbox.zhixiaoGateway.orders.values()].find(
      (x) => x.out_trade_no === key.out_trade_no,
    );
    return o && { ...o };
  }

  /** Every Zhixiao order the gateway booked (copies), oldest first. */
  orders(): ZhixiaoOrder[] {
    return [...this.sandbox.zhixiaoGateway.orders.values()].map((o) => ({ ...o }));
  }

  /** The OneCard recharge, as the gateway holds it now (a copy), or undefined. */
  recharge(key: OneCardOrderKey): RechargeOrder | undefined {
    const r = [...this.sandbox.onecardGateway.ledger.recharges.values()].find(
      (x) => x.order_no === key.order_no,
    );
    return r && { ...r };
  }

  /** Every OneCard recharge the gateway booked (copies), oldest first. */
  recharges(): RechargeOrder[] {
    return [...this.sandbox.onecardGateway.ledger.recharges.values()].map((r) => ({ ...r }));
  }

  /** A card's balance in fen, in one of its e-accounts (default `###`, the card account). */
  balance(account: string, acctype = '###'): number {
    const holder = this.sandbox.onecardGateway.ledger.cardholders.find((c) => c.account === account);
    const acc = holder?.accounts.find((a) => a.type === acctype);
    if (!acc) throw new Error(`the sandbox has no card account ${account} with an e-account ${acctype}`);
    return acc.balance;
  }

  /** The gateway's id of the order (Zhixiao order_id, OneCard out_id), which its notices are filed under. */
  ref(key: OrderKey): string | undefined {
    return 'out_trade_no' in key ? this.order(key)?.order_id : this.recharge(key)?.out_id;
  }

  /**
   * The notices about an order (every one, about any order when no key is given), oldest first: each with
   * its attempts, the merchant's HTTP status and answer, and whether it was acknowledged, dropped or a
   * duplicate.
   */
  notices(key?: OrderKey): NotificationRecord[] {
    const log = this.sandbox.notifications;
    if (!key) return [...log];
    const gateway = 'out_trade_no' in key ? 'zhixiao' : 'onecard';
    const ref = this.ref(key);
    return log.filter((n) => n.gateway === gateway && n.ref === ref);
  }

  /** What the merchant answered each delivery about an order, in order, across its notices. */
  answers(key: OrderKey): string[] {
    return this.notices(key).flatMap((n) => n.attempts.map((a) => a.answer));
  }
}

/** Compares the fields `expected` names with the recorded object's, failing with both when they differ. */
function fields(what: string, actual: object | undefined, expected: object) {
  if (!actual)
    throw new AssertionError({ message: `${what}: the sandbox recorded no such order`, actual, expected });
  const picked = Object.fromEntries(
    Object.keys(expected).map((k) => [k, (actual as Record<string, unknown>)[k]]),
  );
  deepStrictEqual(picked, expected, `${what}: the sandbox recorded other values`);
}

/** Assertions over the ledger, for any test framework: each throws an AssertionError or returns. */
export class LedgerAssertions {
  constructor(readonly ledger: TestLedger) {}

  /** The card's balance (fen) in an e-account (default `###`) is `fen`. */
  balance(account: string, fen: number, acctype = '###') {
    deepStrictEqual(
      this.ledger.balance(account, acctype),
      fen,
      `balance of ${account} ${acctype}: the sandbox recorded another amount`,
    );
  }

  /** The Zhixiao order exists, with these field values (e.g. `{ status: 2, total_fee: 19800 }`). */
  order(key: ZhixiaoOrderKey, expected: Partial<ZhixiaoOrder> = {}) {
    fields(`Zhixiao order ${describeKey(key)}`, this.ledger.order(key), expected);
  }

  /** The OneCard recharge exists, with these field values (e.g. `{ order_status: '60' }`). */
  recharge(key: OneCardOrderKey, expected: Partial<RechargeOrder> = {}) {
    fields(`OneCard recharge ${describeKey(key)}`, this.ledger.recharge(key), expected);
  }

  /** The merchant answered the deliveries about an order exactly so, in order (e.g. `['fail', 'success']`). */
  answers(key: OrderKey, expected: string[]) {
    deepStrictEqual(
      this.ledger.answers(key),
      expected,
      `notices about ${describeKey(key)}: the merchant answered otherwise`,
    );
  }
}

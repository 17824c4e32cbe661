/**
 * What the console shows (`GET /api/console/state`, and each `state` message of the event stream):
 * cards and balances, orders and their states, every notice with its attempts, the latest API calls and
 * token fetches, the faults armed. Names, amounts, codes and the merchant's answers only: no password,
 * key, token, signature or signed body is ever part of it.
 */
import { RechargeOrderStatus } from '../../onecard/schemas.js';
import { OrderStatus } from '../../zhixiao/schemas.js';
import type { CallEvent, SandboxEvents } from '../events.js';
import type { FaultControls } from '../faults.js';
import type { Notifier } from '../notifier.js';
import type { OneCardSandbox } from '../onecard/index.js';
import type { ZhixiaoSandbox } from '../zhixiao/index.js';

/** How many of the newest calls, orders and notices the console holds: enough to watch, bounded for a bench. */
export const CONSOLE_ROWS = 200;

/** The newest API calls, kept from the sandbox's start (the console may open later). */
export class CallLog {
  readonly calls: CallEvent[] = [];

  constructor(events: SandboxEvents) {
    events.subscribe((e) => {
      if (e.type !== 'call') return;
      this.calls.push(e);
      if (this.calls.length > CONSOLE_ROWS) this.calls.shift();
    });
  }
}

const newest = <T>(items: Iterable<T>) => [...items].slice(-CONSOLE_ROWS).reverse();

export function consoleState(parts: {
  onecard: OneCardSandbox;
  zhixiao: ZhixiaoSandbox;
  notifier: Notifier;
  faults: FaultControls;
  calls: CallLog;
}) {
  const { onecard, zhixiao, notifier, faults, calls } = parts;
  const tokenFetches = calls.calls.filter((c) => c.method === 'getAccessToken');
  return {
    cards: onecard.ledger.cardholders.map((c) => ({
      account: c.account,
      name: c.name,
      sno: c.sno,
      frozen: c.freezeflag === '1',
      lost: c.lostflag === '1',
      accounts: c.accounts.map((a) => ({ type: a.type, name: a.name, balance: a.balance })),
    })),
    merchants: [...onecard.ledger.merchants].map(([mercacc, takings]) => ({ mercacc, takings })),
    recharges: newest(onecard.ledger.recharges.values()).map((r) => ({
      out_id: r.out_id,
      order_no: r.order_no,
      account: r.account,
      order_amount: r.order_amount,
      order_status: r.order_status,
      meaning: RechargeOrderStatus[r.order_status].meaning,
    })),
    orders: newest(zhixiao.orders.values()).map((o) => ({
      order_id: o.order_id,
      out_trade_no: o.out_trade_no,
      body: o.body,
      total_fee: o.total_fee,
      refunded: o.refunded,
      status: o.status,
      meaning: OrderStatus[o.status].meaning,
    })),
    notices: newest(notifier.log).map((n) => ({ ...n, attempts: [...n.attempts] })),
    calls: newest(calls.calls),
    tokenFetches: newest(tokenFetches),
    faults: { armed: faults.armed(), shares: faults.shares },
  };
}

export type ConsoleState = ReturnType<typeof consoleState>;

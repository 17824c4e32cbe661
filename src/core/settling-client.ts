/**
 * What both clients share of settlement (docs/settlement.md): the tenant, `resolve()`, `sweep()` and
 * `reconcile()`, over the journal and Settlement each client builds once in its constructor.
 */

import type { JournalEntry, JournalGateway } from './journal.js';
import { type JournalClientOptions, type PaymentJournal, paymentJournal } from './journal-hook.js';
import type { Logger } from './observe.js';
import {
  type LedgerRows,
  type ReconcileOptions,
  type ReconcileRun,
  reconcile,
  SETTLEMENT,
} from './reconcile.js';
import {
  type GatewayResolver,
  type OrderRef,
  type ResolveOptions,
  type ResolveResult,
  resolveOrder,
} from './resolve.js';
import { type NoticeFacts, Settlement, type SettlementOptions, settleNotice } from './settle.js';
import { type SweepOptions, type SweepSummary, sweepJournal } from './sweep.js';

export { tenantOf } from './tenant.js';

export abstract class SettlingClient {
  #settlement: Settlement | undefined;

  /**
   * Builds the client's payment journal and its settlement (once, from the constructor); returns the
   * journal for the pipeline. A reply whose outcome write moves an entry announces it through here.
   */
  protected settleWith(
    options: SettlementOptions & JournalClientOptions,
    gateway: JournalGateway,
    tenant: string,
    resolver: GatewayResolver,
    logger: Logger | undefined,
  ): PaymentJournal | undefined {
    const announce = (e: JournalEntry) => this[SETTLEMENT].announce(e, 'reply');
    const journal = paymentJournal(options, gateway, tenant, logger, announce);
    this.#settlement = new Settlement({ gateway, tenant, resolver, options });
    return journal;
  }

  /** What `reconcile()` asks this client through. */
  get [SETTLEMENT](): Settlement {
    if (!this.#settlement) throw new Error('campus-pay: the client was not constructed');
    return this.#settlement;
  }

  /**
   * `gatewayUrl#appKey` (OneCard) or `baseUrl#appId` (Zhixiao), the URL normalised (see tenantOf): the
   * credential set whose journal entries this client reads and writes.
   */
  get tenant(): string {
    return this[SETTLEMENT].tenant;
  }

  /**
   * Brings one money call to a final state: a journal entry, or a reference `{ method, orderKey, amount }`
   * for callers with no journal. Orders with a query — a OneCard recharge (queryRechargeOrder, 2.2.4.5),
   * a Zhixiao order (queryOrder, 2.2) — are polled until final or `deadlineMs`; a transfer, barcode
   * payment or refund, which no query reports, becomes `needs-review` with evidence (balances, the
   * order's answer). With a journal the entry moves forward, and `onSettled` announces a settled state
   * once. See docs/settlement.md.
   */
  resolve(target: JournalEntry | OrderRef, opts?: ResolveOptions): Promise<ResolveResult> {
    return resolveOrder(this[SETTLEMENT], target, opts);
  }

  /**
   * Resolves every unsettled journal entry of this tenant older than `olderThanMs`, and announces again
   * settled entries whose announcement failed; run it periodically. When the gateway says it is busy
   * (OneCard 40014 调用次数超限, 系统繁忙; Zhixiao -1 系统繁忙) its concurrency halves and it pauses. Needs the
   * `journal` option.
   */
  sweep(opts?: SweepOptions): Promise<SweepSummary> {
    return sweepJournal(this[SETTLEMENT], opts);
  }

  /**
   * 对账: checks the merchant's ledger rows of this client's gateway, one query per order (OneCard
   * recharges with the row's amount; Zhixiao orders by state, as 2.2 names no amount), and yields a result
   * per row in input order. `reconcile(rows, { clients })` asks several clients at once.
   */
  reconcile(rows: LedgerRows, opts?: Omit<ReconcileOptions, 'clients'>): ReconcileRun {
    return reconcile(rows, { ...opts, clients: [this] });
  }

  /** What a notification handler does first, when the client has a journal or onSettled. */
  protected noticeSettler<T>(facts: (notice: T) => NoticeFacts | undefined) {
    const s = this[SETTLEMENT];
    return s.active ? (n: T) => settleNotice(s, facts(n)) : undefined;
  }
}

/**
 * The payment journal: a record of every money call, written before its bytes leave and moved forward as
 * the outcome becomes known, so that no payment is ever forgotten — not even one whose process was killed
 * between sending and reading the reply. A sweep later brings every unsettled entry to a final state.
 *
 * Entries hold what a later query needs and nothing secret: no key, token, password or signature.
 */
import { CampusPayError } from './errors.js';
import { StoreError } from './store-call.js';

export type JournalGateway = 'onecard' | 'zhixiao';

/**
 * Where a payment stands. States only move forward (see JOURNAL_RANK):
 * - `intent`: written before the request left; it may or may not have reached the gateway.
 * - `unknown`: the call ended without a trustworthy answer (OutcomeUnknownError), or its process died.
 * - `pending`: the gateway took the order and waits for the payer (recharge, createOrder).
 * - `needs-review`: no query can tell what happened; a person decides, with `evidence`.
 * - `succeeded`: the money moved (paid, charged, transferred, refunded).
 * - `failed`: the money did not move and will not (refused, never sent, closed, expired).
 */
export type JournalState = 'intent' | 'unknown' | 'pending' | 'needs-review' | 'succeeded' | 'failed';

/** Rank of each state: an entry moves only to a higher rank. `needs-review` can still be settled by hand. */
export const JOURNAL_RANK: Readonly<Record<JournalState, number>> = {
  intent: 0,
  unknown: 1,
  pending: 2,
  'needs-review': 3,
  succeeded: 4,
  failed: 4,
};

/** The states a payment ends in. */
export const FINAL_STATES: readonly JournalState[] = ['succeeded', 'failed'];

export const isFinal = (s: JournalState): boolean => JOURNAL_RANK[s] === 4;

/** What to call to learn the outcome later: an SDK query method and its arguments. */
export interface JournalQuery {
  method: string;
  params: Record<string, string | number>;
}

export interface JournalEntry {
  /** Stable id of this payment: tenant, method and order key (see journalId). */
  id: string;
  gateway: JournalGateway;
  /** The credential set that made the call: gateway URL and app key (Zhixiao: base URL and appid). */
  tenant: string;
  /** The SDK method, e.g. `recharge`, `createOrder`, `refundOrder`, `transfer`, `payByBarcode`. */
  method: string;
  /** The merchant's order number, or the caller's `journalKey` (or a generated one) where the method has none. */
  orderKey: string;
  /** Amount in fen. */
  amount: number;
  state: JournalState;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
  /** What a later query needs, when the protocol has a query for this method. */
  query?: JournalQuery | undefined;
  /** Non-secret request facts the resolver may need (e.g. the card account of a transfer). */
  context?: Record<string, string | number> | undefined;
  /** The gateway's ids once known (out_id, trade_no…). */
  refs?: Record<string, string> | undefined;
  /** The gateway's code of a refusal. */
  code?: string | undefined;
  /** One line: why the entry is in its state (no secrets). */
  note?: string | undefined;
  /** What the resolver gathered for a `needs-review` entry (balances, query answers). */
  evidence?: Record<string, unknown> | undefined;
  /** When `onSettled` was delivered for the final state (absent: not yet, or it failed and is due again). */
  announcedAt?: number | undefined;
}

/** A move of one entry: the new state and what was learned. */
export interface JournalTransition {
  state: JournalState;
  at: number;
  refs?: Record<string, string> | undefined;
  code?: string | undefined;
  note?: string | undefined;
  evidence?: Record<string, unknown> | undefined;
}

export interface JournalFilter {
  /** Only these states (default: every state that is not final). */
  states?: readonly JournalState[];
  /** Only entries last updated before this epoch millisecond. */
  updatedBefore?: number;
  gateway?: JournalGateway;
  tenant?: string;
}

/**
 * Where journal entries live. Implementations: MemoryJournalStore, FileJournalStore, RedisJournalStore
 * (`campus-pay/redis`), and the PostgreSQL recipe in examples/recipes. Every method must be atomic with
 * respect to other processes sharing the store.
 */
export interface JournalStore {
  /** Writes a new entry; resolves false (writing nothing) if an entry with this id exists. Durable on resolve. */
  create(entry: JournalEntry): Promise<boolean>;
  /**
   * Moves an entry forward, atomically: applies `t` only if its state ranks higher than the stored one
   * (or equals it, to add refs or evidence). `moved` is true only for the caller whose move changed the
   * state: that caller, and no other, announces a final state.
   */
  advance(id: string, t: JournalTransition): Promise<{ entry: JournalEntry; moved: boolean } | undefined>;
  /** Records that `onSettled` was delivered for the entry's state (a later move clears it: see applyTransition). */
  markAnnounced(id: string, at: number): Promise<void>;
  get(id: string): Promise<JournalEntry | undefined>;
  /** Entries matching the filter, in no particular order; streamed, so memory stays flat. */
  list(filter?: JournalFilter): AsyncIterable<JournalEntry>;
}

/** The journal refused a call: an entry for this order exists already, or the journal is misused. */
export class JournalError extends CampusPayError {
  readonly entryId: string | undefined;
  readonly entryState: JournalState | undefined;
  constructor(message: string, entry?: Pick<JournalEntry, 'id' | 'state'>) {
    super('journal', message);
    this.entryId = entry?.id;
    this.entryState = entry?.state;
  }
}

/**
 * A listing met stored entries it could not read. Every other matching entry was listed before this was
 * thrown (a damaged entry never stops the rest); these are named, never used. A sweep reports them among
 * its errors and goes on.
 */
export class UnreadableEntriesError extends StoreError {
  /** The ids of the entries that could not be read. */
  readonly entryIds: readonly string[];
  constructor(entryIds: readonly string[], where = '') {
    const shown = entryIds.slice(0, 5).join(', ');
    const more = entryIds.length > 5 ? ` and ${entryIds.length - 5} more` : '';
    super({
      store: 'journal',
      operation: 'list',
      reason: 'malformed',
      message: `${entryIds.length} malformed entr${entryIds.length === 1 ? 'y' : 'ies'}${where}, skipped: ${shown}${more}`,
    });
    this.entryIds = [...entryIds];
  }
}

/** The id of a payment: one per tenant, method and order key. */
export function journalId(tenant: string, method: string, orderKey: string): string {
  return `${tenant}|${method}|${orderKey}`;
}

/**
 * The one rule of every store: the entry after `t`, and whether the state moved. Stores that cannot run
 * this function atomically (Redis, SQL) implement the same rule in their own language; the shared store
 * tests hold every implementation to it.
 */
export function applyTransition(
  entry: JournalEntry,
  t: JournalTransition,
): { entry: JournalEntry; moved: boolean } {
  const from = JOURNAL_RANK[entry.state];
  const to = JOURNAL_RANK[t.state];
  if (to < from || (to === from && t.state !== entry.state)) return { entry, moved: false };
  const moved = t.state !== entry.state;
  const next: JournalEntry = {
    ...entry,
    state: t.state,
    updatedAt: Math.max(entry.updatedAt, t.at),
    refs: t.refs ? { ...entry.refs, ...t.refs } : entry.refs,
    code: t.code ?? entry.code,
    note: t.note ?? entry.note,
    evidence: t.evidence ? { ...entry.evidence, ...t.evidence } : entry.evidence,
    // announcedAt belongs to the state it announced: a new state is due to be announced again.
    announcedAt: moved ? undefined : entry.announcedAt,
  };
  return { entry: next, moved };
}

/** Whether an entry passes a filter; stores that filter in memory share it. */
export function matchesFilter(e: JournalEntry, f: JournalFilter = {}): boolean {
  const states = f.states ?? (Object.keys(JOURNAL_RANK) as JournalState[]).filter((s) => !isFinal(s));
  if (!states.includes(e.state)) return false;
  if (f.updatedBefore !== undefined && e.updatedAt >= f.updatedBefore) return false;
  if (f.gateway !== undefined && e.gateway !== f.gateway) return false;
  return f.tenant === undefined || e.tenant === f.tenant;
}

/** One process: enough for tests and scripts; use a file, Redis or SQL journal for real money. */
export class MemoryJournalStore implements JournalStore {
  readonly #entries = new Map<string, JournalEntry>();

  async create(entry: JournalEntry): Promise<boolean> {
    if (this.#entries.has(entry.id)) return false;
    this.#entries.set(entry.id, structuredClone(entry));
    return true;
  }

  async advance(id: string, t: JournalTransition) {
    const e = this.#entries.get(id);
    if (!e) return undefined;
    const out = applyTransition(e, t);
    this.#entries.set(id, out.entry);
    return { entry: structuredClone(out.entry), moved: out.moved };
  }

  async markAnnounced(id: string, at: number): Promise<void> {
    const e = this.#entries.get(id);
    if (e) e.announcedAt = at;
  }

  async get(id: string): Promise<JournalEntry | undefined> {
    const e = this.#entries.get(id);
    return e && structuredClone(e);
  }

  async *list(filter?: JournalFilter): AsyncIterable<JournalEntry> {
    for (const e of [...this.#entries.values()]) if (matchesFilter(e, filter)) yield structuredClone(e);
  }
}

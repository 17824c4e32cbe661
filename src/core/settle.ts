/**
 * Settlement: what is learned about an order (from a reply, a notice, a query or a sweep) moves its journal
 * entry forward, and each final state is announced once through the `onSettled` option. With a journal,
 * the process whose `advance` moved the entry announces, then records `announcedAt`; without one, a claim
 * in the dedupe store per tenant, method, order and state stands in for the journal's `moved`.
 * See docs/settlement.md.
 */
import { randomUUID } from 'node:crypto';
import type { DedupeStore } from './dedupe.js';
import { MemoryDedupeStore } from './dedupe.js';
import { ConfigurationError, GatewayError } from './errors.js';
import {
  type JournalEntry,
  type JournalGateway,
  type JournalState,
  type JournalStore,
  type JournalTransition,
  journalId,
} from './journal.js';
import { cleanTransition } from './journal-check.js';
import { failureOf, type JournalClientOptions, successOf } from './journal-hook.js';
import type { MethodSpec } from './method.js';
import type { GatewayResolver } from './resolve.js';
import { storeCall } from './store-call.js';

/** The states `onSettled` announces: the two final ones, and `needs-review` (a person must decide). */
export type SettledState = 'succeeded' | 'failed' | 'needs-review';

/** Where the settlement was learned. */
export type SettledSource = 'reply' | 'notice' | 'query' | 'sweep';

/** One order reached a state worth acting on. Delivered once per order and state (see docs/settlement.md). */
export interface SettlementEvent {
  /** The journal entry's id (`tenant|method|orderKey`, the same without a journal). */
  entryId: string;
  gateway: JournalGateway;
  /** Gateway URL and app key (Zhixiao: base URL and appid) of the client that learned it. */
  tenant: string;
  /** The SDK money method: `recharge`, `createOrder`, `refundOrder`, `transfer`, `payByBarcode`. */
  method: string;
  /** The merchant's order number, or the call's journal key where the method has none. */
  orderKey: string;
  /** Amount in fen (0 when the journal learned the order from a Zhixiao notice, which carries none). */
  amount: number;
  state: SettledState;
  source: SettledSource;
  /** The gateway's ids (out_id, order_id, pay_time…). */
  refs: Record<string, string>;
  /** Request facts the journal keeps (a transfer's card account, the order number of a refund). */
  context?: Record<string, string | number> | undefined;
  /** The gateway's code, when a refusal or a status code decided. */
  code?: string | undefined;
  /** One line: why this state. */
  note?: string | undefined;
  /** What a person needs to decide a `needs-review` order (balances, query answers). */
  evidence?: Record<string, unknown> | undefined;
}

/** Your handler of settlement events. Resolve once acted on durably; a throw leaves the event due again. */
export type OnSettled = (event: SettlementEvent) => unknown | Promise<unknown>;

/** The client options of settlement, shared by both clients (the journal is JournalClientOptions'). */
export interface SettlementOptions {
  /**
   * Called once per order and final state (and for `needs-review`), whether learned from a reply, a
   * notice, a query or a sweep. A throw does not lose the event: with a journal the entry stays
   * unannounced and the next sweep announces it again; without one, the next time the state is learned.
   */
  onSettled?: OnSettled;
  /**
   * Where announcement claims live (default: in this process). Share one (RedisDedupeStore) between
   * instances that share a journal, so two sweepers never announce the same entry together.
   */
  dedupeStore?: DedupeStore;
  /**
   * How long after it was made an order the gateway does not know counts as never made (failed), and an
   * order still waiting for its payer needs a person. Default: OneCard 2 hours, Zhixiao 1 hour (2.1).
   */
  orderLifeMs?: number;
}

/** How long a claim protects an announcement in progress (its `onSettled` should end well within it). */
const CLAIM_TTL_MS = 60_000;
/** How long an announcement without a journal is remembered (a month of repeated notices and queries). */
const SETTLED_TTL_MS = 31 * 24 * 3600_000;

const ANNOUNCED: readonly JournalState[] = ['succeeded', 'failed', 'needs-review'];
/** Whether `onSettled` announces this state. */
export const isAnnounced = (s: JournalState): s is SettledState => ANNOUNCED.includes(s);

/** An order as settlement needs it: enough to name, create and announce its entry. */
export interface SettleTarget {
  method: string;
  orderKey: string;
  amount: number;
  context?: Record<string, string | number> | undefined;
  /** The stored entry, when already read. */
  entry?: JournalEntry | undefined;
}

export interface Learned {
  /** The entry after the move, when the journal has one. */
  entry?: JournalEntry | undefined;
  /** This call moved the entry (or, without a journal, won the claim). */
  moved: boolean;
  /** `onSettled` ran and resolved. */
  announced: boolean;
  /** What `onSettled` (or the claim) threw; the event is due again. */
  error?: unknown;
}

type Announced = Pick<Learned, 'announced' | 'error'>;

export class Settlement {
  readonly gateway: JournalGateway;
  readonly tenant: string;
  readonly journal: JournalStore | undefined;
  readonly resolver: GatewayResolver;
  /** The client's `journalTimeoutMs`: the bound of one journal operation. */
  readonly journalTimeoutMs: number | undefined;
  readonly #dedupe: DedupeStore;
  readonly #onSettled: OnSettled | undefined;

  constructor(init: {
    gateway: JournalGateway;
    tenant: string;
    resolver: GatewayResolver;
    /** The client's options; `journal` was checked by paymentJournal. */
    options: SettlementOptions & JournalClientOptions;
  }) {
    const o = init.options;
    checkSettlementOptions(o);
    this.gateway = init.gateway;
    this.tenant = init.tenant;
    this.resolver = init.resolver;
    this.journal = o.journal;
    this.journalTimeoutMs = o.journalTimeoutMs;
    this.#onSettled = o.onSettled;
    this.#dedupe = o.dedupeStore ?? new MemoryDedupeStore();
  }

  /** Something listens: notices and replies feed the journal or announce. */
  get active(): boolean {
    return this.journal !== undefined || this.#onSettled !== undefined;
  }

  /** Whether `onSettled` is configured. */
  get announces(): boolean {
    return this.#onSettled !== undefined;
  }

  idOf(method: string, orderKey: string): string {
    return journalId(this.tenant, method, orderKey);
  }

  /**
   * Applies what was learned about one order. With a journal entry: advances it and, if this call moved
   * it to an announced state, announces. With `create`, an order the journal does not know (made before
   * the journal was enabled) gets an entry first. Without an entry: claims and announces.
   */
  async learn(
    order: SettleTarget,
    t: JournalTransition,
    source: SettledSource,
    opts: { signal?: AbortSignal | undefined; create?: boolean } = {},
  ): Promise<Learned> {
    const j = this.journal;
    const call = { signal: opts.signal, timeoutMs: this.journalTimeoutMs };
    t = cleanTransition(t);
    if (j) {
      const id = order.entry?.id ?? this.idOf(order.method, order.orderKey);
      let out = await storeCall('journal', 'advance', () => j.advance(id, t), call);
      if (!out && opts.create) {
        const entry = this.#newEntry(id, order, t.at);
        await storeCall('journal', 'create', () => j.create(entry), call);
        out = await storeCall('journal', 'advance', () => j.advance(id, t), call);
      }
      if (out) {
        const announce = out.moved && isAnnounced(out.entry.state);
        const a = announce ? await this.announce(out.entry, source, opts.signal) : { announced: false };
        return { entry: out.entry, moved: out.moved, ...a };
      }
    }
    if (!isAnnounced(t.state) || !this.#onSettled) return { moved: false, announced: false };
    const key = `campus-pay:settled:${this.tenant}:${order.method}:${order.orderKey}:${t.state}`;
    const event: SettlementEvent = {
      entryId: this.idOf(order.method, order.orderKey),
      gateway: this.gateway,
      tenant: this.tenant,
      method: order.method,
      orderKey: order.orderKey,
      amount: order.amount,
      state: t.state,
      source,
      refs: { ...t.refs },
      context: order.context,
      code: t.code,
      note: t.note,
      evidence: t.evidence,
    };
    const a = await this.#fire(key, event, SETTLED_TTL_MS, opts.signal);
    return { moved: a.announced, ...a };
  }

  /** Announces an entry's state once: claims it, runs `onSettled`, then records `announcedAt`. */
  announce(entry: JournalEntry, source: SettledSource, signal?: AbortSignal): Promise<Announced> {
    if (!isAnnounced(entry.state)) return Promise.resolve({ announced: false });
    const j = this.journal;
    return this.#fire(
      `campus-pay:announce:${entry.id}:${entry.state}`,
      {
        entryId: entry.id,
        gateway: entry.gateway,
        tenant: entry.tenant,
        method: entry.method,
        orderKey: entry.orderKey,
        amount: entry.amount,
        state: entry.state,
        source,
        refs: { ...entry.refs },
        context: entry.context,
        code: entry.code,
        note: entry.note,
        evidence: entry.evidence,
      },
      CLAIM_TTL_MS,
      signal,
      j &&
        (() =>
          storeCall('journal', 'markAnnounced', () => j.markAnnounced(entry.id, Date.now()), {
            timeoutMs: this.journalTimeoutMs,
          })),
    );
  }

  async #fire(
    key: string,
    event: SettlementEvent,
    doneTtlMs: number,
    signal: AbortSignal | undefined,
    recorded?: () => Promise<void>,
  ): Promise<Announced> {
    const onSettled = this.#onSettled;
    if (!onSettled) return { announced: false };
    const dedupe = this.#dedupe;
    try {
      const claim = await storeCall('dedupe', 'claim', () => dedupe.claim(key, CLAIM_TTL_MS), { signal });
      if (claim !== 'claimed') return { announced: false };
    } catch (error) {
      warn(event, 'the dedupe store failed to claim it', error);
      return { announced: false, error };
    }
    try {
      await onSettled(event);
    } catch (error) {
      await storeCall('dedupe', 'release', () => dedupe.release(key)).catch(() => undefined);
      warn(event, 'onSettled threw', error);
      return { announced: false, error };
    }
    try {
      await recorded?.();
    } catch (error) {
      warn(event, 'the journal failed to record announcedAt (a later sweep may announce it again)', error);
    }
    await storeCall('dedupe', 'complete', () => dedupe.complete(key, doneTtlMs)).catch(() => undefined);
    return { announced: true };
  }

  #newEntry(id: string, order: SettleTarget, at: number): JournalEntry {
    return {
      id,
      gateway: this.gateway,
      tenant: this.tenant,
      method: order.method,
      orderKey: order.orderKey,
      amount: order.amount,
      state: 'pending',
      createdAt: at,
      updatedAt: at,
      note: 'entered from a notice: the journal had no entry for this order',
    };
  }
}

/** A failed announcement is never thrown into a reply or a sweep: it is reported and stays due. */
function warn(event: SettlementEvent, what: string, error: unknown) {
  const name = error instanceof Error ? error.name : typeof error;
  process.emitWarning(
    `campus-pay: ${what} for ${event.method} ${event.orderKey} (${event.state}, ${name}); the event is due again`,
    'CampusPaySettlementWarning',
  );
}

/** The settlement options are checked at construction, like every other option. */
function checkSettlementOptions(o: SettlementOptions) {
  const fns = (v: unknown, names: readonly string[]) =>
    typeof v === 'object' &&
    v !== null &&
    names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function');
  if (o.dedupeStore !== undefined && !fns(o.dedupeStore, ['claim', 'complete', 'release']))
    throw new ConfigurationError('dedupeStore', 'must be a DedupeStore (claim, complete, release)');
  if (o.onSettled !== undefined && typeof o.onSettled !== 'function')
    throw new ConfigurationError('onSettled', 'must be a function taking a SettlementEvent');
  const life = o.orderLifeMs;
  if (life !== undefined && !(typeof life === 'number' && Number.isFinite(life) && life > 0))
    throw new ConfigurationError('orderLifeMs', 'must be a positive finite number of milliseconds');
}

/** What a verified notice says: this order is paid. */
export interface NoticeFacts {
  method: string;
  orderKey: string;
  /** The amount the notice names, in fen (Zhixiao notices name none). */
  amount?: number | undefined;
  refs: Record<string, string>;
  note: string;
}

/**
 * Feeds a verified paid notice to the journal (creating the entry of an order made before the journal was
 * enabled) and announces it once. A notice whose amount differs from the journal's needs a person. Throws
 * when the journal cannot record it, or — without a journal entry — when `onSettled` threw: the handler
 * then answers the gateway's fail word, and the gateway's next delivery tries again.
 */
export async function settleNotice(s: Settlement, n: NoticeFacts | undefined): Promise<void> {
  if (!n || !s.active) return;
  const j = s.journal;
  const id = s.idOf(n.method, n.orderKey);
  const stored = j
    ? await storeCall('journal', 'get', () => j.get(id), { timeoutMs: s.journalTimeoutMs })
    : undefined;
  const at = Date.now();
  const t: JournalTransition =
    n.amount !== undefined && stored !== undefined && stored.amount !== n.amount
      ? {
          state: 'needs-review',
          at,
          refs: n.refs,
          note: `a paid notice names ${n.amount} fen, the journal ${stored.amount} fen`,
          evidence: {
            noticeAmount: n.amount,
            journalAmount: stored.amount,
            checkedAt: new Date(at).toISOString(),
          },
        }
      : { state: 'succeeded', at, refs: n.refs, note: n.note };
  const learned = await s.learn(
    { method: n.method, orderKey: n.orderKey, amount: n.amount ?? stored?.amount ?? 0, entry: stored },
    t,
    'notice',
    { create: true },
  );
  if (learned.error !== undefined && learned.entry === undefined) throw learned.error;
}

/**
 * A money call's reply without a journal: the journal's own path (journal-hook.ts) announces what it moves,
 * so only a client with `onSettled` and no journal announces here — a verified success or a refusal, by a
 * claim on the order (its order number, or a fresh id where the method has none). The call's own result
 * or error is what the caller gets, whatever onSettled does.
 */
export async function settleReply<T>(
  s: Settlement,
  name: string,
  spec: MethodSpec,
  req: unknown,
  result: Promise<T>,
): Promise<T> {
  const j = spec.journal;
  if (!j || s.journal || !s.announces) return result;
  const learn = (t: Omit<JournalTransition, 'at'>) => {
    if (!isAnnounced(t.state)) return;
    const r = req as Record<string, unknown>;
    const orderKey = j.orderKey ? String(r[j.orderKey]) : randomUUID();
    const context = Object.fromEntries((j.context ?? []).map((f) => [f, r[f]]).filter(([, v]) => scalar(v)));
    const order = { method: name, orderKey, amount: Number(r[j.amount]), context };
    return s.learn(order, { ...t, at: Date.now() }, 'reply');
  };
  let out: T;
  try {
    out = await result;
  } catch (err) {
    if (err instanceof GatewayError) await learn(failureOf(j, err));
    throw err;
  }
  await learn(successOf(j, out));
  return out;
}

const scalar = (v: unknown): v is string | number => typeof v === 'string' || typeof v === 'number';

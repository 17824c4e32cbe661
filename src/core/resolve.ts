/**
 * Bringing one order to a final state, the generic part: a gateway's resolver (src/<gateway>/resolve.ts)
 * says what its query's answers mean; this file polls that query with backoff up to a deadline and
 * records what it learned through the settlement (journal and onSettled). See docs/settlement.md.
 */
import {
  CampusPayError,
  DecryptionError,
  GatewayError,
  ProtocolError,
  SignatureError,
  TransportError,
  ValidationError,
  type ValidationIssue,
} from './errors.js';
import { isFinal, type JournalEntry, type JournalGateway, type JournalState } from './journal.js';
import { abortedWhileWaiting } from './limiter.js';
import type { OptionRule } from './options.js';
import { CALL_OPTIONS, checkCallOptions } from './pipeline.js';
import { isAnnounced, type SettledSource, type Settlement } from './settle.js';
import { storeCall } from './store-call.js';
import { backoff } from './transport.js';

/** An order named without a journal entry: for callers with no journal, and for reconciliation. */
export interface OrderRef {
  /**
   * The SDK money method that made it (default: the gateway's method with a query, OneCard `recharge`,
   * Zhixiao `createOrder`).
   */
  method?: string;
  /** The merchant's order number (`order_no`, `out_trade_no`), or your own key where the method has none. */
  orderKey: string;
  /** Request facts besides the order number: `out_id` (recharge), `account`, `src_acctype`… (transfer). */
  params?: Record<string, string | number>;
  /** Amount in fen. */
  amount: number;
  /**
   * When the order was made. An order the gateway does not know counts as never made only once older
   * than the order life; without `createdAt` it never does.
   */
  createdAt?: number | Date;
}

/** An order as a resolver sees it, from a journal entry or a reference. */
export interface OrderFacts {
  method: string;
  orderKey: string;
  amount: number;
  /** Epoch milliseconds, when known. */
  createdAt: number | undefined;
  /** The entry's context, or the reference's params. */
  params: Record<string, string | number>;
  /** The gateway's ids known so far. */
  refs: Record<string, string>;
  entry: JournalEntry | undefined;
}

/** What one answer of the gateway means for an order. */
export interface Verdict {
  /** `pending` and `unknown` are not settled yet; `needs-review` waits for a person. */
  state: Exclude<JournalState, 'intent'>;
  /** One line: why. */
  note: string;
  refs?: Record<string, string> | undefined;
  code?: string | undefined;
  evidence?: Record<string, unknown> | undefined;
  /** The query's reply. */
  reply?: unknown;
  /** The amount in fen the gateway's answer names, when it names one. */
  amount?: number | undefined;
  /** The gateway says it has no such order. */
  missing?: boolean;
  /** The gateway refused to answer for this order number and amount (OneCard 60002): the amount may differ. */
  amountRefused?: boolean;
  /** No query of the protocol can tell this method's outcome. */
  unqueryable?: boolean;
}

/** `query`: a query tells the outcome, polled until final. `review`: none can; evidence for a person. */
export type Resolution = 'query' | 'review';

/** What a gateway contributes to resolving: its money methods and what its query answers mean. */
export interface GatewayResolver {
  readonly gateway: JournalGateway;
  /** How each money method is resolved. */
  readonly methods: Readonly<Record<string, Resolution>>;
  /** The method of a reference that names none: the one with a query. */
  readonly defaultMethod: string;
  /** What the facts lack for this method, checked before any I/O. */
  issues(facts: OrderFacts): ValidationIssue[];
  /** One query (for `review` methods: the evidence). Throws what the query threw. */
  ask(facts: OrderFacts, opts: { signal?: AbortSignal | undefined; deadlineMs?: number }): Promise<Verdict>;
  /** The gateway asks callers to slow down (OneCard 40014 调用次数超限, 系统繁忙). */
  throttled(err: unknown): boolean;
}

export interface ResolveOptions {
  /**
   * How long to keep polling an order that is not final yet (default 30 000 ms). 0 asks once. Methods
   * no query can tell are never polled.
   */
  deadlineMs?: number;
  signal?: AbortSignal;
}

export interface ResolveResult {
  /** With a journal, the entry's state after this call; without one, what the gateway's answer means. */
  state: JournalState;
  entry?: JournalEntry | undefined;
  /** What was gathered for a person (`needs-review`). */
  evidence?: Record<string, unknown> | undefined;
  /** The query's reply, when a query answered. */
  reply?: unknown;
  /** One line: why. */
  note?: string | undefined;
  /** This call delivered the state to `onSettled`. */
  announced?: boolean;
}

export const DEFAULT_RESOLVE_DEADLINE_MS = 30_000;
const POLL_FIRST_MS = 500;
const POLL_MAX_MS = 8_000;

/**
 * Resolves one order: reads its entry (a final entry is returned as it is, without I/O), asks the gateway
 * until the answer is settled or the deadline passes, and records the answer. Throws the last query error
 * when no answer came before the deadline, and at once an error no waiting can fix.
 */
export async function resolveOrder(
  s: Settlement,
  target: JournalEntry | OrderRef,
  opts: ResolveOptions = {},
  source: SettledSource = 'query',
): Promise<ResolveResult> {
  checkResolveOptions(opts);
  let facts = orderFacts(s, target);
  const j = s.journal;
  if (j) {
    const id = facts.entry?.id ?? s.idOf(facts.method, facts.orderKey);
    const stored = await storeCall('journal', 'get', () => j.get(id), {
      signal: opts.signal,
      timeoutMs: s.journalTimeoutMs,
    });
    if (stored) {
      facts = { ...entryFacts(stored), refs: { ...facts.refs, ...stored.refs } };
      if (isFinal(stored.state)) return { state: stored.state, entry: stored, note: stored.note };
    }
  }
  const verdict =
    s.resolver.methods[facts.method] === 'query'
      ? await poll(s, facts, opts.deadlineMs ?? DEFAULT_RESOLVE_DEADLINE_MS, opts.signal)
      : await s.resolver.ask(facts, { signal: opts.signal });
  const learned = await s.learn(
    facts,
    {
      state: verdict.state,
      at: Date.now(),
      refs: verdict.refs,
      code: verdict.code,
      note: verdict.note,
      evidence: verdict.evidence,
    },
    source,
    { signal: opts.signal },
  );
  return {
    state: learned.entry?.state ?? verdict.state,
    entry: learned.entry,
    evidence: verdict.evidence,
    reply: verdict.reply,
    note: verdict.note,
    announced: learned.announced,
  };
}

/** One answer about an order, recording nothing: what reconciliation compares. Review methods ask nothing. */
export async function checkOrder(
  s: Settlement,
  ref: OrderRef,
  opts: { signal?: AbortSignal | undefined } = {},
): Promise<Verdict> {
  const facts = orderFacts(s, ref);
  if (s.resolver.methods[facts.method] === 'review')
    return {
      state: 'needs-review',
      unqueryable: true,
      note: `no query of the ${s.gateway} protocol reports ${facts.method}`,
    };
  return s.resolver.ask(facts, opts);
}

/**
 * An order the gateway says it does not know. If the gateway once answered for it, that is a contradiction
 * for a person; if it is older than the order life, the request never arrived (failed); otherwise it may
 * still be on its way (unknown: ask again later).
 */
export function missingVerdict(
  facts: OrderFacts,
  lifeMs: number,
  what: string,
  extra: Partial<Verdict>,
): Verdict {
  const answered =
    facts.entry !== undefined && facts.entry.state !== 'intent' && facts.entry.state !== 'unknown';
  const base = {
    ...extra,
    missing: true,
    evidence: { ...extra.evidence, checkedAt: new Date().toISOString() },
  };
  if (answered || Object.keys(facts.refs).length > 0)
    return { ...base, state: 'needs-review', note: `${what}, yet the gateway answered this order before` };
  if (olderThan(facts, lifeMs))
    return {
      ...base,
      state: 'failed',
      note: `${what}, and the order is older than the order life: it never arrived`,
    };
  return { ...base, state: 'unknown', note: `${what} yet: the request may still be on its way` };
}

/** An order still waiting for its payer or its crediting: pending, or a person's once past the order life. */
export function waitingVerdict(
  facts: OrderFacts,
  lifeMs: number,
  what: string,
  extra: Partial<Verdict>,
): Verdict {
  if (!olderThan(facts, lifeMs)) return { ...extra, state: 'pending', note: what };
  return {
    ...extra,
    state: 'needs-review',
    note: `${what}, still after the order life (${Math.round(lifeMs / 60_000)} min)`,
    evidence: { ...extra.evidence, checkedAt: new Date().toISOString() },
  };
}

/** The journal's intent, for a person reading the evidence: what was asked, for how much, when. */
export function intentOf(facts: OrderFacts): Record<string, unknown> {
  return {
    method: facts.method,
    orderKey: facts.orderKey,
    amount: facts.amount,
    ...(facts.createdAt === undefined ? {} : { at: new Date(facts.createdAt).toISOString() }),
    ...facts.params,
  };
}

const olderThan = (facts: OrderFacts, ms: number) =>
  facts.createdAt !== undefined && Date.now() - facts.createdAt > ms;

/**
 * An error in one line for evidence and summaries. Only the SDK's own messages are kept (they never hold a
 * secret, see errors.ts); of any other error, only its class.
 */
export function describeError(err: unknown): string {
  if (!(err instanceof CampusPayError)) return err instanceof Error ? err.name : typeof err;
  const code = err instanceof GatewayError ? ` ${err.gatewayCode}` : '';
  return `${err.name}${code}: ${err.message}`;
}

/** Settled enough to stop polling: final, or a person's to decide. */
const settled = (state: JournalState) => isAnnounced(state);

/** Faults that waiting may cure; anything else (a refusal, bad configuration) is thrown at once. */
function curable(s: Settlement, err: unknown): boolean {
  return (
    s.resolver.throttled(err) ||
    err instanceof TransportError ||
    err instanceof ProtocolError ||
    err instanceof SignatureError ||
    err instanceof DecryptionError
  );
}

async function poll(s: Settlement, facts: OrderFacts, deadlineMs: number, signal?: AbortSignal) {
  const until = Date.now() + deadlineMs;
  let wait = POLL_FIRST_MS;
  let last: Verdict | undefined;
  for (;;) {
    let failure: unknown;
    const left = until - Date.now();
    try {
      last = await s.resolver.ask(facts, { signal, ...(left > 0 ? { deadlineMs: left } : {}) });
      if (settled(last.state)) return last;
    } catch (err) {
      if (signal?.aborted || !curable(s, err)) throw err;
      failure = err;
      // A gateway that asks to slow down gets a longer pause than one that merely failed.
      if (s.resolver.throttled(err)) wait = Math.min(POLL_MAX_MS, wait * 2);
    }
    const pause = wait / 2 + (Math.random() * wait) / 2;
    if (Date.now() + pause >= until) {
      if (last) return last;
      throw failure;
    }
    await backoff(pause, signal);
    if (signal?.aborted) throw abortedWhileWaiting('resolve');
    wait = Math.min(POLL_MAX_MS, wait * 2);
  }
}

function entryFacts(e: JournalEntry): OrderFacts {
  return {
    method: e.method,
    orderKey: e.orderKey,
    amount: e.amount,
    createdAt: e.createdAt,
    params: { ...e.context },
    refs: { ...e.refs },
    entry: e,
  };
}

const isEntry = (t: object): t is JournalEntry => 'id' in t && 'state' in t && 'tenant' in t;

/** A journal entry or a reference, checked and normalised before any I/O. */
export function orderFacts(s: Settlement, target: JournalEntry | OrderRef): OrderFacts {
  const fail = (issues: ValidationIssue[]) => new ValidationError('resolve', 'request', issues);
  if (typeof target !== 'object' || target === null)
    throw fail([
      {
        path: '(root)',
        message: 'must be a journal entry or an order reference { method, orderKey, amount }',
      },
    ]);
  const issues: ValidationIssue[] = [];
  let facts: OrderFacts;
  if (isEntry(target)) {
    if (target.gateway !== s.gateway || target.tenant !== s.tenant)
      issues.push({
        path: 'tenant',
        message: `belongs to ${target.tenant}, not to this client (${s.tenant})`,
      });
    facts = entryFacts(target);
  } else {
    const { method = s.resolver.defaultMethod, orderKey, params, amount, createdAt } = target;
    if (typeof orderKey !== 'string' || orderKey === '')
      issues.push({ path: 'orderKey', message: 'must be a non-empty string: the order number' });
    if (!(typeof amount === 'number' && Number.isSafeInteger(amount) && amount > 0))
      issues.push({ path: 'amount', message: 'must be an amount in integer fen greater than 0' });
    const at = createdAt instanceof Date ? createdAt.getTime() : createdAt;
    if (at !== undefined && !(typeof at === 'number' && Number.isFinite(at)))
      issues.push({ path: 'createdAt', message: 'must be a valid Date or epoch milliseconds' });
    if (params !== undefined && (typeof params !== 'object' || params === null))
      issues.push({ path: 'params', message: 'must be an object of strings and numbers' });
    facts = {
      method,
      orderKey: typeof orderKey === 'string' ? orderKey : '',
      amount,
      createdAt: at,
      params: { ...params },
      refs: {},
      entry: undefined,
    };
  }
  if (typeof facts.method !== 'string' || !Object.hasOwn(s.resolver.methods, facts.method))
    issues.push({
      path: 'method',
      message: `must be a money method of ${s.gateway}: ${Object.keys(s.resolver.methods).join(', ')}`,
    });
  else issues.push(...s.resolver.issues(facts));
  if (issues.length > 0) throw fail(issues);
  return facts;
}

/** The call options' rules, but `deadlineMs` may be 0 (ask once). */
const RESOLVE_OPTIONS: Readonly<Record<string, OptionRule>> = {
  ...CALL_OPTIONS,
  deadlineMs: (d) =>
    typeof d === 'number' && Number.isFinite(d) && d >= 0
      ? undefined
      : 'must be a finite number of milliseconds, 0 or more',
};

function checkResolveOptions(opts: ResolveOptions) {
  checkCallOptions(opts, 'resolve', RESOLVE_OPTIONS);
}

/**
 * The payment journal in the call path. The pipeline calls it at two points: `prepareJournal` right after
 * the request is validated (no I/O yet), and the JournaledCall it returns around the send — `intent()`
 * once the session (OneCard's token) is ready, before anything is sealed or sent, and `record()` around the
 * whole send, which writes the outcome. A journal that throws, hangs or refuses stops the call before its
 * bytes leave; a failed outcome write never changes what the caller gets (the entry stays at `intent`,
 * which the sweep treats as `unknown`).
 */
import { randomUUID } from 'node:crypto';
import {
  CampusPayError,
  ConfigurationError,
  GatewayError,
  OutcomeUnknownError,
  TransportError,
  ValidationError,
} from './errors.js';
import {
  type JournalEntry,
  JournalError,
  type JournalGateway,
  type JournalState,
  type JournalStore,
  type JournalTransition,
  journalId,
} from './journal.js';
import { cleanTransition } from './journal-check.js';
import type { JournalSpec, MethodSpec } from './method.js';
import type { JournalLog, Logger } from './observe.js';
import {
  type CallBounds,
  checkStoreTimeout,
  malformedRecord,
  type StoreCallOptions,
  StoreError,
  storeCall,
} from './store-call.js';

/** The journal options both clients take. */
export interface JournalClientOptions {
  /**
   * The payment journal: every money call (transfer, payByBarcode, recharge, createOrder, refundOrder) is
   * written here before its bytes leave and moved forward once its outcome is known; a second call for an
   * order already in the journal is refused with nothing sent. See docs/reliability.md, "Payment journal".
   */
  journal?: JournalStore;
  /** Upper bound of one journal write in milliseconds (default 5000): a journal that does not answer refuses the call. */
  journalTimeoutMs?: number;
}

/** The journal of one client: its store, and the tenant every entry of this client is filed under. */
export class PaymentJournal {
  constructor(
    readonly store: JournalStore,
    readonly gateway: JournalGateway,
    /** `${gatewayUrl}#${appKey}` (OneCard) or `${baseUrl}#${appId}` (Zhixiao), the URL normalised (tenantOf). */
    readonly tenant: string,
    readonly timeoutMs: number | undefined,
    readonly logger: Logger | undefined,
    /** Announces an entry this call moved to a settled state (onSettled, see settle.ts); never throws. */
    readonly announce?: (entry: JournalEntry) => Promise<unknown>,
  ) {}
}

const STORE_METHODS = ['create', 'advance', 'markAnnounced', 'get', 'list'] as const;

/** The client's journal from its options, checked at construction; undefined when it has none. */
export function paymentJournal(
  options: JournalClientOptions,
  gateway: JournalGateway,
  tenant: string,
  logger: Logger | undefined,
  announce?: (entry: JournalEntry) => Promise<unknown>,
): PaymentJournal | undefined {
  const timeoutMs =
    options.journalTimeoutMs === undefined
      ? undefined
      : checkStoreTimeout(options.journalTimeoutMs, 'journalTimeoutMs');
  const store = options.journal as unknown;
  if (store === undefined) return undefined;
  if (
    typeof store !== 'object' ||
    store === null ||
    STORE_METHODS.some((m) => typeof (store as never)[m] !== 'function')
  )
    throw new ConfigurationError('journal', `must be a JournalStore (${STORE_METHODS.join(', ')})`);
  return new PaymentJournal(store as JournalStore, gateway, tenant, timeoutMs, logger, announce);
}

/** A journalKey: what a caller names a payment by (an id from their own records). */
const JOURNAL_KEY = /^[^\p{Cc}]{1,128}$/u;
const JOURNAL_KEY_RULE = 'must be a string of 1 to 128 characters without control characters';

/** The `journalKey` call option's own rule; whether the method takes one is checked by prepareJournal. */
export const journalKeyRule = (v: unknown): string | undefined =>
  typeof v === 'string' && JOURNAL_KEY.test(v) ? undefined : JOURNAL_KEY_RULE;

/**
 * Point one, after validation and before any I/O: checks the `journalKey` call option and builds the entry
 * of a money call, or returns undefined when the call is not journaled (no journal, or not a money method).
 */
export function prepareJournal(
  journal: PaymentJournal | undefined,
  name: string,
  spec: MethodSpec,
  valid: Record<string, unknown>,
  opts: { journalKey?: unknown } & CallBounds,
): JournaledCall | undefined {
  const j = spec.journal;
  const key = opts.journalKey;
  if (key !== undefined) {
    const problem =
      journalKeyRule(key) ??
      (!j
        ? `is for money calls without an order number; ${name} writes no journal entry`
        : j.orderKey
          ? `is not taken: ${name} is journaled by its ${j.orderKey}`
          : !journal
            ? "needs the client's journal option (without it nothing records the key)"
            : undefined);
    if (problem)
      throw new ValidationError(name, 'request', [{ path: 'options.journalKey', message: problem }]);
  }
  if (!journal || !j) return undefined;
  const orderKey = j.orderKey ? String(valid[j.orderKey]) : ((key as string | undefined) ?? randomUUID());
  const query = spec.outcome?.(valid as never).query;
  const now = Date.now();
  const entry: JournalEntry = {
    id: journalId(journal.tenant, name, orderKey),
    gateway: journal.gateway,
    tenant: journal.tenant,
    method: name,
    orderKey,
    amount: Number(valid[j.amount]),
    state: 'intent',
    createdAt: now,
    updatedAt: now,
    query: query && { method: query.method, params: scalars(query.params) },
    context: j.context && scalars(valid, j.context),
  };
  return new JournaledCall(journal, entry, j, {
    timeoutMs: journal.timeoutMs,
    deadline: opts.deadline,
    signal: opts.signal,
  });
}

/** The string and number fields of `from` (all, or those named): what an entry may keep of a request. */
function scalars(from: Record<string, unknown>, names: readonly string[] = Object.keys(from)) {
  const out: Record<string, string | number> = {};
  for (const n of names) {
    const v = from[n];
    if (typeof v === 'string' || typeof v === 'number') out[n] = v;
  }
  return out;
}

/** Point two: one money call's entry, written before the send (`intent`) and after it (`record`). */
export class JournaledCall {
  #written = false;

  constructor(
    readonly journal: PaymentJournal,
    readonly entry: JournalEntry,
    readonly spec: JournalSpec,
    readonly limits: StoreCallOptions,
  ) {}

  /**
   * Writes the intent, under the call's deadline and signal. Throws StoreError when the journal fails or
   * hangs, JournalError when the order is in the journal already: nothing is sent either way.
   */
  async intent(): Promise<void> {
    const { store } = this.journal;
    // Started by storeCall, after its checks: a call already aborted or past its deadline writes nothing.
    let pending: Promise<boolean> | undefined;
    let created: unknown;
    try {
      created = await storeCall(
        'journal',
        'create',
        () => (pending = Promise.resolve(store.create(this.entry))),
        this.limits,
      );
    } catch (err) {
      if (pending && err instanceof StoreError && (err.reason === 'timeout' || err.reason === 'aborted'))
        this.#failLate(pending);
      throw err;
    }
    if (created === false) throw await this.#exists();
    if (created !== true) throw malformedRecord('journal', 'create', 'answer (neither true nor false)');
    this.#written = true;
  }

  /** Runs the send and writes its outcome; the send's own result or error is what the caller gets. */
  async record<T>(send: () => Promise<T>): Promise<T> {
    let out: T;
    try {
      out = await send();
    } catch (err) {
      if (this.#written) {
        if (err instanceof CampusPayError) err.journalId = this.entry.id;
        await this.#advance(failureOf(this.spec, err));
      }
      throw err;
    }
    if (this.#written) await this.#advance(successOf(this.spec, out));
    return out;
  }

  /** The refusal of a second call for the same order, naming the entry and its state. */
  async #exists(): Promise<JournalError> {
    const { store } = this.journal;
    const { id, orderKey } = this.entry;
    let state = 'its state could not be read';
    let found: JournalEntry | undefined;
    try {
      found = await storeCall('journal', 'get', () => store.get(id), this.limits);
      if (found) state = `state ${found.state}`;
    } catch (err) {
      if (err instanceof StoreError) state = `its state could not be read: ${err.reason}`;
    }
    const what = this.spec.orderKey ? `${this.spec.orderKey} ${orderKey}` : `journalKey ${orderKey}`;
    const err = new JournalError(
      `${what} is in the payment journal already (${state}); nothing was sent. A second call for one order is refused: settle the first (its entry says what to query) and give a new payment a new ${this.spec.orderKey ?? 'journalKey'}.`,
      { id, state: found?.state as JournalState },
    );
    err.journalId = id;
    return err;
  }

  /**
   * The intent write gave up (timeout, abort) but may still land: nothing was sent, so a late entry is
   * marked `failed` rather than left for the sweep to query.
   */
  #failLate(pending: Promise<boolean>) {
    pending.then(
      async (created) => {
        if (created === true)
          await this.#advance({
            state: 'failed',
            note: 'not sent: the journal answered after the call gave up',
          });
      },
      () => undefined,
    );
  }

  async #advance(t: Omit<JournalTransition, 'at'>): Promise<void> {
    const { store, logger, timeoutMs, announce } = this.journal;
    const { id } = this.entry;
    let error: string | undefined;
    let out: { entry: JournalEntry; moved: boolean } | undefined;
    try {
      const clean = cleanTransition({ ...t, at: Date.now() });
      out = await storeCall('journal', 'advance', () => store.advance(id, clean), { timeoutMs });
      if (out === undefined) error = 'entry not found';
    } catch (err) {
      error = err instanceof StoreError ? err.reason : err instanceof JournalError ? 'not JSON' : 'threw';
    }
    // This call moved the entry: it, and no other, announces the state learned from the reply.
    if (out?.moved) await announce?.(out.entry);
    if (error === undefined) return;
    const log: JournalLog = {
      method: this.entry.method,
      journalId: id,
      state: t.state,
      outcome: 'journal',
      error,
    };
    try {
      logger?.info(
        `campus-pay ${log.method} journal: the outcome (${t.state}) was not recorded (${error}); the entry stays at intent until a sweep settles it`,
        log,
      );
    } catch {
      // A logger that throws must not change a call's outcome.
    }
  }
}

/** A verified answer: the money moved (or the order now waits for the payer). */
export function successOf(spec: JournalSpec, reply: unknown): Omit<JournalTransition, 'at'> {
  const r = (typeof reply === 'object' && reply !== null ? reply : {}) as Record<string, unknown>;
  const refs: Record<string, string> = {};
  for (const [k, v] of Object.entries(scalars(r, spec.refs ?? []))) refs[k] = String(v);
  return { state: spec.onReply, ...(Object.keys(refs).length > 0 ? { refs } : {}) };
}

/**
 * What a failed call means for the money — the one rule of both the journal and the announcing of replies
 * (settle.ts): `failed` only where nothing can have moved (the request never left, or a refusal the
 * method table vouches for: RefusalMeaning `not-moved`); anything else → `unknown`, for the resolver.
 */
export function failureOf(spec: JournalSpec, err: unknown): Omit<JournalTransition, 'at'> {
  if (err instanceof GatewayError) {
    const code = String(err.gatewayCode);
    const meaning = spec.refusal?.(err) ?? 'unclear';
    if (meaning === 'not-moved')
      return { state: 'failed', code, note: `refused by the gateway (${err.level} code ${code})` };
    return {
      state: 'unknown',
      code,
      note:
        meaning === 'order-exists'
          ? `the gateway says this order exists already (${code}): an earlier attempt may have been paid`
          : `refused by the gateway (${err.level} code ${code}), which does not prove the money did not move`,
    };
  }
  if (err instanceof TransportError && !err.mayHaveReachedGateway)
    return { state: 'failed', note: `not sent (${err.causeCode ?? 'network'})` };
  if (err instanceof ConfigurationError) return { state: 'failed', note: `not sent (${err.option})` };
  const why =
    err instanceof OutcomeUnknownError
      ? err.reason
      : err instanceof CampusPayError
        ? err.code
        : 'an unexpected error';
  return { state: 'unknown', note: `the outcome is unknown (${why})` };
}

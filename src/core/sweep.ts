/**
 * The sweep: every unsettled journal entry of one client's tenant is resolved (an `intent` old enough
 * counts as unknown: its process died or its outcome write failed), and final entries whose announcement
 * failed are announced again. Run it periodically (docs/settlement.md). Memory stays flat: entries are
 * streamed from the journal and only `concurrency` of them are in hand at once.
 */
import { ConfigurationError, ValidationError } from './errors.js';
import {
  isFinal,
  JOURNAL_RANK,
  type JournalEntry,
  type JournalFilter,
  type JournalState,
  UnreadableEntriesError,
} from './journal.js';
import { AdaptiveLimiter, checkBatchOptions } from './limiter.js';
import { describeError, resolveOrder } from './resolve.js';
import type { Settlement } from './settle.js';
import { StoreError } from './store-call.js';

export interface SweepOptions {
  /**
   * Entries updated less recently than this are left alone: their call, or another process's
   * announcement, may still be under way (default 60 000 ms).
   */
  olderThanMs?: number;
  /** Queries at once at most (default 4, up to 64); lowered while the gateway asks to slow down. */
  concurrency?: number;
  /** Stops the sweep: no new query starts; those under way end. */
  signal?: AbortSignal;
  /** The states to resolve (default `intent`, `unknown`, `pending`; add `needs-review` to ask again). */
  states?: readonly JournalState[];
  /** Called after each entry, e.g. to draw a progress bar. A throw here is ignored. */
  onProgress?: (progress: SweepProgress) => void;
}

export interface SweepProgress {
  /** `resolve`: unsettled entries; `announce`: final entries announced again. */
  phase: 'resolve' | 'announce';
  /** Entries done in this phase. */
  done: number;
  /** How many the resolve phase found when it started (the announce phase is not counted ahead). */
  total: number | undefined;
  /** Entries per state after resolving. */
  states: Partial<Record<JournalState, number>>;
  errors: number;
  /** Events delivered through onSettled. */
  announced: number;
  /** The concurrency the gateway allows now. */
  concurrency: number;
}

/** An entry the sweep could not resolve; it is left as it was for the next sweep. */
export interface SweepFailure {
  entryId: string;
  method: string;
  orderKey: string;
  /** The error's class, code and message. */
  error: string;
}

export interface SweepSummary {
  /** Unsettled entries found. */
  total: number;
  /** Entries per state after resolving. */
  states: Partial<Record<JournalState, number>>;
  /** Events delivered through onSettled (by resolving, and by announcing again). */
  announced: number;
  /** The first 100 failures; `errorCount` counts them all. */
  errors: SweepFailure[];
  errorCount: number;
  /** Times the gateway asked to slow down. */
  throttled: number;
  /** The signal stopped the sweep before it was done. */
  aborted: boolean;
}

const DEFAULT_STATES: readonly JournalState[] = ['intent', 'unknown', 'pending'];
const MAX_LISTED_ERRORS = 100;

export async function sweepJournal(s: Settlement, opts: SweepOptions = {}): Promise<SweepSummary> {
  const concurrency = checkBatchOptions('sweep', opts);
  const olderThanMs = opts.olderThanMs ?? 60_000;
  if (!(typeof olderThanMs === 'number' && Number.isFinite(olderThanMs) && olderThanMs >= 0))
    throw invalid('olderThanMs', 'must be a finite number of milliseconds, 0 or more');
  const states = opts.states ?? DEFAULT_STATES;
  if (!Array.isArray(states) || states.length === 0 || !states.every((x) => unsettled(x)))
    throw invalid('states', 'must list unsettled states: intent, unknown, pending, needs-review');
  const j = s.journal;
  if (!j) throw new ConfigurationError('journal', 'is required by sweep(): give the client a journal');
  const { signal } = opts;
  // At least olderThanMs old: updatedBefore is exclusive.
  const before = Date.now() - olderThanMs + 1;
  const filter: JournalFilter = { tenant: s.tenant, gateway: s.gateway, states, updatedBefore: before };

  let total = 0;
  // Entries the journal could not read are reported once (both listings may name them) and skipped.
  const unreadable = new Set<string>();
  const skip = (ids: readonly string[]) => {
    for (const id of ids) unreadable.add(id);
  };
  await each(j.list(filter), undefined, async () => void total++, skip);
  const limiter = new AdaptiveLimiter(concurrency);
  const sum: SweepSummary = {
    total,
    states: {},
    announced: 0,
    errors: [],
    errorCount: 0,
    throttled: 0,
    aborted: false,
  };
  let done = 0;
  const report = (phase: SweepProgress['phase']) => {
    try {
      opts.onProgress?.({
        phase,
        done,
        total: phase === 'resolve' ? total : undefined,
        states: { ...sum.states },
        errors: sum.errorCount,
        announced: sum.announced,
        concurrency: limiter.limit,
      });
    } catch {
      // Progress is for display; a broken display must not stop the settling.
    }
  };

  await each(
    j.list(filter),
    { limiter, signal },
    async (entry) => {
      try {
        const r = await limiter.run(
          () => resolveOrder(s, entry, { deadlineMs: 0, ...(signal ? { signal } : {}) }, 'sweep'),
          (err) => s.resolver.throttled(err),
          signal,
          true,
        );
        sum.states[r.state] = (sum.states[r.state] ?? 0) + 1;
        if (r.announced) sum.announced++;
      } catch (err) {
        if (signal?.aborted) return;
        sum.errorCount++;
        if (sum.errors.length < MAX_LISTED_ERRORS)
          sum.errors.push({
            entryId: entry.id,
            method: entry.method,
            orderKey: entry.orderKey,
            error: describeError(err),
          });
      }
      done++;
      report('resolve');
    },
    skip,
  );

  if (s.announces && !signal?.aborted) {
    done = 0;
    const finals: JournalFilter = { ...filter, states: ['succeeded', 'failed', 'needs-review'] };
    await each(
      j.list(finals),
      { limiter, signal },
      async (entry) => {
        let a = { announced: false };
        try {
          if (entry.announcedAt === undefined) a = await s.announce(entry, 'sweep', signal);
        } finally {
          limiter.release('ok');
        }
        if (a.announced) sum.announced++;
        done++;
        report('announce');
      },
      skip,
    );
  }
  for (const id of unreadable) {
    sum.errorCount++;
    if (sum.errors.length < MAX_LISTED_ERRORS) sum.errors.push(unreadableFailure(s.tenant, id));
  }
  sum.throttled = limiter.throttled;
  sum.aborted = signal?.aborted === true;
  return sum;
}

const unsettled = (x: unknown) =>
  typeof x === 'string' && Object.hasOwn(JOURNAL_RANK, x) && !isFinal(x as JournalState);

const invalid = (path: string, message: string) =>
  new ValidationError('sweep', 'request', [{ path: `options.${path}`, message }]);

/** An entry the journal could not read, as a failure: its id names the method and the order key. */
function unreadableFailure(tenant: string, id: string): SweepFailure {
  const rest = id.startsWith(`${tenant}|`) ? id.slice(tenant.length + 1) : id;
  const cut = rest.indexOf('|');
  return {
    entryId: id,
    method: cut === -1 ? '' : rest.slice(0, cut),
    orderKey: cut === -1 ? rest : rest.slice(cut + 1),
    error: 'StoreError (store): the journal holds a malformed record for this entry; it was skipped',
  };
}

/**
 * Runs `task` for each entry of a journal listing, taking a limiter slot before reading the next one (the
 * task gives it back), so at most `limit` entries are in hand. Entries the listing could not read
 * (UnreadableEntriesError, thrown after the rest) go to `skip`; a listing that fails otherwise is a
 * StoreError, thrown once the tasks under way have ended.
 */
async function each(
  list: AsyncIterable<JournalEntry>,
  pool: { limiter: AdaptiveLimiter; signal?: AbortSignal | undefined } | undefined,
  task: (e: JournalEntry) => Promise<void>,
  skip: (ids: readonly string[]) => void,
): Promise<void> {
  const running = new Set<Promise<void>>();
  try {
    for await (const entry of list) {
      if (pool) {
        if (pool.signal?.aborted) break;
        await pool.limiter.acquire(pool.signal).catch(() => undefined);
        if (pool.signal?.aborted) break;
      }
      const p: Promise<void> = task(entry).finally(() => running.delete(p));
      running.add(p);
    }
  } catch (err) {
    await Promise.allSettled(running);
    if (err instanceof UnreadableEntriesError) return skip(err.entryIds);
    throw new StoreError({
      store: 'journal',
      operation: 'list',
      reason: 'threw',
      message: 'failed',
      cause: err,
    });
  }
  await Promise.all(running);
}

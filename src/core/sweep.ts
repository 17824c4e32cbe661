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
  await each(j.list(filter), undefined, async () => void total++);
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

  await each(j.list(filter), { limiter, signal }, async (entry) => {
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
  });

  if (s.announces && !signal?.aborted) {
    done = 0;
    const finals: JournalFilter = { ...filter, states: ['succeeded', 'failed', 'needs-review'] };
    await each(j.list(finals), { limiter, signal }, async (entry) => {
      let a = { announced: false };
      try {
        if (entry.announcedAt === undefined) a = await s.announce(entry, 'sweep', signal);
      } finally {
        limiter.release('ok');
      }
      if (a.announced) sum.announced++;
      done++;
      report('announce');
    });
  }
  sum.throttled = limiter.throttled;
  sum.aborted = signal?.aborted === true;
  return sum;
}

const unsettled = (x: unknown) =>
  typeof x === 'string' && Object.hasOwn(JOURNAL_RANK, x) && !isFinal(x as JournalState);

const invalid = (path: string, message: string) =>
  new ValidationError('sweep', 'request', [{ path: `options.${path}`, message }]);

/**
 * Runs `task` for each entry of a journal listing, taking a limiter slot before reading the next one (the
 * task gives it back), so at most `limit` entries are in hand. A listing that fails is a StoreError, thrown
 * once the tasks under way have ended.
 */
async function each(
  list: AsyncIterable<JournalEntry>,
  pool: { limiter: AdaptiveLimiter; signal?: AbortSignal | undefined } | undefined,
  task: (e: JournalEntry) => Promise<void>,
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

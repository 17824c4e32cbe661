/**
 * Reconciliation (对账) against the merchant's own ledger. Neither spec offers a statement download, so
 * every order a query can answer is asked about, one by one, with bounded concurrency that yields to an
 * overloaded gateway. Rows stream in and results stream out in the same order, with at most `concurrency`
 * rows in hand, so memory stays flat on any ledger; each result carries the checkpoint to resume from.
 */
import { ValidationError } from './errors.js';
import type { JournalGateway, JournalState } from './journal.js';
import { AdaptiveLimiter, checkBatchOptions } from './limiter.js';
import { checkOrder, describeError, type Verdict } from './resolve.js';
import type { Settlement } from './settle.js';

/** The key under which a client hands reconciliation its settlement (both clients have it). */
export const SETTLEMENT: unique symbol = Symbol.for('campus-pay.settlement');

/** A client reconciliation can ask: OneCardClient or ZhixiaoPayClient. */
export interface Reconcilable {
  readonly [SETTLEMENT]: Settlement;
}

/** Where an order stands in the merchant's books. */
export type LedgerState = 'succeeded' | 'failed' | 'pending';

/** One row of the merchant's ledger, as read from a file or a database (strings are fine). */
export interface LedgerRow {
  /** `onecard` or `zhixiao`. */
  gateway: string;
  /** The client's tenant (`gatewayUrl#appKey`, `baseUrl#appId`), when several clients serve one gateway. */
  tenant?: string;
  /** The SDK method that made the order (default: OneCard `recharge`, Zhixiao `createOrder`). */
  method?: string;
  /** The merchant's order number. */
  orderKey: string;
  /** Integer fen, as a number or a string of digits. */
  amount: number | string;
  state: LedgerState | string;
  /** The row's line in your file, given back in its result (default: its position in the input, from 1). */
  line?: number;
}

/**
 * - `matched`: the gateway agrees on state (and amount, where its answer carries one).
 * - `amount-mismatch`, `state-mismatch`: it does not; `found` says what it says.
 * - `missing`: the gateway has no such order (harmless when the ledger says failed).
 * - `not-queryable`: no query of the protocol reports this method (transfer, barcode pay, refund).
 * - `unreadable`: the row itself is wrong (a bad amount, an unknown gateway or method); `reason` names the field.
 * - `error`: the gateway could not be asked (no client for it, a network fault that outlasted the retries).
 */
export type ReconcileStatus =
  | 'matched'
  | 'amount-mismatch'
  | 'state-mismatch'
  | 'missing'
  | 'not-queryable'
  | 'unreadable'
  | 'error';

export interface ReconcileResult {
  /** The row's `line`, or its position in the input (from 1). */
  line: number;
  status: ReconcileStatus;
  gateway?: string | undefined;
  tenant?: string | undefined;
  method?: string | undefined;
  orderKey?: string | undefined;
  amount?: number | undefined;
  state?: LedgerState | undefined;
  /** What the gateway says, when it answered. */
  found?: { state: JournalState; amount?: number | undefined; code?: string | undefined } | undefined;
  /** One line: why this status. */
  reason: string;
  /** Rows done, this one included: give it back as `resumeFrom` to continue after an interruption. */
  checkpoint: number;
}

export interface ReconcileProgress {
  /** Rows done so far (the checkpoint of the last result). */
  checkpoint: number;
  counts: Partial<Record<ReconcileStatus, number>>;
  /** The concurrency the gateway allows now. */
  concurrency: number;
}

export interface ReconcileOptions {
  /** The clients to ask: rows go to the client of their gateway (and tenant, when a row names one). */
  clients: readonly Reconcilable[];
  /** Queries at once at most (default 4, up to 64); lowered while the gateway asks to slow down. */
  concurrency?: number;
  /** Stops asking: results end at the last row whose answer came, so its checkpoint resumes cleanly. */
  signal?: AbortSignal;
  /** Called after each result. A throw here is ignored. */
  onProgress?: (progress: ReconcileProgress) => void;
  /** Rows to skip: the checkpoint of the last result written by an interrupted run. */
  resumeFrom?: number;
}

/** A ledger: an array, any iterable, or an async iterable such as a stream of parsed CSV rows. */
export type LedgerRows = Iterable<unknown> | AsyncIterable<unknown>;

/** One result per row, in input order. */
export type ReconcileRun = AsyncGenerator<ReconcileResult, void, undefined>;

const LEDGER_STATES: readonly string[] = ['succeeded', 'failed', 'pending'];
const GATEWAYS: readonly string[] = ['onecard', 'zhixiao'];

/**
 * Checks each ledger row against the gateway, yielding one result per row in input order. Pass an array,
 * any iterable, or an async iterable (a stream of parsed CSV rows): rows are read only as results go out.
 */
export async function* reconcile(rows: LedgerRows, options: ReconcileOptions): ReconcileRun {
  const concurrency = checkBatchOptions('reconcile', options);
  const { clients, signal, resumeFrom = 0 } = options;
  if (!Array.isArray(clients) || clients.length === 0 || !clients.every((c) => c?.[SETTLEMENT]))
    throw invalid('clients', 'must list the clients to ask (OneCardClient, ZhixiaoPayClient)');
  if (!(Number.isSafeInteger(resumeFrom) && resumeFrom >= 0))
    throw invalid('resumeFrom', "must be a row count, 0 or more (a result's checkpoint)");
  if (rows === null || typeof rows !== 'object' || !(Symbol.iterator in rows || Symbol.asyncIterator in rows))
    throw new ValidationError('reconcile', 'request', [
      { path: 'rows', message: 'must be an iterable or async iterable of ledger rows' },
    ]);
  const limiter = new AdaptiveLimiter(concurrency);
  const counts: Partial<Record<ReconcileStatus, number>> = {};
  const inHand: Array<Promise<ReconcileResult>> = [];
  let position = 0;
  // An answer cut short by the abort is not a result: the checkpoint must not pass it.
  const out = async () => {
    const r = await inHand.shift()!;
    if (signal?.aborted && r.status === 'error') return undefined;
    counts[r.status] = (counts[r.status] ?? 0) + 1;
    try {
      options.onProgress?.({ checkpoint: r.checkpoint, counts: { ...counts }, concurrency: limiter.limit });
    } catch {
      // Progress is for display only.
    }
    return r;
  };
  for await (const raw of rows) {
    position++;
    if (position <= resumeFrom) continue;
    if (signal?.aborted) break;
    inHand.push(checkRow(raw, position, clients, limiter, signal));
    if (inHand.length >= concurrency) {
      const r = await out();
      if (!r) return;
      yield r;
    }
  }
  while (inHand.length > 0) {
    const r = await out();
    if (!r) return;
    yield r;
  }
}

const invalid = (path: string, message: string) =>
  new ValidationError('reconcile', 'request', [{ path: `options.${path}`, message }]);

interface ReadRow {
  gateway: JournalGateway;
  tenant: string | undefined;
  method: string | undefined;
  orderKey: string;
  amount: number;
  state: LedgerState;
}

/** A row, or the first thing wrong with it. */
function readRow(raw: unknown): ReadRow | string {
  if (typeof raw !== 'object' || raw === null) return 'the row is not an object of fields';
  const r = raw as Record<string, unknown>;
  if (typeof r.gateway !== 'string' || !GATEWAYS.includes(r.gateway))
    return `gateway: ${JSON.stringify(r.gateway)} is not a known gateway (onecard, zhixiao)`;
  if (typeof r.orderKey !== 'string' || r.orderKey === '') return 'orderKey: must be the order number';
  const amount =
    typeof r.amount === 'string' && /^\d{1,15}$/.test(r.amount.trim()) ? Number(r.amount.trim()) : r.amount;
  if (!(typeof amount === 'number' && Number.isSafeInteger(amount) && amount > 0))
    return `amount: ${JSON.stringify(r.amount)} is not an amount in integer fen greater than 0`;
  if (typeof r.state !== 'string' || !LEDGER_STATES.includes(r.state))
    return `state: ${JSON.stringify(r.state)} is not one of ${LEDGER_STATES.join(', ')}`;
  for (const f of ['tenant', 'method'] as const)
    if (r[f] !== undefined && (typeof r[f] !== 'string' || r[f] === ''))
      return `${f}: must be a non-empty string`;
  return {
    gateway: r.gateway as JournalGateway,
    tenant: r.tenant as string | undefined,
    method: r.method as string | undefined,
    orderKey: r.orderKey,
    amount,
    state: r.state as LedgerState,
  };
}

/** The client for a row: its gateway's, and its tenant's when the row names one or several would fit. */
function clientFor(clients: readonly Reconcilable[], row: ReadRow): Settlement | string {
  const fit = clients
    .map((c) => c[SETTLEMENT])
    .filter((s) => s.gateway === row.gateway && (row.tenant === undefined || s.tenant === row.tenant));
  if (fit.length === 1) return fit[0]!;
  if (fit.length === 0)
    return `no client given for ${row.gateway}${row.tenant === undefined ? '' : ` tenant ${row.tenant}`}`;
  return `several ${row.gateway} clients fit: give the row its tenant`;
}

async function checkRow(
  raw: unknown,
  position: number,
  clients: readonly Reconcilable[],
  limiter: AdaptiveLimiter,
  signal: AbortSignal | undefined,
): Promise<ReconcileResult> {
  const given = (raw as { line?: unknown } | null)?.line;
  const head = { line: Number.isSafeInteger(given) ? (given as number) : position, checkpoint: position };
  const row = readRow(raw);
  if (typeof row === 'string') return { ...head, status: 'unreadable', reason: row };
  const base = { ...head, ...row };
  const s = clientFor(clients, row);
  if (typeof s === 'string') return { ...base, status: 'error', reason: s };
  try {
    const ref = { ...(row.method ? { method: row.method } : {}), orderKey: row.orderKey, amount: row.amount };
    const v = await limiter.run(
      () => checkOrder(s, ref, { signal }),
      (err) => s.resolver.throttled(err),
      signal,
    );
    return { ...base, ...compare(row, v) };
  } catch (err) {
    const status = err instanceof ValidationError ? 'unreadable' : 'error';
    return { ...base, status, reason: describeError(err) };
  }
}

function compare(row: ReadRow, v: Verdict): Pick<ReconcileResult, 'status' | 'reason' | 'found'> {
  const found = { state: v.state, amount: v.amount, code: v.code };
  if (v.unqueryable) return { status: 'not-queryable', reason: v.note };
  if (v.missing) return { status: 'missing', found, reason: v.note };
  if (v.amountRefused || (v.amount !== undefined && v.amount !== row.amount))
    return {
      status: 'amount-mismatch',
      found,
      reason: v.amountRefused ? v.note : `the gateway says ${v.amount} fen, the ledger ${row.amount} fen`,
    };
  if (v.state === row.state) return { status: 'matched', found, reason: v.note };
  return {
    status: 'state-mismatch',
    found,
    reason: `the gateway says ${v.state} (${v.note}), the ledger ${row.state}`,
  };
}

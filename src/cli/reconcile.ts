/**
 * `campus-pay reconcile ledger.csv --out report.csv`: the merchant's ledger, row by row, against the
 * gateways (client reconcile()), written as a report a finance office opens in Excel. Both files are
 * streamed, so memory stays flat on any ledger; an interrupted run continues with --resume.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { open, truncate } from 'node:fs/promises';
import { ConfigurationError } from '../core/errors.js';
import { type ReconcileResult, type ReconcileStatus, reconcile } from '../core/reconcile.js';
import { badArgument } from './args.js';
import { configuredClients } from './clients.js';
import { type CsvRecord, csvLine, csvRecords } from './csv.js';
import { EXIT } from './exit.js';
import { concurrency, interruptible } from './journal.js';
import { count, progressBar } from './progress.js';

/** The ledger's columns (header names; any order, other columns ignored). */
export const LEDGER_COLUMNS = {
  required: ['gateway', 'order_key', 'amount_fen', 'state'],
  optional: ['method', 'tenant'],
} as const;

export const REPORT_COLUMNS = [
  'row',
  'gateway',
  'order_key',
  'result',
  'ledger_amount_fen',
  'ledger_state',
  'gateway_amount_fen',
  'gateway_state',
  'note',
] as const;

/** What the report says of a row. `cannot-query`: no query reports the method, or the gateway could not be asked. */
export const RESULTS = [
  'matched',
  'amount-mismatch',
  'state-mismatch',
  'missing',
  'cannot-query',
  'unreadable',
] as const;
type Result = (typeof RESULTS)[number];

const RESULT_OF: Record<ReconcileStatus, Result> = {
  matched: 'matched',
  'amount-mismatch': 'amount-mismatch',
  'state-mismatch': 'state-mismatch',
  missing: 'missing',
  'not-queryable': 'cannot-query',
  error: 'cannot-query',
  unreadable: 'unreadable',
};

export interface ReconcileArgs {
  out?: string | undefined;
  resume?: boolean | undefined;
  overwrite?: boolean | undefined;
  concurrency?: string | undefined;
  'no-token-cache'?: boolean | undefined;
}

type Column = (typeof LEDGER_COLUMNS.required)[number] | (typeof LEDGER_COLUMNS.optional)[number];
/** A ledger row as the file has it (trimmed), for the report when the row cannot be read. */
type RawRow = Partial<Record<Column, string>> & { line: number };

const HEADER_NAME = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

/** Where each column is, from the header; refuses a ledger without one of the required columns. */
function columns(header: CsvRecord | undefined, ledger: string): Map<Column, number> {
  const names = (header?.fields ?? []).map(HEADER_NAME);
  const at = new Map<Column, number>();
  for (const c of [...LEDGER_COLUMNS.required, ...LEDGER_COLUMNS.optional]) {
    const i = names.indexOf(c);
    if (i >= 0) at.set(c, i);
  }
  const missing = LEDGER_COLUMNS.required.filter((c) => !at.has(c));
  if (missing.length > 0)
    throw new ConfigurationError(
      ledger,
      `the first line must be a header naming the columns ${LEDGER_COLUMNS.required.join(',')} (missing: ${missing.join(', ')}); see campus-pay reconcile --help`,
    );
  return at;
}

/** The records of a file after its header, and where each column is. */
async function openLedger(path: string) {
  const records = csvRecords(createReadStream(path));
  const first = await records.next();
  return { at: columns(first.done ? undefined : first.value, path), records };
}

/** What an interrupted run left: its rows (a cut last line is dropped), results per kind, its last row. */
interface Done {
  rows: number;
  counts: Record<Result, number>;
  last: { row: string; orderKey: string } | undefined;
}

const noCounts = () => Object.fromEntries(RESULTS.map((r) => [r, 0])) as Record<Result, number>;

async function readReport(path: string): Promise<Done> {
  await truncate(path, await completeLength(path));
  const done: Done = { rows: 0, counts: noCounts(), last: undefined };
  let header = true;
  for await (const { fields } of csvRecords(createReadStream(path))) {
    if (header) {
      header = false;
      if (fields.join(',') !== REPORT_COLUMNS.join(','))
        throw new ConfigurationError('--out', `${path} is not a reconcile report (its header differs)`);
      continue;
    }
    const result = fields[3] as Result;
    if (!RESULTS.includes(result))
      throw new ConfigurationError('--out', `${path} row ${done.rows + 1} has no result this command writes`);
    done.rows++;
    done.counts[result]++;
    done.last = { row: fields[0]!, orderKey: fields[2]! };
  }
  return done;
}

/** The file's length up to its last line end: a line cut by an interruption is written again. */
async function completeLength(path: string): Promise<number> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const block = Buffer.alloc(64 * 1024);
    for (let end = size; end > 0; ) {
      const start = Math.max(0, end - block.length);
      const { bytesRead } = await file.read(block, 0, end - start, start);
      const i = block.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (i >= 0) return start + i + 1;
      end = start;
    }
    return 0;
  } finally {
    await file.close();
  }
}

/** Writes one line, waiting while the disk is slower than the gateway. */
async function write(out: WriteStream, text: string): Promise<void> {
  if (out.errored) throw out.errored;
  // once() rejects if the file fails while we wait, and leaves no listener behind either way.
  if (!out.write(text)) await once(out, 'drain');
}

export async function reconcileCommand(file: string | undefined, a: ReconcileArgs): Promise<number> {
  if (!file) throw badArgument('reconcile', '<ledger.csv>', 'missing; see campus-pay reconcile --help');
  if (!a.out) throw badArgument('reconcile', '--out', 'missing: the report file to write');
  const ledger: string = file;
  const report: string = a.out;
  if (a.resume && a.overwrite)
    throw badArgument('reconcile', '--resume', 'and --overwrite exclude each other');
  const limit = concurrency('reconcile', a.concurrency);
  if (!existsSync(ledger)) throw new ConfigurationError('<ledger.csv>', `${ledger} does not exist`);
  const reportExists = existsSync(report);
  if (reportExists && !a.resume && !a.overwrite)
    throw new ConfigurationError(
      '--out',
      `${report} exists: --resume continues it, --overwrite starts it again`,
    );
  const { at, records } = await openLedger(ledger);
  const done: Done =
    a.resume && reportExists ? await readReport(report) : { rows: 0, counts: noCounts(), last: undefined };
  const clients = (await configuredClients(a['no-token-cache'] ?? false)).map((c) => c.client);

  const bar = progressBar('reconcile');
  // The bar's total costs one more pass over the ledger: only for a person watching.
  const total = bar.active ? await countRows(ledger) : undefined;
  const inFlight = new Map<number, RawRow>();
  let position = 0;
  /** Every ledger row (reconcile skips those the report holds), checking the report continues this ledger. */
  async function* rows() {
    for await (const r of records) {
      position++;
      const raw: RawRow = { line: r.line };
      for (const [c, i] of at) {
        const v = r.fields[i]?.trim();
        if (v) raw[c] = v;
      }
      if (position === done.rows) checkContinues(done, raw, position, ledger, report);
      if (position <= done.rows) {
        yield {};
        continue;
      }
      inFlight.set(r.line, raw);
      yield {
        line: r.line,
        gateway: raw.gateway?.toLowerCase(),
        orderKey: raw.order_key,
        amount: raw.amount_fen,
        state: raw.state?.toLowerCase(),
        ...(raw.method ? { method: raw.method } : {}),
        ...(raw.tenant ? { tenant: raw.tenant } : {}),
      };
    }
    if (position < done.rows)
      throw new ConfigurationError(
        '--resume',
        `${report} holds ${count(done.rows)} rows, more than ${ledger} has (${count(position)}): it is another ledger's report`,
      );
  }

  const out = createWriteStream(report, { flags: a.resume && reportExists ? 'a' : 'w' });
  // A failed write is thrown by the next write (out.errored); the event itself needs a listener.
  out.on('error', () => {});
  // A byte-order mark first, so Excel reads the UTF-8 (Chinese notes) as UTF-8.
  if (!(a.resume && reportExists)) await write(out, `\uFEFF${csvLine(REPORT_COLUMNS)}`);

  const stop = interruptible();
  const started = Date.now();
  let thisRun = 0;
  try {
    const run = reconcile(rows(), {
      clients,
      signal: stop.signal,
      resumeFrom: done.rows,
      ...(limit === undefined ? {} : { concurrency: limit }),
      onProgress: (p) => bar.update(p.checkpoint, total, `${p.concurrency} at once`),
    });
    for await (const r of run) {
      const raw = inFlight.get(r.line) ?? { line: r.line };
      inFlight.delete(r.line);
      const result = RESULT_OF[r.status];
      done.counts[result]++;
      thisRun++;
      await write(out, csvLine(reportRow(r, raw, result)));
    }
  } finally {
    stop.end();
    bar.end();
    await new Promise<void>((resolve) => out.end(resolve));
  }
  if (out.errored) throw out.errored;
  done.rows += thisRun;
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(summary(done, thisRun, seconds, report, stop.signal.aborted));
  if (stop.signal.aborted) return EXIT.interrupted;
  return done.counts.matched === done.rows ? EXIT.ok : EXIT.attention;
}

/** The report's last row must be the ledger's row at the same position: else it is another ledger's report. */
function checkContinues(done: Done, raw: RawRow, position: number, ledger: string, report: string): void {
  const last = done.last!;
  if (String(raw.line) === last.row && (raw.order_key ?? '') === last.orderKey) return;
  throw new ConfigurationError(
    '--resume',
    `${report} does not continue ${ledger}: its row ${count(position)} is line ${last.row}, order "${last.orderKey}", the ledger's is line ${raw.line}, order "${raw.order_key ?? ''}"`,
  );
}

function reportRow(r: ReconcileResult, raw: RawRow, result: Result): Array<string | number | undefined> {
  return [
    r.line,
    r.gateway ?? raw.gateway,
    r.orderKey ?? raw.order_key,
    result,
    r.amount ?? raw.amount_fen,
    r.state ?? raw.state,
    r.found?.amount,
    r.found?.state,
    // One line per row, so the report's line count is its row count (what --resume reads).
    r.reason.replace(/[\r\n]+/g, ' '),
  ];
}

async function countRows(path: string): Promise<number> {
  let n = -1; // the header
  for await (const _ of csvRecords(createReadStream(path))) n++;
  return Math.max(0, n);
}

function summary(done: Done, thisRun: number, seconds: number, report: string, interrupted: boolean): string {
  const width = Math.max(...RESULTS.map((r) => r.length), 'total'.length) + 2;
  const n = Math.max(...[...Object.values(done.counts), done.rows].map((v) => count(v).length));
  const line = (label: string, v: number) => `${label.padEnd(width)}${count(v).padStart(n)}\n`;
  return [
    `${'result'.padEnd(width)}${'rows'.padStart(n)}\n`,
    ...RESULTS.map((r) => line(r, done.counts[r])),
    line('total', done.rows),
    `${count(thisRun)} rows this run in ${seconds.toFixed(1)} s (${count(Math.round(thisRun / Math.max(seconds, 0.001)))} rows/s); report: ${report}\n`,
    interrupted ? `interrupted: run again with --resume to continue from row ${count(done.rows + 1)}\n` : '',
  ].join('');
}

/**
 * FileJournalStore: the payment journal in one append-only file of JSON lines, for a service on one
 * machine (several processes may share the file; several machines need Redis or SQL).
 *
 * Why no lock: the order of the lines is the order of the operations. Each record is appended by one
 * write on a descriptor opened with O_APPEND, which lands whole at the end of the file (POSIX: the seek to
 * the end and the write are one atomic step, and writes to a regular file are atomic with respect to each
 * other), so every process reads the same lines in the same order and folds them with the same rule:
 * the first `create` of an id wins, and each `advance` is applied in file order with applyTransition.
 * A writer learns its own result by folding up to its own line. Without a lock there is nothing a
 * process killed with SIGKILL could leave held. This needs a local file system (not NFS).
 *
 * Durability: every write is flushed to disk (fdatasync) before its promise resolves; a new file's
 * directory is synced once. A line cut by a crash (or by power loss) is a write that never resolved: it
 * is reported in `problems` with its line number, everything before it is read, and the next write
 * starts on a new line. A line that is not a journal record is reported too, never skipped silently;
 * an entry with a malformed record is refused (StoreError `malformed`) rather than used.
 *
 * Reads fold only the bytes appended since the last read into an in-memory index.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  applyTransition,
  JOURNAL_RANK,
  type JournalEntry,
  JournalError,
  type JournalFilter,
  type JournalStore,
  type JournalTransition,
  matchesFilter,
  UnreadableEntriesError,
} from './journal.js';
import { isJournalEntry, isJournalTransition } from './journal-check.js';
import { malformedRecord, type StoreError } from './store-call.js';

/** A line of the journal file that is not a good record. */
export interface JournalFileProblem {
  /** 1-based line number in the file. */
  line: number;
  /**
   * `cut`: the last line has no end (a write cut by a crash, or one still in progress, which then
   * disappears from the list); `unreadable`: not JSON; `malformed`: JSON, but not a journal record.
   */
  kind: 'cut' | 'unreadable' | 'malformed';
  /** The entry the record names, when that much could be read. */
  id?: string;
}

type JournalRecord =
  | { op: 'create'; entry: JournalEntry }
  | { op: 'advance'; id: string; t: JournalTransition }
  | { op: 'announce'; id: string; at: number };

const NEWLINE = 0x0a;
const CHUNK = 1 << 20;

export class FileJournalStore implements JournalStore {
  readonly path: string;
  #file: Promise<FileHandle> | undefined;
  /** Bytes and lines folded so far (always up to the end of a complete line). */
  #offset = 0;
  #lines = 0;
  readonly #entries = new Map<string, JournalEntry>();
  /** Entries with a malformed record, by id → its line. */
  readonly #broken = new Map<string, number>();
  readonly #problems: JournalFileProblem[] = [];
  #cut: JournalFileProblem | undefined;
  /** Writers waiting for the fold of their own line, by the record's nonce. */
  readonly #waiters = new Map<string, (result: unknown) => void>();
  #reads: Promise<void> = Promise.resolve();

  constructor(path: string) {
    if (typeof path !== 'string' || path === '')
      throw new JournalError('FileJournalStore: the path must be a non-empty string');
    this.path = path;
  }

  /** Lines that are not good records, as of the last read (see JournalFileProblem). */
  get problems(): readonly JournalFileProblem[] {
    return this.#cut ? [...this.#problems, this.#cut] : [...this.#problems];
  }

  async create(entry: JournalEntry): Promise<boolean> {
    if (!isJournalEntry(entry)) throw new JournalError('FileJournalStore.create: not a journal entry');
    await this.refresh();
    if (this.#taken(entry.id)) return false;
    return (await this.#append({ op: 'create', entry })) as boolean;
  }

  async advance(id: string, t: JournalTransition) {
    if (!isJournalTransition(t)) throw new JournalError('FileJournalStore.advance: not a journal transition');
    await this.refresh();
    const e = this.#read(id, 'advance');
    if (!e) return undefined;
    // A lower rank stays lower (states only move forward): nothing to write.
    if (JOURNAL_RANK[t.state] < JOURNAL_RANK[e.state]) return { entry: structuredClone(e), moved: false };
    const out = await this.#append({ op: 'advance', id, t });
    if (out instanceof Error) throw out;
    return out as { entry: JournalEntry; moved: boolean } | undefined;
  }

  async markAnnounced(id: string, at: number): Promise<void> {
    await this.refresh();
    if (this.#read(id, 'markAnnounced')) await this.#append({ op: 'announce', id, at });
  }

  async get(id: string): Promise<JournalEntry | undefined> {
    await this.refresh();
    const e = this.#read(id, 'get');
    return e && structuredClone(e);
  }

  async *list(filter?: JournalFilter): AsyncIterable<JournalEntry> {
    await this.refresh();
    for (const e of [...this.#entries.values()])
      if (!this.#broken.has(e.id) && matchesFilter(e, filter)) yield structuredClone(e);
    // Entries with a malformed record (their state unknown) are named after the rest: see `problems`.
    const tenant = filter?.tenant;
    const broken = [...this.#broken.keys()].filter(
      (id) => tenant === undefined || id.startsWith(`${tenant}|`),
    );
    if (broken.length > 0) throw new UnreadableEntriesError(broken, ` in ${this.path}`);
  }

  /** Folds the lines appended since the last read (every method does this first). */
  refresh(): Promise<void> {
    const next = this.#reads.then(() => this.#fold());
    this.#reads = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    if (file) await (await file).close();
  }

  #taken(id: string) {
    return this.#entries.has(id) || this.#broken.has(id);
  }

  #read(id: string, operation: string): JournalEntry | undefined {
    const line = this.#broken.get(id);
    if (line !== undefined) throw this.#malformed(operation, id, line);
    return this.#entries.get(id);
  }

  #malformed(operation: string, id: string, line: number): StoreError {
    return malformedRecord('journal', operation, `record for entry ${id} (${this.path}, line ${line})`);
  }

  #open(): Promise<FileHandle> {
    this.#file ??= (async () => {
      const file = await open(this.path, 'a+', 0o600);
      // A new file's name must survive power loss too: sync its directory once.
      if ((await file.stat()).size === 0) await syncDir(dirname(this.path));
      return file;
    })();
    return this.#file;
  }

  /** Appends one record, flushes it to disk, and returns what folding it gave. */
  async #append(record: JournalRecord): Promise<unknown> {
    const nonce = randomBytes(9).toString('base64url');
    const file = await this.#open();
    let folded = false;
    let result: unknown;
    this.#waiters.set(nonce, (r) => {
      folded = true;
      result = r;
    });
    try {
      // After a cut line the record starts on a line of its own.
      const text = `${(await endsOpen(file)) ? '\n' : ''}${JSON.stringify({ ...record, w: nonce })}\n`;
      const bytes = Buffer.from(text, 'utf8');
      const { bytesWritten } = await file.write(bytes, 0, bytes.length);
      if (bytesWritten !== bytes.length)
        throw new JournalError(`FileJournalStore: a short write to ${this.path} (disk full?)`);
      await file.datasync();
      await this.refresh();
      if (!folded) throw new JournalError(`FileJournalStore: its own record is missing from ${this.path}`);
      return result;
    } finally {
      this.#waiters.delete(nonce);
    }
  }

  async #fold(): Promise<void> {
    const file = await this.#open();
    const { size } = await file.stat();
    if (size < this.#offset)
      throw new JournalError(`FileJournalStore: ${this.path} shrank (truncated or replaced?)`);
    let rest = Buffer.alloc(0);
    for (let at = this.#offset; at < size; ) {
      const chunk = Buffer.alloc(Math.min(CHUNK, size - at));
      const { bytesRead } = await file.read(chunk, 0, chunk.length, at);
      if (bytesRead === 0) break;
      at += bytesRead;
      let buf = Buffer.concat([rest, chunk.subarray(0, bytesRead)]);
      for (let nl = buf.indexOf(NEWLINE); nl !== -1; nl = buf.indexOf(NEWLINE)) {
        this.#lines++;
        this.#offset += nl + 1;
        this.#apply(buf.subarray(0, nl).toString('utf8'), this.#lines);
        buf = buf.subarray(nl + 1);
      }
      rest = buf;
    }
    this.#cut = rest.length > 0 ? { line: this.#lines + 1, kind: 'cut' } : undefined;
  }

  /** One line into the index; a writer waiting for this line gets its result. */
  #apply(text: string, line: number): void {
    if (text.trim() === '') return; // a writer's separator after a cut line
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(text) as Record<string, unknown>;
    } catch {
      this.#problems.push({ line, kind: 'unreadable' });
      return;
    }
    const result = this.#record(rec, line);
    if (typeof rec?.w === 'string') this.#waiters.get(rec.w)?.(result);
  }

  #record(rec: Record<string, unknown>, line: number): unknown {
    const entry = rec?.entry as Record<string, unknown> | undefined;
    const id = rec?.op === 'create' ? entry?.id : rec?.id;
    const good =
      rec?.op === 'create'
        ? isJournalEntry(entry)
        : typeof id === 'string' &&
          (rec.op === 'advance'
            ? isJournalTransition(rec.t)
            : rec.op === 'announce' && typeof rec.at === 'number');
    if (!good) {
      this.#problems.push({ line, kind: 'malformed', ...(typeof id === 'string' ? { id } : {}) });
      // An entry whose record cannot be read is refused, never used in a state it may not be in; a
      // malformed create for an id that exists already was a losing duplicate and changes nothing.
      if (typeof id === 'string' && !(rec?.op === 'create' && this.#taken(id))) this.#broken.set(id, line);
      return typeof id === 'string' ? this.#malformed(String(rec?.op), id, line) : undefined;
    }
    const r = rec as JournalRecord;
    if (r.op === 'create') {
      if (this.#taken(r.entry.id)) return false;
      this.#entries.set(r.entry.id, r.entry);
      return true;
    }
    const brokenAt = this.#broken.get(r.id);
    if (brokenAt !== undefined) return this.#malformed(r.op, r.id, brokenAt);
    const e = this.#entries.get(r.id);
    if (!e) return undefined;
    if (r.op === 'announce') {
      e.announcedAt = r.at;
      return undefined;
    }
    const out = applyTransition(e, r.t);
    this.#entries.set(r.id, out.entry);
    return { entry: structuredClone(out.entry), moved: out.moved };
  }
}

/** Whether the file ends inside a line (a cut one): the next record then starts on a new line. */
async function endsOpen(file: FileHandle): Promise<boolean> {
  const { size } = await file.stat();
  if (size === 0) return false;
  const last = Buffer.alloc(1);
  await file.read(last, 0, 1, size - 1);
  return last[0] !== NEWLINE;
}

async function syncDir(dir: string): Promise<void> {
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // Some platforms cannot open or sync a directory (Windows); the file's own data is still synced.
  }
}

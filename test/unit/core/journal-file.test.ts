/**
 * FileJournalStore: the shared store contract, then what a file adds — several processes racing on one
 * file, a process killed mid-write, lines cut or damaged, and every write on disk before it resolves.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { FileJournalStore, type JournalStore } from '../../../src/index.js';
import { entry, journalStoreContract } from '../../contract/journal-store.js';
import { scanChildOutput } from '../../helpers/secret-scan.js';

const dir = mkdtempSync(join(tmpdir(), 'campus-pay-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(dir, `journal-${++files}.jsonl`);
const pathOf = (store: JournalStore) => (store as FileJournalStore).path;
/** Every store a test opens is closed after it: an open FileHandle left to the GC prints a warning. */
const opened: FileJournalStore[] = [];
const fileStore = (path: string) => {
  const store = new FileJournalStore(path);
  opened.push(store);
  return store;
};
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

journalStoreContract('FileJournalStore', {
  make: async () => fileStore(freshPath()),
  peer: async (store) => fileStore(pathOf(store)),
  // A record for the entry that is JSON but no journal record: its state cannot be trusted any more.
  corrupt: async (store, id) =>
    appendFileSync(
      pathOf(store),
      `${JSON.stringify({ op: 'advance', id, t: { state: 'paid', at: 'soon' } })}\n`,
    ),
});

const WORKER = join(import.meta.dirname, 'journal-file-worker.ts');

/** Starts a worker process; `lines` collects its stdout lines as they come. */
function worker(config: object) {
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, CAMPUS_PAY_JOURNAL_WORKER: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let out = '';
  let partial = '';
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  const closed = new Promise<number | null>((resolve) =>
    proc.once('close', (code) => {
      scanChildOutput('journal worker', { stdout: out });
      resolve(code);
    }),
  );
  return { proc, lines, closed };
}

describe('FileJournalStore across processes', () => {
  it('four processes race to create and settle the same entries: one winner each', async () => {
    const path = freshPath();
    const go = join(dir, `go-${files}`);
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    const workers = [0, 1, 2, 3].map((w) => worker({ mode: 'race', path, go, keys, worker: w }));
    await vi.waitFor(() => expect(workers.every((w) => w.lines.includes('ready'))).toBe(true), {
      timeout: 30_000,
    });
    writeFileSync(go, '');
    expect(await Promise.all(workers.map((w) => w.closed))).toEqual([0, 0, 0, 0]);
    const results = workers.map(
      (w) => JSON.parse(w.lines.at(-1)!) as { created: string[]; settled: Array<[string, string]> },
    );
    const created = results.flatMap((r) => r.created);
    const settled = results.flatMap((r) => r.settled);
    expect(created.sort()).toEqual([...keys].sort());
    expect(settled.map(([k]) => k).sort()).toEqual([...keys].sort());
    const store = fileStore(path);
    for (const [k, state] of settled) {
      const e = await store.get(`t|transfer|${k}`);
      expect(e!.state).toBe(state);
      // The creator's entry is the one kept (each worker writes its own amount).
      const creator = results.findIndex((r) => r.created.includes(k));
      expect(e!.amount).toBe(creator + 1);
    }
    expect(store.problems).toEqual([]);
  }, 60_000);

  it('a process killed with SIGKILL mid-writing loses none of the entries it was told were written', async () => {
    const path = freshPath();
    const w = worker({ mode: 'crash', path, worker: 9 });
    await vi.waitFor(() => expect(w.lines.length).toBeGreaterThan(30), { timeout: 30_000 });
    w.proc.kill('SIGKILL');
    await w.closed;
    const acked = w.lines.filter((l) => l.startsWith('t|'));
    const store = fileStore(path);
    for (const id of acked) expect(await store.get(id), id).toMatchObject({ id, state: 'intent' });
    // At most the one write it was in the middle of is cut; nothing else is amiss.
    expect(store.problems.filter((p) => p.kind !== 'cut')).toEqual([]);
    expect(store.problems.length).toBeLessThanOrEqual(1);
  }, 60_000);
});

describe('FileJournalStore reading a damaged file', () => {
  const write = async (path: string, n: number) => {
    const store = fileStore(path);
    const made = [];
    for (let i = 0; i < n; i++) {
      const e = entry();
      await store.create(e);
      made.push(e);
    }
    await store.close();
    return made;
  };

  it('a last line cut by a crash: everything before it is read, the line is reported, the next write starts anew', async () => {
    const path = freshPath();
    const made = await write(path, 3);
    appendFileSync(path, '{"op":"create","entry":{"id":"t|x|cut","gat'); // no end of line
    const store = fileStore(path);
    for (const e of made) expect(await store.get(e.id)).toEqual(e);
    expect(store.problems).toEqual([{ line: 4, kind: 'cut' }]);
    const after = entry();
    expect(await store.create(after)).toBe(true);
    // Read afresh: the cut line is now a complete bad line, reported by number; nothing else is lost.
    const again = fileStore(path);
    for (const e of [...made, after]) expect(await again.get(e.id)).toEqual(e);
    expect(again.problems).toEqual([{ line: 4, kind: 'unreadable' }]);
    expect(readFileSync(path, 'utf8').split('\n').at(-2)).toContain(after.orderKey);
  });

  it('a damaged line anywhere is reported with its number, and every good line around it is read', async () => {
    const path = freshPath();
    const before = await write(path, 2);
    appendFileSync(path, 'garbage\n{"op":"frobnicate"}\n\u0000\u0000\u0000\n');
    const after = await write(path, 2);
    const store = fileStore(path);
    for (const e of [...before, ...after]) expect(await store.get(e.id)).toEqual(e);
    expect(store.problems).toEqual([
      { line: 3, kind: 'unreadable' },
      { line: 4, kind: 'malformed' },
      { line: 5, kind: 'unreadable' },
    ]);
  });

  it('a malformed create of a new id blocks that id (refused, never created anew); of a taken id it changes nothing', async () => {
    const path = freshPath();
    const [kept] = await write(path, 1);
    const blocked = entry();
    appendFileSync(
      path,
      `${JSON.stringify({ op: 'create', entry: { ...blocked, amount: -1 } })}\n${JSON.stringify({ op: 'create', entry: { ...kept, state: 'bogus' } })}\n`,
    );
    const store = fileStore(path);
    expect(await store.create(blocked)).toBe(false);
    await expect(store.get(blocked.id)).rejects.toMatchObject({ reason: 'malformed' });
    expect(await store.get(kept!.id)).toEqual(kept);
    expect(store.problems).toEqual([
      { line: 2, kind: 'malformed', id: blocked.id },
      { line: 3, kind: 'malformed', id: kept!.id },
    ]);
  });

  it('reads only what was appended since its last read', async () => {
    const path = freshPath();
    const store = fileStore(path);
    await store.create(entry());
    const reads = vi.spyOn(await handleProto(), 'read');
    const e = entry();
    await fileStore(path).create(e); // another handle appends one line
    reads.mockClear();
    expect(await store.get(e.id)).toEqual(e);
    const bytes = (reads.mock.calls as unknown[][]).reduce((n, c) => n + (c[2] as number), 0);
    expect(bytes).toBe(Buffer.byteLength(readFileSync(path, 'utf8').split('\n').at(-2)!) + 1);
    reads.mockRestore();
  });
});

describe('FileJournalStore durability', () => {
  it('every write is flushed to disk before its promise resolves', async () => {
    const order: string[] = [];
    const sync = vi.spyOn(await handleProto(), 'datasync').mockImplementation(async function (
      this: FileHandle,
    ) {
      order.push('datasync');
      return FileHandleDatasync.call(this);
    });
    const store = fileStore(freshPath());
    const e = entry();
    await store.create(e).then(() => order.push('create resolved'));
    await store
      .advance(e.id, { state: 'pending', at: e.updatedAt + 1 })
      .then(() => order.push('advance resolved'));
    await store.markAnnounced(e.id, 5).then(() => order.push('markAnnounced resolved'));
    sync.mockRestore();
    expect(order).toEqual([
      'datasync',
      'create resolved',
      'datasync',
      'advance resolved',
      'datasync',
      'markAnnounced resolved',
    ]);
  });
});

let FileHandleDatasync: FileHandle['datasync'];
/** The FileHandle prototype (node:fs/promises does not export the class). */
async function handleProto() {
  const h = await open(join(dir, 'probe'), 'a');
  const proto = Object.getPrototypeOf(h) as FileHandle;
  FileHandleDatasync ??= proto.datasync;
  await h.close();
  return proto;
}

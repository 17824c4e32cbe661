/**
 * `npm run bench` section 6: `campus-pay reconcile` over a ledger of 100,000 Zhixiao orders against the
 * sandbox. The CLI runs as its own process (the built dist/cli.js), so its memory is measured alone: RSS
 * read from /proc every 100 ms, its peak (VmHWM) at 10,000 and at 100,000 orders side by side, and in one
 * more run the heap left after a forced full GC every 2 s (bench/heap-probe.mjs): flat, or a leak.
 *
 * The orders are seeded straight into the sandbox's settlement (`zhixiaoGateway.seedOrder`): creating them
 * through createOrder is measured on a sample, and the section says how long 100,000 would have taken.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { sandboxEnv, writeEnvFile } from '../src/cli/env-file.js';
import { ZhixiaoPayClient } from '../src/index.js';
import { startSandbox } from '../src/sandbox/index.js';
import buildIfStale from '../test/global-setup.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');
const CONCURRENCY = 16;
const API_SAMPLE = 2_000;
const MiB = 2 ** 20;

/**
 * Order i of the bench, and what the ledger says of it: mostly paid and matching; every 20th open and
 * every 20th failed (the ledger agrees), every 250th the ledger says failed though paid (state-mismatch),
 * every 1,000th never reached the gateway (missing), every 5,000th has an amount no one can read.
 */
function order(i: number) {
  const status: 1 | 2 | 3 = i % 20 === 7 ? 1 : i % 20 === 13 ? 3 : 2;
  const seeded = i % 1_000 !== 5;
  const stateOf = { 1: 'pending', 2: 'succeeded', 3: 'failed' } as const;
  const mismatch = seeded && status === 2 && i % 250 === 3;
  const unreadable = i % 5_000 === 9;
  const result = unreadable ? 'unreadable' : !seeded ? 'missing' : mismatch ? 'state-mismatch' : 'matched';
  return {
    key: `B${String(i).padStart(7, '0')}`,
    fee: 100 + (i % 9_900),
    status,
    seeded,
    ledgerState: mismatch ? 'failed' : stateOf[status],
    result,
    unreadable,
  };
}

async function writeLedger(path: string, n: number): Promise<Record<string, number>> {
  const expected: Record<string, number> = {};
  const out = createWriteStream(path);
  const write = (s: string) =>
    out.write(s) ? undefined : new Promise<void>((r) => out.once('drain', () => r()));
  await write('\uFEFFgateway,order_key,amount_fen,state\r\n');
  for (let i = 0; i < n; i++) {
    const o = order(i);
    expected[o.result] = (expected[o.result] ?? 0) + 1;
    await write(`zhixiao,${o.key},${o.unreadable ? `${o.fee}.5` : o.fee},${o.ledgerState}\r\n`);
  }
  await new Promise<void>((r) => out.end(() => r()));
  return expected;
}

/** VmRSS and VmHWM (peak) of a process, in bytes, or undefined once it is gone. */
function memoryOf(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
    const m = { rss: kib('VmRSS'), peak: kib('VmHWM') };
    // A process that has exited but not been reaped still has a status file, without these lines.
    return Number.isFinite(m.rss) && Number.isFinite(m.peak) ? m : undefined;
  } catch {
    return undefined;
  }
}

interface Run {
  seconds: number;
  rate: number;
  peak: number;
  samples: Array<{ t: number; rss: number }>;
  /** With the heap probe: the heap in use after each forced full GC, in bytes. */
  heap: number[];
  counts: Record<string, number>;
  code: number | null;
}

/**
 * Runs `campus-pay reconcile` on a ledger, sampling the child's memory every 100 ms; `probe` preloads
 * bench/heap-probe.mjs, which forces a full GC every second and reports the heap left.
 */
async function reconcileRun(dir: string, ledger: string, env: string, probe = false): Promise<Run> {
  const out = join(dir, `report-${Date.now()}.csv`);
  const started = performance.now();
  const preload = probe ? ['--expose-gc', '--import', join(import.meta.dirname, 'heap-probe.mjs')] : [];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...preload,
      CLI,
      'reconcile',
      ledger,
      '--out',
      out,
      '--concurrency',
      String(CONCURRENCY),
      '--env-file',
      env,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CAMPUS_PAY_CACHE_DIR: dir } },
  );
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d;
  });
  const heap: number[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    const m = /^heap-after-gc (\d+)$/.exec(line);
    if (m) heap.push(Number(m[1]));
    else process.stderr.write(`${line}\n`);
  });
  const samples: Run['samples'] = [];
  let peak = 0;
  const sample = () => {
    const m = child.pid ? memoryOf(child.pid) : undefined;
    if (!m) return;
    peak = Math.max(peak, m.peak);
    samples.push({ t: performance.now() - started, rss: m.rss });
  };
  const timer = setInterval(sample, 100);
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  const counts: Record<string, number> = {};
  for (const m of stdout.matchAll(/^([a-z-]+)\s+([\d,]+)$/gm))
    counts[m[1]!] = Number(m[2]!.replaceAll(',', ''));
  const rate = Number(/\(([\d,]+) rows\/s\)/.exec(stdout)?.[1]?.replaceAll(',', '') ?? Number.NaN);
  rmSync(out, { force: true });
  return { seconds, rate, peak, samples, heap, counts, code };
}

export interface ReconcileBench {
  rate: number;
  /** Heap after GC in the probed run: at its end minus at its second tenth, past start-up (MiB). */
  heapGrowth: number;
  countsMatch: boolean;
}

/** The highest RSS in each tenth of a run's time. */
const perTenth = (samples: Run['samples']): number[] => {
  const end = samples.at(-1)?.t ?? 0;
  const top = Array.from({ length: 10 }, () => 0);
  for (const x of samples) {
    const k = Math.min(9, Math.floor((10 * x.t) / end));
    top[k] = Math.max(top[k]!, x.rss);
  }
  return top;
};

/** The value at each tenth of a series (by position), for a line of ten numbers. */
const tenths = <T>(xs: T[]): T[] =>
  Array.from(
    { length: 10 },
    (_, k) => xs[Math.min(xs.length - 1, Math.ceil(((k + 1) * xs.length) / 10) - 1)]!,
  );

/** `command`: how this run was started, for the record. */
export async function reconcileBench(
  log: (line?: string) => void,
  quick: boolean,
  command: string,
): Promise<ReconcileBench> {
  const big = quick ? 10_000 : 100_000;
  const small = big / 10;
  const fmt = (n: number, d = 0) =>
    n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  buildIfStale();
  const dir = mkdtempSync(join(tmpdir(), 'campus-pay-bench-'));
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const sb = await startSandbox({ onecard: { platformPrivateKey: platform } });
  try {
    // Orders through the API, to say how long 100,000 would take that way.
    const client = new ZhixiaoPayClient({ ...sb.zhixiao, httpClient: 'node' });
    let made = 0;
    const apiStart = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (made < API_SAMPLE) {
          const i = made++;
          await client.createOrder({
            body: 'bench',
            out_trade_no: `API${i}`,
            total_fee: 100,
            notify_url: 'http://127.0.0.1:9/notify',
          });
        }
      }),
    );
    const apiRate = API_SAMPLE / ((performance.now() - apiStart) / 1000);

    const seedStart = performance.now();
    for (let i = 0; i < big; i++) {
      const o = order(i);
      if (o.seeded) sb.zhixiaoGateway.seedOrder({ out_trade_no: o.key, total_fee: o.fee, status: o.status });
    }
    const seedSeconds = (performance.now() - seedStart) / 1000;

    const env = join(dir, 'bench.env');
    const pem = (k: KeyObject) => k.export({ type: k.type === 'private' ? 'pkcs8' : 'spki', format: 'pem' });
    const vars = sandboxEnv(sb, {
      merchantPublicKey: pem(createPublicKey(sb.onecard.privateKey)).toString(),
      platformPrivateKey: pem(platform).toString(),
    });
    writeEnvFile(env, vars, 'bench');
    const smallLedger = join(dir, 'small.csv');
    const bigLedger = join(dir, 'big.csv');
    await writeLedger(smallLedger, small);
    const expected = await writeLedger(bigLedger, big);

    const s = await reconcileRun(dir, smallLedger, env);
    const b = await reconcileRun(dir, bigLedger, env);
    const p = await reconcileRun(dir, bigLedger, env, true);
    const countsMatch = [b, p].every(
      (r) => r.counts.total === big && Object.entries(expected).every(([k, v]) => r.counts[k] === v),
    );
    const heapTenths = tenths(p.heap);
    const heapGrowth = (heapTenths.at(-1)! - heapTenths[1]!) / MiB;

    log(`## 6. Reconciling ${fmt(big)} orders (\`campus-pay reconcile\`)`);
    log();
    log(
      `Measured on ${new Date().toISOString().slice(0, 10)} by \`${command}\`${command.includes('--reconcile') ? '' : ' (this section alone: `npm run bench -- --reconcile`)'}, Node ${process.version}. \`campus-pay reconcile ledger.csv --out report.csv --concurrency ${CONCURRENCY}\` against the sandbox (Zhixiao, one queryOrder per row), the CLI as its own process (dist/cli.js); its RSS read from /proc every 100 ms, the peak is the kernel's high-water mark (VmHWM). The sandbox runs in the bench's process, on the same 2 cores.`,
    );
    log();
    log(
      `The orders were seeded straight into the sandbox's settlement with \`sandbox.zhixiaoGateway.seedOrder()\`: ${fmt(big - big / 1_000)} orders in ${fmt(seedSeconds, 2)} s. Through the API (createOrder, concurrency ${CONCURRENCY}) they are made at ${fmt(apiRate)} orders/s here (measured on ${fmt(API_SAMPLE)}), so ${fmt(big)} would have taken about ${fmt(big / apiRate)} s before the run could start.`,
    );
    log();
    log(
      'The ledger (generated by the bench): mostly paid orders the ledger agrees with, every 20th open and every 20th failed (agreed), every 250th paid but failed in the ledger, every 1,000th never made, every 5,000th with an unreadable amount.',
    );
    log();
    log('| ledger rows | orders/s (CLI summary) | wall time incl. start-up (s) | peak RSS (MiB) |');
    log('|---:|---:|---:|---:|');
    for (const [n, r] of [
      [small, s],
      [big, b],
    ] as const)
      log(`| ${fmt(n)} | ${fmt(r.rate)} | ${fmt(r.seconds, 1)} | ${fmt(r.peak / MiB, 1)} |`);
    log();
    log(
      `Highest RSS in each tenth of the ${fmt(big)}-row run's time (MiB): ${perTenth(b.samples)
        .map((x) => fmt(x / MiB, 0))
        .join(
          ' · ',
        )}. V8 collects lazily: RSS climbs while garbage waits to be collected, and its peak differs by tens of MiB from run to run whatever the ledger's length; the heap after a full GC, below, is what the process holds.`,
    );
    log();
    log(
      `What the process holds, once more over ${fmt(big)} rows with bench/heap-probe.mjs preloaded (a full GC every 2 s, then the heap in use; ${fmt(p.rate)} orders/s with the GCs), at each tenth of the run (MiB): ${heapTenths.map((x) => fmt(x / MiB, 1)).join(' · ')}. Growth from the second tenth (past start-up) to the last: **${fmt(heapGrowth, 1)} MiB** (bound: 2 MiB — both files are streamed, at most ${CONCURRENCY} rows in hand; at 100,000 rows a leak of 30 bytes per row would show).`,
    );
    log();
    log(
      `Reports of the ${fmt(big)}-row runs: ${Object.entries(b.counts)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(
          ', ',
        )} — ${countsMatch ? 'as the ledger was made ✓' : `expected ${JSON.stringify(expected)} ✗`}; exit code ${b.code} (1: mismatches found).`,
    );
    log();
    return { rate: b.rate, heapGrowth, countsMatch };
  } finally {
    await sb.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The Targets table row of this section. */
export function reconcileTarget(r: ReconcileBench): string {
  const growth = r.heapGrowth.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
  return `| reconcile 100k rows: heap after GC grows ≤ 2 MiB, report as the ledger was made | ${growth} MiB, ${Math.round(r.rate).toLocaleString('en-US')} orders/s ${r.heapGrowth <= 2 && r.countsMatch ? '✓' : '✗'} |`;
}

/** docs/performance.md with this section and its Targets row put in (replaced, or added before the notes). */
export function spliceReconcile(doc: string, section: string[], target: string): string {
  const lines = doc.split('\n');
  const row = lines.findIndex((l) => l.startsWith('| reconcile'));
  if (row >= 0) lines[row] = target;
  else {
    const table = lines.indexOf('## Targets');
    const end = lines.findIndex((l, i) => i > table && l === '' && lines[i - 1]!.startsWith('|'));
    lines.splice(end, 0, target);
  }
  const text = lines.join('\n');
  const body = section.join('\n');
  const start = text.indexOf('\n## 6. ');
  const next = start >= 0 ? text.indexOf('\n## ', start + 1) : text.indexOf('\n## Notes');
  const from = start >= 0 ? start : next;
  return `${text.slice(0, from + 1)}${body}${next >= 0 ? text.slice(next) : ''}`;
}

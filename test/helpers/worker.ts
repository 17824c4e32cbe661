/**
 * One launcher for tests that need real processes (the Redis workers, the crash matrix's children): a
 * TypeScript script run by node with tsx, its config as JSON in CAMPUS_PAY_WORKER, its stdout collected
 * line by line and scanned for secrets once it closes.
 */
import { type ChildProcess, spawn } from 'node:child_process';

// The secret scan lives in vitest; a script run outside it (npm run reliability) has none to feed.
const scan = process.env.VITEST ? (await import('./secret-scan.js')).scanChildOutput : undefined;

/** How a worker ended, and everything it printed. */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

export interface Worker {
  proc: ChildProcess;
  /** Complete stdout lines so far. */
  lines: string[];
  closed: Promise<WorkerExit>;
}

export function startWorker(script: string, config: object, label: string): Worker {
  // node itself (not the tsx CLI, which runs the script in a child): a SIGKILL must hit the worker.
  const proc = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, CAMPUS_PAY_WORKER: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stdout = '';
  let partial = '';
  proc.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  // Passed on through process.stderr, where the secret scan reads it; stdout is scanned when it closes.
  proc.stderr!.on('data', (d: Buffer) => process.stderr.write(d));
  // 'close', not 'exit': 'exit' may come before the last stdout chunk has been read.
  const closed = new Promise<WorkerExit>((resolve) =>
    proc.once('close', (code, signal) => {
      scan?.(label, { stdout });
      resolve({ code, signal, stdout });
    }),
  );
  return { proc, lines, closed };
}

/** The JSON of a worker's last line, when it exited 0; otherwise an error saying how it ended. */
export async function lastJsonLine<T>(worker: Worker): Promise<T> {
  const { code, signal, stdout } = await worker.closed;
  const last = stdout.trim().split('\n').at(-1);
  if (code === 0 && last) return JSON.parse(last) as T;
  throw new Error(`worker exited (code ${code}, signal ${signal}) with output: ${JSON.stringify(stdout)}`);
}

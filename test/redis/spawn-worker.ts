/** Starts test/redis/worker.ts (one "service instance") in its own process and reads its result line. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { scanChildOutput } from '../helpers/secret-scan.js';

const WORKER = join(import.meta.dirname, 'worker.ts');

/** What a worker prints: calls that succeeded, the failures' messages, its token fetches, its time. */
export interface WorkerResult {
  ok: number;
  failures: string[];
  fetches: number;
  ms: number;
}

export function spawnWorker(
  config: object,
  label: string,
): { proc: ChildProcess; result: Promise<WorkerResult> } {
  // node itself (not the tsx CLI, which runs the script in a child): a SIGKILL must hit the worker.
  const proc = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, CAMPUS_PAY_WORKER: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  // Passed on through process.stderr, where the secret scan reads it; stdout is scanned when it closes.
  proc.stderr!.on('data', (d: Buffer) => process.stderr.write(d));
  // 'close', not 'exit': 'exit' may come before the last stdout chunk has been read.
  const result = new Promise<WorkerResult>((resolve, reject) =>
    proc.once('close', (code, signal) => {
      scanChildOutput(label, { stdout: out });
      const last = out.trim().split('\n').at(-1);
      // A worker that ends without its JSON line fails the test at once, saying how it ended.
      if (code === 0 && last) resolve(JSON.parse(last));
      else
        reject(
          new Error(`worker exited (code ${code}, signal ${signal}) with output: ${JSON.stringify(out)}`),
        );
    }),
  );
  return { proc, result };
}

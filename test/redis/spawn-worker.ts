/** Starts test/redis/worker.ts (one "service instance") in its own process and reads its result line. */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { lastJsonLine, startWorker } from '../helpers/worker.js';

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
  const worker = startWorker(WORKER, config, label);
  // A worker that ends without its JSON line fails the test at once, saying how it ended.
  return { proc: worker.proc, result: lastJsonLine<WorkerResult>(worker) };
}

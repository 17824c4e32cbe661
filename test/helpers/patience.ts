/**
 * How long a test waits for something slow (processes starting, a sweep), from one place: a limit that
 * holds on an idle machine, stretched while the machine runs more than one process per core.
 */
import { availableParallelism, loadavg } from 'node:os';

export function patience(ms: number): number {
  const load = loadavg()[0]! / availableParallelism();
  return Math.round(ms * Math.min(4, Math.max(1, load)));
}

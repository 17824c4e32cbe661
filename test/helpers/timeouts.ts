/**
 * Every time limit of the suite comes from here, scaled for load (docs/testing.md, "Timeouts"): vitest's
 * test and hook timeouts, the longer limits of single tests, child processes and polling waits, and the
 * timers a test sets up so that something has time to happen (a request to arrive, a worker to start).
 *
 * The base values suit `npm test` on a quiet 2-core machine. `SLOWDOWN` multiplies them: the value of
 * CAMPUS_PAY_TEST_SLOWDOWN when set (CI or a developer who knows the machine is busy), else the machine's
 * load per core when the run starts (`os.loadavg()[0] / os.availableParallelism()`), between 1 and 10.
 * The first process to read it writes it back to the environment, so vitest's workers and every child
 * process a test starts (the CLI, the examples, the Redis workers) use the same factor.
 *
 * A limit only bounds how long a hang takes to be reported: no test asserts a duration, so a larger
 * factor never changes what a test checks.
 */
import { availableParallelism, loadavg } from 'node:os';

const ENV = 'CAMPUS_PAY_TEST_SLOWDOWN';

function slowdown(): number {
  const set = Number(process.env[ENV]);
  if (process.env[ENV] !== undefined && Number.isFinite(set) && set >= 1) return set;
  const perCore = (loadavg()[0] ?? 0) / availableParallelism();
  const factor = Math.round(Math.min(10, Math.max(1, perCore)) * 10) / 10;
  process.env[ENV] = String(factor);
  return factor;
}

/** How much slower than a quiet machine this run is taken to be (1 to 10, or what the environment says). */
export const SLOWDOWN = slowdown();

/** `ms` (a base value for a quiet machine) scaled for this run. */
export const scaled = (ms: number): number => Math.ceil(ms * SLOWDOWN);

/** vitest's limits for one test and one hook (vitest.config.ts), and the longer ones a few tests need. */
export const TIMEOUTS = {
  test: scaled(20_000),
  hook: scaled(30_000),
  /** A test that starts child processes or servers of its own (Redis workers, a tsc run, Chromium). */
  slow: scaled(60_000),
  /** A test that runs a build or many child processes (the packed tarball's install and type checks). */
  build: scaled(120_000),
} as const;

/**
 * Polls `ready` every `everyMs` until it returns true, failing with `what` after `withinMs` (scaled).
 * Used in place of fixed sleeps and of polling loops that counted iterations.
 */
export async function waitFor(
  what: string,
  ready: () => boolean | Promise<boolean>,
  { withinMs = 20_000, everyMs = 25 }: { withinMs?: number; everyMs?: number } = {},
): Promise<void> {
  const until = Date.now() + scaled(withinMs);
  while (!(await ready())) {
    if (Date.now() > until) throw new Error(`timed out after ${scaled(withinMs)} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

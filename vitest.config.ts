import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { ROOT, SUBPATHS } from './subpaths.js';
import { TIMEOUTS } from './test/helpers/timeouts.js';

/**
 * Two tiers (docs/testing.md). `npm test` runs the `src` project: every module of src/ from the sources,
 * over real sockets where a test needs them, in under a minute on 2 cores. `npm run test:heavy` runs the
 * rest, which CI runs too: the tests below, the built package (`dist`) and the other reply styles.
 */
export const HEAVY = [
  // headless Chromium
  'test/e2e/**/*.test.ts',
  // tsc over the declarations and the README's code blocks
  'test/types/**/*.test.ts',
  'test/contract/readme-snippets.test.ts',
  // each example in its own tsx process
  'test/examples/examples.test.ts',
  // the fault matrix again with the node sender (npm test runs it with the default, axios)
  'test/fault-matrix/node-sender.test.ts',
  // Redis Cluster, and several SDK processes (tsx) sharing one Redis
  'test/redis/redis-cluster.test.ts',
  'test/redis/multi-process.test.ts',
  'test/redis/journal-redis.test.ts',
  // SIGKILLed SDK processes over file and Redis journals (docs/reliability.md, "Crash matrix")
  'test/crash/**/*.test.ts',
  // a PostgreSQL server of its own (initdb)
  'test/examples/pg-journal.test.ts',
];

/** The tests that run the built package: the `campus-pay` binary and the packed tarball. Heavy too. */
const DIST_TESTS = [
  'test/cli/cli.test.ts',
  'test/cli/token-cache.test.ts',
  'test/cli/write-env.test.ts',
  'test/cli/journal.test.ts',
  'test/cli/reconcile.test.ts',
  'test/package/**/*.test.ts',
];

/**
 * In the `src` project, code that imports the package by name (the examples the tests import) gets the
 * sources, as tsconfig's paths give them to tsc and tsx; otherwise it would run a possibly stale dist/.
 */
export const SOURCES = SUBPATHS.map((s) => ({
  find: new RegExp(`^${s.specifier.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`),
  replacement: join(ROOT, s.source),
}));

const CORES = availableParallelism();

export default defineConfig({
  test: {
    // From one place, scaled for load (test/helpers/timeouts.ts).
    testTimeout: TIMEOUTS.test,
    hookTimeout: TIMEOUTS.hook,
    // One worker per core: most tests wait on sockets, but on 2 cores more workers than cores only
    // slow each other down, and a test that waits on a timer is then late.
    maxWorkers: CORES,
    // Every project: a secret of the fixtures in any error, log, hook payload or CLI output fails the
    // test. CAMPUS_PAY_SECRET_SCAN=0 leaves the scan out, to measure what it costs (docs/testing.md).
    setupFiles: [
      'test/helpers/shared-process.ts',
      ...(process.env.CAMPUS_PAY_SECRET_SCAN === '0' ? [] : ['test/helpers/secret-scan.ts']),
    ],
    projects: [
      {
        extends: true,
        resolve: { alias: SOURCES },
        test: {
          name: 'src',
          // examples/merchant-tests: the sample merchant test suite, which imports the package by name.
          include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
          exclude: [...HEAVY, ...DIST_TESTS],
          // Test files share worker processes: loading the SDK, vitest and the scan once per worker
          // rather than once per file halves the CPU the suite needs. What a file changes for the whole
          // process (nock, environment variables, fake timers) is put back after it by
          // test/helpers/shared-process.ts.
          isolate: false,
        },
      },
      { extends: true, resolve: { alias: SOURCES }, test: { name: 'heavy', include: HEAVY } },
      { extends: true, test: { name: 'dist', include: DIST_TESTS, globalSetup: ['test/global-setup.ts'] } },
      // The integration tests that read replies, again against sandboxes that write empty optional fields as
      // real gateways do. Left out: sandbox-field (it walks every style itself), and tokens, tls and observe,
      // which assert on token fetches, certificates and log lines, never on a reply's optional fields.
      ...(['null', 'omit'] as const).map((style) => ({
        extends: true as const,
        test: {
          name: `replies-${style}`,
          include: ['onecard', 'onecard-deployed', 'zhixiao', 'recovery'].map(
            (f) => `test/integration/${f}.test.ts`,
          ),
          env: { CAMPUS_PAY_SANDBOX_REPLY_STYLE: style },
          isolate: false,
        },
      })),
    ],
  },
});

import { defineConfig } from 'vitest/config';
import { TIMEOUTS } from './test/helpers/timeouts.js';
import { SOURCES } from './vitest.config.js';

/**
 * The tests Stryker runs against each mutant (`npm run mutate`, docs/testing.md): the unit and
 * integration tests of the `src` project. Left out because they do not exercise the mutated files
 * more than these do, and would only slow every mutant down: the fault matrix (one 12 s test; its
 * retry classes are covered by test/unit/core/transport.policy.test.ts and test/integration), the README
 * type-check (a `tsc` run), Chromium, Redis, the examples, the type-level tests and the `dist`
 * project (it builds the package). test/unit/core/time.test.ts sets `TZ` at run time, which Node honours
 * only on the main thread, and Stryker's vitest runner runs tests in worker threads; it tests none of
 * the mutated files.
 */
export default defineConfig({
  // The recipes import `campus-pay` by name, as users do: resolved to the sources, as in the src project.
  resolve: { alias: SOURCES },
  test: {
    testTimeout: TIMEOUTS.test,
    hookTimeout: TIMEOUTS.hook,
    // The framework recipes' test is the one that hands the handlers Koa's and Fastify's request objects.
    include: [
      'test/unit/**/*.test.ts',
      // The contract tests that call the clients (they were unit tests before the tree mirrored src/).
      ...['api-contract', 'api-docs', 'bad-input', 'core-boundary', 'readme', 'subpaths'].map(
        (f) => `test/contract/${f}.test.ts`,
      ),
      'test/integration/**/*.test.ts',
      'test/examples/recipes.test.ts',
    ],
    // secret-scan.test.ts checks the suite's secret scan (a setup file this config does not load), not the
    // mutated files.
    // tenants and env change the working directory, which worker threads may not (and test no mutated file).
    // key-rotation drives 1,000 calls through every file of the call path, so each of their mutants would
    // run it (5 s or more); each file's own tests pin what it checks, and keyring.ts has its unit tests.
    exclude: [
      'test/integration/key-rotation.test.ts',
      'test/unit/core/time.test.ts',
      'test/unit/secret-scan.test.ts',
      'test/unit/cli/tenants.test.ts',
      'test/unit/env.test.ts',
    ],
  },
});

import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { ROOT, SUBPATHS } from './subpaths.js';

/**
 * Two projects: the sources (unit, integration, fault matrix, Redis, Chromium) run from src/ with no
 * build; only the tests that run the built package (CLI, packaging) build it first, once.
 */
const DIST_TESTS = ['test/cli/**/*.test.ts', 'test/package/**/*.test.ts'];

/**
 * In the `src` project, code that imports the package by name (the examples the tests import) gets the
 * sources, as tsconfig's paths give them to tsc and tsx; otherwise it would run a possibly stale dist/.
 */
export const SOURCES = SUBPATHS.map((s) => ({
  find: new RegExp(`^${s.specifier.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`),
  replacement: join(ROOT, s.source),
}));

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Most tests wait on sockets, child processes and timers, not the CPU: on a 2-core machine the default
    // (one worker) leaves both cores idle most of the time.
    maxWorkers: 4,
    // Every project: a secret of the fixtures in any error, log, hook payload or CLI output fails the test.
    setupFiles: ['test/helpers/secret-scan.ts'],
    projects: [
      {
        extends: true,
        resolve: { alias: SOURCES },
        test: { name: 'src', include: ['test/**/*.test.ts'], exclude: DIST_TESTS },
      },
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
        },
      })),
    ],
  },
});

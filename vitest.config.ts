import { defineConfig } from 'vitest/config';

/**
 * Two projects: the sources (unit, integration, fault matrix, Redis, Chromium) run from src/ with no
 * build; only the tests that run the built package (CLI, packaging) build it first, once.
 */
const DIST_TESTS = ['test/cli/**/*.test.ts', 'test/package/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Every project: a secret of the fixtures in any error, log, hook payload or CLI output fails the test.
    setupFiles: ['test/helpers/secret-scan.ts'],
    projects: [
      { extends: true, test: { name: 'src', include: ['test/**/*.test.ts'], exclude: DIST_TESTS } },
      { extends: true, test: { name: 'dist', include: DIST_TESTS, globalSetup: ['test/global-setup.ts'] } },
      // The integration suite again against sandboxes that write empty optional fields as real gateways do.
      ...(['null', 'omit'] as const).map((style) => ({
        extends: true as const,
        test: {
          name: `replies-${style}`,
          include: ['test/integration/**/*.test.ts'],
          env: { CAMPUS_PAY_SANDBOX_REPLY_STYLE: style },
        },
      })),
    ],
  },
});

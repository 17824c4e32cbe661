import { execFileSync } from 'node:child_process';

/**
 * CLI and packaging tests run the built output, so build once before the run. CAMPUS_PAY_SKIP_BUILD=1
 * skips it when only tests of the sources run.
 */
export default function setup() {
  if (process.env.CAMPUS_PAY_SKIP_BUILD === '1') return;
  execFileSync('npx', ['tsup', '--silent'], {
    stdio: 'inherit',
    cwd: new URL('..', import.meta.url).pathname,
  });
}

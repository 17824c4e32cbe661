import { execFileSync } from 'node:child_process';

const ROOT = new URL('..', import.meta.url).pathname;

/**
 * CLI and packaging tests run the built output, so build once before the run, as `prepare` does: skipped
 * when dist/ is already newer than every source and build setting (CI has just run `npm run build`), or
 * when CAMPUS_PAY_SKIP_BUILD=1.
 */
export default function setup() {
  if (process.env.CAMPUS_PAY_SKIP_BUILD === '1') return;
  execFileSync(process.execPath, ['scripts/prepare.mjs'], { stdio: 'inherit', cwd: ROOT });
}

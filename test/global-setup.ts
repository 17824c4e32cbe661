import { execFileSync } from 'node:child_process';

/** CLI and packaging tests run the built output, so build once before the run. */
export default function setup() {
  execFileSync('npx', ['tsup', '--silent'], {
    stdio: 'inherit',
    cwd: new URL('..', import.meta.url).pathname,
  });
}

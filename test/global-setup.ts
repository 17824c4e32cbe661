import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;

/** Newest modification time under `path` (files only), 0 when it does not exist. */
function newest(path: string): number {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((f) => newest(join(path, f))));
}

/**
 * CLI and packaging tests run the built output, so build once before the run — unless dist/ is already
 * newer than every source and build setting (CI has just run `npm run build`), or CAMPUS_PAY_SKIP_BUILD=1.
 */
export default function setup() {
  if (process.env.CAMPUS_PAY_SKIP_BUILD === '1') return;
  const inputs = Math.max(
    ...['src', 'package.json', 'subpaths.ts', 'tsup.config.ts', 'tsconfig.json'].map((p) =>
      newest(join(ROOT, p)),
    ),
  );
  const built = ['cli.js', 'index.js', 'index.cjs', 'index.d.ts', 'index.d.cts'].map((f) =>
    newest(join(ROOT, 'dist', f)),
  );
  if (Math.min(...built) > inputs) return;
  execFileSync('npx', ['tsup', '--silent'], { stdio: 'inherit', cwd: ROOT });
}

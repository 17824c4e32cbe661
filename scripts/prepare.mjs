#!/usr/bin/env node
/**
 * The `prepare` script: builds dist/ with tsup, unless dist/ is already newer than every input.
 *
 * npm runs it after `npm install` in a clone, when it installs this package from git (in its own clone,
 * after installing the dependencies), when `npx campus-pay` or `npm pack` packs this directory, and in a
 * directory linked by a local-path install (`npm install ../campus-pay`), where `npm install` may never
 * have run: then tsup is not there, so the build's dependencies are installed first (scripts off: this
 * script is the only one the build needs). Plain JavaScript with no dependency, so that it runs before
 * any is installed. The CLI and package tests build through it too (test/global-setup.ts).
 *
 * `node scripts/prepare.mjs --check` only says whether dist/ is up to date (exit code 0 or 1).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const INPUTS = ['src', 'package.json', 'subpaths.ts', 'tsup.config.ts', 'tsconfig.json'];
const OUTPUTS = ['cli.js', 'index.js', 'index.cjs', 'index.d.ts', 'index.d.cts'].map((f) => join('dist', f));

/** Newest modification time under `path` (files only); 0 when it does not exist. */
function newest(path) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((f) => newest(join(path, f))));
}

/** Whether every output exists and is newer than every input. */
export function upToDate() {
  const built = Math.min(...OUTPUTS.map((f) => newest(join(ROOT, f))));
  return built > Math.max(...INPUTS.map((p) => newest(join(ROOT, p))));
}

/** tsup's command-line entry, or undefined when the dependencies are not installed here. */
function tsupBin() {
  try {
    const pkgPath = createRequire(join(ROOT, 'package.json')).resolve('tsup/package.json');
    const { bin } = createRequire(import.meta.url)(pkgPath);
    return join(dirname(pkgPath), typeof bin === 'string' ? bin : bin.tsup);
  } catch {
    return undefined;
  }
}

function main() {
  if (process.argv.includes('--check')) {
    process.exitCode = upToDate() ? 0 : 1;
    return;
  }
  if (upToDate()) {
    console.error('campus-pay: dist/ is up to date, not rebuilt');
    return;
  }
  let tsup = tsupBin();
  if (!tsup) {
    console.error('campus-pay: tsup is not installed here; installing the build dependencies first');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    execFileSync(npm, ['install', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: ROOT,
      stdio: 'inherit',
      shell: process.platform === 'win32',
    });
    tsup = tsupBin();
    if (!tsup) throw new Error('campus-pay: tsup is still missing after npm install');
  }
  execFileSync(process.execPath, [tsup, '--silent'], { cwd: ROOT, stdio: 'inherit' });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();

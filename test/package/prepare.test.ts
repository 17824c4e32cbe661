/**
 * The `prepare` script (scripts/prepare.mjs), which npm runs after `npm install` in a clone, when it
 * installs the package from git, when npx or npm pack packs the directory, and in a directory linked by a
 * local-path install: it skips an up-to-date build, and builds in a fresh clone where `npm install`
 * never ran (there, tsup is missing until it installs the build's dependencies).
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TIMEOUTS } from '../helpers/timeouts.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** Runs the script in `cwd`; a failure throws with what the script wrote to stderr. */
const prepare = (cwd: string, args: string[] = [], env: NodeJS.ProcessEnv = process.env) => {
  try {
    execFileSync(process.execPath, ['scripts/prepare.mjs', ...args], { cwd, env, stdio: 'pipe' });
  } catch (e) {
    throw new Error(`prepare failed: ${(e as { stderr?: Buffer }).stderr ?? e}`);
  }
};
const tmp = mkdtempSync(join(tmpdir(), 'campus-pay-prepare-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('scripts/prepare.mjs', () => {
  it('leaves an up-to-date dist/ alone (the dist project has just built it)', () => {
    const cli = join(ROOT, 'dist', 'cli.js');
    const before = statSync(cli).mtimeMs;
    prepare(ROOT);
    expect(statSync(cli).mtimeMs).toBe(before);
    expect(() => prepare(ROOT, ['--check'])).not.toThrow();
  });

  it.skipIf(process.platform === 'win32')(
    'in a fresh clone without node_modules: installs the build dependencies, then builds a working CLI',
    () => {
      // The repository's files as a clone has them: no node_modules, no dist/.
      const clone = join(tmp, 'clone');
      const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], {
        cwd: ROOT,
        encoding: 'utf8',
      })
        .split('\n')
        .filter((f) => f && existsSync(join(ROOT, f)) && !f.startsWith('dist/'));
      for (const f of files) {
        mkdirSync(dirname(join(clone, f)), { recursive: true });
        cpSync(join(ROOT, f), join(clone, f));
      }
      expect(existsSync(join(clone, 'node_modules'))).toBe(false);
      // An `npm` that records how it was called and installs by linking the repository's node_modules,
      // so the test downloads nothing.
      const bin = join(tmp, 'bin');
      mkdirSync(bin);
      const log = join(tmp, 'npm-calls');
      writeFileSync(
        join(bin, 'npm'),
        `#!/bin/sh\necho "$PWD $*" >> '${log}'\nln -s '${join(ROOT, 'node_modules')}' node_modules\n`,
      );
      chmodSync(join(bin, 'npm'), 0o755);
      prepare(clone, [], { ...process.env, PATH: `${bin}:${process.env.PATH}` });
      expect(readFileSync(log, 'utf8').trim()).toBe(`${clone} install --ignore-scripts --no-audit --no-fund`);
      expect(
        execFileSync(process.execPath, [join(clone, 'dist', 'cli.js'), '--help'], { encoding: 'utf8' }),
      ).toMatch(/^campus-pay — /);
      for (const f of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts'])
        expect(existsSync(join(clone, 'dist', f)), f).toBe(true);
    },
    TIMEOUTS.build,
  );
});

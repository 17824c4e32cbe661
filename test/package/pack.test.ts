/**
 * What `npm pack` ships: the build, the READMEs, the licence and package.json, nothing else (no sources,
 * tests, scripts, .env or keys), every entry point of package.json in both formats with its types, and
 * within a size budget.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, SUBPATHS } from '../../subpaths.js';

const ROOT = join(import.meta.dirname, '..', '..');

interface Packed {
  size: number;
  unpackedSize: number;
  files: Array<{ path: string; size: number }>;
}
// --ignore-scripts: the dist project's global setup has built dist/ already.
const packed = (
  JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }),
  ) as Packed[]
)[0]!;
const paths = packed.files.map((f) => f.path);

/**
 * Budget, with room to grow: at the time of writing 0.77 MB packed and 2.8 MB unpacked, of which 1.5 MB
 * are source maps. A jump past it means something was shipped by mistake.
 */
const BUDGET = { packed: 1_200_000, unpacked: 4_000_000 };

describe('npm pack', () => {
  it('ships only dist/, the READMEs, the licence and package.json', () => {
    const top = ['package.json', 'README.md', 'README.zh-CN.md', 'LICENSE'];
    expect(paths.filter((p) => !p.startsWith('dist/') && !top.includes(p))).toEqual([]);
    for (const f of top) expect(paths).toContain(f);
    expect(paths.filter((p) => /(^|\/)\.env|\.pem$|\.p12$|\.pfx$|\.tgz$|\.test\./.test(p))).toEqual([]);
  });

  it.each(SUBPATHS.map((s) => [s.specifier, s.name]))('ships %s as ESM and CJS, with types', (_, name) => {
    for (const ext of ['js', 'cjs', 'd.ts', 'd.cts']) expect(paths).toContain(`dist/${name}.${ext}`);
  });

  it('ships the CLI', () => {
    expect(paths).toContain(`dist/${BIN.name}.js`);
  });

  it('stays within its size budget', () => {
    expect(packed.size).toBeLessThan(BUDGET.packed);
    expect(packed.unpackedSize).toBeLessThan(BUDGET.unpacked);
  });
});

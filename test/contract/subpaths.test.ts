/**
 * The package's subpaths are declared once, in package.json `exports` (read by subpaths.ts). The JSON
 * files that list them again and cannot import anything must agree with it, and so must the READMEs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, SUBPATHS } from '../../subpaths.js';

const json = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8'));
const pkg = json('package.json');
/** The export keys, read here from package.json itself: `.`, `./crypto`… */
const keys = Object.keys(pkg.exports).filter((k) => k !== './package.json');
const subs = SUBPATHS.filter((s) => s.specifier !== 'campus-pay');

describe('subpaths, declared once in package.json exports', () => {
  it('subpaths.ts reads every export, each with a source file', () => {
    expect(SUBPATHS.map((s) => s.specifier)).toEqual(
      keys.map((k) => (k === '.' ? 'campus-pay' : `campus-pay/${k.slice(2)}`)),
    );
    for (const s of [...SUBPATHS, BIN]) expect(existsSync(join(ROOT, s.source))).toBe(true);
    expect(BIN).toEqual({ name: 'cli', source: 'src/cli/index.ts' });
  });

  it.each(keys)('exports[%s] names the ESM and CJS files and declarations of one build entry', (key) => {
    const name = SUBPATHS[keys.indexOf(key)]!.name;
    expect(pkg.exports[key]).toEqual({
      import: { types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` },
      require: { types: `./dist/${name}.d.cts`, default: `./dist/${name}.cjs` },
    });
  });

  it('package.json typesVersions (node10 resolution) maps every subpath', () => {
    expect(pkg.typesVersions).toEqual({
      '*': Object.fromEntries(
        subs.map((s) => [s.specifier.slice('campus-pay/'.length), [`./dist/${s.name}.d.cts`]]),
      ),
    });
  });

  it('tsconfig.json paths resolve every specifier to its source', () => {
    expect(json('tsconfig.json').compilerOptions.paths).toEqual(
      Object.fromEntries(SUBPATHS.map((s) => [s.specifier, [`./${s.source}`]])),
    );
  });

  it('typedoc.json documents every entry point', () => {
    expect(json('typedoc.json').entryPoints).toEqual(SUBPATHS.map((s) => s.source));
  });

  it.each(['README.md', 'README.zh-CN.md'])('%s lists every subpath in its import table', (file) => {
    const readme = readFileSync(join(ROOT, file), 'utf8');
    for (const s of subs) expect(readme).toContain(`| \`${s.specifier}\` |`);
  });
});

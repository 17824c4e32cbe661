/**
 * Every TypeScript block of the README compiles under strict settings (noUncheckedIndexedAccess
 * included), against the sources, as a reader would paste it. Blocks share one module each; names a
 * block uses without defining (your own `markPaid`, an Express `res`) are declared in a prelude.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUBPATHS } from '../../subpaths.js';
import { TIMEOUTS } from '../helpers/timeouts.js';

const ROOT = join(import.meta.dirname, '..', '..');
const blocks = (readFileSync(join(ROOT, 'README.md'), 'utf8').match(/```ts\n[\s\S]*?```/g) ?? []).map((b) =>
  b.slice(6, -3),
);

/** What a snippet may use without defining: the reader's own code and earlier snippets' clients. */
const PRELUDE = `
declare const onecard: import('campus-pay').OneCardClient;
declare const zhixiao: import('campus-pay').ZhixiaoPayClient;
declare const res: import('express').Response;
declare const app: import('express').Express;
declare const scanned: string;
declare function markPaid(...args: unknown[]): Promise<void>;
declare const config: import('campus-pay').OneCardClientOptions;
declare const cardOfficeConfig: import('campus-pay').OneCardClientOptions;
declare const canteenConfig: import('campus-pay').OneCardClientOptions;
export {};
`;

describe('README snippets', () => {
  it(
    'every ts block type-checks strictly',
    () => {
      expect(blocks.length).toBeGreaterThan(5);
      const dir = join(ROOT, 'node_modules', '.cache', 'readme-snippets');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const files = blocks.map((code, i) => {
        const file = `snippet-${i}.ts`;
        // A block that declares a client itself does not get the prelude's declaration of the same name.
        const prelude = PRELUDE.split('\n')
          .filter(
            (line) =>
              !/declare const (\w+)/.test(line) ||
              !new RegExp(`const ${/declare const (\w+)/.exec(line)![1]}\\b`).test(code),
          )
          .filter((line) => !/^declare const app/.test(line) || !/const app\b/.test(code))
          .join('\n');
        writeFileSync(join(dir, file), `${prelude}\n${code}`);
        return file;
      });
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'ESNext',
            moduleResolution: 'Bundler',
            strict: true,
            noUncheckedIndexedAccess: true,
            noEmit: true,
            skipLibCheck: true,
            esModuleInterop: true,
            types: ['node'],
            typeRoots: [join(ROOT, 'node_modules', '@types')],
            paths: Object.fromEntries(SUBPATHS.map((s) => [s.specifier, [join(ROOT, s.source)]])),
          },
          files,
        }),
      );
      let out = '';
      try {
        execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', dir], { encoding: 'utf8' });
      } catch (e) {
        out = String((e as { stdout?: string }).stdout);
      }
      expect(out).toBe('');
    },
    TIMEOUTS.slow,
  );
});

/**
 * src/core is shared by both gateways and knows neither (docs/architecture.md): no file in it imports a
 * gateway folder, the sandbox, Redis or the CLI. Read as text, so a type-only import counts too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');
const CORE = join(SRC, 'core');
const FOLDERS = new Set(['onecard', 'zhixiao', 'sandbox', 'redis', 'cli']);

/**
 * The specifiers of the static, re-export, side-effect and dynamic imports (and requires) of a file at
 * `path` that resolve into one of the forbidden folders of src/.
 */
function forbiddenImports(path: string, source: string): string[] {
  const specifiers = [
    ...source.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g),
    ...source.matchAll(/\brequire\s*\(\s*['"]([^'"]+)['"]/g),
  ].map((m) => m[1]!);
  return specifiers.filter((s) => {
    if (!s.startsWith('.')) return false;
    const [top] = relative(SRC, resolve(dirname(path), s)).split(sep);
    return FOLDERS.has(top!);
  });
}

describe('src/core stands on its own', () => {
  it('the check finds each kind of import it looks for', () => {
    const planted = [
      "import type { OneCardCode } from '../onecard/codes.js';",
      "export { x } from '../zhixiao/envelope.js';",
      "const m = await import('../sandbox/index.js');",
      "import '../redis/index.js';",
      "const c = require('../cli/index.js');",
      "import { ok } from './errors.js'; import { z } from 'zod'; import { e } from '../env.js';",
    ].join('\n');
    expect(forbiddenImports(join(CORE, 'planted.ts'), planted)).toEqual([
      '../onecard/codes.js',
      '../zhixiao/envelope.js',
      '../sandbox/index.js',
      '../redis/index.js',
      '../cli/index.js',
    ]);
  });

  const files = readdirSync(CORE, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  it.each(files)('src/core/%s imports no gateway, sandbox, redis or cli module', (file) => {
    const path = join(CORE, file);
    expect(forbiddenImports(path, readFileSync(path, 'utf8'))).toEqual([]);
  });
});

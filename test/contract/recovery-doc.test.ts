/**
 * docs/recovery.md quotes its snippets from examples/recipes/recovery.ts, which tsc compiles strictly with
 * the project and test/examples/recovery.test.ts runs: every ```ts block of the page must be one
 * `#region` of that file, word for word, and every region must be quoted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const doc = readFileSync(join(ROOT, 'docs', 'recovery.md'), 'utf8');
const source = readFileSync(join(ROOT, 'examples', 'recipes', 'recovery.ts'), 'utf8');

it('every snippet of docs/recovery.md is a region of examples/recipes/recovery.ts, and each region is quoted', () => {
  const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)\n```/g)].map((m) => m[1]);
  const regions = [...source.matchAll(/\/\/ #region (\w+)\n([\s\S]*?)\n\/\/ #endregion \1\n/g)].map(
    (m) => m[2],
  );
  expect(regions.length).toBeGreaterThanOrEqual(6);
  expect(blocks).toEqual(regions);
});

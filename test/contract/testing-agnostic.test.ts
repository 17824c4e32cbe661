/**
 * campus-pay/testing runs in any test framework (docs/testing-your-integration.md): no file of
 * src/testing imports one, nor reads a framework's globals. Read as text, so a type-only import counts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIR = join(import.meta.dirname, '..', '..', 'src', 'testing');
const FRAMEWORKS = /^(vitest|jest|@jest\/.*|mocha|chai|ava|tap|node:test|uvu)(\/.*)?$/;
/** A call to a global a framework injects (expect, vi, jest): it would not exist elsewhere. */
const GLOBALS = /\b(?:expect|vi|jest)\s*[.(]/;

/** The bare specifiers a source imports (static, re-export, dynamic, require). */
const specifiers = (source: string) =>
  [
    ...source.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g),
    ...source.matchAll(/\brequire\s*\(\s*['"]([^'"]+)['"]/g),
  ].map((m) => m[1]!);

describe('campus-pay/testing imports no test framework', () => {
  it('the check finds a framework import and a framework global', () => {
    const planted = "import { expect } from 'vitest';\nconst j = require('@jest/globals');";
    expect(specifiers(planted).filter((s) => FRAMEWORKS.test(s))).toEqual(['vitest', '@jest/globals']);
    expect(['expect(x).toBe(1)', 'vi.fn()', 'jest.fn()'].every((c) => GLOBALS.test(c))).toBe(true);
    expect(GLOBALS.test('const expected = 1; unexpected(2)')).toBe(false);
  });

  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));
  it.each(files)('src/testing/%s', (file) => {
    const source = readFileSync(join(DIR, file), 'utf8');
    expect(specifiers(source).filter((s) => FRAMEWORKS.test(s))).toEqual([]);
    expect(source).not.toMatch(GLOBALS);
  });
});

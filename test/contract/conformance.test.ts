/** docs/spec-conformance.md and its twin cannot go stale: their generated parts are what `npm run conformance` writes. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { docPath, LANGS } from '../helpers/doc-twins.js';
import { PAGE, renderConformance } from './conformance.js';

describe('docs/spec-conformance.md and docs/zh-CN/spec-conformance.md', () => {
  for (const lang of LANGS)
    it(`${lang}: has the field tables and departures the fixture gives (run \`npm run conformance\` after a change)`, () => {
      const doc = readFileSync(docPath(PAGE, lang), 'utf8');
      expect(doc).toContain('<!-- field-tables:start -->');
      expect(renderConformance(doc, lang)).toBe(doc);
    });
});

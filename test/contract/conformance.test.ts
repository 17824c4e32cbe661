/** docs/spec-conformance.md cannot go stale: its generated parts are what `npm run conformance` writes. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOC, renderConformance } from './conformance.js';

describe('docs/spec-conformance.md', () => {
  it('has the field tables and departures the fixture gives (run `npm run conformance` after a change)', () => {
    const doc = readFileSync(DOC, 'utf8');
    expect(doc).toContain('<!-- field-tables:start -->');
    expect(renderConformance(doc)).toBe(doc);
  });
});

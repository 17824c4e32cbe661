import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { oneCardMethods, zhixiaoMethods } from '../../src/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');
const codeBlocks = (md: string) => md.match(/```[a-z]*\n[\s\S]*?```/g) ?? [];
const headingLevels = (md: string) => (md.match(/^#+ /gm) ?? []).map((h) => h.trim());

describe('the two READMEs stay in step', () => {
  const en = read('README.md');
  const zh = read('README.zh-CN.md');
  it('open with the same two commands', () => {
    expect(codeBlocks(en)[0]).toBe('```sh\nnpm install && npm run demo\nnpm test\n```');
    expect(codeBlocks(zh)[0]).toBe(codeBlocks(en)[0]);
  });
  it('carry the same code, in the same order', () => {
    expect(codeBlocks(zh)).toEqual(codeBlocks(en));
  });
  it('have the same outline', () => {
    expect(headingLevels(zh)).toEqual(headingLevels(en));
  });
  it('document every method of both tables', () => {
    const names = [...Object.keys(oneCardMethods), ...Object.keys(zhixiaoMethods)];
    expect(names.length).toBeGreaterThan(20);
    for (const md of [en, zh]) {
      const missing = names.filter((name) => !md.includes(`\`${name}`));
      expect(missing).toEqual([]);
    }
  });
});

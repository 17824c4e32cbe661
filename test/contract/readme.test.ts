import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { oneCardMethods, zhixiaoMethods } from '../../src/index.js';
import { methodTable, tableIn } from '../readme/method-rows.js';

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
  it('carry the method tables generated from the method tables (npm run readme rewrites them)', () => {
    const names = [...Object.keys(oneCardMethods), ...Object.keys(zhixiaoMethods)];
    for (const [md, lang] of [
      [en, 'en'],
      [zh, 'zh'],
    ] as const) {
      for (const table of ['onecard', 'onecard-deployed', 'zhixiao'] as const) {
        expect(tableIn(md, table), `${lang} ${table}: run npm run readme`).toBe(methodTable(table, lang));
      }
      // Independently of the generator: every method of both tables has a row.
      const missing = names.filter((name) => !new RegExp(`^\\| \`${name}\\(`, 'm').test(md));
      expect(missing).toEqual([]);
    }
  });
});

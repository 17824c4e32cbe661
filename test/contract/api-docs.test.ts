import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { oneCardMethods, zhixiaoMethods } from '../../src/index.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');
const CJK = /[\u4e00-\u9fff]/;

/** The JSDoc block right above `name(` in a client source file. */
function docOf(file: string, name: string): string {
  const text = readFileSync(join(SRC, file), 'utf8');
  const m = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*(?:async\\s+)?${name}\\(`).exec(text);
  return m?.[1] ?? '';
}

describe('every public method carries its spec section and Chinese name', () => {
  it.each(Object.entries(oneCardMethods))('OneCardClient.%s', (name, m) => {
    const doc = docOf('onecard/client.ts', name);
    expect(doc).toMatch(CJK);
    if ('deployedOnly' in m) expect(doc).toContain('Seen in deployments, not in v2.41');
    else expect(doc).toContain(m.section.split(' ')[0]);
  });
  it.each(Object.entries(zhixiaoMethods))('ZhixiaoPayClient.%s', (name, m) => {
    const doc = docOf('zhixiao/client.ts', name);
    expect(doc).toMatch(CJK);
    expect(doc).toContain(m.section.split(' ')[0]);
  });
});

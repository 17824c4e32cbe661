/** `npm run readme`: writes the method tables, generated from the method tables, into both READMEs. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Lang, withMethodTables } from './method-rows.js';

const ROOT = join(import.meta.dirname, '..', '..');
for (const [file, lang] of [
  ['README.md', 'en'],
  ['README.zh-CN.md', 'zh'],
] as Array<[string, Lang]>) {
  const path = join(ROOT, file);
  writeFileSync(path, withMethodTables(readFileSync(path, 'utf8'), lang));
  console.log(`${file}: method tables written`);
}

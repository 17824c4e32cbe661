/** `npm run reliability`: runs the fault matrix and writes its table into docs/reliability.md and its Chinese twin. */
import { readFileSync, writeFileSync } from 'node:fs';
import { docPath, LANGS, spliceBlock } from '../helpers/doc-twins.js';
import { BLOCK, RELIABILITY_PAGE, runMatrix, stamp, toMarkdown } from './matrix.js';

const cells = await runMatrix();
const date = new Date().toISOString().slice(0, 10);
for (const lang of LANGS) {
  const file = docPath(RELIABILITY_PAGE, lang);
  const body = `${stamp(cells, date, lang)}\n\n${toMarkdown(cells, lang)}`;
  writeFileSync(file, spliceBlock(readFileSync(file, 'utf8'), BLOCK, body, file));
}
console.log(toMarkdown(cells));
process.exitCode = cells.every((c) => c.pass) ? 0 : 1;

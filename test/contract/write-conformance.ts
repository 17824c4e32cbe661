/** `npm run conformance`: rewrites the generated parts of docs/spec-conformance.md and its Chinese twin. */
import { readFileSync, writeFileSync } from 'node:fs';
import { docPath, LANGS } from '../helpers/doc-twins.js';
import { PAGE, renderConformance } from './conformance.js';

for (const lang of LANGS) {
  const file = docPath(PAGE, lang);
  writeFileSync(file, renderConformance(readFileSync(file, 'utf8'), lang));
  console.log(`wrote ${file}`);
}

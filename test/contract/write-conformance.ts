/** `npm run conformance`: rewrites the generated parts of docs/spec-conformance.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { DOC, renderConformance } from './conformance.js';

writeFileSync(DOC, renderConformance(readFileSync(DOC, 'utf8')));
console.log(`wrote ${DOC}`);

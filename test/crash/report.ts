/** Part of `npm run reliability`: runs the crash matrix (a real redis-server needed) and writes its table into docs/reliability.md and its Chinese twin. */
import { readFileSync, writeFileSync } from 'node:fs';
import { docPath, LANGS, spliceBlock } from '../helpers/doc-twins.js';
import { RedisServer } from '../helpers/redis-server.js';
import { runCrashMatrix, stamp, toMarkdown } from './matrix.js';

const redis = await RedisServer.start();
const cells = await runCrashMatrix({ redisUrl: redis.url }).finally(() => redis.stop());
for (const lang of LANGS) {
  const file = docPath('reliability.md', lang);
  const body = `${stamp(cells, lang)}\n\n${toMarkdown(cells, lang)}`;
  writeFileSync(file, spliceBlock(readFileSync(file, 'utf8'), 'crash-matrix', body, file));
}
console.log(toMarkdown(cells));
process.exitCode = cells.every((c) => c.problems.length === 0) ? 0 : 1;

/**
 * One process sharing a journal file, for test/unit/core/journal-file.test.ts. Config in CAMPUS_PAY_JOURNAL_WORKER:
 * `race` creates and settles the given ids once a go-file appears and prints what it won; `crash` creates
 * entries one after another, printing each id once its create resolved, until it is killed.
 */
import { existsSync } from 'node:fs';
import { FileJournalStore } from '../../../src/core/journal-file.js';
import type { JournalEntry } from '../../../src/index.js';

const cfg = JSON.parse(process.env.CAMPUS_PAY_JOURNAL_WORKER!) as {
  mode: 'race' | 'crash';
  path: string;
  go?: string;
  keys?: string[];
  worker: number;
};
const store = new FileJournalStore(cfg.path);
const entry = (key: string): JournalEntry => ({
  id: `t|transfer|${key}`,
  gateway: 'onecard',
  tenant: 't',
  method: 'transfer',
  orderKey: key,
  amount: cfg.worker + 1,
  state: 'intent',
  createdAt: Date.now(),
  updatedAt: Date.now(),
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (cfg.mode === 'crash') {
  for (let i = 0; ; i++) {
    const e = entry(`w${cfg.worker}-${i}`);
    await store.create({ ...e, context: { pad: 'x'.repeat(i % 500) } });
    process.stdout.write(`${e.id}\n`);
  }
}

process.stdout.write('ready\n');
while (!existsSync(cfg.go!)) await sleep(5);
const keys = cfg.keys!;
const created = await Promise.all(keys.map((k) => store.create(entry(k))));
const moved = await Promise.all(
  keys.map((k, i) =>
    store.advance(`t|transfer|${k}`, {
      state: (i + cfg.worker) % 2 ? 'succeeded' : 'failed',
      at: Date.now(),
    }),
  ),
);
process.stdout.write(
  `${JSON.stringify({
    created: keys.filter((_, i) => created[i]),
    settled: keys.flatMap((k, i) => (moved[i]?.moved ? [[k, moved[i].entry.state]] : [])),
  })}\n`,
);
await store.close();

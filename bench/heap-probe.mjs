// Preloaded into the CLI by bench/reconcile.ts (node --expose-gc --import): every 2 s, a full GC, then
// the heap still in use, as one line on stderr. What survives a full GC is what the process holds.
import { writeSync } from 'node:fs';

setInterval(() => {
  globalThis.gc();
  writeSync(2, `heap-after-gc ${process.memoryUsage().heapUsed}\n`);
}, 2_000).unref();

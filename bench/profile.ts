/**
 * `node --cpu-prof --import tsx bench/profile.ts [concurrency] [seconds] [sync]`: the SDK alone under load
 * against the precomputed gateway, for `--cpu-prof`. Prints calls/s; the profile goes to ./*.cpuprofile.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MemoryTokenStore, OneCardClient } from '../src/index.js';
import { benchKeys, PAYLOAD } from './fixtures.js';

const [conc = '64', seconds = '5', mode = 'pool'] = process.argv.slice(2);
const keys = benchKeys();
const proc = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'gateway.ts')], {
  env: { ...process.env, BENCH_KEYS: JSON.stringify(keys) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise<string>((r) =>
  proc.stdout!.once('data', (d: Buffer) => r(d.toString().trim())),
);
const client = new OneCardClient({
  gatewayUrl: `http://127.0.0.1:${port}/gw`,
  appKey: 'bench',
  desKey: keys.desKey,
  privateKey: keys.merchantPrivatePem,
  platformPublicKey: keys.platformPublicPem,
  tokenStore: new MemoryTokenStore(),
  ...(mode === 'sync' ? { signOnThreadPool: false } : {}),
});
const end = Date.now() + Number(seconds) * 1000;
let n = 0;
const elu0 = performance.eventLoopUtilization();
await Promise.all(
  Array.from({ length: Number(conc) }, async () => {
    while (Date.now() < end) {
      await client.queryCard(PAYLOAD as never);
      n++;
    }
  }),
);
const elu = performance.eventLoopUtilization(elu0);
console.log(
  `${Math.round(n / Number(seconds))} calls/s; main thread busy ${(elu.utilization * 100).toFixed(0)}%, ${((elu.active / n) * 1000).toFixed(0)} µs of main-thread time per call`,
);
proc.kill();

import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { scanChildOutput } from '../helpers/secret-scan.js';
import { TIMEOUTS, waitFor } from '../helpers/timeouts.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
/**
 * Without CAMPUS_PAY_* variables each example starts its own sandbox. They run from an empty directory, so
 * a developer's `.env` in the repository (e.g. from `campus-pay sandbox --write-env .env`) is not read.
 */
const CWD = mkdtempSync(join(tmpdir(), 'campus-pay-examples-'));
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CAMPUS_PAY_')));

describe('examples run against the embedded sandbox', () => {
  // Concurrent: each example is its own process with its own sandbox, mostly waiting on I/O.
  it.concurrent.each<[string, RegExp]>([
    ['onecard-query.ts', /e-account 001 补助账户/],
    ['onecard-barcode.ts', /charged card account 10001: ¥12\.50[\s\S]*60062/],
    ['onecard-recharge.ts', /queryRechargeOrder: 60 \(credited\)/],
    ['zhixiao-order.ts', /refunded ¥98\.00/],
    // The lost reply's order is settled once, by the sweep.
    [
      'demo.ts',
      /outcome unknown[^\n]*\n {2}journal +ZX\d+L: unknown[\s\S]*✓ onSettled ZX\d+L: succeeded[^\n]*by the sweep\)\n {2}sweep +1 unsettled entry → \{"succeeded":1\}, 1 event[\s\S]*✓ done — 2 notifications delivered and acknowledged; 1 token fetch/,
    ],
    // A framework recipe run directly: both notices received, both acknowledgements read by the sandbox. One
    // suffices here: the direct run is shared code (recipes/recipe.ts), and test/examples/recipes.test.ts
    // serves every recipe's app to real sandbox notices.
    ...['koa'].map(
      (f) =>
        [`recipes/${f}.ts`, new RegExp(`${f}: the gateways read (?=.*zhixiao success)(?=.*onecard ok)`)] as [
          string,
          RegExp,
        ],
    ),
  ])('%s', async (file, expected) => {
    const out = await run(TSX, ['--tsconfig', join(ROOT, 'tsconfig.json'), join(ROOT, 'examples', file)], {
      cwd: CWD,
      env,
      timeout: TIMEOUTS.slow,
    });
    scanChildOutput(`examples/${file}`, out);
    const { stdout } = out;
    expect(stdout).toMatch(expected);
  });
});

describe('npm run demo -- --stay', () => {
  it('keeps the sandbox and its console up after the run, until Ctrl+C', async () => {
    const child = spawn(
      TSX,
      ['--tsconfig', join(ROOT, 'tsconfig.json'), join(ROOT, 'examples', 'demo.ts'), '--stay'],
      {
        cwd: CWD,
        env,
      },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    const exited = once(child, 'exit');
    try {
      const line = () => /console +(http:\/\/\S+?)\/ — open it/.exec(stdout)?.[1];
      await waitFor('the demo to print its console URL', () => line() !== undefined, { withinMs: 60_000 });
      const url = line()!;
      const page = await fetch(`${url}/`);
      expect(await page.text()).toContain('campus-pay sandbox console');
      // The run's orders are still there to look at.
      const state = (await (await fetch(`${url}/api/console/state`)).json()) as Record<string, unknown>;
      expect(JSON.stringify(state)).toMatch(/ZX\d+L/);
    } finally {
      child.kill('SIGINT');
    }
    const [code] = await exited;
    expect(code).toBe(0);
    scanChildOutput('examples/demo.ts --stay', { stdout, stderr: '' });
  });
});

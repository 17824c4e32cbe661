import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { scanChildOutput } from '../helpers/secret-scan.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
/** Without CAMPUS_PAY_* variables each example starts its own sandbox. */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CAMPUS_PAY_')));

describe('examples run against the embedded sandbox', () => {
  it.each([
    ['onecard-query.ts', /e-account 001 补助账户/],
    ['onecard-barcode.ts', /charged card account 10001: ¥12\.50[\s\S]*60062/],
    ['onecard-recharge.ts', /queryRechargeOrder: 60 \(credited\)/],
    ['zhixiao-order.ts', /refunded ¥98\.00/],
    ['demo.ts', /✓ done — 2 notifications delivered and acknowledged; 1 token fetch/],
  ])('%s', async (file, expected) => {
    const out = await run(TSX, [join('examples', file)], { cwd: ROOT, env, timeout: 60_000 });
    scanChildOutput(`examples/${file}`, out);
    const { stdout } = out;
    expect(stdout).toMatch(expected);
  });
});

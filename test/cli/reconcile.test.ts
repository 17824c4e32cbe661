import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { scanChildOutput } from '../helpers/secret-scan.js';
import { baseEnv, CLI, run, runCli, sandboxOrders, TMP, writeEnvFor } from './helpers.js';

let sb: Sandbox;
let env: string;
/** util-linux script(1), to run the CLI on a pseudo-terminal. */
const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn('script(1) is not installed: the progress bar on a terminal is not tested here');
    return false;
  }
})();

beforeAll(async () => {
  sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 } });
  env = join(TMP, 'reconcile.env');
  writeEnvFor(env, sb);
  const make = sandboxOrders(sb);
  await make.zhixiao('ZPAID', 100, 'paid');
  await make.zhixiao('ZOPEN', 200, 'open');
  await make.zhixiao('ZFAIL', 300, 'failed');
  await make.recharge('RPAID', 1_500, 'paid');
});
afterAll(async () => {
  await sb.close();
  rmSync(TMP, { recursive: true, force: true });
});

const file = (name: string) => join(TMP, name);
const reconcile = (ledger: string, out: string, ...extra: string[]) =>
  runCli(['reconcile', ledger, '--out', out, '--env-file', env, ...extra]);

/** A ledger as Excel writes it: a byte-order mark, CRLF line ends. */
function ledger(name: string, lines: string[]): string {
  const path = file(name);
  writeFileSync(path, `\uFEFF${lines.map((l) => `${l}\r\n`).join('')}`);
  return path;
}

/** The report's rows as field lists, read here with the CSV rules the report follows (one line per row). */
function rows(path: string): string[][] {
  const text = readFileSync(path, 'utf8');
  expect(text.startsWith('\uFEFF')).toBe(true);
  const lines = text.slice(1).split('\r\n');
  expect(lines.pop()).toBe('');
  return lines.map((line) =>
    [...line.matchAll(/(?:"((?:[^"]|"")*)"|([^,]*))(?:,|$)/g)]
      .slice(0, 9)
      .map((m) => (m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]!)),
  );
}

const HEADER =
  'row,gateway,order_key,result,ledger_amount_fen,ledger_state,gateway_amount_fen,gateway_state,note'.split(
    ',',
  );

/** Every kind of result, the header in another order, an extra column with a comma and a line break. */
const MIXED = [
  'Order Key,Gateway,State,Amount_Fen,remark,method',
  'ZPAID,zhixiao,succeeded,100,,', // 2: matched
  'RPAID,onecard,succeeded,1500,"paid, by card",', // 3: matched, amount checked
  'RPAID,onecard,succeeded,1400,,', // 4: amount-mismatch
  'ZOPEN,zhixiao,succeeded,200,"two\r\nlines",', // 5–6: state-mismatch
  'ZFAIL,zhixiao,failed,300,,', // 7: matched
  'ZNONE,zhixiao,failed,100,,', // 8: missing
  'ZPAID,zhixiao,succeeded,100,,refundOrder', // 9: cannot-query
  'ZPAID,zhixiao,succeeded,12.50,,', // 10: unreadable amount
  'W1,wechat,succeeded,100,,', // 11: unreadable gateway
];

describe('campus-pay reconcile', () => {
  it('reports each row with its line and result, a summary on stdout, and exits 1 on any mismatch', async () => {
    const out = file('mixed-report.csv');
    const r = await reconcile(ledger('mixed.csv', MIXED), out);
    expect(r.code).toBe(1);
    const [header, ...body] = rows(out);
    expect(header).toEqual(HEADER);
    expect(body.map((x) => [x[0], x[1], x[2], x[3]])).toEqual([
      ['2', 'zhixiao', 'ZPAID', 'matched'],
      ['3', 'onecard', 'RPAID', 'matched'],
      ['4', 'onecard', 'RPAID', 'amount-mismatch'],
      ['5', 'zhixiao', 'ZOPEN', 'state-mismatch'],
      ['7', 'zhixiao', 'ZFAIL', 'matched'],
      ['8', 'zhixiao', 'ZNONE', 'missing'],
      ['9', 'zhixiao', 'ZPAID', 'cannot-query'],
      ['10', 'zhixiao', 'ZPAID', 'unreadable'],
      ['11', 'wechat', 'W1', 'unreadable'],
    ]);
    // What the gateway says next to what the ledger says (OneCard's answer carries the amount).
    expect(body[1]!.slice(4, 8)).toEqual(['1500', 'succeeded', '1500', 'succeeded']);
    expect(body[3]!.slice(4, 8)).toEqual(['200', 'succeeded', '', 'pending']);
    expect(body[7]![4]).toBe('12.50');
    expect(body[7]![8]).toMatch(/amount/);
    expect(body[8]![8]).toMatch(/gateway/);
    const summary = Object.fromEntries(
      r.out
        .split('\n')
        .map((l) => /^([a-z-]+)\s+([\d,]+)$/.exec(l))
        .filter((m) => m !== null)
        .map((m) => [m[1], Number(m[2]!.replaceAll(',', ''))]),
    );
    expect(summary).toEqual({
      matched: 3,
      'amount-mismatch': 1,
      'state-mismatch': 1,
      missing: 1,
      'cannot-query': 1,
      unreadable: 2,
      total: 9,
    });
    // Not a terminal: no progress bar drawn on stderr.
    expect(r.err).not.toContain('\r');
  });

  it('exits 0 when every row matched', async () => {
    const r = await reconcile(
      ledger('good.csv', ['gateway,order_key,amount_fen,state', 'zhixiao,ZPAID,100,succeeded']),
      file('good-report.csv'),
    );
    expect(r.code).toBe(0);
    expect(rows(file('good-report.csv'))[1]!.slice(0, 4)).toEqual(['2', 'zhixiao', 'ZPAID', 'matched']);
  });

  it('exits 2, writing nothing, on usage and configuration errors', async () => {
    const headless = ledger('headless.csv', ['zhixiao,ZPAID,100,succeeded']);
    const noHeader = await reconcile(headless, file('headless-report.csv'));
    expect(noHeader.code).toBe(2);
    expect(JSON.parse(noHeader.err).error.message).toMatch(/header.*gateway,order_key,amount_fen,state/);
    expect(existsSync(file('headless-report.csv'))).toBe(false);

    const noOut = await runCli(['reconcile', headless, '--env-file', env]);
    expect([noOut.code, JSON.parse(noOut.err).error.issues[0].path]).toEqual([2, '--out']);

    // An existing report is neither overwritten nor continued unless asked.
    const kept = file('kept.csv');
    writeFileSync(kept, 'mine');
    const exists = await reconcile(ledger('one.csv', [MIXED[0]!, MIXED[1]!]), kept);
    expect(exists.code).toBe(2);
    expect(JSON.parse(exists.err).error.message).toMatch(/--resume|--overwrite/);
    expect(readFileSync(kept, 'utf8')).toBe('mine');
    const overwritten = await reconcile(file('one.csv'), kept, '--overwrite');
    expect(overwritten.code).toBe(0);

    const unconfigured = await runCli(['reconcile', file('one.csv'), '--out', file('none.csv')], baseEnv());
    expect(unconfigured.code).toBe(2);
    expect(JSON.parse(unconfigured.err).error.code).toBe('configuration');
  });
});

describe('campus-pay reconcile --resume', () => {
  /** 12 rows alternating paid and open orders, ledger saying paid: matched and state-mismatch by turns. */
  const long = ['gateway,order_key,amount_fen,state'];
  for (let i = 0; i < 12; i++)
    long.push(i % 2 ? 'zhixiao,ZOPEN,200,succeeded' : 'zhixiao,ZPAID,100,succeeded');
  let whole: string;
  beforeAll(async () => {
    ledger('long.csv', long);
    expect((await reconcile(file('long.csv'), file('whole.csv'))).code).toBe(1);
    whole = readFileSync(file('whole.csv'), 'utf8');
  });

  it('an interrupted run (Ctrl-C) exits 130 and --resume finishes the same report from where it stopped', async () => {
    const out = file('interrupted.csv');
    sb.faults.set({ latencyMs: 150 });
    const child = spawn(
      'node',
      [CLI, 'reconcile', file('long.csv'), '--out', out, '--concurrency', '1', '--env-file', env],
      { env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output = { stdout: '', stderr: '' };
    child.stdout.on('data', (d: Buffer) => {
      output.stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      output.stderr += d;
    });
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    // Interrupt once a few rows are written (the header and two rows at least).
    while (!existsSync(out) || readFileSync(out, 'utf8').split('\r\n').length < 4)
      await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    const code = await exited;
    sb.faults.clear();
    scanChildOutput('campus-pay reconcile (interrupted)', output);
    expect(code).toBe(130);
    expect(output.stdout).toMatch(/--resume/);
    const done = rows(out).length - 1;
    expect(done).toBeGreaterThanOrEqual(2);
    expect(done).toBeLessThan(12);
    expect(whole.startsWith(readFileSync(out, 'utf8'))).toBe(true);

    const resumed = await reconcile(file('long.csv'), out, '--resume');
    expect(resumed.code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe(whole);
    expect(resumed.out).toContain(`${12 - done} rows this run`);
    expect(resumed.out).toMatch(/total\s+12\n/);
  });

  it('a report cut mid-line by a crash is continued from its last whole row', async () => {
    const out = file('cut.csv');
    const fiveRows = Buffer.byteLength(`${whole.split('\r\n').slice(0, 6).join('\r\n')}\r\n`);
    writeFileSync(out, whole);
    truncateSync(out, fiveRows + 7);
    const resumed = await reconcile(file('long.csv'), out, '--resume');
    expect(resumed.code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe(whole);
    expect(resumed.out).toContain('7 rows this run');
  });

  it.runIf(hasScript)('on a terminal: a progress bar on stderr, then the summary table', async () => {
    const cmd = ['node', CLI, 'reconcile', file('long.csv'), '--out', file('tty.csv'), '--env-file', env];
    // script(1) runs the command on a pseudo-terminal: stdout and stderr are both a TTY, as in a shell.
    const r = await run('script', ['-qec', cmd.join(' '), '/dev/null'], { env: baseEnv() }).catch(
      (e: { stdout: string; stderr: string; code: number }) => e,
    );
    scanChildOutput('campus-pay reconcile (on a terminal)', r);
    expect(r.stdout).toMatch(/\rreconcile \[#+\] 12\/12 /);
    expect(r.stdout).toMatch(/total\s+12\r?\n/);
    expect(readFileSync(file('tty.csv'), 'utf8')).toBe(whole);
  });

  it("refuses to continue another ledger's report, leaving it as it was", async () => {
    const out = file('other.csv');
    writeFileSync(out, whole);
    const size = statSync(out).size;
    const other = ledger('other-ledger.csv', [long[0]!, ...long.slice(1).reverse()]);
    const r = await reconcile(other, out, '--resume');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.err).error.message).toMatch(/does not continue/);
    expect(statSync(out).size).toBe(size);
    const shorter = await reconcile(ledger('shorter.csv', long.slice(0, 4)), out, '--resume');
    expect(shorter.code).toBe(2);
    expect(JSON.parse(shorter.err).error.message).toMatch(/holds 12 rows, more than .* has \(3\)/);
    expect(statSync(out).size).toBe(size);
  });
});

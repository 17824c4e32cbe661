/**
 * The command line in `npm test`: from the sources, in this process. src/cli/index.ts runs its `main` when
 * imported, so each run imports a fresh copy of it with `process.argv` set, and reads what it wrote and the
 * exit code it set. One run or two for each part of src/cli, against a sandbox over real HTTP: a table
 * method (arguments, the env file, the token cache), doctor, the debug commands, `sandbox pay`, `trigger`
 * and an argument error. The built binary, started as users start it, is tested by the other files of this
 * folder (the `dist` project, `npm run test:heavy`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sandboxEnv, writeEnvFile } from '../../src/cli/env-file.js';
import { ZhixiaoPayClient } from '../../src/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { scanChildOutput } from '../helpers/secret-scan.js';
import { waitFor } from '../helpers/timeouts.js';
import { listen } from './helpers.js';

const CLI_SOURCE = join(import.meta.dirname, '..', '..', 'src', 'cli', 'index.ts');
const dir = mkdtempSync(join(tmpdir(), 'campus-pay-cli-in-process-'));
const envFile = join(dir, '.env');
let sb: Sandbox;
let runs = 0;

beforeAll(async () => {
  sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 } });
  // The file `campus-pay sandbox --write-env` writes; no platform key, so `trigger onecard` is not run here.
  writeEnvFile(envFile, sandboxEnv(sb, { merchantPublicKey: '', platformPrivateKey: '' }), 'in-process test');
});
afterAll(async () => {
  await sb?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `campus-pay <args> --env-file <the sandbox's>`, run in this process. */
async function campusPay(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const capture = (into: string[]) => (chunk: unknown) => into.push(String(chunk)) > 0;
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture(out));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture(err));
  const saved = { argv: process.argv, exitCode: process.exitCode, cache: process.env.CAMPUS_PAY_CACHE_DIR };
  process.argv = [process.execPath, 'campus-pay', ...args, '--env-file', envFile];
  process.exitCode = undefined;
  process.env.CAMPUS_PAY_CACHE_DIR = join(dir, 'cache');
  let code: number | undefined;
  try {
    await import(/* @vite-ignore */ `${CLI_SOURCE}?run=${++runs}`);
    await waitFor(`campus-pay ${args[0]} to set its exit code`, () => process.exitCode !== undefined);
    code = Number(process.exitCode);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    process.argv = saved.argv;
    process.exitCode = saved.exitCode;
    if (saved.cache === undefined) delete process.env.CAMPUS_PAY_CACHE_DIR;
    else process.env.CAMPUS_PAY_CACHE_DIR = saved.cache;
  }
  const r = { code, out: out.join(''), err: err.join('') };
  scanChildOutput(`campus-pay ${args.slice(0, 2).join(' ')} (in process)`, { stdout: r.out, stderr: r.err });
  return r;
}

describe('campus-pay, run from the sources in this process', () => {
  it('a table method by name prints the reply; a second run uses the cached token', async () => {
    const query = ['onecard', 'queryCard', '{"idtype":"sno","id":"2023000001"}'];
    const first = await campusPay(...query);
    expect([first.code, first.err]).toEqual([0, '']);
    expect(JSON.parse(first.out).card[0]).toMatchObject({ account: '10001' });
    expect((await campusPay(...query)).code).toBe(0);
    expect(sb.onecardGateway.tokenFetches).toBe(1);
  });

  it('a bad argument is a ValidationError on stderr, exit code 2, nothing sent', async () => {
    const r = await campusPay('onecard', 'transfer', '{"account":"10001","tranamt":1.5}');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.err).error).toMatchObject({ code: 'validation' });
  });

  it('doctor passes against the sandbox', async () => {
    const r = await campusPay('doctor', 'zhixiao');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as Array<{ status: string }>).map((c) => c.status)).not.toContain('failed');
  });

  it('sign-string masks the secrets; decrypt reads what it would send', async () => {
    // With a token of our own, as a developer checks a captured request: it is masked like the sign.
    const request = ['synjones.onecard.query.card', '{"idtype":"sno","id":"1"}', '--token', 'T0KEN-1'];
    const s = JSON.parse((await campusPay('sign-string', 'onecard', ...request)).out);
    expect([s.fields.access_token, s.fields.sign]).toEqual(['<secret>', '<secret>']);
    expect(JSON.parse((await campusPay('decrypt', 'onecard', s.fields.request)).out)).toEqual({
      query_card: { idtype: 'sno', id: '1' },
    });
  });

  it('sandbox pay pays an order; trigger sends a signed notice a real handler acknowledges', async () => {
    const out_trade_no = `INPROC${Date.now()}`;
    const zhixiao = new ZhixiaoPayClient(sb.zhixiao);
    await zhixiao.createOrder({
      body: 'CLI',
      out_trade_no,
      total_fee: 1,
      notify_url: 'http://127.0.0.1:9/n',
    });
    const paid = await campusPay('sandbox', 'pay', out_trade_no);
    expect([paid.code, JSON.parse(paid.out).order]).toEqual([0, expect.objectContaining({ status: 2 })]);
    const notices: unknown[] = [];
    const endpoint = await listen(
      zhixiao.nodeNotificationHandler({ onNotification: (n) => notices.push(n) }),
    );
    try {
      const t = await campusPay('trigger', 'zhixiao', '--to', endpoint.url, '{"out_trade_no":"IN-PROC-1"}');
      expect([t.code, JSON.parse(t.out).acknowledged]).toEqual([0, true]);
      expect(notices).toEqual([expect.objectContaining({ out_trade_no: 'IN-PROC-1' })]);
    } finally {
      await endpoint.close();
    }
  });
});

describe('every failure: a message on stderr and the exit code of the table in campus-pay --help', () => {
  const errorOf = (r: { err: string }) => JSON.parse(r.err).error;

  it('--help prints the exit code table', async () => {
    const r = await campusPay('--help');
    expect(r.code).toBe(0);
    for (const code of ['0', '1', '2', '3', '4', '5', '9', '130'])
      expect(r.out).toMatch(new RegExp(`^  ${code} `, 'm'));
  });

  it('a mistyped command or option: 2, with the closest one', async () => {
    const command = await campusPay('onecrad', 'queryCard');
    expect(command.code).toBe(2);
    expect(errorOf(command)).toMatchObject({ issues: [{ path: '<command>' }] });
    expect(errorOf(command).message).toContain('did you mean onecard?');
    const option = await campusPay('onecard', 'queryCard', '--tokn', 'x');
    expect(option.code).toBe(2);
    expect(errorOf(option).message).toContain('did you mean --token?');
    const none = await campusPay();
    expect([none.code, none.out]).toEqual([2, '']);
    expect(none.err).toContain('Usage: campus-pay');
  });

  it('--env naming a missing file: 2, a configuration error naming the option and the file', async () => {
    const r = await campusPay('onecard', 'queryCard', '{}', '--env', join(dir, 'missing.env'));
    expect(r.code).toBe(2);
    expect(errorOf(r)).toMatchObject({ name: 'ConfigurationError', option: '--env' });
    expect(errorOf(r).message).toContain('missing.env does not exist');
  });

  it('the gateway refusing: 3; a validation error names a missing field as required', async () => {
    const refused = await campusPay('onecard', 'synjones.onecard.no.such.method', '{}');
    expect(refused.code).toBe(3);
    expect(errorOf(refused)).toMatchObject({ name: 'GatewayError', gatewayCode: '40012' });
    const missing = await campusPay('onecard', 'queryCard', '{"idtype":"sno"}');
    expect(missing.code).toBe(2);
    expect(errorOf(missing).issues).toEqual([{ path: 'id', message: expect.stringMatching(/^is required/) }]);
  });
});

/**
 * The command line in `npm test`: from the sources, in this process. src/cli/index.ts runs its `main` when
 * imported, so each run imports a fresh copy of it with `process.argv` set, and reads what it wrote and the
 * exit code it set. One run or two for each part of src/cli, against a sandbox over real HTTP: a table
 * method (arguments, the env file, the token cache), doctor, the debug commands, `sandbox pay`, `trigger`
 * and an argument error. The built binary, started as users start it, is tested by the other files of this
 * folder (the `dist` project, `npm run test:heavy`).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sandboxEnv, writeEnvFile } from '../../src/cli/env-file.js';
import { OneCardClient, OutcomeUnknownError, ZhixiaoPayClient } from '../../src/index.js';
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

/**
 * Starts `campus-pay <args> --env-file <the sandbox's>` in this process; `done` resolves when it has set its
 * exit code. Its output is captured until then.
 */
async function start(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  // Other test files share this process (isolate: false): a process warning of theirs printed while the
  // command runs (`(node:123) Warning: Closing file descriptor…`) goes to the real stderr, not the command's.
  const realErr = process.stderr.write.bind(process.stderr) as (chunk: unknown) => boolean;
  const foreign = new RegExp(`^\\(node:${process.pid}\\) `);
  const capture = (into: string[]) => (chunk: unknown) =>
    foreign.test(String(chunk)) ? realErr(chunk) : into.push(String(chunk)) > 0;
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture(out));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture(err));
  const saved = { argv: process.argv, exitCode: process.exitCode, cache: process.env.CAMPUS_PAY_CACHE_DIR };
  process.argv = [process.execPath, 'campus-pay', ...args, '--env-file', envFile];
  process.exitCode = undefined;
  process.env.CAMPUS_PAY_CACHE_DIR = join(dir, 'cache');
  const restore = () => {
    stdout.mockRestore();
    stderr.mockRestore();
    process.argv = saved.argv;
    process.exitCode = saved.exitCode;
    if (saved.cache === undefined) delete process.env.CAMPUS_PAY_CACHE_DIR;
    else process.env.CAMPUS_PAY_CACHE_DIR = saved.cache;
  };
  const done = (async () => {
    let code: number | undefined;
    try {
      await import(/* @vite-ignore */ `${CLI_SOURCE}?run=${++runs}`);
      await waitFor(`campus-pay ${args[0]} to set its exit code`, () => process.exitCode !== undefined);
      code = Number(process.exitCode);
    } finally {
      restore();
    }
    const r = { code, out: out.join(''), err: err.join('') };
    scanChildOutput(`campus-pay ${args.slice(0, 2).join(' ')} (in process)`, {
      stdout: r.out,
      stderr: r.err,
    });
    return r;
  })();
  return { out: () => out.join(''), err: () => err.join(''), done };
}

/** `campus-pay <args> --env-file <the sandbox's>`, run in this process. */
const campusPay = async (...args: string[]) => (await start(...args)).done;

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
    const run = await start('onecard', 'transfer', '{"account":"10001","tranamt":1.5}');
    // What another test file of this shared process prints meanwhile is not the command's output.
    process.emitWarning('printed by another file of this process', 'ForeignWarning');
    const r = await run.done;
    expect(r.code).toBe(2);
    expect(JSON.parse(r.err).error).toMatchObject({ code: 'validation' });
  });

  it('doctor passes against the sandbox', async () => {
    const r = await campusPay('doctor', 'zhixiao', '--format', 'json');
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
    expect(JSON.parse(paid.out).note).toBeUndefined();
    // A settled order cannot be failed: exit 1, and the output says why rather than leaving the user to guess.
    const again = await campusPay('sandbox', 'pay', out_trade_no, '--fail');
    expect([again.code, JSON.parse(again.out).order.status]).toEqual([1, 2]);
    expect(JSON.parse(again.out).note).toMatch(new RegExp(`"${out_trade_no}" was already settled .* before`));
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

describe('tenants of a config file (--config, --tenant)', () => {
  /** Runs with the config's secrets in the environment, and puts the CAMPUS_PAY_* variables back after. */
  async function withTenants(tenants: unknown, run: (config: string) => Promise<void>) {
    const config = join(dir, `campus-pay.config.${++runs}.json`);
    writeFileSync(config, JSON.stringify({ tenants }));
    writeFileSync(join(dir, 'merchant.pem'), sb.onecard.privateKey, { mode: 0o600 });
    const saved = { ...process.env };
    Object.assign(process.env, { INPROC_DES: sb.onecard.desKey, INPROC_ZX_SECRET: sb.zhixiao.appSecret });
    try {
      await run(config);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  }
  const card = () => ({
    onecard: {
      gatewayUrl: sb.onecard.gatewayUrl,
      appKey: sb.onecard.appKey,
      desKey: { env: 'INPROC_DES' },
      privateKey: { file: 'merchant.pem' },
      platformPublicKey: sb.onecard.platformPublicKey,
    },
  });
  const pay = () => ({
    zhixiao: {
      baseUrl: sb.zhixiao.baseUrl,
      appId: sb.zhixiao.appId,
      appSecret: { env: 'INPROC_ZX_SECRET' },
      aesKey: { file: 'aes.key' },
      paths: sb.zhixiao.paths,
    },
  });

  it("--tenant runs a gateway command with that tenant's settings in place of the environment's", async () => {
    writeFileSync(join(dir, 'aes.key'), sb.zhixiao.aesKey, { mode: 0o600 });
    await withTenants({ card: card(), pay: pay() }, async (config) => {
      const query = ['onecard', 'queryCard', '{"idtype":"sno","id":"2023000001"}', '--config', config];
      expect((await campusPay(...query, '--tenant', 'card')).code).toBe(0);
      // The pay tenant configures no OneCard gateway, whatever the env file says.
      const other = await campusPay(...query, '--tenant', 'pay');
      expect([other.code, JSON.parse(other.err).error.option]).toEqual([2, 'CAMPUS_PAY_ONECARD_GATEWAY_URL']);
    });
  });

  it('doctor without --tenant checks every tenant: one line per finding, a summary, exit code 0', async () => {
    await withTenants({ card: card(), pay: pay() }, async (config) => {
      const r = await campusPay('doctor', '--config', config);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^doctor: 0 failed, \d+ warnings?, \d+ ok, \d+ skipped, 2 tenants/m);
      const verbose = await campusPay('doctor', '--config', config, '--verbose');
      expect(verbose.out).toMatch(/^ok {3}card onecard: gateway accepts our signature/m);
      expect(verbose.out).toMatch(/^ok {3}pay zhixiao: gateway decrypts our param/m);
    });
  });

  it('a secret written in the config file stops doctor with exit code 2, naming the field', async () => {
    const literal = { onecard: { ...card().onecard, desKey: sb.onecard.desKey } };
    await withTenants({ card: literal }, async (config) => {
      const r = await campusPay('doctor', '--config', config);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.err).error).toMatchObject({
        code: 'configuration',
        option: 'tenants.card.onecard.desKey',
      });
    });
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

describe('campus-pay sandbox, in this process', () => {
  it('prints no key, writes two tenants, applies --fault, and prints one line per notice attempt', async () => {
    const file = join(dir, 'sandbox.env');
    const signals = ['SIGINT', 'SIGTERM'] as const;
    const before = new Set(signals.flatMap((s) => process.listeners(s)));
    const args = ['--write-env', file, '--tenants', '2', '--fault', 'createOrder:commitThenDrop'];
    const run = await start('sandbox', ...args);
    let exit: number | undefined;
    await waitFor('the sandbox to be ready', () => run.out().includes('one line each'));
    const vars = parseEnv(readFileSync(file, 'utf8'));
    const printed = run.out() + run.err();
    expect(printed).toContain(`wrote its credentials to ${file}`);
    // What to run next, as a project that installed the package runs it (no global campus-pay on PATH).
    expect(printed).toContain(
      `\n  npx campus-pay onecard queryCard '{"idtype":"sno","id":"2023000001"}' --env ${file}\n`,
    );
    expect(printed).toContain(`\n  npx campus-pay sandbox pay <out_trade_no or order_no> --env ${file}`);
    expect(printed).not.toMatch(/PRIVATE KEY|PUBLIC KEY/);
    for (const secret of ['ONECARD_DES_KEY', 'ZHIXIAO_APP_SECRET', 'ZHIXIAO_AES_KEY'])
      expect(printed).not.toContain(vars[`CAMPUS_PAY_${secret}`]);

    const notices: string[] = [];
    const endpoint = await listen((req, res) => {
      req.resume();
      notices.push('seen');
      res.end(notices.length === 1 ? 'not yet' : 'success');
    });
    try {
      const pem = (name: string) => vars[name]!;
      const tenant2 = new ZhixiaoPayClient({
        baseUrl: pem('CAMPUS_PAY_ZHIXIAO_BASE_URL'),
        appId: pem('CAMPUS_PAY_TENANT2_ZHIXIAO_APP_ID'),
        appSecret: pem('CAMPUS_PAY_ZHIXIAO_APP_SECRET'),
        aesKey: pem('CAMPUS_PAY_ZHIXIAO_AES_KEY'),
        paths: JSON.parse(pem('CAMPUS_PAY_ZHIXIAO_PATHS')),
        proxy: false,
      });
      expect(tenant2.appId).not.toBe(vars.CAMPUS_PAY_ZHIXIAO_APP_ID);
      const order = (n: string) => ({ body: 'CLI', out_trade_no: n, total_fee: 1, notify_url: endpoint.url });
      // --fault createOrder:commitThenDrop: the first order is booked and its reply lost.
      await expect(tenant2.createOrder(order(`SBX-A-${Date.now()}`))).rejects.toBeInstanceOf(
        OutcomeUnknownError,
      );
      const second = `SBX-B-${Date.now()}`;
      const created = await tenant2.createOrder(order(second));
      const oneCard2 = new OneCardClient({
        gatewayUrl: pem('CAMPUS_PAY_ONECARD_GATEWAY_URL'),
        appKey: pem('CAMPUS_PAY_TENANT2_ONECARD_APP_KEY'),
        desKey: pem('CAMPUS_PAY_ONECARD_DES_KEY'),
        privateKey: pem('CAMPUS_PAY_ONECARD_PRIVATE_KEY'),
        platformPublicKey: pem('CAMPUS_PAY_ONECARD_PLATFORM_PUBLIC_KEY'),
        proxy: false,
      });
      expect(oneCard2.appKey).not.toBe(vars.CAMPUS_PAY_ONECARD_APP_KEY);
      expect((await oneCard2.queryCard({ idtype: 'sno', id: '2023000001' })).card[0]).toMatchObject({
        account: '10001',
      });

      const base = pem('CAMPUS_PAY_SANDBOX_URL');
      await fetch(`${base}/pay/zhixiao/${created.order_id}/pay`, { method: 'POST' }).then((r) => r.text());
      await waitFor('the second notice attempt', () => run.out().includes('— acknowledged'));
      const head = `notice zhixiao ${second} (${created.order_id}) → ${endpoint.url}`;
      expect(
        run
          .out()
          .split('\n')
          .filter((l) => l.startsWith('notice ')),
      ).toEqual([
        `${head}: 200 "not yet" — not acknowledged; attempt 2 in 1 s`,
        `${head}: 200 "success" — acknowledged`,
      ]);
    } finally {
      await endpoint.close();
      // Ctrl-C, without signalling the test process: the command's own listeners.
      const added = signals.flatMap((s) =>
        process
          .listeners(s)
          .filter((l) => !before.has(l))
          .map((l) => [s, l] as const),
      );
      for (const [s, l] of added) process.removeListener(s, l);
      (added[0]![1] as () => void)();
      // Waited for here, so that a failed expectation above cannot leave the command running (its
      // argv, exit code and stdout spies) into the next test.
      exit = (await run.done).code;
    }
    expect(exit).toBe(0);
  });
});

describe('method names and fields', () => {
  it('<method> --help lists the fields of the request: name, required or optional, type and limit', async () => {
    const r = await campusPay('onecard', 'recharge', '--help');
    expect(r.code).toBe(0);
    const line = (field: string) =>
      r.out
        .split('\n')
        .find((l) => l.trim().startsWith(`${field} `))
        ?.trim();
    expect(line('order_no')).toMatch(/^order_no\s+required\s+string, at most 24 bytes \(UTF-8\), not empty$/);
    expect(line('order_amount')).toMatch(/^order_amount\s+required\s+integer fen \(分\), at most 16 digits$/);
    expect(line('order_note')).toMatch(/^order_note\s+optional\s+string, at most 128 bytes \(GBK\)$/);
    expect(line('client_type')).toMatch(/required\s+one of wap, web,/);
    // By its gateway name too; a near miss gets the closest name.
    const wire = await campusPay('zhixiao', '/pay_api/order_create', '--help');
    expect(wire.out).toMatch(/^\s+out_trade_no\s+required/m);
    const typo = await campusPay('onecard', 'queryCrad', '--help');
    expect(typo.code).toBe(2);
    expect(JSON.parse(typo.err).error.message).toContain('did you mean queryCard?');
  });

  it('sign-string takes the SDK name and signs the wire method; a typo is refused', async () => {
    const s = JSON.parse(
      (
        await campusPay(
          'sign-string',
          'onecard',
          'queryCard',
          '{"idtype":"sno","id":"1"}',
          '--token',
          'T0KEN-2',
        )
      ).out,
    );
    expect(s.fields.method).toBe('synjones.onecard.query.card');
    const typo = await campusPay('sign-string', 'onecard', 'queryCrad', '{}');
    expect(typo.code).toBe(2);
    expect(JSON.parse(typo.err).error.message).toContain('did you mean queryCard?');
  });
});

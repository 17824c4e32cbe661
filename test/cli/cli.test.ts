import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv, promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OneCardClient } from '../../src/onecard/client.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { ZhixiaoPayClient } from '../../src/zhixiao/client.js';
import { scanChildOutput } from '../helpers/secret-scan.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
const TMP = mkdtempSync(join(tmpdir(), 'campus-pay-cli-'));
/** The child processes see no CAMPUS_PAY_* of ours, and cache tokens under TMP, never in ~/.cache. */
const baseEnv = (cacheDir = join(TMP, 'cache')) => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CAMPUS_PAY_'))),
  CAMPUS_PAY_CACHE_DIR: cacheDir,
});
let sb: Sandbox;
let envFile: string;

/** The env file a developer would write by hand for `sandbox`: PEMs as JSON strings with \n escapes. */
function writeEnvFor(file: string, s: Sandbox) {
  const q = JSON.stringify;
  writeFileSync(
    file,
    [
      `CAMPUS_PAY_ONECARD_GATEWAY_URL=${s.onecard.gatewayUrl}`,
      `CAMPUS_PAY_ONECARD_APP_KEY=${s.onecard.appKey}`,
      `CAMPUS_PAY_ONECARD_DES_KEY=${s.onecard.desKey}`,
      `CAMPUS_PAY_ONECARD_PRIVATE_KEY=${q(s.onecard.privateKey)}`,
      `CAMPUS_PAY_ONECARD_PLATFORM_PUBLIC_KEY=${q(s.onecard.platformPublicKey)}`,
    ].join('\n'),
  );
}

beforeAll(async () => {
  sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 } });
  const q = JSON.stringify;
  envFile = join(TMP, 'cli.env');
  writeFileSync(
    envFile,
    [
      `CAMPUS_PAY_ONECARD_GATEWAY_URL=${sb.onecard.gatewayUrl}`,
      `CAMPUS_PAY_ONECARD_APP_KEY=${sb.onecard.appKey}`,
      `CAMPUS_PAY_ONECARD_DES_KEY=${sb.onecard.desKey}`,
      `CAMPUS_PAY_ONECARD_PRIVATE_KEY=${q(sb.onecard.privateKey)}`,
      `CAMPUS_PAY_ONECARD_PLATFORM_PUBLIC_KEY=${q(sb.onecard.platformPublicKey)}`,
      `CAMPUS_PAY_ZHIXIAO_BASE_URL=${sb.zhixiao.baseUrl}`,
      `CAMPUS_PAY_ZHIXIAO_APP_ID=${sb.zhixiao.appId}`,
      `CAMPUS_PAY_ZHIXIAO_APP_SECRET=${sb.zhixiao.appSecret}`,
      `CAMPUS_PAY_ZHIXIAO_AES_KEY=${sb.zhixiao.aesKey}`,
      `CAMPUS_PAY_ZHIXIAO_PATHS=${JSON.stringify(sb.zhixiao.paths)}`,
    ].join('\n'),
  );
});
afterAll(async () => {
  await sb.close();
  rmSync(TMP, { recursive: true, force: true });
});

const runCli = async (args: string[], env: NodeJS.ProcessEnv = baseEnv()) => {
  const r = await run('node', [CLI, ...args], { env }).then(
    (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  // The secret scan reads all CLI output, except what `--reveal` is asked to show and the credentials
  // `campus-pay sandbox` prints by design (its generated keys; its stderr is still scanned).
  const printsCredentials = args[0] === 'sandbox' && args[1] !== 'pay';
  if (!args.includes('--reveal'))
    scanChildOutput(`campus-pay ${args.slice(0, 2).join(' ')}`, printsCredentials ? { ...r, stdout: '' } : r);
  return { code: r.code, out: r.stdout, err: r.stderr };
};
const cli = (...args: string[]) => runCli([...args, '--env-file', envFile]);

describe('the campus-pay binary', () => {
  it.each(['', 'sandbox', 'onecard', 'zhixiao', 'trigger', 'decrypt', 'verify', 'sign-string', 'doctor'])(
    '%s --help',
    async (cmd) => {
      const r = await cli(...(cmd ? [cmd] : []), '--help');
      expect(r.code).toBe(0);
      expect(r.out).toContain(cmd ? `campus-pay ${cmd}` : 'Usage: campus-pay');
    },
  );

  it('onecard queryCard prints JSON', async () => {
    const r = await cli('onecard', 'queryCard', '{"idtype":"sno","id":"2023000001"}');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).card[0]).toMatchObject({ account: '10001', db_balance: expect.any(Number) });
  });

  it('a cache directory others may write to is not used: stderr says so, the call still succeeds', async () => {
    const open = join(TMP, 'open-cache');
    mkdirSync(open, { recursive: true });
    chmodSync(open, 0o777);
    const r = await runCli(
      ['onecard', 'queryCard', '{"idtype":"sno","id":"2023000001"}', '--env-file', envFile],
      baseEnv(open),
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).card[0].account).toBe('10001');
    expect(r.err).toMatch(/token cache is not written/);
    expect(readdirSync(open)).toEqual([]);
    expect(statSync(open).mode & 0o777).toBe(0o777);
  });

  it('zhixiao createOrder then queryOrder', async () => {
    const order = {
      body: 'CLI',
      out_trade_no: `CLI${Date.now()}`,
      total_fee: 1,
      notify_url: 'http://127.0.0.1:9/n',
    };
    expect((await cli('zhixiao', 'createOrder', JSON.stringify(order))).code).toBe(0);
    const r = await cli('zhixiao', 'queryOrder', JSON.stringify({ out_trade_no: order.out_trade_no }));
    expect(JSON.parse(r.out)).toMatchObject({ status: 1 });
  });

  it('a validation failure is a JSON error on stderr with exit code 1', async () => {
    const r = await cli(
      'onecard',
      'transfer',
      '{"account":"10001","tranamt":1.5,"src_acctype":"###","dst_acctype":"001"}',
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.err).error).toMatchObject({ code: 'validation', issues: [{ path: 'tranamt' }] });
  });

  it('sign-string, verify and decrypt agree with each other; secrets masked by default', async () => {
    const signStringOf = async (...extra: string[]) =>
      JSON.parse(
        (
          await cli(
            'sign-string',
            'onecard',
            'synjones.onecard.query.card',
            '{"idtype":"sno","id":"1"}',
            '--token',
            'TOKEN123',
            ...extra,
          )
        ).out,
      );
    const s = await signStringOf();
    expect(s.signString).toContain('access_token<secret>app_key');
    expect(s.fields.access_token).toBe('<secret>');
    expect(s.fields.sign).toBe('<secret>');
    const revealed = await signStringOf('--reveal', '--timestamp', s.fields.timestamp);
    expect(revealed.fields.access_token).toBe('TOKEN123');
    const body = new URLSearchParams(revealed.fields).toString();
    const v = await cli('verify', 'onecard', body);
    expect(JSON.parse(v.out)).toMatchObject({ valid: true });
    const tampered = await cli('verify', 'onecard', body.replace('format=json', 'format=xml'));
    expect([tampered.code, JSON.parse(tampered.out).valid]).toEqual([1, false]);
    expect(JSON.parse((await cli('decrypt', 'onecard', s.fields.request)).out)).toEqual({
      query_card: { idtype: 'sno', id: '1' },
    });
    const z = JSON.parse((await cli('sign-string', 'zhixiao', 'x', '{"out_trade_no":"A"}')).out);
    expect(z.signString).toMatch(/<secret>$/);
    expect(z.fields.sign).toBe('<secret>');
    const zr = JSON.parse((await cli('sign-string', 'zhixiao', 'x', '{"out_trade_no":"A"}', '--reveal')).out);
    expect(
      JSON.parse((await cli('verify', 'zhixiao', new URLSearchParams(zr.fields).toString())).out).valid,
    ).toBe(true);
  });

  it('doctor passes against the sandbox without fetching a token', async () => {
    const before = sb.onecardGateway.tokenFetches;
    const r = await cli('doctor', 'onecard');
    expect(r.code).toBe(0);
    const checks = JSON.parse(r.out) as Array<{ status: string }>;
    expect(checks.every((c) => c.status === 'ok' || c.status === 'skipped')).toBe(true);
    expect(checks.some((c) => c.status === 'ok')).toBe(true);
    expect(sb.onecardGateway.tokenFetches).toBe(before);
    expect((await cli('doctor', 'zhixiao')).code).toBe(0);
  });

  it('doctor zhixiao with a wrong aesKey fails the AES check and names the setting', async () => {
    const wrong = envFile.replace(/\.env$/, '-wrong-aes.env');
    writeFileSync(
      wrong,
      readFileSync(envFile, 'utf8').replace(/ZHIXIAO_AES_KEY=.*/, `ZHIXIAO_AES_KEY=${'0'.repeat(32)}`),
    );
    try {
      const r = await run('node', [CLI, 'doctor', 'zhixiao', '--env-file', wrong], { env: baseEnv() }).catch(
        (e) => e,
      );
      scanChildOutput('campus-pay doctor zhixiao (wrong aesKey)', r);
      expect(r.code).toBe(1);
      const checks = JSON.parse(r.stdout) as Array<{ status: string; detail: string }>;
      const failed = checks.filter((c) => c.status === 'failed');
      expect(failed).toHaveLength(1);
      expect(failed[0]!.detail).toMatch(/aesKey/);
    } finally {
      rmSync(wrong, { force: true });
    }
  });
});

describe('campus-pay sandbox', () => {
  it('starts, prints its credentials as JSON, and stops on SIGTERM', async () => {
    const proc = spawn('node', [CLI, 'sandbox', '--token-interval-ms', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: baseEnv(),
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    proc.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    for (let i = 0; i < 100 && !out.trim().endsWith('}'); i++) await new Promise((r) => setTimeout(r, 50));
    const info = JSON.parse(out);
    expect(info.onecard.privateKey).toContain('BEGIN PRIVATE KEY');
    const res = await fetch(`${info.url}/api/state`);
    expect((await res.json()).cards.length).toBeGreaterThan(0);
    const exited = new Promise<number | null>((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Its stdout prints the generated credentials on purpose (that is the command); stderr may not.
    scanChildOutput('campus-pay sandbox', { stderr: err });
  });
});

describe('campus-pay sandbox --write-env to a path it cannot write', () => {
  it('stops the sandbox and exits 1 naming --write-env', async () => {
    const r = await runCli(['sandbox', '--write-env', join(TMP, 'no', 'such', 'dir', '.env')]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.err).error).toMatchObject({ code: 'configuration', option: '--write-env' });
  });
});

describe('onecard runs in a row share a cached token (gateway with the default 2-minute fetch interval)', () => {
  let strict: Sandbox;
  let strictEnv: string;
  beforeAll(async () => {
    strict = await startSandbox();
    strictEnv = join(TMP, 'strict.env');
    writeEnvFor(strictEnv, strict);
  });
  afterAll(() => strict.close());
  const query = ['onecard', 'queryCard', '{"idtype":"sno","id":"2023000001"}'];
  const inDir = (cacheDir: string, ...extra: string[]) =>
    runCli([...query, '--env-file', strictEnv, ...extra], baseEnv(cacheDir));

  it('two consecutive runs succeed with one fetch; the cache is 0700/0600 and the token is never printed', async () => {
    const cacheDir = join(TMP, 'strict-cache');
    const first = await inDir(cacheDir);
    const second = await inDir(cacheDir);
    expect([first.code, second.code, first.err, second.err]).toEqual([0, 0, '', '']);
    expect(JSON.parse(second.out).card[0].account).toBe('10001');
    expect(strict.onecardGateway.tokenFetches).toBe(1);

    const files = readdirSync(cacheDir);
    expect(files).toHaveLength(1);
    expect(files[0]).not.toContain(strict.onecard.appKey);
    const file = join(cacheDir, files[0]!);
    if (process.platform !== 'win32') {
      expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    const { token } = JSON.parse(readFileSync(file, 'utf8')) as { token: string };
    expect(token.length).toBeGreaterThan(8);
    for (const output of [first.out, first.err, second.out, second.err]) expect(output).not.toContain(token);

    // Without the cache a third run fetches again: the gateway refuses, and stderr says why and what to do.
    const uncached = await inDir(cacheDir, '--no-token-cache');
    expect(uncached.code).toBe(1);
    const { error } = JSON.parse(uncached.err);
    expect(error).toMatchObject({ code: 'gateway', gatewayCode: '60048' });
    expect(error.message).toMatch(/2 minutes/);
    expect(error.hint).toMatch(/2 minutes/);
    expect(error.hint).toContain('CAMPUS_PAY_ONECARD_ACCESS_TOKEN');
    expect(error.hint).toContain(cacheDir);
    expect(error.hint).toMatch(/wait/);
    expect(uncached.err).not.toContain(token);
    expect(strict.onecardGateway.tokenFetches).toBe(1);
  });

  it('two runs started at once share one fetch through the cache lock', async () => {
    // Every reply is held back, so each run's token fetch is still in flight when the other run looks for
    // a token: the second must wait for the first's instead of sending its own (which would be refused).
    const fresh = await startSandbox({ faults: { latencyMs: 1_500 } });
    const freshEnv = join(TMP, 'fresh.env');
    writeEnvFor(freshEnv, fresh);
    try {
      const cacheDir = join(TMP, 'concurrent-cache');
      const both = await Promise.all(
        [1, 2].map(() => runCli([...query, '--env-file', freshEnv], baseEnv(cacheDir))),
      );
      expect(both.map((r) => [r.code, r.err])).toEqual([
        [0, ''],
        [0, ''],
      ]);
      expect(fresh.onecardGateway.tokenFetches).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('a refused fetch is remembered in the cache: the next run reports the pause instead of a new fetch', async () => {
    // An empty cache while another process holds the only token: like a second machine.
    const cacheDir = join(TMP, 'refused-cache');
    const refused = await inDir(cacheDir);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.err).error).toMatchObject({ gatewayCode: '60048' });
    const paused = await inDir(cacheDir);
    expect(paused.code).toBe(1);
    const { error } = JSON.parse(paused.err);
    expect(error).toMatchObject({ gatewayCode: '60048' });
    expect(error.message).toMatch(/not sent/);
    expect(error.hint).toContain('CAMPUS_PAY_ONECARD_ACCESS_TOKEN');
  });
});

/** Starts `campus-pay sandbox --write-env <file>` and waits for the file. */
async function startSandboxProcess(file: string) {
  const proc = spawn('node', [CLI, 'sandbox', '--write-env', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: baseEnv(),
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  for (let i = 0; i < 400 && !(existsSync(file) && err.includes('listening')); i++)
    await new Promise((r) => setTimeout(r, 50));
  return { proc, printed: JSON.parse(out), stderr: () => err };
}

function listen(handler: RequestListener) {
  const server = createServer(handler);
  return new Promise<{ url: string; close: () => Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      }),
    ),
  );
}

describe('campus-pay sandbox --write-env, then the other commands with that file', () => {
  let proc: ChildProcess;
  let printed: {
    url: string;
    onecard: Sandbox['onecard'];
    zhixiao: Sandbox['zhixiao'];
  };
  let stderr: () => string;
  const dir = join(TMP, 'project');
  const file = join(dir, '.env');
  const env = () => baseEnv(join(TMP, 'project-cache'));
  const inProject = (...args: string[]) => runCli([...args, '--env-file', file], env());

  beforeAll(async () => {
    // An existing .env keeps the project's own lines.
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, 'MY_APP_SETTING=keep me\nCAMPUS_PAY_ZHIXIAO_APP_ID=stale\n');
    ({ proc, printed, stderr } = await startSandboxProcess(file));
  });
  afterAll(async () => {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  });

  it('writes every variable, mode 0600, says so on stderr, and round-trips through the .env parser', () => {
    expect(stderr()).toContain(file);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    const vars = parseEnv(text);
    expect(vars).toMatchObject({
      MY_APP_SETTING: 'keep me',
      CAMPUS_PAY_SANDBOX_URL: printed.url,
      CAMPUS_PAY_ONECARD_GATEWAY_URL: printed.onecard.gatewayUrl,
      CAMPUS_PAY_ONECARD_APP_KEY: printed.onecard.appKey,
      CAMPUS_PAY_ONECARD_DES_KEY: printed.onecard.desKey,
      CAMPUS_PAY_ONECARD_PRIVATE_KEY: printed.onecard.privateKey,
      CAMPUS_PAY_ONECARD_PLATFORM_PUBLIC_KEY: printed.onecard.platformPublicKey,
      CAMPUS_PAY_ZHIXIAO_BASE_URL: printed.zhixiao.baseUrl,
      CAMPUS_PAY_ZHIXIAO_APP_ID: printed.zhixiao.appId,
      CAMPUS_PAY_ZHIXIAO_APP_SECRET: printed.zhixiao.appSecret,
      CAMPUS_PAY_ZHIXIAO_AES_KEY: printed.zhixiao.aesKey,
    });
    expect(JSON.parse(vars.CAMPUS_PAY_ZHIXIAO_PATHS!)).toEqual(printed.zhixiao.paths);
    expect(vars.CAMPUS_PAY_ONECARD_MERCHANT_PUBLIC_KEY).toContain('BEGIN PUBLIC KEY');
    expect(vars.CAMPUS_PAY_SANDBOX_PLATFORM_PRIVATE_KEY).toContain('BEGIN PRIVATE KEY');
    // PEMs on one line each, with \n escapes; the stale CAMPUS_PAY_* line is gone.
    expect(text).not.toContain('stale');
    const pemLines = text.split('\n').filter((l) => l.includes('BEGIN'));
    expect(pemLines).toHaveLength(4);
    for (const l of pemLines)
      expect(l).toMatch(/^CAMPUS_PAY_[A-Z_]+="-----BEGIN [^"]+\\n-----END [A-Z ]+-----\\n"$/);
  });

  it('two onecard queryCard runs in a row succeed against it (default 2-minute interval); doctor passes', async () => {
    const query = ['onecard', 'queryCard', '{"idtype":"sno","id":"2023000001"}'];
    const a = await inProject(...query);
    const b = await inProject(...query);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(JSON.parse(b.out).card[0].account).toBe('10001');
    const doctor = await inProject('doctor', 'onecard');
    expect(doctor.code).toBe(0);
    expect((JSON.parse(doctor.out) as Array<{ status: string }>).map((c) => c.status)).not.toContain(
      'skipped',
    );
  });

  it('sandbox pay: pays a Zhixiao order by out_trade_no and a OneCard recharge by order_no', async () => {
    const out_trade_no = `CLIPAY${Date.now()}`;
    const order = { body: 'CLI', out_trade_no, total_fee: 3, notify_url: 'http://127.0.0.1:1/n' };
    expect((await inProject('zhixiao', 'createOrder', JSON.stringify(order))).code).toBe(0);
    const paid = await inProject('sandbox', 'pay', out_trade_no);
    expect(paid.code).toBe(0);
    expect(JSON.parse(paid.out)).toMatchObject({ gateway: 'zhixiao', order: { out_trade_no, status: 2 } });
    const q = await inProject('zhixiao', 'queryOrder', JSON.stringify({ out_trade_no }));
    expect(JSON.parse(q.out)).toMatchObject({ status: 2 });

    const order_no = `R${Date.now()}`;
    const recharge = {
      client_type: 'web',
      pay_type: 'alipay',
      account: '10001',
      acctype: '###',
      order_no,
      order_amount: 500,
      return_url: 'http://example.edu/return',
      notify_url: 'http://127.0.0.1:1/n',
    };
    expect((await inProject('onecard', 'recharge', JSON.stringify(recharge))).code).toBe(0);
    const failed = await inProject('sandbox', 'pay', order_no, '--fail');
    expect(failed.code).toBe(0);
    expect(JSON.parse(failed.out)).toMatchObject({
      gateway: 'onecard',
      order: { order_no, order_status: '77' },
    });

    const unknown = await inProject('sandbox', 'pay', 'NO-SUCH-ORDER');
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.err).error.message).toContain('NO-SUCH-ORDER');
  });

  it('an example reads the same .env; "sandbox pay" plays its payer', async () => {
    const TSX = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');
    const example = join(import.meta.dirname, '..', '..', 'examples', 'zhixiao-order.ts');
    // The example loads .env from its working directory, as a project would.
    const proc = spawn(TSX, [example], { cwd: dir, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((r) => proc.once('exit', r));
    try {
      for (let i = 0; i < 600 && !/order (ZX\d+) /.test(out); i++)
        await new Promise((r) => setTimeout(r, 50));
      const orderNo = /order (ZX\d+) /.exec(out)?.[1];
      expect(orderNo).toBeDefined();
      expect(out).toContain(printed.url); // the pay URL is this sandbox's, not an embedded one
      expect((await inProject('sandbox', 'pay', orderNo!)).code).toBe(0);
      expect(await exited).toBe(0);
      expect(out).toMatch(/refunded ¥98\.00/);
    } finally {
      proc.kill();
    }
  });

  it('trigger: signed notices a real handler acknowledges; a handler with other keys does not', async () => {
    const vars = parseEnv(readFileSync(file, 'utf8'));
    const zhixiaoNotices: unknown[] = [];
    const zx = new ZhixiaoPayClient({ ...printed.zhixiao });
    const zxEndpoint = await listen(
      zx.nodeNotificationHandler({ onNotification: (n) => void zhixiaoNotices.push(n) }),
    );
    const oneCardNotices: unknown[] = [];
    const oc = new OneCardClient({
      ...printed.onecard,
      platformPublicKey: vars.CAMPUS_PAY_ONECARD_PLATFORM_PUBLIC_KEY!,
    });
    const ocEndpoint = await listen(
      oc.nodeNotificationHandler({ onNotification: (n) => void oneCardNotices.push(n) }),
    );
    // Trusts another platform key: the notice must not verify there.
    const stranger = new OneCardClient({
      ...printed.onecard,
      platformPublicKey: sb.onecard.platformPublicKey,
    });
    const strangerEndpoint = await listen(stranger.nodeNotificationHandler({ onNotification: () => {} }));
    try {
      const z = await inProject(
        'trigger',
        'zhixiao',
        '--to',
        zxEndpoint.url,
        '{"out_trade_no":"MY-ORDER-1"}',
      );
      expect(z.code).toBe(0);
      expect(JSON.parse(z.out)).toMatchObject({ status: 200, body: 'success', acknowledged: true });
      expect(zhixiaoNotices).toEqual([expect.objectContaining({ out_trade_no: 'MY-ORDER-1' })]);

      const o = await inProject(
        'trigger',
        'onecard',
        '--to',
        ocEndpoint.url,
        '{"out_id":"MY-R-1","order_amount":"250"}',
      );
      expect(o.code).toBe(0);
      expect(JSON.parse(o.out)).toMatchObject({ body: 'ok', acknowledged: true });
      expect(oneCardNotices).toEqual([expect.objectContaining({ out_id: 'MY-R-1', order_amount: 250 })]);

      const refused = await inProject('trigger', 'onecard', '--to', strangerEndpoint.url);
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.out)).toMatchObject({ acknowledged: false });
      expect(JSON.parse(refused.out).body).not.toBe('ok');

      const noUrl = await inProject('trigger', 'zhixiao');
      expect(noUrl.code).toBe(1);
      expect(JSON.parse(noUrl.err).error.message).toContain('--to');
    } finally {
      await Promise.all([zxEndpoint.close(), ocEndpoint.close(), strangerEndpoint.close()]);
    }
  });
});

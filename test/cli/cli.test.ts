import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { scanChildOutput } from '../helpers/secret-scan.js';
import { baseEnv, CLI, listen, run, runCli, spawnSandbox, TMP } from './helpers.js';

let sb: Sandbox;
let envFile: string;

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
const cli = (...args: string[]) => runCli([...args, '--env-file', envFile]);
/** The JSON error a failed run prints on stderr. */
const errorOf = (r: { err: string }) => JSON.parse(r.err).error;
/** An env file like the test's, with one variable changed. */
function envWith(name: string, variable: string, value: string): string {
  const file = join(TMP, `${name}.env`);
  writeFileSync(
    file,
    readFileSync(envFile, 'utf8').replace(new RegExp(`${variable}=.*`), `${variable}=${value}`),
  );
  return file;
}

describe('the campus-pay binary', () => {
  it.each([
    '',
    'sandbox',
    'onecard',
    'zhixiao',
    'trigger',
    'decrypt',
    'verify',
    'sign-string',
    'doctor',
    'journal',
    'reconcile',
  ])('%s --help', async (cmd) => {
    const r = await cli(...(cmd ? [cmd] : []), '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain(cmd ? `campus-pay ${cmd}` : 'Usage: campus-pay');
  });

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

  it('a validation failure is a JSON error on stderr with exit code 2', async () => {
    const r = await cli(
      'onecard',
      'transfer',
      '{"account":"10001","tranamt":1.5,"src_acctype":"###","dst_acctype":"001"}',
    );
    expect(r.code).toBe(2);
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
    const z = JSON.parse((await cli('sign-string', 'zhixiao', 'queryOrder', '{"out_trade_no":"A"}')).out);
    expect(z.signString).toMatch(/<secret>$/);
    expect(z.fields.sign).toBe('<secret>');
    const zr = JSON.parse(
      (await cli('sign-string', 'zhixiao', 'queryOrder', '{"out_trade_no":"A"}', '--reveal')).out,
    );
    expect(
      JSON.parse((await cli('verify', 'zhixiao', new URLSearchParams(zr.fields).toString())).out).valid,
    ).toBe(true);
  });

  it('doctor passes against the sandbox without fetching a token', async () => {
    const before = sb.onecardGateway.tokenFetches;
    const r = await cli('doctor', 'onecard', '--format', 'json');
    expect(r.code).toBe(0);
    const checks = JSON.parse(r.out) as Array<{ status: string }>;
    expect(checks.every((c) => c.status === 'ok' || c.status === 'skipped')).toBe(true);
    expect(checks.some((c) => c.status === 'ok')).toBe(true);
    expect(sb.onecardGateway.tokenFetches).toBe(before);
    expect((await cli('doctor', 'zhixiao')).code).toBe(0);
  });

  it('doctor zhixiao with a wrong aesKey fails the AES check and names the setting', async () => {
    const wrong = envWith('wrong-aes', 'CAMPUS_PAY_ZHIXIAO_AES_KEY', '0'.repeat(32));
    try {
      const r = await run('node', [CLI, 'doctor', 'zhixiao', '--format', 'json', '--env-file', wrong], {
        env: baseEnv(),
      }).catch((e) => e);
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

describe('doctor probes through the SDK client and its transport', () => {
  it('honours HTTP_PROXY as every call does, fetches no token, and reads the clock from the reply', async () => {
    const seen: string[] = [];
    // A forward proxy for plain http: the request line carries the absolute URL.
    const proxy = await listen((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const up = httpRequest(req.url!, { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode!, r.headers);
        r.pipe(res);
      });
      req.pipe(up);
    });
    const origin = new URL(proxy.url).origin;
    try {
      const before = sb.onecardGateway.tokenFetches;
      const r = await runCli(['doctor', 'onecard', '--format', 'json', '--env-file', envFile], {
        ...baseEnv(),
        HTTP_PROXY: origin,
        http_proxy: origin,
        NO_PROXY: '',
        no_proxy: '',
      });
      expect(r.code).toBe(0);
      const checks = JSON.parse(r.out) as Array<{ check: string; status: string; detail: string }>;
      expect(checks.find((c) => c.check.startsWith('clock skew'))?.status).toBe('ok');
      // The proxy variable catches the gateway's host: a warning naming the proxy, and exit code 0.
      expect(checks.find((c) => c.check === 'proxy variables')).toMatchObject({
        status: 'warning',
        detail: expect.stringContaining(new URL(origin).host),
      });
      expect(checks.find((c) => c.check.startsWith('gateway accepts'))?.detail).toMatch(/40017/);
      // The probe and the client's one resend after 40017, each with a token the gateway cannot know.
      expect(seen).toEqual([`POST ${sb.onecard.gatewayUrl}`, `POST ${sb.onecard.gatewayUrl}`]);
      expect(sb.onecardGateway.tokenFetches).toBe(before);
    } finally {
      await proxy.close();
    }
  });

  it('a gateway that cannot be reached fails the reachability check with the network code', async () => {
    const closed = await listen(() => {});
    const dead = new URL(closed.url).origin;
    await closed.close();
    const file = envWith('dead-gateway', 'CAMPUS_PAY_ONECARD_GATEWAY_URL', `${dead}/gateway`);
    const r = await runCli(['doctor', 'onecard', '--format', 'json', '--env-file', file]);
    expect(r.code).toBe(1);
    const checks = JSON.parse(r.out) as Array<{ check: string; status: string; detail: string }>;
    expect(checks.at(-1)).toMatchObject({ check: 'gateway reachable', status: 'failed' });
    expect(checks.at(-1)!.detail).toMatch(/ECONNREFUSED/);
  });
});

describe('method names: the table, by SDK or wire name; a raw OneCard method only by its full name', () => {
  it.each([
    ['onecard', 'queryCrad', 'queryCard'],
    ['onecard', 'querycard', 'queryCard'],
    ['zhixiao', 'queryOrdr', 'queryOrder'],
    ['zhixiao', 'createorder', 'createOrder'],
  ])('campus-pay %s %s is refused before any I/O: did you mean %s?', async (gateway, name, near) => {
    const before = sb.onecardGateway.tokenFetches;
    const r = await cli(gateway, name, '{}');
    expect(r.code).toBe(2);
    const error = errorOf(r);
    expect(error).toMatchObject({
      name: 'ValidationError',
      code: 'validation',
      issues: [{ path: '<method>' }],
    });
    expect(error.message).toContain(`did you mean ${near}?`);
    expect(sb.onecardGateway.tokenFetches).toBe(before);
  });

  it('a name near no table method is refused without a suggestion; a missing one too', async () => {
    const [far1, far2, missing1, missing2, dotted] = await Promise.all([
      cli('onecard', 'somethingElse', '{}'),
      cli('zhixiao', 'somethingElse', '{}'),
      cli('onecard'),
      cli('zhixiao'),
      // A dotted name that is not a synjones.… method is not sent raw either.
      cli('onecard', 'query.card', '{}'),
    ]);
    for (const r of [far1, far2, missing1, missing2, dotted])
      expect(errorOf(r)).toMatchObject({ name: 'ValidationError', issues: [{ path: '<method>' }] });
    for (const r of [far1, far2]) expect(errorOf(r).message).not.toContain('did you mean');
    expect(errorOf(missing1).message).toContain('missing');
  });

  it("a table method's wire name runs that method, validated like the SDK name", async () => {
    const ok = await cli('onecard', 'synjones.onecard.query.card', '{"idtype":"sno","id":"2023000001"}');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out).card[0].account).toBe('10001');
    const bad = await cli('onecard', 'synjones.onecard.query.card', '{"idtype":"sno","id":"1","extra":1}');
    expect(errorOf(bad)).toMatchObject({
      name: 'ValidationError',
      method: 'queryCard',
      issues: [{ path: 'extra' }],
    });
    const z = await cli('zhixiao', '/pay_api/order_query', '{"out_trade_no":"CLI-NONE"}');
    expect(errorOf(z)).toMatchObject({ code: 'gateway', method: 'queryOrder' });
  });

  it('any other synjones.… name is sent as is through call(), and the gateway answers it', async () => {
    const r = await cli('onecard', 'synjones.onecard.no.such.method', '{"a":1}');
    expect(r.code).toBe(3);
    expect(errorOf(r)).toMatchObject({
      code: 'gateway',
      gatewayCode: '40012',
      wireMethod: 'synjones.onecard.no.such.method',
    });
  });

  it('every bad argument is a ValidationError naming it', async () => {
    const cases: Array<[string[], string]> = [
      [['onecard', 'queryCard', '{not json'], '[json]'],
      [['trigger', 'elsewhere'], '<gateway>'],
      [['trigger', 'zhixiao'], '--to'],
      [['verify', 'nowhere'], '<gateway>'],
      [['decrypt', 'onecard'], '<argument>'],
      [['sandbox', 'pay'], '<order>'],
      [['sandbox', 'paint'], '<subcommand>'],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(...args)));
    runs.forEach((r, i) => {
      const [args, path] = cases[i]!;
      expect([args, r.code]).toEqual([args, 2]);
      expect(errorOf(r)).toMatchObject({ name: 'ValidationError', code: 'validation', issues: [{ path }] });
    });
  });
});

describe('campus-pay verify zhixiao, a reply', () => {
  it('checks md5(ret_code + ret_content + appSecret) and masks the appSecret in the sign string', async () => {
    const ret_content = 'c29tZSBjaXBoZXJ0ZXh0';
    const sign = createHash('md5').update(`0${ret_content}${sb.zhixiao.appSecret}`).digest('hex');
    const good = await cli('verify', 'zhixiao', JSON.stringify({ ret_code: 0, ret_content, sign }));
    expect(JSON.parse(good.out)).toEqual({
      kind: 'reply',
      valid: true,
      signString: `0${ret_content}<secret>`,
    });
    const forged = await cli('verify', 'zhixiao', JSON.stringify({ ret_code: -1, ret_content, sign }));
    expect([forged.code, JSON.parse(forged.out).valid]).toEqual([1, false]);
  });
});

describe('campus-pay sandbox', () => {
  it('starts, prints its URLs and no key, and stops on SIGTERM', async () => {
    const { proc, stdout, stderr } = await spawnSandbox(['--json'], (out) => out.includes('\n'));
    const info = JSON.parse(stdout().split('\n')[0]!);
    expect(info.onecard).toEqual({ gatewayUrl: expect.any(String), appKey: expect.any(String) });
    expect(stdout()).not.toMatch(/KEY|SECRET|"desKey"|"aesKey"|"appSecret"/);
    // Relaxed by default: every token fetch is served (the real gateway's 2-minute rule is --strict-tokens).
    expect(info.tokenMinIntervalMs).toBe(0);
    const res = await fetch(`${info.url}/api/state`);
    expect((await res.json()).cards.length).toBeGreaterThan(0);
    const exited = new Promise<number | null>((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    scanChildOutput('campus-pay sandbox', { stdout: stdout(), stderr: stderr() });
  });
});

describe('the built package', () => {
  it('errors keep their class names (bundling must not make them _CampusPayError)', async () => {
    const dist = await import(join(import.meta.dirname, '..', '..', 'dist', 'index.js'));
    const classes = Object.entries(dist).filter(([k, v]) => /Error$/.test(k) && typeof v === 'function');
    expect(classes.length).toBeGreaterThan(5);
    for (const [name, cls] of classes) expect([name, (cls as { name: string }).name]).toEqual([name, name]);
    // As the binary prints them.
    const r = await runCli(['onecard', 'queryCard', '{}', '--env', join(TMP, 'missing.env')]);
    expect([r.code, JSON.parse(r.err).error.name]).toEqual([2, 'ConfigurationError']);
  });
});

describe('campus-pay sandbox --write-env to a path it cannot write', () => {
  it('stops the sandbox and exits 2 naming --write-env', async () => {
    const r = await runCli(['sandbox', '--write-env', join(TMP, 'no', 'such', 'dir', '.env')]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.err).error).toMatchObject({ code: 'configuration', option: '--write-env' });
  });
});

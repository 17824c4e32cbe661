import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OneCardClient } from '../../src/onecard/client.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { ZhixiaoPayClient } from '../../src/zhixiao/client.js';
import { waitFor } from '../helpers/timeouts.js';
import { baseEnv, listen, runCli, startSandboxProcess, TMP } from './helpers.js';

afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe('campus-pay sandbox --write-env, then the other commands with that file', () => {
  let proc: ChildProcess;
  let printed: {
    url: string;
    printedKeys: boolean;
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
    // The real gateway's token rule, so that the runs below must share the cached token.
    ({ proc, printed, stderr } = await startSandboxProcess(file, ['--strict-tokens']));
  });
  afterAll(async () => {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  });

  it('writes every variable, mode 0600, prints where but no key, and round-trips through the .env parser', () => {
    expect(printed.printedKeys).toBe(false);
    expect(stderr()).not.toMatch(/KEY/);
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

  it('two onecard queryCard runs in a row succeed against it (--strict-tokens: 2-minute interval); doctor passes', async () => {
    const query = ['onecard', 'queryCard', '{"idtype":"sno","id":"2023000001"}'];
    const a = await inProject(...query);
    const b = await inProject(...query);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(JSON.parse(b.out).card[0].account).toBe('10001');
    const doctor = await inProject('doctor', 'onecard', '--format', 'json');
    expect(doctor.code).toBe(0);
    const findings = JSON.parse(doctor.out) as Array<{ check: string; status: string }>;
    expect(findings.map((c) => c.status)).not.toContain('failed');
    // The file gives the merchant's public key, so the key pair is checked, not skipped.
    expect(findings.find((c) => c.check.startsWith('private key matches'))?.status).toBe('ok');
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
    expect(unknown.code).toBe(2);
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
      await waitFor('the example to print its order', () => /order (ZX\d+) /.test(out), { withinMs: 30_000 });
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
      platformPublicKey: generateKeyPairSync('rsa', { modulusLength: 2048 })
        .publicKey.export({ type: 'spki', format: 'pem' })
        .toString(),
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
      expect(noUrl.code).toBe(2);
      expect(JSON.parse(noUrl.err).error.message).toContain('--to');
    } finally {
      await Promise.all([zxEndpoint.close(), ocEndpoint.close(), strangerEndpoint.close()]);
    }
  });
});

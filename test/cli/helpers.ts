/** What the CLI test files share: the built binary, a scratch directory, and a runner that scans output. */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv, promisify } from 'node:util';
import type { JournalStore } from '../../src/core/journal.js';
import { OneCardClient } from '../../src/onecard/client.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { ZhixiaoPayClient } from '../../src/zhixiao/client.js';
import { scanChildOutput } from '../helpers/secret-scan.js';
import { waitFor } from '../helpers/timeouts.js';

export const run = promisify(execFile);
export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
/** One scratch directory per test file (each file is its own module instance). */
export const TMP = mkdtempSync(join(tmpdir(), 'campus-pay-cli-'));
/** The child processes see no CAMPUS_PAY_* of ours, and cache tokens under TMP, never in ~/.cache. */
export const baseEnv = (cacheDir = join(TMP, 'cache')) => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CAMPUS_PAY_'))),
  CAMPUS_PAY_CACHE_DIR: cacheDir,
});

/** The env file a developer would write by hand for `sandbox` (both gateways): PEMs as JSON strings with \n escapes. */
export function writeEnvFor(file: string, s: Sandbox) {
  const q = JSON.stringify;
  writeFileSync(
    file,
    [
      `CAMPUS_PAY_ONECARD_GATEWAY_URL=${s.onecard.gatewayUrl}`,
      `CAMPUS_PAY_ONECARD_APP_KEY=${s.onecard.appKey}`,
      `CAMPUS_PAY_ONECARD_DES_KEY=${s.onecard.desKey}`,
      `CAMPUS_PAY_ONECARD_PRIVATE_KEY=${q(s.onecard.privateKey)}`,
      `CAMPUS_PAY_ONECARD_PLATFORM_PUBLIC_KEY=${q(s.onecard.platformPublicKey)}`,
      `CAMPUS_PAY_ZHIXIAO_BASE_URL=${s.zhixiao.baseUrl}`,
      `CAMPUS_PAY_ZHIXIAO_APP_ID=${s.zhixiao.appId}`,
      `CAMPUS_PAY_ZHIXIAO_APP_SECRET=${s.zhixiao.appSecret}`,
      `CAMPUS_PAY_ZHIXIAO_AES_KEY=${s.zhixiao.aesKey}`,
      `CAMPUS_PAY_ZHIXIAO_PATHS=${q(s.zhixiao.paths)}`,
    ].join('\n'),
  );
}

export const runCli = async (args: string[], env: NodeJS.ProcessEnv = baseEnv()) => {
  const r = await run('node', [CLI, ...args], { env }).then(
    (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  // The secret scan reads all CLI output, except what `--reveal` is asked to show.
  if (!args.includes('--reveal')) scanChildOutput(`campus-pay ${args.slice(0, 2).join(' ')}`, r);
  return { code: r.code, out: r.stdout, err: r.stderr };
};

/** Starts `campus-pay sandbox <args>` and waits until `ready` says so from its output so far. */
export async function spawnSandbox(args: string[], ready: (out: string, err: string) => boolean) {
  const proc = spawn('node', [CLI, 'sandbox', ...args], {
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
  await waitFor(`campus-pay sandbox ${args.join(' ')} to be ready`, () => ready(out, err), { everyMs: 50 });
  return { proc, stdout: () => out, stderr: () => err };
}

/**
 * Starts `campus-pay sandbox --write-env <file> --json` and waits for the file. `printed` is what it
 * printed (no key) with the credentials of the file it wrote, in the shape of `Sandbox`.
 */
export async function startSandboxProcess(file: string, args: string[] = []) {
  const { proc, stdout, stderr } = await spawnSandbox(
    ['--write-env', file, '--json', ...args],
    (out) => existsSync(file) && out.includes('\n'),
  );
  const info = JSON.parse(stdout().split('\n')[0]!);
  const v = parseEnv(readFileSync(file, 'utf8'));
  const printed = {
    url: info.url as string,
    printedKeys: /KEY|SECRET/.test(stdout()),
    onecard: {
      ...info.onecard,
      desKey: v.CAMPUS_PAY_ONECARD_DES_KEY!,
      privateKey: v.CAMPUS_PAY_ONECARD_PRIVATE_KEY!,
      platformPublicKey: v.CAMPUS_PAY_ONECARD_PLATFORM_PUBLIC_KEY!,
      proxy: false as const,
    },
    zhixiao: {
      ...info.zhixiao,
      appSecret: v.CAMPUS_PAY_ZHIXIAO_APP_SECRET!,
      aesKey: v.CAMPUS_PAY_ZHIXIAO_AES_KEY!,
      proxy: false as const,
    },
  };
  return { proc, printed, stderr };
}

export function listen(handler: RequestListener) {
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

type Outcome = 'paid' | 'failed' | 'open';
/** A notify_url nothing listens on: the tests read the gateway's state, not its notices. */
const NOWHERE = 'http://127.0.0.1:9/notify';

/**
 * Orders in a sandbox made through the SDK as a service makes them (with its journal, when given), then
 * paid or failed as the payer would on the pay page, or left open.
 */
export function sandboxOrders(sb: Sandbox, journal?: JournalStore) {
  const extra = journal ? { journal } : {};
  const zx = new ZhixiaoPayClient({ ...sb.zhixiao, ...extra });
  const oc = new OneCardClient({ ...sb.onecard, ...extra });
  return {
    zx,
    oc,
    async zhixiao(out_trade_no: string, total_fee: number, outcome: Outcome) {
      const r = await zx.createOrder({ body: 'CLI test', out_trade_no, total_fee, notify_url: NOWHERE });
      if (outcome !== 'open') sb.zhixiaoGateway.settle(r.order_id, outcome === 'paid');
    },
    async recharge(order_no: string, order_amount: number, outcome: Outcome) {
      const r = await oc.recharge({
        client_type: 'web',
        pay_type: 'alipay',
        account: '10001',
        acctype: '###',
        order_no,
        order_amount,
        return_url: 'http://example.edu/return',
        notify_url: NOWHERE,
      });
      if (outcome !== 'open') sb.onecardGateway.settle(r.out_id, outcome === 'paid');
    },
  };
}

import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TIMEOUTS } from '../helpers/timeouts.js';

const ROOT = join(import.meta.dirname, '..', '..');
let dir: string;
const sh = (cmd: string, args: string[], cwd = dir) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'campus-pay-pack-'));
  const tarball = sh('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], ROOT)
    .trim()
    .split('\n')
    .at(-1)!;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, tarball)]);
}, TIMEOUTS.build);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the packed tarball', () => {
  it('imports from ESM', () => {
    writeFileSync(
      join(dir, 'esm.mjs'),
      `import { OneCardClient, ZhixiaoPayClient, CampusPayError } from 'campus-pay';
import { md5Hex } from 'campus-pay/crypto';
import { startSandbox } from 'campus-pay/sandbox';
import { startTestGateways } from 'campus-pay/testing';
const sb = await startSandbox();
const z = new ZhixiaoPayClient(sb.zhixiao);
const r = await z.createOrder({ body: 'esm', out_trade_no: 'E1', total_fee: 1, notify_url: 'http://127.0.0.1:9/n' });
await sb.close();
const gw = await startTestGateways();
await new ZhixiaoPayClient(gw.zhixiao).createOrder({ body: 'esm', out_trade_no: 'E2', total_fee: 2, notify_url: 'http://127.0.0.1:9/n' });
gw.assert.order({ out_trade_no: 'E2' }, { total_fee: 2 });
await gw.close();
console.log(typeof OneCardClient, typeof CampusPayError, md5Hex('a'), r.out_trade_no, gw.ledger.order({ out_trade_no: 'E2' }).status);`,
    );
    expect(sh('node', ['esm.mjs']).trim()).toBe('function function 0cc175b9c0f1b6a831c399e269772661 E1 1');
  });

  it('requires from CommonJS', () => {
    writeFileSync(
      join(dir, 'cjs.cjs'),
      `const { OneCardClient, ValidationError } = require('campus-pay');
const { loadPublicKey } = require('campus-pay/crypto');
const { startSandbox } = require('campus-pay/sandbox');
const { RedisTokenStore } = require('campus-pay/redis');
if (typeof RedisTokenStore !== 'function') throw new Error('campus-pay/redis');
startSandbox().then(async (sb) => {
  const c = new OneCardClient({ ...sb.onecard, tokenStore: undefined });
  const r = await c.queryCard({ idtype: 'sno', id: '2023000001' });
  await c.transfer({ account: '1', tranamt: -1, src_acctype: '###', dst_acctype: '001' }).catch((e) => console.log(e instanceof ValidationError));
  await sb.close();
  console.log(typeof loadPublicKey, r.card[0].name);
});`,
    );
    expect(sh('node', ['cjs.cjs']).trim()).toBe('true\nfunction 张三');
  });

  // Concurrent: each is a separate tsc process, and they would otherwise queue one after the other.
  it.concurrent.each([
    ['node16', { module: 'node16', moduleResolution: 'node16' }, 'app.mts'],
    ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }, 'app.mts'],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }, 'app.ts'],
    ['node10 (commonjs)', { module: 'commonjs', moduleResolution: 'node10' }, 'app.ts'],
  ])(
    'type-checks from TypeScript with moduleResolution %s',
    async (name, options, file) => {
      const sub = join(dir, `ts-${name.split(' ')[0]}`);
      mkdirSync(sub, { recursive: true });
      writeFileSync(
        join(sub, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            ...options,
            target: 'es2022',
            esModuleInterop: true,
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            ignoreDeprecations: '5.0',
            types: ['node'],
            // The repository's own @types/node: nothing is downloaded in a test.
            typeRoots: [join(ROOT, 'node_modules', '@types')],
          },
          files: [file],
        }),
      );
      writeFileSync(
        join(sub, file),
        `import { OneCardClient, type OneCardClientOptions, OrderStatus, type ZhixiaoSchemas, isGatewayError } from 'campus-pay';
import { aesEncrypt } from 'campus-pay/crypto';
import type { Sandbox } from 'campus-pay/sandbox';
import { RedisTokenStore } from 'campus-pay/redis';
import { startTestGateways, type TestGateways } from 'campus-pay/testing';
const o: OneCardClientOptions = { gatewayUrl: 'http://x', appKey: 'k', desKey: 'd', privateKey: 'p', platformPublicKey: 'q' };
const status: 'paid' = OrderStatus[2].state;
const n: ZhixiaoSchemas.PaymentNotification | undefined = undefined;
declare const sb: Sandbox;
declare const gw: TestGateways;
export const out = [o, status, n, aesEncrypt, sb?.url, OneCardClient, RedisTokenStore, isGatewayError, startTestGateways, gw?.ledger.balance('10001')];
`,
      );
      symlinkSync(join(dir, 'node_modules'), join(sub, 'node_modules'), 'dir');
      try {
        await promisify(execFile)(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', '.'], { cwd: sub });
      } catch (e) {
        throw new Error(`tsc (${name}) failed:\n${(e as { stdout?: string }).stdout ?? ''}`);
      }
    },
    TIMEOUTS.build,
  );

  it('keeps each reply field’s meaning in the published types, where editors show it', () => {
    for (const file of ['index.d.ts', 'index.d.cts']) {
      const dts = readFileSync(join(dir, 'node_modules', 'campus-pay', 'dist', file), 'utf8');
      expect(dts, file).toContain('/** 库余额 Card balance, fen. */');
      expect(dts, file).toContain('/** 支付状态, raw: 1 pending, 2 paid, 3 failed (see OrderStatus). */');
    }
  });

  it('runs the CLI from the installed package', () => {
    // The bin npm linked, run as npx would run it (with whichever node is on PATH).
    expect(sh(join(dir, 'node_modules', '.bin', 'campus-pay'), ['--help'])).toMatch(/campus-pay/);
  });
});

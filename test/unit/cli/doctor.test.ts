/**
 * `campus-pay doctor` against a sandbox over real HTTP, per tenant of a config file: certificates at a
 * fake instant, key files, the clock against the gateway's (a fake clock set off the gateway's own Date
 * header, never this host's), an unreachable gateway, and the report's lines and exit codes.
 */

import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { doctor, doctorReport, type Finding } from '../../../src/cli/doctor.js';
import { loadTenants } from '../../../src/cli/tenants.js';
import { type Sandbox, startSandbox } from '../../../src/sandbox/index.js';
import { listen } from '../../cli/helpers.js';
import { makeCertificate, makePkcs12 } from '../../helpers/certs.js';

const dir = mkdtempSync(join(tmpdir(), 'campus-pay-doctor-'));
const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const merchant = rsa();
const platform = rsa();
let sb: Sandbox;
let saved: NodeJS.ProcessEnv = {};

beforeAll(async () => {
  sb = await startSandbox({ onecard: { merchantPrivateKey: merchant, platformPrivateKey: platform } });
  const merchantCert = makeCertificate({
    key: merchant,
    commonName: 'merchant',
    notBefore: new Date('2030-01-01T00:00:00Z'),
    notAfter: new Date('2031-03-01T00:00:00Z'),
  });
  const platformCert = makeCertificate({
    key: platform,
    commonName: 'platform',
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2099-06-01T00:00:00Z'),
  });
  writeFileSync(join(dir, 'merchant.p12'), makePkcs12(merchant, merchantCert.certPem, 'p12-pass'), {
    mode: 0o600,
  });
  writeFileSync(join(dir, 'merchant.pem'), merchantCert.keyPem, { mode: 0o644 });
  writeFileSync(join(dir, 'merchant-600.pem'), merchantCert.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'platform.pem'), platformCert.certPem);
  process.env.DOCTOR_TEST_DES = sb.onecard.desKey;
  process.env.DOCTOR_TEST_P12_PASS = 'p12-pass';
  process.env.DOCTOR_TEST_ZX_SECRET = sb.zhixiao.appSecret;
  process.env.DOCTOR_TEST_ZX_AES = sb.zhixiao.aesKey;
  saved = { ...process.env };
});
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});
afterAll(async () => {
  for (const k of Object.keys(process.env)) if (k.startsWith('DOCTOR_TEST_')) delete process.env[k];
  await sb?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The sandbox's OneCard settings with the given key settings, as a tenant of a config file. */
function onecard(keys: Record<string, unknown>, gatewayUrl = sb.onecard.gatewayUrl) {
  return {
    gatewayUrl,
    appKey: sb.onecard.appKey,
    desKey: { env: 'DOCTOR_TEST_DES' },
    platformPublicKey: { file: 'platform.pem' },
    ...keys,
  };
}
const zhixiao = () => ({
  baseUrl: sb.zhixiao.baseUrl,
  appId: sb.zhixiao.appId,
  appSecret: { env: 'DOCTOR_TEST_ZX_SECRET' },
  aesKey: { env: 'DOCTOR_TEST_ZX_AES' },
  paths: sb.zhixiao.paths,
});
const p12 = { privateKey: { file: 'merchant.p12' }, privateKeyPassphrase: { env: 'DOCTOR_TEST_P12_PASS' } };

let n = 0;
function tenants(config: Record<string, unknown>) {
  const path = join(dir, `campus-pay.config-${++n}.json`);
  writeFileSync(path, JSON.stringify({ tenants: config }));
  return loadTenants(path);
}

const find = (findings: Finding[], tenant: string, check: string) =>
  findings.find((f) => f.tenant === tenant && f.check.startsWith(check));

/** The gateway's time by its own Date header (1 s resolution), read with a plain request. */
async function gatewayTime(): Promise<number> {
  const res = await fetch(sb.url);
  await res.arrayBuffer();
  return Date.parse(res.headers.get('date')!);
}

describe('doctor', () => {
  it('a merchant certificate in PKCS#12 ending in 14 days is a warning, and expired a failure', async () => {
    // The sandbox still accepts the PKCS#12's key: the probe passes whatever the fake instant.
    const config = tenants({ campus: { onecard: onecard(p12) } });
    const expiring = await doctor(config, { now: () => Date.parse('2031-02-15T00:00:00Z') });
    expect(find(expiring, 'campus', 'merchant certificate (privateKey) expiry')).toMatchObject({
      gateway: 'onecard',
      status: 'warning',
      detail: 'expires on 2031-03-01, in 14 days',
    });
    expect(find(expiring, 'campus', 'platform certificate (platformPublicKey) expiry')).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/^valid until 2099-06-01/),
    });
    expect(find(expiring, 'campus', 'gateway accepts')?.status).toBe('ok');
    const expired = await doctor(config, { now: () => Date.parse('2031-03-02T00:00:00Z') });
    expect(find(expired, 'campus', 'merchant certificate (privateKey) expiry')).toMatchObject({
      status: 'failed',
      detail: 'expired on 2031-03-01',
      fix: expect.stringMatching(/renewed/),
    });
    const report = doctorReport(expired, {});
    expect(report.exitCode).toBe(1);
    expect(report.text).toMatch(
      /^FAIL campus onecard: merchant certificate \(privateKey\) expiry: expired on 2031-03-01 → /m,
    );
  });

  it('checks every tenant: a world-readable key file fails, a bare key has no expiry (said only in verbose)', async () => {
    const at = await gatewayTime();
    const config = tenants({
      north: { onecard: onecard({ privateKey: { file: 'merchant.pem' } }) },
      south: { zhixiao: zhixiao() },
    });
    const findings = await doctor(config, { now: () => at });
    const path = join(dir, 'merchant.pem');
    expect(find(findings, 'north', 'tenants.north.onecard.privateKey file permissions')).toMatchObject({
      status: 'failed',
      detail: `${path} has mode 0644: group or others may read it`,
      fix: expect.stringContaining(`chmod 600 ${path}`),
    });
    expect(find(findings, 'north', 'merchant certificate (privateKey) expiry')).toMatchObject({
      status: 'skipped',
      detail: 'a bare key: it has no expiry date',
    });
    expect(find(findings, 'south', 'gateway decrypts our param')?.status).toBe('ok');
    expect(findings.filter((f) => f.status === 'failed').map((f) => f.check)).toEqual([
      'tenants.north.onecard.privateKey file permissions',
    ]);
    expect(doctorReport(findings, {}).text).not.toMatch(/bare key/);
    expect(doctorReport(findings, { verbose: true }).text).toMatch(
      /^skip north onecard: merchant certificate \(privateKey\) expiry: a bare key/m,
    );
    chmodSync(path, 0o600);
    const fixed = await doctor(config, { now: () => at });
    expect(fixed.filter((f) => f.status === 'failed' || f.status === 'warning')).toEqual([]);
    expect(doctorReport(fixed, { strict: true }).exitCode).toBe(0);
  });

  it.each([
    [
      7 * 60,
      'failed',
      /this clock is 4[12]\d s ahead of the gateway's; the gateway refuses more than 360 s \(40018\)/,
    ],
    [-90, 'warning', /this clock is (89|9\d) s behind the gateway's/],
    [0, 'ok', /this clock is [0-2] s (ahead of|behind) the gateway/],
  ])('a clock %i s off the gateway is %s', async (offsetS, status, detail) => {
    const at = (await gatewayTime()) + offsetS * 1000;
    // A bare key, so that the clock is the only finding the fake instant can change.
    const keys = { privateKey: { file: 'merchant-600.pem' } };
    const findings = await doctor(tenants({ campus: { onecard: onecard(keys) } }), { now: () => at });
    const clock = find(findings, 'campus', 'clock skew vs gateway');
    expect(clock).toMatchObject({ status, detail: expect.stringMatching(detail) });
    if (status !== 'ok') expect(clock!.fix).toMatch(/time sync/);
    expect(doctorReport(findings, {}).exitCode).toBe(status === 'failed' ? 1 : 0);
    expect(doctorReport(findings, { strict: true }).exitCode).toBe(status === 'ok' ? 0 : 1);
  });

  it('a gateway that is down is named with its host and what the network error means', async () => {
    const closed = await listen(() => {});
    const host = new URL(closed.url).host;
    await closed.close();
    const findings = await doctor(
      tenants({ campus: { onecard: onecard(p12, `http://${host}/onecard/uap/gateway.action`) } }),
      { now: () => Date.parse('2030-06-01T00:00:00Z') },
    );
    expect(findings.at(-1)).toMatchObject({
      check: 'gateway reachable',
      status: 'failed',
      detail: `ECONNREFUSED: nothing accepts connections at ${host}: the gateway is down, or the URL's port is wrong`,
    });
    expect(findings.at(-1)!.detail).not.toMatch(/fetch failed/);
  });

  it("a gateway behind a proxy that is down: the proxy is named, not the gateway's host", async () => {
    const closed = await listen(() => {});
    const proxy = new URL(closed.url).host;
    await closed.close();
    Object.assign(process.env, {
      http_proxy: `http://user:pw@${proxy}`,
      HTTP_PROXY: `http://user:pw@${proxy}`,
      no_proxy: '',
      NO_PROXY: '',
    });
    const findings = await doctor(tenants({ pay: { zhixiao: zhixiao() } }), {
      now: () => Date.parse('2030-06-01T00:00:00Z'),
    });
    expect(find(findings, 'pay', 'proxy variables')).toMatchObject({ status: 'warning' });
    expect(findings.at(-1)).toMatchObject({
      check: 'gateway reachable',
      status: 'failed',
      detail: `through the proxy ${proxy} (http_proxy): ECONNREFUSED: nothing accepts connections at ${proxy}: the gateway is down, or the URL's port is wrong`,
    });
  });

  it('a tenant whose secret variable is unset gets one failure naming the field; the others are checked', async () => {
    delete process.env.DOCTOR_TEST_DES;
    const findings = await doctor(
      tenants({ broken: { onecard: onecard(p12) }, other: { zhixiao: zhixiao() } }),
      {
        now: () => Date.parse('2030-06-01T00:00:00Z'),
      },
    );
    // The key file's own checks, then the settings' failure; nothing is sent for that tenant.
    const broken = findings.filter((f) => f.tenant === 'broken');
    expect(broken.map((f) => f.status)).toEqual(['ok', 'ok', 'failed']);
    expect(broken.at(-1)).toMatchObject({
      check: 'settings',
      detail: expect.stringMatching(
        /^tenants\.broken\.onecard\.desKey: reads DOCTOR_TEST_DES, which is not set/,
      ),
    });
    expect(find(findings, 'other', 'gateway decrypts our param')?.status).toBe('ok');
  });
});

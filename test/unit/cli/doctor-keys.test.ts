/** Doctor's checks of keys on this machine: certificate expiry at a given instant, key files' modes and git. */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { certificatesIn, expiryCheck, secretFileChecks } from '../../../src/cli/doctor-keys.js';
import { makeCertificate, makePkcs12 } from '../../helpers/certs.js';

const dir = mkdtempSync(join(tmpdir(), 'campus-pay-doctor-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const at = (iso: string) => Date.parse(iso);
const { certPem, keyPem } = makeCertificate({
  commonName: 'merchant 1001',
  notBefore: new Date('2030-01-01T00:00:00Z'),
  notAfter: new Date('2031-03-01T00:00:00Z'),
});

describe('certificate expiry', () => {
  const [cert] = certificatesIn(certPem);
  it.each([
    ['2030-06-01T00:00:00Z', 'ok', 'valid until 2031-03-01', undefined],
    ['2031-01-29T00:00:00Z', 'ok', 'valid until 2031-03-01 (31 days)', undefined],
    ['2031-01-30T00:00:00Z', 'warning', 'expires on 2031-03-01, in 30 days', undefined],
    ['2031-02-15T00:00:00Z', 'warning', 'expires on 2031-03-01, in 14 days', 'ask the operator'],
    ['2031-02-28T12:00:00Z', 'warning', 'expires on 2031-03-01, in 0 days', 'ask the operator'],
    ['2031-03-02T00:00:00Z', 'failed', 'expired on 2031-03-01', 'ask the operator'],
    ['2029-12-31T00:00:00Z', 'failed', 'not valid before 2030-01-01', 'check the clock'],
  ])('at %s: %s (%s)', (now, status, detail, fix) => {
    const check = expiryCheck('platform certificate', cert!, at(now), 'ask the operator');
    expect(check).toMatchObject({ check: 'platform certificate expiry', status });
    expect(check.detail).toContain(detail);
    if (fix) expect(check.fix).toContain(fix);
  });

  it('are read from PEM (with \\n escapes as in .env), DER and PKCS#12 files; a bare key has none', () => {
    const validTo = (s: string, pass?: string) => certificatesIn(s, pass).map((c) => Date.parse(c.validTo));
    const end = at('2031-03-01T00:00:00Z');
    expect(validTo(certPem.replaceAll('\n', '\\n'))).toEqual([end]);
    const der = join(dir, 'platform.cer');
    writeFileSync(der, Buffer.from(certPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'));
    expect(validTo(der)).toEqual([end]);
    const p12 = join(dir, 'merchant.p12');
    writeFileSync(p12, makePkcs12(keyPem, certPem, 'pass-1'));
    expect(validTo(p12, 'pass-1')).toEqual([end]);
    expect(validTo(keyPem)).toEqual([]);
    const keyFile = join(dir, 'bare.pem');
    writeFileSync(keyFile, keyPem);
    expect(validTo(keyFile)).toEqual([]);
  });
});

describe('key files', () => {
  it('a key file group or others may read fails, with the chmod that fixes it', () => {
    const path = join(dir, 'open.pem');
    writeFileSync(path, 'key');
    chmodSync(path, 0o644);
    const [mode] = secretFileChecks('privateKey', path);
    expect(mode).toMatchObject({ status: 'failed', fix: expect.stringContaining(`chmod 600 ${path}`) });
    expect(mode!.detail).toContain('mode 0644');
    chmodSync(path, 0o600);
    expect(secretFileChecks('privateKey', path)[0]).toMatchObject({ status: 'ok' });
    // Outside any work tree: the git check passes.
    expect(secretFileChecks('privateKey', path)[1]).toMatchObject({ status: 'ok' });
  });

  it('a key file in a git work tree: untracked and committed fail, ignored is still a warning', () => {
    const repo = join(dir, 'repo');
    mkdirSync(join(repo, 'keys'), { recursive: true });
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.edu', ...args]);
    git('init', '-q');
    const path = join(repo, 'keys', 'merchant.pem');
    writeFileSync(path, 'key', { mode: 0o600 });
    const gitOf = () => secretFileChecks('privateKey', path)[1]!;
    expect(gitOf()).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(/inside the git work tree at .*repo and not ignored/),
    });
    writeFileSync(join(repo, '.gitignore'), 'keys/\n');
    expect(gitOf()).toMatchObject({
      status: 'warning',
      detail: expect.stringMatching(/git ignores it, which is still a risk/),
    });
    git('add', '-f', 'keys/merchant.pem');
    git('commit', '-q', '-m', 'oops');
    expect(gitOf()).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(/committed/),
      fix: expect.stringMatching(/leaked/),
    });
  });
});

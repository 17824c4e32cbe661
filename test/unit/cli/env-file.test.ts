import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeEnvFile } from '../../../src/cli/env-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'campus-pay-envfile-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// Generated, never written out: no key material lives in this file (nor in reports that copy test sources).
const newPem = () =>
  generateKeyPairSync('rsa', { modulusLength: 1024 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
const pem = newPem();
const stalePem = newPem();

describe('writeEnvFile (campus-pay sandbox --write-env)', () => {
  it('writes values Node’s .env parser reads back exactly, PEM included, mode 0600', () => {
    const file = join(dir, '.env');
    const vars = {
      CAMPUS_PAY_ONECARD_PRIVATE_KEY: pem,
      CAMPUS_PAY_ZHIXIAO_PATHS: '{"getIdentity":"/pay_api/identity"}',
      CAMPUS_PAY_ZHIXIAO_APP_SECRET: 'has # and space',
      CAMPUS_PAY_ONECARD_DES_KEY: 'ab+/cd==',
    };
    writeEnvFile(file, vars, 'test');
    expect(parseEnv(readFileSync(file, 'utf8'))).toEqual(vars);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('keeps the project’s own lines and replaces its CAMPUS_PAY_* ones, multi-line values included', () => {
    const file = join(dir, '.env');
    writeFileSync(
      file,
      [
        '# my settings',
        'MY_SETTING=1',
        `CAMPUS_PAY_ONECARD_PRIVATE_KEY="${stalePem.trim()}"`,
        'export CAMPUS_PAY_ZHIXIAO_APP_ID=old',
        'OTHER=2',
      ].join('\n'),
    );
    writeEnvFile(file, { CAMPUS_PAY_ONECARD_PRIVATE_KEY: pem, CAMPUS_PAY_ZHIXIAO_APP_ID: 'new' }, 'test');
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(stalePem.split('\n')[1]);
    expect(text).toContain('# my settings');
    expect(parseEnv(text)).toEqual({
      MY_SETTING: '1',
      OTHER: '2',
      CAMPUS_PAY_ONECARD_PRIVATE_KEY: pem,
      CAMPUS_PAY_ZHIXIAO_APP_ID: 'new',
    });
    // Written again (a restarted sandbox): still one set of CAMPUS_PAY_* lines.
    writeEnvFile(file, { CAMPUS_PAY_ZHIXIAO_APP_ID: 'newer' }, 'test');
    const again = readFileSync(file, 'utf8');
    expect(again.match(/CAMPUS_PAY_/g)).toHaveLength(1);
    expect(parseEnv(again)).toEqual({ MY_SETTING: '1', OTHER: '2', CAMPUS_PAY_ZHIXIAO_APP_ID: 'newer' });
  });
});

/** `…OptionsFromEnv()` read `.env` when the environment lacks a variable, as their errors say they do. */
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  loadEnvFile,
  oneCardOptionsFromEnv,
  zhixiaoOptionsFromEnv,
} from '../../src/index.js';

// The names as the README lists them, written out here rather than read from the module under test.
const ONECARD = {
  CAMPUS_PAY_ONECARD_GATEWAY_URL: 'http://card.example.edu/onecard/uap/gateway.action',
  CAMPUS_PAY_ONECARD_APP_KEY: 'dev-app',
  CAMPUS_PAY_ONECARD_DES_KEY: 'ZGV2LWRlcy1rZXktb2YtMjQtYnl0ZXMh',
  CAMPUS_PAY_ONECARD_PRIVATE_KEY: 'first line\nsecond line\n',
  CAMPUS_PAY_ONECARD_PLATFORM_PUBLIC_KEY: 'platform line\n',
};
const ZHIXIAO = {
  CAMPUS_PAY_ZHIXIAO_BASE_URL: 'http://pay.example.edu',
  CAMPUS_PAY_ZHIXIAO_APP_ID: 'dev-partner',
  CAMPUS_PAY_ZHIXIAO_APP_SECRET: 'dev-secret',
  CAMPUS_PAY_ZHIXIAO_AES_KEY: '00112233445566778899AABBCCDDEEFF',
  CAMPUS_PAY_ZHIXIAO_PATHS: '{"getIdentity":"/api/identity"}',
};

/** A .env as a developer (or `campus-pay sandbox --write-env`) writes it: multi-line values quoted with \n. */
const dotenv = (vars: Record<string, string>) =>
  Object.entries(vars)
    .map(([k, v]) => `${k}=${v.includes('\n') ? JSON.stringify(v) : v}`)
    .join('\n');

const cwd = process.cwd();
let dir: string;
beforeEach(() => {
  // realpath: process.cwd() reports the resolved directory (macOS /var → /private/var).
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'campus-pay-env-')));
  for (const k of Object.keys(process.env)) if (k.startsWith('CAMPUS_PAY_')) delete process.env[k];
  process.chdir(dir);
});
afterEach(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

const errorOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err as ConfigurationError;
  }
  throw new Error('no error');
};

describe('a .env in the current directory', () => {
  it('fills what the environment lacks, leaving process.env as it was; the environment wins', () => {
    writeFileSync(join(dir, '.env'), dotenv({ ...ONECARD, ...ZHIXIAO }));
    process.env.CAMPUS_PAY_ONECARD_APP_KEY = 'from-the-environment';
    const oc = oneCardOptionsFromEnv();
    expect(oc).toMatchObject({
      gatewayUrl: ONECARD.CAMPUS_PAY_ONECARD_GATEWAY_URL,
      appKey: 'from-the-environment',
      desKey: ONECARD.CAMPUS_PAY_ONECARD_DES_KEY,
      privateKey: 'first line\nsecond line\n',
      platformPublicKey: 'platform line\n',
    });
    expect(zhixiaoOptionsFromEnv()).toEqual({
      baseUrl: 'http://pay.example.edu',
      appId: 'dev-partner',
      appSecret: 'dev-secret',
      aesKey: '00112233445566778899AABBCCDDEEFF',
      paths: { getIdentity: '/api/identity' },
    });
    expect(process.env.CAMPUS_PAY_ONECARD_GATEWAY_URL).toBeUndefined();
  });

  it('a variable in neither: the error names it and the file it looked in', () => {
    const { CAMPUS_PAY_ONECARD_DES_KEY: _, ...rest } = ONECARD;
    writeFileSync(join(dir, '.env'), dotenv(rest));
    const err = errorOf(() => oneCardOptionsFromEnv());
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err.option).toBe('CAMPUS_PAY_ONECARD_DES_KEY');
    expect(err.message).toContain(`not in the environment, nor in ${join(dir, '.env')}`);
  });

  it('no .env: the error says there is none in the current directory', () => {
    const err = errorOf(() => zhixiaoOptionsFromEnv());
    expect(err.option).toBe('CAMPUS_PAY_ZHIXIAO_BASE_URL');
    expect(err.message).toContain(`there is no .env in ${dir}`);
  });

  it('envFile: false reads the environment only, and says so', () => {
    writeFileSync(join(dir, '.env'), dotenv(ONECARD));
    const err = errorOf(() => oneCardOptionsFromEnv({ envFile: false }));
    expect(err.option).toBe('CAMPUS_PAY_ONECARD_GATEWAY_URL');
    expect(err.message).toContain('is not set in the environment');
  });
});

describe('another file', () => {
  it('envFile names it; loadEnvFile(path) makes later calls read it (CAMPUS_PAY_ENV_FILE)', () => {
    writeFileSync(join(dir, '.env'), dotenv({ ...ZHIXIAO, CAMPUS_PAY_ZHIXIAO_APP_ID: 'from-dot-env' }));
    writeFileSync(join(dir, 'staging.env'), dotenv(ZHIXIAO));
    expect(zhixiaoOptionsFromEnv({ envFile: 'staging.env' }).appId).toBe('dev-partner');
    loadEnvFile('staging.env');
    expect(process.env.CAMPUS_PAY_ENV_FILE).toBe('staging.env');
    expect(zhixiaoOptionsFromEnv().appId).toBe('dev-partner');
  });

  it('a named file that does not exist is an error naming where it was named', () => {
    expect(errorOf(() => oneCardOptionsFromEnv({ envFile: 'nope.env' }))).toMatchObject({
      option: 'envFile',
      message: expect.stringContaining(join(dir, 'nope.env')),
    });
    process.env.CAMPUS_PAY_ENV_FILE = 'gone.env';
    expect(errorOf(() => zhixiaoOptionsFromEnv())).toMatchObject({ option: 'CAMPUS_PAY_ENV_FILE' });
  });
});

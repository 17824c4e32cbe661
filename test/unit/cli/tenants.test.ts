/** The CLI's tenant config file: secrets only by reference, one tenant per set of credentials. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadTenants, pickTenant, tenantsFor, useTenant } from '../../../src/cli/tenants.js';
import { ConfigurationError } from '../../../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'campus-pay-tenants-'));
let n = 0;
const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a config file holding `tenants` and returns its path. */
function config(tenants: unknown): string {
  const path = join(dir, `config-${++n}.json`);
  writeFileSync(path, JSON.stringify({ tenants }));
  return path;
}

const north = {
  onecard: {
    gatewayUrl: 'https://card.north.edu/onecard/uap/gateway.action',
    appKey: 'north-app',
    desKey: { env: 'NORTH_DES' },
    privateKey: { file: 'north.pem' },
    platformPublicKey: { file: 'platform.pem' },
  },
};
const south = {
  zhixiao: {
    baseUrl: 'https://pay.south.edu',
    appId: 'south',
    appSecret: { env: 'SOUTH_SECRET' },
    aesKey: { file: 'south.aes' },
    paths: { getIdentity: '/pay_api/identity' },
  },
};

/** The error `fn` throws, which must be a ConfigurationError. */
function refusal(fn: () => unknown): ConfigurationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigurationError);
    return err as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

describe('tenant config', () => {
  it.each([
    ['onecard', 'desKey'],
    ['onecard', 'privateKey'],
    ['onecard', 'privateKeyPassphrase'],
    ['onecard', 'accessToken'],
    ['zhixiao', 'appSecret'],
    ['zhixiao', 'aesKey'],
  ])('a literal %s.%s is refused, naming the field and how to give it', (gateway, field) => {
    const base = gateway === 'onecard' ? north.onecard : south.zhixiao;
    const path = config({ campus: { [gateway]: { ...base, [field]: 'literal-secret-value' } } });
    const err = refusal(() => loadTenants(path));
    expect(err.option).toBe(`tenants.campus.${gateway}.${field}`);
    expect(err.message).toMatch(/secret.*\{ "env": "VARIABLE" \} or \{ "file": "path" \}/);
    expect(err.message).not.toContain('literal-secret-value');
  });

  it('two tenants with the same gateway and app key are refused, naming both', () => {
    const copy = {
      onecard: { ...north.onecard, gatewayUrl: 'HTTPS://CARD.NORTH.EDU/onecard/uap/gateway.action' },
    };
    const err = refusal(() => loadTenants(config({ north, south, copy })));
    expect(err.message).toMatch(/tenants\.north\.onecard.*tenants\.copy\.onecard/);
    expect(err.message).toMatch(/same gatewayUrl and appKey/);
    // Another app key on the same gateway is another tenant.
    const other = { onecard: { ...north.onecard, appKey: 'other-app' } };
    expect(loadTenants(config({ north, other })).map((t) => t.name)).toEqual(['north', 'other']);
  });

  it('the same credentials given through the environment or a file are refused too', () => {
    process.env.COPY_URL = 'https://card.north.edu:443/onecard/uap/gateway.action';
    writeFileSync(join(dir, 'copy.appid'), `${south.zhixiao.appId}\n`);
    const viaEnv = { onecard: { ...north.onecard, gatewayUrl: { env: 'COPY_URL' } } };
    expect(refusal(() => loadTenants(config({ north, viaEnv }))).message).toMatch(
      /tenants\.north\.onecard.*tenants\.viaEnv\.onecard.*same gatewayUrl and appKey/,
    );
    const viaFile = { zhixiao: { ...south.zhixiao, appId: { file: 'copy.appid' } } };
    expect(refusal(() => loadTenants(config({ south, viaFile }))).message).toMatch(
      /tenants\.south\.zhixiao.*tenants\.viaFile\.zhixiao.*same baseUrl and appId/,
    );
    // A variable not set yet is not compared here: using that tenant names it.
    const unset = { onecard: { ...north.onecard, gatewayUrl: { env: 'NOT_SET_ANYWHERE' } } };
    expect(loadTenants(config({ north, unset })).map((t) => t.name)).toEqual(['north', 'unset']);
  });

  it('secrets come from the environment and from files next to the config; keys stay paths', () => {
    writeFileSync(join(dir, 'south.aes'), 'AD42F6697B035B7580E4FEF93BE20B4D\n');
    writeFileSync(join(dir, 'north.pem'), 'not read here');
    writeFileSync(join(dir, 'platform.pem'), 'not read here');
    process.env.NORTH_DES = 'des-from-env';
    process.env.SOUTH_SECRET = 'secret-from-env';
    const [n1, s1] = loadTenants(config({ north, south }));
    expect(n1!.env()).toEqual({
      CAMPUS_PAY_ONECARD_GATEWAY_URL: north.onecard.gatewayUrl,
      CAMPUS_PAY_ONECARD_APP_KEY: 'north-app',
      CAMPUS_PAY_ONECARD_DES_KEY: 'des-from-env',
      CAMPUS_PAY_ONECARD_PRIVATE_KEY: join(dir, 'north.pem'),
      CAMPUS_PAY_ONECARD_PLATFORM_PUBLIC_KEY: join(dir, 'platform.pem'),
    });
    expect(n1!.secretFiles).toEqual([
      { field: 'tenants.north.onecard.privateKey', path: join(dir, 'north.pem') },
    ]);
    expect(s1!.env()).toMatchObject({
      CAMPUS_PAY_ZHIXIAO_APP_SECRET: 'secret-from-env',
      CAMPUS_PAY_ZHIXIAO_AES_KEY: 'AD42F6697B035B7580E4FEF93BE20B4D',
      CAMPUS_PAY_ZHIXIAO_PATHS: '{"getIdentity":"/pay_api/identity"}',
    });
    expect(s1!.gateways).toEqual(['zhixiao']);
  });

  it('an unset variable or a missing file names the field, only when that tenant is used', () => {
    const gone = { onecard: { ...north.onecard, privateKey: { file: 'gone.pem' } } };
    const tenants = loadTenants(config({ gone, south }));
    const err = refusal(() => tenants[0]!.env());
    expect(err.option).toBe('tenants.gone.onecard.desKey');
    expect(err.message).toMatch(/NORTH_DES, which is not set/);
    process.env.NORTH_DES = 'x';
    const missing = refusal(() => tenants[0]!.env());
    expect([missing.option, missing.message]).toEqual([
      'tenants.gone.onecard.privateKey',
      expect.stringContaining(`${join(dir, 'gone.pem')}, which does not exist`),
    ]);
  });

  it('an unknown setting, gateway or tenant gets the closest name', () => {
    const typo = { onecard: { ...north.onecard, appkey: 'x' } };
    expect(refusal(() => loadTenants(config({ typo }))).message).toMatch(/did you mean appKey\?/);
    expect(refusal(() => loadTenants(config({ x: { onecrad: {} } }))).message).toMatch(
      /did you mean onecard\?/,
    );
    const tenants = loadTenants(config({ north, south }));
    const err = refusal(() => pickTenant(tenants, 'nort'));
    expect([err.option, err.message]).toEqual([
      '--tenant',
      expect.stringMatching(/did you mean north\?.*north, south/),
    ]);
  });

  it('--tenant without a config file is refused; a named config that does not exist too', () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      delete process.env.CAMPUS_PAY_CONFIG;
      expect(refusal(() => tenantsFor({ tenant: 'north' })).option).toBe('--tenant');
      expect(tenantsFor({}).map((t) => t.name)).toEqual(['(environment)']);
      expect(refusal(() => tenantsFor({ config: join(dir, 'nope.json') })).option).toBe('--config');
    } finally {
      process.chdir(cwd);
    }
  });

  it("useTenant puts the tenant's settings in place of the environment's, the other gateway's included", () => {
    process.env.SOUTH_SECRET = 'secret-from-env';
    process.env.CAMPUS_PAY_ONECARD_APP_KEY = 'from-dotenv';
    process.env.CAMPUS_PAY_ZHIXIAO_APP_ID = 'from-dotenv';
    const [, s1] = loadTenants(config({ north, south }));
    useTenant(s1!);
    expect(process.env.CAMPUS_PAY_ONECARD_APP_KEY).toBeUndefined();
    expect(process.env.CAMPUS_PAY_ZHIXIAO_APP_ID).toBe('south');
  });
});

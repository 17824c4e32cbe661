/**
 * Client options from environment variables (or a .env file), with the names the README lists. Used by the
 * CLI and the examples; exported for services configured the twelve-factor way.
 */
import { existsSync } from 'node:fs';
import { ConfigurationError } from './core/errors.js';
import { MemoryTokenStore, type TokenStore, tokenKey } from './core/token-store.js';
import type { OneCardClientOptions } from './onecard/client.js';
import type { ZhixiaoPayClientOptions } from './zhixiao/client.js';

export const CAMPUS_PAY_ENV = {
  onecard: {
    gatewayUrl: 'CAMPUS_PAY_ONECARD_GATEWAY_URL',
    appKey: 'CAMPUS_PAY_ONECARD_APP_KEY',
    desKey: 'CAMPUS_PAY_ONECARD_DES_KEY',
    privateKey: 'CAMPUS_PAY_ONECARD_PRIVATE_KEY',
    privateKeyPassphrase: 'CAMPUS_PAY_ONECARD_PRIVATE_KEY_PASSPHRASE',
    platformPublicKey: 'CAMPUS_PAY_ONECARD_PLATFORM_PUBLIC_KEY',
    merchantPublicKey: 'CAMPUS_PAY_ONECARD_MERCHANT_PUBLIC_KEY',
    accessToken: 'CAMPUS_PAY_ONECARD_ACCESS_TOKEN',
  },
  zhixiao: {
    baseUrl: 'CAMPUS_PAY_ZHIXIAO_BASE_URL',
    appId: 'CAMPUS_PAY_ZHIXIAO_APP_ID',
    appSecret: 'CAMPUS_PAY_ZHIXIAO_APP_SECRET',
    aesKey: 'CAMPUS_PAY_ZHIXIAO_AES_KEY',
    paths: 'CAMPUS_PAY_ZHIXIAO_PATHS',
  },
} as const;

/** Loads `.env` (or the given file) into process.env without overriding what is already set. */
export function loadEnvFile(path = '.env'): void {
  if (!existsSync(path)) {
    if (path !== '.env') throw new ConfigurationError('--env-file', `${path} does not exist`);
    return;
  }
  process.loadEnvFile(path);
}

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new ConfigurationError(name, 'is not set (environment or .env)');
  return v;
}

/** OneCardClient options from the environment: one key of each kind, as text. */
export type OneCardEnvOptions = OneCardClientOptions & {
  desKey: string;
  privateKey: string;
  platformPublicKey: string;
};

/** OneCardClient options from CAMPUS_PAY_ONECARD_* variables; throws ConfigurationError naming a missing one. */
export function oneCardOptionsFromEnv(): OneCardEnvOptions {
  const e = CAMPUS_PAY_ENV.onecard;
  const passphrase = process.env[e.privateKeyPassphrase];
  const token = process.env[e.accessToken];
  return {
    // Every token fetch invalidates the token your running services use: reuse theirs when given.
    ...(token ? { tokenStore: seededStore(tokenKey(need(e.gatewayUrl), need(e.appKey)), token) } : {}),
    gatewayUrl: need(e.gatewayUrl),
    appKey: need(e.appKey),
    desKey: need(e.desKey),
    privateKey: need(e.privateKey).replaceAll('\\n', '\n'),
    platformPublicKey: need(e.platformPublicKey).replaceAll('\\n', '\n'),
    ...(passphrase ? { privateKeyPassphrase: passphrase } : {}),
  };
}

/** ZhixiaoPayClient options from the environment: one key of each kind. */
export type ZhixiaoEnvOptions = ZhixiaoPayClientOptions & { appSecret: string; aesKey: string };

/** ZhixiaoPayClient options from CAMPUS_PAY_ZHIXIAO_* variables. */
export function zhixiaoOptionsFromEnv(): ZhixiaoEnvOptions {
  const e = CAMPUS_PAY_ENV.zhixiao;
  const paths = process.env[e.paths];
  let parsed: Record<string, string> | undefined;
  if (paths) {
    try {
      parsed = JSON.parse(paths) as Record<string, string>;
    } catch {
      throw new ConfigurationError(e.paths, 'must be JSON, e.g. {"getIdentity":"/pay_api/identity"}');
    }
  }
  return {
    baseUrl: need(e.baseUrl),
    appId: need(e.appId),
    appSecret: need(e.appSecret),
    aesKey: need(e.aesKey),
    ...(parsed ? { paths: parsed } : {}),
  };
}

/** A store holding one externally obtained token, for a single CLI run. */
function seededStore(key: string, token: string): TokenStore {
  const store = new MemoryTokenStore();
  void store.set(key, { token, fetchedAt: Date.now(), expiresAt: Date.now() + 3_600_000 });
  return store;
}

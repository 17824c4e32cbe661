/**
 * Client options from environment variables, and from a `.env` file for what the environment lacks, with
 * the names the README lists. Used by the CLI and the examples; exported for services configured the
 * twelve-factor way.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
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
  /** The env file `…OptionsFromEnv()` read (default `.env`; `none`: no file); `loadEnvFile(path)` sets it. */
  envFile: 'CAMPUS_PAY_ENV_FILE',
} as const;

export interface FromEnvOptions {
  /**
   * The file read for variables the environment lacks (it never overrides the environment, and
   * process.env is left as it is). Default: $CAMPUS_PAY_ENV_FILE, else `.env` in the current directory,
   * read when it exists. `false` (or $CAMPUS_PAY_ENV_FILE set to `none`): the environment only.
   */
  envFile?: string | false;
  /**
   * The variables to read in place of process.env (e.g. one tenant of the CLI's config file). With it,
   * no file is read unless `envFile` names one.
   */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Loads `.env` (or the given file) into process.env without overriding what is already set, and names it
 * in CAMPUS_PAY_ENV_FILE, so that `…OptionsFromEnv()` read that file rather than `./.env`.
 */
export function loadEnvFile(path = '.env'): void {
  if (!existsSync(path)) {
    if (path !== '.env') throw new ConfigurationError('--env-file', `${path} does not exist`);
    return;
  }
  process.loadEnvFile(path);
  process.env[CAMPUS_PAY_ENV.envFile] = path;
}

/** One variable lookup: the environment first, then the file; `missing` says where both were looked. */
interface EnvSource {
  get(name: string): string | undefined;
  missing: string;
}

function envSource(options: FromEnvOptions): EnvSource {
  const env = options.env ?? process.env;
  const named = options.envFile ?? (options.env ? false : env[CAMPUS_PAY_ENV.envFile]);
  if (named === false || named === 'none')
    return { get: (name) => env[name] || undefined, missing: 'is not set in the environment' };
  const path = named || '.env';
  if (!existsSync(path)) {
    // A file named on purpose must be there; the default one is read only when it is.
    if (named) {
      const option = options.envFile ? 'envFile' : CAMPUS_PAY_ENV.envFile;
      throw new ConfigurationError(option, `${resolve(path)} does not exist`);
    }
    return {
      get: (name) => env[name] || undefined,
      missing: `is not set (not in the environment, and there is no .env in ${process.cwd()})`,
    };
  }
  const file: Record<string, string | undefined> = parseEnv(readFileSync(path, 'utf8'));
  return {
    get: (name) => env[name] || file[name] || undefined,
    missing: `is not set (not in the environment, nor in ${resolve(path)})`,
  };
}

function need(src: EnvSource, name: string): string {
  const v = src.get(name);
  if (!v) throw new ConfigurationError(name, src.missing);
  return v;
}

/** OneCardClient options from the environment: one key of each kind, as text. */
export type OneCardEnvOptions = OneCardClientOptions & {
  desKey: string;
  privateKey: string;
  platformPublicKey: string;
};

/**
 * OneCardClient options from CAMPUS_PAY_ONECARD_* variables (the environment, then `.env`); throws
 * ConfigurationError naming a missing one and where it was looked for.
 */
export function oneCardOptionsFromEnv(options: FromEnvOptions = {}): OneCardEnvOptions {
  const src = envSource(options);
  const e = CAMPUS_PAY_ENV.onecard;
  const passphrase = src.get(e.privateKeyPassphrase);
  const token = src.get(e.accessToken);
  const gatewayUrl = need(src, e.gatewayUrl);
  const appKey = need(src, e.appKey);
  return {
    // Every token fetch invalidates the token your running services use: reuse theirs when given.
    ...(token ? { tokenStore: seededStore(tokenKey(gatewayUrl, appKey), token) } : {}),
    gatewayUrl,
    appKey,
    desKey: need(src, e.desKey),
    privateKey: need(src, e.privateKey).replaceAll('\\n', '\n'),
    platformPublicKey: need(src, e.platformPublicKey).replaceAll('\\n', '\n'),
    ...(passphrase ? { privateKeyPassphrase: passphrase } : {}),
  };
}

/** ZhixiaoPayClient options from the environment: one key of each kind. */
export type ZhixiaoEnvOptions = ZhixiaoPayClientOptions & { appSecret: string; aesKey: string };

/** ZhixiaoPayClient options from CAMPUS_PAY_ZHIXIAO_* variables (the environment, then `.env`). */
export function zhixiaoOptionsFromEnv(options: FromEnvOptions = {}): ZhixiaoEnvOptions {
  const src = envSource(options);
  const e = CAMPUS_PAY_ENV.zhixiao;
  const paths = src.get(e.paths);
  let parsed: Record<string, string> | undefined;
  if (paths) {
    try {
      parsed = JSON.parse(paths) as Record<string, string>;
    } catch {
      throw new ConfigurationError(e.paths, 'must be JSON, e.g. {"getIdentity":"/pay_api/identity"}');
    }
  }
  return {
    baseUrl: need(src, e.baseUrl),
    appId: need(src, e.appId),
    appSecret: need(src, e.appSecret),
    aesKey: need(src, e.aesKey),
    ...(parsed ? { paths: parsed } : {}),
  };
}

/** A store holding one externally obtained token, for a single CLI run. */
function seededStore(key: string, token: string): TokenStore {
  const store = new MemoryTokenStore();
  void store.set(key, { token, fetchedAt: Date.now(), expiresAt: Date.now() + 3_600_000 });
  return store;
}

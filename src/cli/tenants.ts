/**
 * The CLI's tenant configuration: a JSON file (`campus-pay.config.json`, or `--config`, or
 * $CAMPUS_PAY_CONFIG) naming several tenants, each with the settings of one or both gateways under the
 * names of the CAMPUS_PAY_* variables (CAMPUS_PAY_ENV). A tenant is one such set of variables: `--tenant
 * <name>` runs a command with that tenant's settings in place of the environment's.
 *
 * Secrets never live in the file: each is `{ "env": "NAME" }` (read from the environment or .env) or
 * `{ "file": "path" }` (relative to the config file). A literal secret is refused, naming the field.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigurationError } from '../core/errors.js';
import { closest } from '../core/options.js';
import { tenantOf as tenantId } from '../core/tenant.js';
import { CAMPUS_PAY_ENV } from '../env.js';

export const CONFIG_ENV = 'CAMPUS_PAY_CONFIG';
export const DEFAULT_CONFIG = 'campus-pay.config.json';

type Gateway = 'onecard' | 'zhixiao';
const GATEWAYS: Gateway[] = ['onecard', 'zhixiao'];
/** Every CAMPUS_PAY_* variable of both gateways (a tenant's settings). */
const GATEWAY_VARIABLES = GATEWAYS.flatMap((g) => Object.values(CAMPUS_PAY_ENV[g]) as string[]);
/** Fields whose value is a secret: never a literal in the file. */
const SECRETS = new Set([
  'desKey',
  'privateKey',
  'privateKeyPassphrase',
  'accessToken',
  'appSecret',
  'aesKey',
]);
/** Fields the key loaders read as a path, so a `{ "file" }` is passed as its path (PKCS#12 is told by it). */
const AS_PATH = new Set(['privateKey', 'platformPublicKey', 'merchantPublicKey']);

/** A setting: a literal (not for secrets), an environment variable, or a file. */
type Source = string | { env: string } | { file: string };

/** A secret read from a file: doctor checks the file's mode and whether it sits in a git work tree. */
export interface SecretFile {
  /** The field, e.g. `tenants.north.onecard.privateKey`. */
  field: string;
  path: string;
}

export interface Tenant {
  /** The tenant's name; `(environment)` for the CAMPUS_PAY_* variables when no config file is used. */
  name: string;
  /** The gateways it configures. */
  gateways: Gateway[];
  /**
   * Its CAMPUS_PAY_* variables, secrets read now: throws ConfigurationError naming the field whose
   * variable is unset or whose file cannot be read.
   */
  env(): Record<string, string>;
  /** The files its secrets come from. */
  secretFiles: SecretFile[];
}

/** A tenant of the config file, with what refuseSharedCredentials compares. */
interface ConfigTenant extends Tenant {
  /** A setting's value (`onecard`, `appKey`) if it can be read now: a literal, a set variable, a readable file. */
  setting(gateway: Gateway, key: string): string | undefined;
}

/** The config file to read: `--config`, else $CAMPUS_PAY_CONFIG, else ./campus-pay.config.json if present. */
export function configPath(flag: string | undefined): string | undefined {
  const given = flag ?? process.env[CONFIG_ENV];
  if (given !== undefined) {
    if (!existsSync(given))
      throw new ConfigurationError(flag !== undefined ? '--config' : CONFIG_ENV, `${given} does not exist`);
    return given;
  }
  return existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads and checks a config file: its shape, literal secrets, and tenants that share credentials. */
export function loadTenants(path: string): Tenant[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const why =
      err instanceof SyntaxError ? 'is not JSON' : `cannot be read (${(err as NodeJS.ErrnoException).code})`;
    throw new ConfigurationError(path, why);
  }
  if (!isObject(json) || !isObject(json.tenants) || Object.keys(json.tenants).length === 0)
    throw new ConfigurationError(
      path,
      'must be an object { "tenants": { "<name>": { "onecard": {…}, "zhixiao": {…} } } }',
    );
  const base = dirname(resolve(path));
  const tenants = Object.entries(json.tenants).map(([name, t]) => tenantOf(name, t, base));
  refuseSharedCredentials(tenants);
  return tenants;
}

function tenantOf(name: string, raw: unknown, base: string): ConfigTenant {
  const at = `tenants.${name}`;
  if (!isObject(raw)) throw new ConfigurationError(at, 'must be an object with "onecard" and/or "zhixiao"');
  const gateways = Object.keys(raw) as Gateway[];
  const settings: Array<{ variable: string; field: string; source: Source; gateway: Gateway; key: string }> =
    [];
  const secretFiles: SecretFile[] = [];
  for (const gateway of gateways) {
    const names = GATEWAYS.includes(gateway as Gateway)
      ? (CAMPUS_PAY_ENV[gateway as Gateway] as Record<string, string>)
      : undefined;
    if (!names) throw unknown(`${at}.${gateway}`, gateway, GATEWAYS);
    const fields = raw[gateway];
    if (!isObject(fields)) throw new ConfigurationError(`${at}.${gateway}`, 'must be an object of settings');
    for (const [key, value] of Object.entries(fields)) {
      const field = `${at}.${gateway}.${key}`;
      const variable = names[key];
      if (!variable) throw unknown(field, key, Object.keys(names));
      const source = sourceOf(field, key, value, base);
      if (typeof source === 'object' && 'file' in source) secretFiles.push({ field, path: source.file });
      settings.push({ variable, field, source, gateway, key });
    }
  }
  return {
    name,
    gateways,
    secretFiles: secretFiles.filter((f) => SECRETS.has(f.field.split('.').at(-1)!)),
    env: () =>
      Object.fromEntries(
        settings.map((s) => [s.variable, read(s.field, s.source, AS_PATH.has(s.field.split('.').at(-1)!))]),
      ),
    setting(gateway, key) {
      const s = settings.find((x) => x.gateway === gateway && x.key === key);
      try {
        return s && read(s.field, s.source, false);
      } catch {
        return undefined; // unset or unreadable: reported when the tenant is used
      }
    },
  };
}

const unknown = (field: string, key: string, known: string[]) => {
  const near = closest(key, known);
  return new ConfigurationError(
    field,
    `is not a setting${near ? `; did you mean ${near}?` : ''} (known: ${known.join(', ')})`,
  );
};

function sourceOf(field: string, key: string, value: unknown, base: string): Source {
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && typeof value.env === 'string' && value.env) return { env: value.env };
    if (keys.length === 1 && typeof value.file === 'string' && value.file)
      return { file: resolve(base, value.file) };
    if (key === 'paths') return JSON.stringify(value);
  }
  if (SECRETS.has(key))
    throw new ConfigurationError(
      field,
      'is a secret and is never written in the config file: give { "env": "VARIABLE" } or { "file": "path" }',
    );
  if (typeof value !== 'string' || value === '')
    throw new ConfigurationError(
      field,
      'must be a non-empty string, { "env": "VARIABLE" } or { "file": "path" }',
    );
  return value;
}

function read(field: string, source: Source, asPath: boolean): string {
  if (typeof source === 'string') return source;
  if ('env' in source) {
    const v = process.env[source.env];
    if (!v)
      throw new ConfigurationError(field, `reads ${source.env}, which is not set (environment or .env)`);
    return v;
  }
  if (asPath) {
    if (!existsSync(source.file))
      throw new ConfigurationError(field, `reads ${source.file}, which does not exist`);
    return source.file;
  }
  try {
    return readFileSync(source.file, 'utf8').trim();
  } catch (err) {
    throw new ConfigurationError(
      field,
      `cannot read ${source.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/**
 * Two tenants with one gateway and one app key (Zhixiao: base URL and appid) would share tokens, dedupe
 * claims and journal entries, a copy-paste slip: refused, naming both. Compared as the library names a
 * tenant (core tenantOf), `{ "env" }` and `{ "file" }` values read, so one set given two ways is caught.
 */
function refuseSharedCredentials(tenants: ConfigTenant[]): void {
  const ids: Array<[Gateway, string, string]> = [
    ['onecard', 'gatewayUrl', 'appKey'],
    ['zhixiao', 'baseUrl', 'appId'],
  ];
  for (const [gateway, url, id] of ids) {
    const seen = new Map<string, string>();
    for (const t of tenants) {
      const [u, i] = [t.setting(gateway, url), t.setting(gateway, id)];
      if (u === undefined || i === undefined) continue;
      let key: string;
      try {
        key = tenantId(u, i);
      } catch {
        continue; // not a URL: the client refuses it, naming the setting, when the tenant is used
      }
      const other = seen.get(key);
      if (other)
        throw new ConfigurationError(
          `tenants.${other}.${gateway}, tenants.${t.name}.${gateway}`,
          `both tenants use the same ${url} and ${id}; each tenant needs its own credentials`,
        );
      seen.set(key, t.name);
    }
  }
}

/** The tenant `name` of the config, or a ConfigurationError listing the names there are. */
export function pickTenant(tenants: Tenant[], name: string): Tenant {
  const t = tenants.find((x) => x.name === name);
  if (t) return t;
  const names = tenants.map((x) => x.name);
  const near = closest(name, names);
  throw new ConfigurationError(
    '--tenant',
    `no tenant "${name}"${near ? `; did you mean ${near}?` : ''} (tenants: ${names.join(', ')})`,
  );
}

/**
 * The tenants a run uses: `--tenant`'s, else every tenant of the config file, else the environment's
 * settings as one tenant.
 */
export function tenantsFor(flags: { config?: string | undefined; tenant?: string | undefined }): Tenant[] {
  const path = configPath(flags.config);
  if (!path) {
    if (flags.tenant !== undefined)
      throw new ConfigurationError(
        '--tenant',
        `needs a config file: --config <file>, ${CONFIG_ENV}, or ./${DEFAULT_CONFIG}; none was found`,
      );
    return [environmentTenant()];
  }
  const all = loadTenants(path);
  return flags.tenant === undefined ? all : [pickTenant(all, flags.tenant)];
}

/**
 * Runs this process with the tenant's settings: its CAMPUS_PAY_* variables replace the environment's
 * (the other gateway's included, so a tenant without it configures none).
 */
export function useTenant(tenant: Tenant): void {
  const vars = tenant.env();
  for (const name of GATEWAY_VARIABLES) delete process.env[name];
  Object.assign(process.env, vars);
  // Only the tenant's settings: no .env may fill a gap with another tenant's.
  process.env[CAMPUS_PAY_ENV.envFile] = 'none';
}

/** The environment's own settings, as a tenant (what the CLI uses without a config file). */
export function environmentTenant(): Tenant {
  const gateways = GATEWAYS.filter(
    (g) => process.env[g === 'onecard' ? CAMPUS_PAY_ENV.onecard.gatewayUrl : CAMPUS_PAY_ENV.zhixiao.baseUrl],
  );
  const key = process.env[CAMPUS_PAY_ENV.onecard.privateKey];
  // A key given as a path (not PEM, not base64 alone) is a file doctor can look at.
  const keyFile = key && !key.includes('-----') && existsSync(key) ? key : undefined;
  const env = () =>
    Object.fromEntries(GATEWAY_VARIABLES.flatMap((n) => (process.env[n] ? [[n, process.env[n]]] : [])));
  return {
    name: '(environment)',
    gateways,
    env,
    secretFiles: keyFile ? [{ field: CAMPUS_PAY_ENV.onecard.privateKey, path: resolve(keyFile) }] : [],
  };
}

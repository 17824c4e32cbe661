/**
 * `campus-pay doctor`: finds, per tenant, what will break tomorrow — certificates near their end, key
 * files others may read or that sit in a git work tree, a drifting clock, a proxy catching the gateway,
 * the gateway's TLS certificate — and checks the configuration against the real gateway without side
 * effects, through the SDK's own clients, so the proxy settings, TLS checks and error classes are those
 * every call has. The findings are listed in docs/operations.md.
 */
import axios from 'axios';
import { loadPublicKey, rsaSha1Sign, rsaSha1Verify } from '../core/crypto.js';
import {
  CampusPayError,
  ConfigurationError,
  GatewayError,
  SignatureError,
  TransportError,
} from '../core/errors.js';
import type { TokenStore } from '../core/token-store.js';
import { CAMPUS_PAY_ENV, oneCardOptionsFromEnv, zhixiaoOptionsFromEnv } from '../env.js';
import { OneCardClient } from '../onecard/client.js';
import { TOKEN_INVALID } from '../onecard/codes.js';
import { ZhixiaoPayClient } from '../zhixiao/client.js';
import { privateKeyOf } from './debug.js';
import { certificatesIn, expiryCheck, secretFileChecks } from './doctor-keys.js';
import { networkAdvice, proxyCheck, proxyRoute, tlsChecks } from './doctor-network.js';
import type { Tenant } from './tenants.js';

type Gateway = 'onecard' | 'zhixiao';
type Env = Readonly<Record<string, string | undefined>>;

/** One finding: `skipped` is never reported as passed; `fix` says what to do about a warning or failure. */
export interface Finding {
  tenant: string;
  gateway?: Gateway;
  check: string;
  status: 'ok' | 'warning' | 'failed' | 'skipped';
  detail: string;
  fix?: string;
}
type Check = Omit<Finding, 'tenant' | 'gateway'>;

export interface DoctorOptions {
  /** Only this gateway of each tenant. */
  gateway?: Gateway;
  /** This machine's clock, in ms since the epoch (default `Date.now`): tests pass a fake one. */
  now?: () => number;
  /** Where the proxy variables are read (default `process.env`, which the client's sender reads too). */
  env?: Env;
  /** How long the TLS handshake may take (default 10 s). */
  timeoutMs?: number;
}

/** OneCard refuses a timestamp more than 6 minutes off its own clock (40018, docs/protocol.md). */
const CLOCK_LIMIT_S = 360;
/** Drift worth a warning long before the gateway refuses: a clock without time sync keeps drifting. */
const CLOCK_WARN_S = 60;

const ok = (check: string, detail: string): Check => ({ check, status: 'ok', detail });

/** Runs every check on each tenant (a tenant whose settings cannot be read gets that one finding). */
export async function doctor(tenants: Tenant[], options: DoctorOptions = {}): Promise<Finding[]> {
  const ctx = {
    now: options.now ?? Date.now,
    env: options.env ?? process.env,
    timeoutMs: options.timeoutMs ?? 10_000,
  };
  const findings: Finding[] = [];
  for (const tenant of tenants) {
    const add = (gateway: Gateway | undefined, checks: Check[]) =>
      findings.push(...checks.map((c) => ({ tenant: tenant.name, ...(gateway ? { gateway } : {}), ...c })));
    for (const file of tenant.secretFiles) add(undefined, secretFileChecks(file.field, file.path));
    let env: Record<string, string>;
    try {
      env = tenant.env();
    } catch (err) {
      add(undefined, [settingsFailure(err)]);
      continue;
    }
    const gateways = tenant.gateways.filter((g) => !options.gateway || g === options.gateway);
    if (tenant.gateways.length === 0)
      add(undefined, [
        {
          check: 'configured',
          status: 'failed',
          detail: 'no gateway is configured',
          fix: `set ${CAMPUS_PAY_ENV.onecard.gatewayUrl} or ${CAMPUS_PAY_ENV.zhixiao.baseUrl} (environment or .env), or give a config file (--config)`,
        },
      ]);
    else if (gateways.length === 0)
      add(options.gateway, [
        { check: 'configured', status: 'skipped', detail: `no ${options.gateway} settings` },
      ]);
    for (const gateway of gateways) {
      try {
        add(gateway, await (gateway === 'onecard' ? doctorOneCard : doctorZhixiao)(env, ctx));
      } catch (err) {
        add(gateway, [settingsFailure(err)]);
      }
    }
  }
  return findings;
}

function settingsFailure(err: unknown): Check {
  if (!(err instanceof ConfigurationError)) throw err;
  return {
    check: 'settings',
    status: 'failed',
    detail: err.message,
    fix: 'set what is named (campus-pay <gateway> --help lists the variables; docs/operations.md the config file)',
  };
}

interface Context {
  now: () => number;
  env: Env;
  timeoutMs: number;
}

/**
 * A token store for the probe: it always holds a token the gateway cannot know (a new one after each
 * 40017, so the client's one resend gets the same answer) and refuses the lock a token fetch needs. The
 * client therefore never fetches a real token, which would invalidate the one the services hold.
 */
function probeTokens(): TokenStore {
  let n = 0;
  const token = () => `campus-pay-doctor-probe-${n}`;
  return {
    get: async () => ({ token: token(), fetchedAt: Date.now(), expiresAt: Date.now() + 3_600_000 }),
    set: async () => {},
    delete: async (_key, failed) => {
      if (failed === token()) n++;
    },
    lock: async () => {
      throw new ConfigurationError('doctor', 'never fetches an access token');
    },
  };
}

/** What each code means when it answers the probe. */
const VERDICT: Record<string, string> = {
  '40002': 'the app key is wrong: check CAMPUS_PAY_ONECARD_APP_KEY (appKey) and the gateway URL',
  '40015':
    "the request did not decrypt: desKey (CAMPUS_PAY_ONECARD_DES_KEY) is probably not this app key's 3DES key",
  '40004': 'the gateway rejects our signature: the private key is not the one registered',
  '40018': 'the gateway rejects our timestamp: fix the clock',
};

/**
 * An axios instance for the client's own sender whose interceptor keeps the reply's `Date` header: the
 * probe is an ordinary call of the client, and the header is how the gateway tells its time.
 */
function dateRecorder() {
  let date: string | undefined;
  const http = axios.create();
  http.interceptors.response.use((res) => {
    date = res.headers.date === undefined ? undefined : String(res.headers.date);
    return res;
  });
  return { http, date: () => date };
}

/** The network checks both gateways share, before their probe: the proxy and, for https, TLS. */
async function wayThere(url: string, ctx: Context): Promise<Check[]> {
  const checks = [proxyCheck(url, ctx.env)];
  if (url.startsWith('https:')) checks.push(...(await tlsChecks(url, ctx.now(), ctx.timeoutMs)));
  return checks;
}

/**
 * The probe's failure to reach the gateway, naming the host and what the error code means; through a
 * proxy, the error may be the proxy's own.
 */
function unreachable(err: TransportError, url: string, env: Env): Check {
  const route = proxyRoute(url, env);
  const host = 'via' in route ? route.via : new URL(url).host;
  const code = err.timedOut ? 'ETIMEDOUT' : err.causeCode;
  return {
    check: 'gateway reachable',
    status: 'failed',
    detail: `${'via' in route ? `through the proxy ${route.via} (${route.variable}): ` : ''}${networkAdvice(code, host)}`,
    fix: `check that ${url} is the gateway's address and that this machine may reach it (curl -v ${url})`,
  };
}

/** This clock against the gateway's `Date` header; `limitS` is where the gateway starts refusing, if it does. */
function clockCheck(date: string | undefined, now: number, limitS: number | undefined): Check {
  const check = 'clock skew vs gateway';
  const gateway = date === undefined ? Number.NaN : Date.parse(date);
  if (Number.isNaN(gateway)) return { check, status: 'skipped', detail: 'the gateway sent no Date header' };
  const skew = Math.round((now - gateway) / 1000);
  const side = `this clock is ${Math.abs(skew)} s ${skew >= 0 ? 'ahead of' : 'behind'} the gateway's`;
  const limit = limitS === undefined ? '' : `; the gateway refuses more than ${limitS} s (40018)`;
  if (Math.abs(skew) <= CLOCK_WARN_S) return ok(check, `${side}${limit}`);
  const fix = 'turn on time sync on this machine (timedatectl set-ntp true, chrony or ntpd)';
  const refused = limitS !== undefined && Math.abs(skew) > limitS;
  return { check, status: refused ? 'failed' : 'warning', detail: `${side}${limit}`, fix };
}

/** The certificates a key setting holds, or (verbose output only) that it is a bare key. */
function certificateChecks(
  what: string,
  setting: string | undefined,
  renew: string,
  now: number,
  passphrase?: string,
) {
  if (!setting) return [];
  const certs = certificatesIn(setting, passphrase);
  if (certs.length === 0)
    return [
      { check: `${what} expiry`, status: 'skipped', detail: 'a bare key: it has no expiry date' } as Check,
    ];
  return certs.map((c) => expiryCheck(what, c, now, renew));
}

/**
 * OneCard: the keys' certificates, the key pair, then a query with a token the gateway cannot know, which
 * must come back 40017 — which proves the URL, the app key (not 40002), our signature (not 40004) and our
 * clock (not 40018) — without a token fetch.
 */
async function doctorOneCard(env: Env, ctx: Context): Promise<Check[]> {
  const checks: Check[] = [];
  const options = oneCardOptionsFromEnv({ env });
  const e = CAMPUS_PAY_ENV.onecard;
  const now = ctx.now();
  const merchant = 'get the merchant certificate renewed and its public key registered with the gateway';
  checks.push(
    ...certificateChecks(
      'merchant certificate (privateKey)',
      env[e.privateKey],
      merchant,
      now,
      options.privateKeyPassphrase,
    ),
    ...certificateChecks('merchant certificate (merchantPublicKey)', env[e.merchantPublicKey], merchant, now),
    ...certificateChecks(
      'platform certificate (platformPublicKey)',
      env[e.platformPublicKey],
      "ask the gateway's operator for the platform's next certificate",
      now,
    ),
  );
  const merchantPublic = env[e.merchantPublicKey];
  const match = 'private key matches the registered public key';
  if (merchantPublic) {
    const same = rsaSha1Verify(
      'doctor',
      rsaSha1Sign('doctor', privateKeyOf(options)),
      loadPublicKey(merchantPublic.replaceAll('\\n', '\n')),
    );
    checks.push(
      same
        ? ok(match, 'yes')
        : {
            check: match,
            status: 'failed',
            detail: `no: ${e.merchantPublicKey} is another key pair`,
            fix: 'use the private key whose public key the gateway has registered',
          },
    );
  } else {
    checks.push({ check: match, status: 'skipped', detail: `set ${e.merchantPublicKey} to check` });
  }
  checks.push(...(await wayThere(options.gatewayUrl, ctx)));
  const recorder = dateRecorder();
  const client = new OneCardClient({ ...options, tokenStore: probeTokens(), axios: recorder.http });
  const err = await client.queryCard({ idtype: 'sno', id: '0' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof TransportError) return [...checks, unreachable(err, options.gatewayUrl, ctx.env)];
  checks.push(clockCheck(recorder.date(), ctx.now(), CLOCK_LIMIT_S));
  const code = err instanceof GatewayError ? err.gatewayCode : undefined;
  const accepts = 'gateway accepts our signature, app key and timestamp';
  if (code === TOKEN_INVALID)
    checks.push(ok(accepts, `yes (answered ${TOKEN_INVALID} for a token it cannot know, as expected)`));
  else
    checks.push({
      check: accepts,
      status: 'failed',
      detail: code
        ? `${code}: ${VERDICT[code] ?? (err as Error).message}`
        : err instanceof SignatureError
          ? 'the reply does not verify with platformPublicKey'
          : String((err as Error | undefined)?.message ?? 'unexpected success'),
    });
  return checks;
}

/** Zhixiao: a query for an order that does not exist, whose answer must be signed with our appSecret. */
async function doctorZhixiao(env: Env, ctx: Context): Promise<Check[]> {
  const options = zhixiaoOptionsFromEnv({ env });
  const checks = await wayThere(options.baseUrl, ctx);
  const recorder = dateRecorder();
  const client = new ZhixiaoPayClient({ ...options, axios: recorder.http });
  const err = await client.queryOrder({ out_trade_no: `doctor-${ctx.now()}` }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof TransportError) return [...checks, unreachable(err, options.baseUrl, ctx.env)];
  // Zhixiao documents no window for its timestamp: drift is a warning only.
  checks.push(clockCheck(recorder.date(), ctx.now(), undefined));
  const signed = err === undefined || err instanceof GatewayError;
  // -2 (参数校验失败) for a well-formed probe means the gateway could not read our param.
  const unreadable = err instanceof GatewayError && err.gatewayCode === '-2';
  checks.push(
    {
      check: 'gateway answers with a reply signed with our appSecret',
      status: signed ? 'ok' : 'failed',
      detail: signed ? 'yes' : err instanceof CampusPayError ? `${err.code}: ${err.message}` : String(err),
    },
    {
      check: 'gateway decrypts our param (aesKey) and accepts our sign (appSecret)',
      status: signed ? (unreadable ? 'failed' : 'ok') : 'skipped',
      detail: !signed
        ? 'needs a signed reply first'
        : unreadable
          ? '-2 参数校验失败: aesKey (CAMPUS_PAY_ZHIXIAO_AES_KEY) or appSecret is probably wrong'
          : `yes${err ? ` (${(err as GatewayError).gatewayMessage})` : ''}`,
    },
  );
  return checks;
}

const LABEL: Record<Finding['status'], string> = {
  failed: 'FAIL',
  warning: 'WARN',
  ok: 'ok  ',
  skipped: 'skip',
};

/**
 * The report: one line per warning and failure with what to do (every finding with `verbose`), then a
 * summary; or every finding as JSON. Exit code 1 on a failure, or on a warning with `strict`; else 0.
 */
export function doctorReport(
  findings: Finding[],
  flags: { verbose?: boolean; strict?: boolean; json?: boolean },
): { text: string; exitCode: number } {
  const count = (s: Finding['status']) => findings.filter((f) => f.status === s).length;
  const failed = count('failed');
  const warnings = count('warning');
  const exitCode = failed > 0 || (flags.strict && warnings > 0) ? 1 : 0;
  if (flags.json) return { text: `${JSON.stringify(findings, null, 2)}\n`, exitCode };
  const shown = findings.filter((f) => flags.verbose || f.status === 'failed' || f.status === 'warning');
  const lines = shown.map(
    (f) =>
      `${LABEL[f.status]} ${f.tenant}${f.gateway ? ` ${f.gateway}` : ''}: ${f.check}: ${f.detail}${f.fix ? ` → ${f.fix}` : ''}`,
  );
  const tenants = new Set(findings.map((f) => f.tenant)).size;
  lines.push(
    `doctor: ${failed} failed, ${warnings} warning${warnings === 1 ? '' : 's'}, ${count('ok')} ok, ${count('skipped')} skipped, ${tenants} tenant${tenants === 1 ? '' : 's'}${exitCode === 0 && warnings > 0 ? ' (warnings fail only with --strict)' : ''}`,
  );
  return { text: `${lines.join('\n')}\n`, exitCode };
}

/**
 * `campus-pay sandbox`: starts both sandbox gateways, with faults given as flags, and prints a short
 * summary (never a key: --write-env puts the credentials in a file) and one line per notification attempt.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { ConfigurationError } from '../core/errors.js';
import { closest } from '../core/options.js';
import { oneCardMethods } from '../onecard/methods.js';
import { FAULT_KINDS, type FaultKind, type Faults } from '../sandbox/faults.js';
import type { NoticeEvent, Sandbox } from '../sandbox/index.js';
import { zhixiaoMethods } from '../zhixiao/methods.js';
import { badArgument } from './args.js';
import { sandboxEnv, tenantEnv, writeEnvFile } from './env-file.js';

/** The kinds `--fault` queues or shares: the sandbox's own list. */
export { FAULT_KINDS };

/** The knobs that take a number rather than a share: milliseconds, or a count of calls. */
export const FAULT_VALUES = [
  'latencyMs',
  'slowMs',
  'lateNoticeMs',
  'busyAbove',
] as const satisfies readonly (keyof Faults)[];

/** SDK name → itself and wire name → SDK name, for both tables (`--fault <method>:<kind>`). */
const METHODS = new Map<string, string>(
  [...Object.entries(oneCardMethods), ...Object.entries(zhixiaoMethods)].flatMap(([name, m]) => [
    [name, name],
    ...(m.wire ? [[m.wire, name] as [string, string]] : []),
  ]),
);

export interface FaultPlan {
  /** Shares and values: `faults.set(...)`. */
  set: Faults;
  /** Queued faults: `faults.next(kind, { count, method })`. */
  next: Array<{ kind: FaultKind; count: number; method?: string }>;
}

const bad = (flag: string, message: string) => badArgument('sandbox', '--fault', `"${flag}" ${message}`);

function kindOf(flag: string, word: string): FaultKind {
  if ((FAULT_KINDS as readonly string[]).includes(word)) return word as FaultKind;
  const near = closest(word, [...FAULT_KINDS, ...FAULT_VALUES]);
  throw bad(flag, `: "${word}" is not a fault${near ? `; did you mean ${near}?` : ''} (see --help)`);
}

/**
 * Reads the --fault flags:
 *   kind             the next call (or notice) gets it
 *   kind:n           the next n
 *   method:kind[:n]  the next n calls of that method (SDK or wire name)
 *   kind=share       that share (0 to 1) of every call
 *   knob=n           latencyMs, slowMs, lateNoticeMs (milliseconds), busyAbove (calls at once)
 */
export function parseFaults(flags: readonly string[]): FaultPlan {
  const plan: FaultPlan = { set: {}, next: [] };
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq >= 0) {
      const [word, text] = [flag.slice(0, eq), flag.slice(eq + 1)];
      const value = Number(text);
      if ((FAULT_VALUES as readonly string[]).includes(word)) {
        if (text === '' || !Number.isSafeInteger(value) || value < 0)
          throw bad(flag, 'needs a whole number of milliseconds (busyAbove: of calls), e.g. latencyMs=200');
        plan.set[word as (typeof FAULT_VALUES)[number]] = value;
        continue;
      }
      const kind = kindOf(flag, word);
      if (text === '' || !(value >= 0 && value <= 1))
        throw bad(flag, 'needs a share from 0 to 1, e.g. serverError=0.1');
      plan.set[kind] = value;
      continue;
    }
    const parts = flag.split(':');
    const count = /^\d+$/.test(parts.at(-1)!) ? Number(parts.pop()) : 1;
    if (count < 1 || parts.length < 1 || parts.length > 2)
      throw bad(flag, 'is not [method:]kind[:count] or kind=share (see --help)');
    const kind = kindOf(flag, parts.at(-1)!);
    if (parts.length === 1) {
      plan.next.push({ kind, count });
      continue;
    }
    const method = METHODS.get(parts[0]!);
    if (!method) {
      const near = closest(
        parts[0]!,
        [...METHODS.keys()].filter((n) => !n.includes('.') && !n.includes('/')),
      );
      throw bad(
        flag,
        `: "${parts[0]}" is not a method of either table${near ? `; did you mean ${near}?` : ''}`,
      );
    }
    plan.next.push({ kind, count, method });
  }
  return plan;
}

/**
 * One line per notification attempt (and per notice dropped): who, where, what the merchant answered,
 * and what happens next. `undefined` for events that need no line (a first attempt being scheduled).
 */
export function noticeLine(e: NoticeEvent): string | undefined {
  const order = e.orderKey === undefined ? e.ref : `${e.orderKey} (${e.ref})`;
  const head = `notice ${e.gateway} ${order}${e.origin ? ` (${e.origin})` : ''} → ${e.url}`;
  if (e.what === 'dropped') return `${head}: dropped, no more attempts`;
  if (e.what !== 'attempt' || !e.attempt) return undefined;
  const a = e.attempt;
  const answer = a.status === 0 ? a.answer : `${a.status} ${JSON.stringify(a.answer)}`;
  const then = a.acknowledged
    ? 'acknowledged'
    : e.nextAttemptInMs === undefined
      ? `not acknowledged; gave up after ${a.n} attempts`
      : `not acknowledged; attempt ${a.n + 1} in ${seconds(e.nextAttemptInMs)}`;
  return `${head}: ${answer} — ${then}`;
}

/** What the sandbox does with token fetches, said at startup: it differs from the real gateway by default. */
export function tokenRuleLine(intervalMs: number): string {
  return intervalMs === 0
    ? 'token fetches relaxed: no 2-minute interval as on the real gateway (--strict-tokens keeps it)'
    : `token fetches at most one per ${intervalMs / 1000} s per app key (60048 inside it)`;
}

const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${ms / 1000} s`);

export interface SandboxFlags {
  port?: string;
  host?: string;
  'token-interval-ms'?: string;
  'strict-tokens'?: boolean;
  'write-env'?: string;
  tenants?: string;
  fault?: string[];
  json?: boolean;
}

/** Starts the sandbox, prints what to do next, and runs until Ctrl-C. */
export async function sandboxCommand(flags: SandboxFlags): Promise<number> {
  const tenants = Number(flags.tenants ?? 1);
  if (!Number.isSafeInteger(tenants) || tenants < 1 || tenants > 9)
    throw badArgument('sandbox', '--tenants', 'must be a whole number from 1 to 9');
  if (tenants > 1 && !flags['write-env'])
    throw badArgument('sandbox', '--tenants', 'writes the other tenants to the --write-env file: give one');
  const plan = parseFaults(flags.fault ?? []);
  const extra = Array.from({ length: tenants - 1 }, (_, i) => i + 2);
  const { startSandbox } = await import('../sandbox/index.js');
  // Generated here rather than inside the sandbox so --write-env can hand it to "campus-pay trigger onecard".
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const sb = await startSandbox({
    port: Number(flags.port ?? 0),
    ...(flags.host ? { host: flags.host } : {}),
    onecard: {
      tokenRule: flags['strict-tokens'] ? 'strict' : 'relaxed',
      ...(flags['token-interval-ms'] === undefined
        ? {}
        : { tokenMinIntervalMs: Number(flags['token-interval-ms']) }),
      platformPrivateKey: platform,
      extraAppKeys: extra.map((n) => `sandbox-app-${n}`),
    },
    zhixiao: { extraAppIds: extra.map((n) => `partner${n}`) },
    faults: plan.set,
  });
  for (const q of plan.next)
    sb.faults.next(q.kind, { count: q.count, ...(q.method ? { method: q.method } : {}) });
  const envPath = flags['write-env'];
  if (envPath) {
    const vars = {
      ...sandboxEnv(sb, {
        merchantPublicKey: createPublicKey(sb.onecard.privateKey)
          .export({ type: 'spki', format: 'pem' })
          .toString(),
        platformPrivateKey: platform.export({ type: 'pkcs8', format: 'pem' }).toString(),
      }),
      ...Object.assign({}, ...extra.map((n) => tenantEnv(n, `sandbox-app-${n}`, `partner${n}`))),
    };
    try {
      writeEnvFile(envPath, vars, `${sb.url}, valid while that sandbox runs`);
    } catch (err) {
      await sb.close();
      throw new ConfigurationError(
        '--write-env',
        `cannot write ${envPath} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (flags.json) out(JSON.stringify(summary(sb, envPath, tenants, flags.fault ?? [])));
  else out(humanSummary(sb, envPath, tenants, flags.fault ?? []));
  sb.events.subscribe((e) => {
    if (e.type !== 'notice') return;
    const line = noticeLine(e);
    if (line !== undefined) out(flags.json ? JSON.stringify({ notice: e }) : line);
  });
  await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
  await sb.close();
  return 0;
}

/** The machine form: URLs and identifiers, never a key. */
function summary(sb: Sandbox, envFile: string | undefined, tenants: number, faults: string[]) {
  return {
    url: sb.url,
    console: `${sb.url}/`,
    onecard: { gatewayUrl: sb.onecard.gatewayUrl, appKey: sb.onecard.appKey },
    zhixiao: { baseUrl: sb.zhixiao.baseUrl, appId: sb.zhixiao.appId, paths: sb.zhixiao.paths },
    tokenMinIntervalMs: sb.onecardGateway.tokenMinIntervalMs,
    tenants,
    faults,
    ...(envFile ? { envFile } : {}),
  };
}

function humanSummary(sb: Sandbox, envFile: string | undefined, tenants: number, faults: string[]) {
  const env = envFile ? ` --env ${envFile}` : '';
  return [
    `campus-pay sandbox listening on ${sb.url} (Ctrl-C to stop)`,
    `  console    ${sb.url}/ (open it in a browser)`,
    `  tokens     ${tokenRuleLine(sb.onecardGateway.tokenMinIntervalMs)}`,
    `  OneCard    ${sb.onecard.gatewayUrl} (app key ${sb.onecard.appKey})`,
    `  Zhixiao    ${sb.zhixiao.baseUrl} (appid ${sb.zhixiao.appId})`,
    ...(faults.length ? [`  faults     ${faults.join(', ')}`] : []),
    envFile
      ? `wrote its credentials to ${envFile} (mode 0600)${tenants > 1 ? `, with ${tenants - 1} more tenant(s) (CAMPUS_PAY_TENANT<n>_*)` : ''}; no key is printed`
      : 'no key is printed: --write-env <file> writes the credentials where the CLI and the examples read them',
    'next:',
    ...(envFile
      ? [
          `  npx campus-pay onecard queryCard '{"idtype":"sno","id":"2023000001"}'${env}`,
          `  npx campus-pay zhixiao createOrder --help${env}`,
          `  npx campus-pay sandbox pay <out_trade_no or order_no>${env}   # pay an order as the payer`,
        ]
      : ['  npx campus-pay sandbox --write-env .env']),
    '  notification attempts follow here, one line each',
  ].join('\n');
}

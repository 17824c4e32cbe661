/** `campus-pay sandbox --write-env`: the running sandbox's settings as a .env file the CLI and examples read. */
import { existsSync, readFileSync } from 'node:fs';
import { writePrivateFile } from '../core/private-file.js';
import { CAMPUS_PAY_ENV } from '../env.js';
import type { Sandbox } from '../sandbox/index.js';

/**
 * Variables only the sandbox has: its URL (for `campus-pay sandbox pay`) and the platform's private key,
 * which signs notices (for `campus-pay trigger onecard`). A real platform never hands out its private key.
 */
export const SANDBOX_ENV = {
  url: 'CAMPUS_PAY_SANDBOX_URL',
  platformPrivateKey: 'CAMPUS_PAY_SANDBOX_PLATFORM_PRIVATE_KEY',
} as const;

/** Every CAMPUS_PAY_* variable of a running sandbox, PEMs as they are (with real newlines). */
export function sandboxEnv(
  sb: Pick<Sandbox, 'url' | 'onecard' | 'zhixiao'>,
  keys: { merchantPublicKey: string; platformPrivateKey: string },
): Record<string, string> {
  const oc = CAMPUS_PAY_ENV.onecard;
  const zx = CAMPUS_PAY_ENV.zhixiao;
  return {
    [SANDBOX_ENV.url]: sb.url,
    [oc.gatewayUrl]: sb.onecard.gatewayUrl,
    [oc.appKey]: sb.onecard.appKey,
    [oc.desKey]: sb.onecard.desKey,
    [oc.privateKey]: sb.onecard.privateKey,
    [oc.platformPublicKey]: sb.onecard.platformPublicKey,
    [oc.merchantPublicKey]: keys.merchantPublicKey,
    [zx.baseUrl]: sb.zhixiao.baseUrl,
    [zx.appId]: sb.zhixiao.appId,
    [zx.appSecret]: sb.zhixiao.appSecret,
    [zx.aesKey]: sb.zhixiao.aesKey,
    [zx.paths]: JSON.stringify(sb.zhixiao.paths),
    [SANDBOX_ENV.platformPrivateKey]: keys.platformPrivateKey,
  };
}

/**
 * A second (third, …) tenant of the same sandbox: its own OneCard app key and Zhixiao appid, which the
 * sandbox accepts with the first tenant's keys, as `CAMPUS_PAY_TENANT<n>_ONECARD_APP_KEY` and
 * `CAMPUS_PAY_TENANT<n>_ZHIXIAO_APP_ID`. Every other setting is the first tenant's.
 */
export function tenantEnv(n: number, appKey: string, appId: string): Record<string, string> {
  return {
    [`CAMPUS_PAY_TENANT${n}_ONECARD_APP_KEY`]: appKey,
    [`CAMPUS_PAY_TENANT${n}_ZHIXIAO_APP_ID`]: appId,
  };
}

/**
 * One `NAME=value` line in the syntax of Node's `process.loadEnvFile`: a multi-line value (a PEM) as a
 * double-quoted string with `\n` escapes, which the loader turns back into newlines.
 */
function line(name: string, value: string): string {
  if (value.includes('\n')) return `${name}=${JSON.stringify(value)}`;
  if (/[#'"\s]/.test(value) && !value.startsWith('{')) return `${name}='${value}'`;
  return `${name}=${value}`;
}

/**
 * Writes `vars` to `path` (mode 0600, replaced atomically). Lines of an existing file that set other
 * variables are kept, so a project's own settings survive; its CAMPUS_PAY_* lines are replaced.
 */
export function writeEnvFile(path: string, vars: Record<string, string>, comment: string): void {
  const kept: string[] = [];
  if (existsSync(path)) {
    let skipping = false;
    for (const l of readFileSync(path, 'utf8').split('\n')) {
      if (skipping) {
        // The rest of a multi-line quoted CAMPUS_PAY_* value.
        if (/"\s*$/.test(l)) skipping = false;
        continue;
      }
      const m = /^\s*(?:export\s+)?(CAMPUS_PAY_[A-Z0-9_]*)\s*=\s*(.*)$/.exec(l);
      if (m) {
        const v = m[2]!;
        skipping = v.startsWith('"') && !/^".*"\s*$/.test(v);
        continue;
      }
      if (l.startsWith('# campus-pay sandbox')) continue;
      kept.push(l);
    }
  }
  while (kept.length && kept.at(-1) === '') kept.pop();
  const ours = [`# campus-pay sandbox: ${comment}`, ...Object.entries(vars).map(([k, v]) => line(k, v))];
  writePrivateFile(path, `${[...kept, ...(kept.length ? [''] : []), ...ours].join('\n')}\n`);
}

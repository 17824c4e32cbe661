/**
 * Doctor's checks of the keys on this machine: certificate expiry, and the files secrets are read from
 * (who may read them, whether they sit in a git work tree). No network, and no secret in any finding.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { CHECKS_MODES } from '../core/private-file.js';
import type { Finding } from './doctor.js';

type Check = Omit<Finding, 'tenant' | 'gateway'>;

const DAY_MS = 86_400_000;
/** A certificate that ends within this many days is a warning: time enough to get the next one. */
export const EXPIRY_WARNING_DAYS = 30;

/**
 * The expiry of one certificate at `now`: failed once expired (or not yet valid), a warning within
 * EXPIRY_WARNING_DAYS of its end. `renew` says who issues the next one.
 */
export function expiryCheck(what: string, cert: X509Certificate, now: number, renew: string): Check {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  const check = `${what} expiry`;
  if (now > to)
    return { check, status: 'failed', detail: `expired on ${day(to)}`, fix: `${renew}, then replace it` };
  if (now < from)
    return {
      check,
      status: 'failed',
      detail: `not valid before ${day(from)}: the certificate is early, or this clock is late`,
      fix: 'check the clock; use the certificate once it is valid',
    };
  const left = Math.floor((to - now) / DAY_MS);
  if (to - now <= EXPIRY_WARNING_DAYS * DAY_MS)
    return {
      check,
      status: 'warning',
      detail: `expires on ${day(to)}, in ${left} day${left === 1 ? '' : 's'}`,
      fix: `${renew} before then`,
    };
  return { check, status: 'ok', detail: `valid until ${day(to)} (${left} days)` };
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The X.509 certificates a key setting holds, as the key loaders read it: PEM text (with `\n` escapes
 * as in .env) or a file of PEM, DER or PKCS#12 (`.p12` / `.pfx`). A bare key holds none: `[]`.
 */
export function certificatesIn(setting: string, passphrase?: string): X509Certificate[] {
  const text = setting.trim().replaceAll('\\n', '\n');
  const isPath =
    !text.includes('-----') && !text.includes('\n') && existsSync(text) && statSync(text).isFile();
  const bytes = isPath ? readFileSync(text) : undefined;
  if (bytes && /\.(p12|pfx)$/i.test(text)) return pkcs12Certificates(bytes, passphrase ?? '');
  const pem = bytes ? bytes.toString('latin1') : text;
  const blocks = pem.match(PEM_CERT);
  if (blocks) return blocks.map((b) => new X509Certificate(b));
  try {
    return [new X509Certificate(bytes ?? Buffer.from(text, 'base64'))];
  } catch {
    return [];
  }
}

type Forge = typeof import('node-forge');

/** node:crypto cannot open PKCS#12: node-forge reads its certificate bags (the key loader reads its key). */
function pkcs12Certificates(der: Buffer, passphrase: string): X509Certificate[] {
  const forge = createRequire(import.meta.url)('node-forge') as Forge;
  try {
    const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der.toString('binary')), false, passphrase);
    const bags = p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
    return bags.flatMap((b) => (b.cert ? [new X509Certificate(forge.pki.certificateToPem(b.cert))] : []));
  } catch {
    // Unreadable here means unreadable for the client too: its own check names that.
    return [];
  }
}

/** Checks a file a secret is read from: its permission bits and whether a git work tree holds it. */
export function secretFileChecks(what: string, path: string): Check[] {
  const checks: Check[] = [];
  if (CHECKS_MODES && existsSync(path)) {
    const mode = statSync(path).mode & 0o777;
    const open = (mode & 0o077) !== 0;
    checks.push({
      check: `${what} file permissions`,
      status: open ? 'failed' : 'ok',
      detail: `${path} has mode ${mode.toString(8).padStart(4, '0')}${open ? ': group or others may read it' : ''}`,
      ...(open ? { fix: `chmod 600 ${path} (and keep it owned by the service's user)` } : {}),
    });
  }
  checks.push(gitCheck(what, resolve(path)));
  return checks;
}

/** The work tree above `path`: the nearest directory with a `.git` entry (a directory, or a worktree's file). */
function workTreeOf(path: string): string | undefined {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Whether git reports success for `args` in `root` (false when git is missing too). */
function git(root: string, args: string[]): boolean {
  try {
    execFileSync('git', ['-C', root, ...args], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

function gitCheck(what: string, path: string): Check {
  const check = `${what} file outside git`;
  const root = workTreeOf(path);
  if (!root) return { check, status: 'ok', detail: `${path} is in no git work tree` };
  const move = `move it out of the work tree (e.g. to /etc/campus-pay/, mode 600) and point the setting there`;
  if (git(root, ['ls-files', '--error-unmatch', '--', path]))
    return {
      check,
      status: 'failed',
      detail: `${path} is committed to the git repository at ${root}: the key is in its history`,
      fix: `treat the key as leaked: get a new one, remove the file from the repository, and ${move}`,
    };
  if (git(root, ['check-ignore', '-q', '--', path]))
    return {
      check,
      status: 'warning',
      detail: `${path} is inside the git work tree at ${root}; git ignores it, which is still a risk: "git add -f", a copy or archive of the folder, or an image built from it carries the key`,
      fix: move,
    };
  return {
    check,
    status: 'failed',
    detail: `${path} is inside the git work tree at ${root} and not ignored: the next "git add ." commits it`,
    fix: move,
  };
}

/**
 * One set of environment names: what the READMEs, the examples and the CLI's help mention is what the
 * SDK reads (CAMPUS_PAY_ENV, the sandbox's variables, and the few settings below), and every name of
 * that list is written out in full in both READMEs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SANDBOX_ENV } from '../../src/cli/env-file.js';
import { CAMPUS_PAY_ENV } from '../../src/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');
const tsUnder = (dir: string) =>
  readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));

/** The variables a user sets to configure clients, the CLI and the examples. */
const CONFIG: string[] = [
  ...Object.values(CAMPUS_PAY_ENV.onecard),
  ...Object.values(CAMPUS_PAY_ENV.zhixiao),
  CAMPUS_PAY_ENV.envFile,
  ...Object.values(SANDBOX_ENV),
];
/** Settings read where they apply (the token cache, the sandbox's reply style). */
const SETTINGS: Record<string, string> = {
  CAMPUS_PAY_CACHE_DIR: 'src/core/file-token-store.ts',
  CAMPUS_PAY_SANDBOX_REPLY_STYLE: 'src/sandbox/index.ts',
  CAMPUS_PAY_CONFIG: 'src/cli/tenants.ts',
};
/**
 * What `campus-pay sandbox --tenants <n>` writes for tenants 2…n (CAMPUS_PAY_TENANT<n>_…): read by no
 * code of ours, only copied by a user into a tenant of the config file.
 */
const SANDBOX_TENANT = /^CAMPUS_PAY_TENANT(\d_(ONECARD_APP_KEY|ZHIXIAO_APP_ID))?$/;

/** CAMPUS_PAY_* names in a text; `CAMPUS_PAY_ENV` is the constant, not a variable. */
const namesIn = (text: string) =>
  [...text.matchAll(/\bCAMPUS_PAY_[A-Z0-9_]*[A-Z0-9]\b/g)]
    .map((m) => m[0])
    .filter((n) => n !== 'CAMPUS_PAY_ENV');
/** The variables a piece of code reads as `process.env.NAME`. */
const readsIn = (text: string) => [...text.matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!);

const SOURCES = {
  'README.md': read('README.md'),
  'README.zh-CN.md': read('README.zh-CN.md'),
  ...Object.fromEntries(tsUnder('examples').map((f) => [f, read(f)])),
  // The CLI's help and messages are in its sources.
  ...Object.fromEntries(tsUnder('src/cli').map((f) => [f, read(f)])),
};

describe('one set of environment names', () => {
  it('the check sees names in full, and not the constant', () => {
    expect(namesIn('`CAMPUS_PAY_ONECARD_APP_KEY`, `_DES_KEY`, CAMPUS_PAY_ENV.onecard, CAMPUS_PAY_*')).toEqual(
      ['CAMPUS_PAY_ONECARD_APP_KEY'],
    );
  });

  it.each(Object.keys(SOURCES))('%s mentions only names the SDK reads', (file) => {
    const known = new Set([...CONFIG, ...Object.keys(SETTINGS)]);
    expect(
      namesIn(SOURCES[file as keyof typeof SOURCES]!).filter((n) => !known.has(n) && !SANDBOX_TENANT.test(n)),
    ).toEqual([]);
  });

  it.each(['README.md', 'README.zh-CN.md'])('%s lists every variable in full', (file) => {
    const names = new Set(namesIn(read(file)));
    expect([...CONFIG, ...Object.keys(SETTINGS)].filter((n) => !names.has(n))).toEqual([]);
  });

  it('each setting is read where the list says', () => {
    for (const [name, file] of Object.entries(SETTINGS)) expect(read(file), name).toContain(name);
  });

  it('what the READMEs and examples read from process.env is a CAMPUS_PAY_ or an EXAMPLE_ variable both READMEs name', () => {
    const readme = read('README.md');
    const zh = read('README.zh-CN.md');
    const reads = new Set(
      Object.entries(SOURCES)
        .filter(([f]) => !f.startsWith('src/'))
        .flatMap(([, text]) => readsIn(text)),
    );
    // REDIS_URL is your own service's setting in the Redis snippet, not one of ours.
    reads.delete('REDIS_URL');
    const bad = [...reads].filter(
      (n) => !/^(CAMPUS_PAY|EXAMPLE)_/.test(n) || !readme.includes(n) || !zh.includes(n),
    );
    expect(bad).toEqual([]);
    for (const n of reads) if (n.startsWith('CAMPUS_PAY_')) expect(CONFIG).toContain(n);
  });
});

/**
 * The tests mirror src/ (docs/testing.md, "Layout"): the unit tests of `src/<dir>/<module>.ts` are
 * `test/unit/<dir>/<module>.test.ts`, or `<module>.<aspect>.test.ts` beside it when split. A module tested
 * elsewhere (over real HTTP against the sandbox, through the CLI, by the contract tests) or holding only
 * types is a named exception below, with the test files that exercise it and why it has none of its own.
 * The map is for exceptions only: an entry that no longer is one fails, as does a module that is neither.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

interface Elsewhere {
  tests: string[];
  why: string;
}

/** `files('cli/in-process')`: test/cli/in-process.test.ts, and so on. */
const files = (...names: string[]) => names.map((n) => `test/${n}.test.ts`);

const TEST_HEAVY = 'npm run test:heavy';

/**
 * Modules without a unit file of their own. A key ending in `/` holds every module under that folder that
 * has neither a unit file nor an entry of its own. A test listed must exercise the module (import it, or a
 * public entry that does, or start the sandbox or the CLI path that runs it): this file can only check
 * that it exists, so read the test before adding it here.
 */
const TESTED_ELSEWHERE: Record<string, Elsewhere> = {
  'src/cli/args.ts': { tests: files('cli/in-process'), why: 'the CLI runs in process: typos, wire names' },
  'src/cli/clients.ts': {
    tests: files('cli/in-process'),
    why: 'the CLI runs in process: env file, --tenant',
  },
  'src/cli/debug.ts': {
    tests: files('cli/in-process', 'cli/cli'),
    why: `sign-string and decrypt run in process; verify in the built binary (${TEST_HEAVY})`,
  },
  'src/cli/exit.ts': { tests: files('cli/in-process'), why: 'the CLI runs in process: each exit code' },
  'src/cli/index.ts': { tests: files('cli/in-process', 'cli/cli'), why: 'the command line itself' },
  'src/cli/journal.ts': {
    tests: files('cli/journal'),
    why: `a command: run as the built binary (${TEST_HEAVY})`,
  },
  'src/cli/method-help.ts': {
    tests: files('cli/in-process'),
    why: 'the CLI runs in process: <method> --help',
  },
  'src/cli/reconcile.ts': {
    tests: files('cli/reconcile'),
    why: `a command: run as the built binary (${TEST_HEAVY})`,
  },
  'src/cli/sandbox-tools.ts': {
    tests: files('cli/in-process'),
    why: 'the CLI runs in process: sandbox pay, trigger',
  },
  'src/core/axios-sender.ts': {
    tests: files('unit/core/transport'),
    why: 'both senders are tested over real sockets',
  },
  'src/core/codes.ts': {
    tests: files('contract/api-contract', 'unit/onecard/envelope'),
    why: 'the lookup behind every GatewayError, tested through the code tables',
  },
  'src/core/errors.ts': {
    tests: files('unit/limits', 'unit/redaction', 'unit/reply-binding'),
    why: 'errors are tested where the SDK raises them: size, secrets, call',
  },
  'src/core/form.ts': {
    tests: files('unit/onecard/envelope.sign', 'unit/onecard/recharge', 'unit/fuzz'),
    why: 'tested with the envelope and recharge forms it reads: raw +, GBK, post_data',
  },
  'src/core/http.ts': {
    tests: files('unit/core/transport', 'fault-matrix/node-sender'),
    why: 'both senders are tested over real sockets',
  },
  'src/core/limiter.ts': {
    tests: files('unit/core/reconcile', 'integration/sweep'),
    why: 'its halving under refusals is tested where sweeps and reconciliation use it',
  },
  'src/core/method.ts': {
    tests: files('unit/core/pipeline', 'unit/core/outcome'),
    why: 'types only: checked by tsc where these tests build specs',
  },
  'src/core/money.ts': {
    tests: files('unit/integrator-helpers'),
    why: 'one of the integrator helpers tested together',
  },
  'src/core/observe.ts': {
    tests: files('integration/observe'),
    why: 'logs and spans of real calls to the sandbox',
  },
  'src/core/private-file.ts': {
    tests: files('unit/core/file-token-store', 'unit/cli/env-file'),
    why: 'the modes and atomic writes are checked on the files of its two users',
  },
  'src/core/redact.ts': {
    tests: files('unit/redaction', 'unit/onecard/envelope'),
    why: 'tested on the errors whose excerpts it masks',
  },
  'src/core/settling-client.ts': {
    tests: files('unit/core/resolve', 'unit/core/reconcile', 'integration/sweep'),
    why: "the clients' resolve, reconcile and sweep",
  },
  'src/core/sweep.ts': {
    tests: files('integration/sweep', 'integration/settlement'),
    why: 'the sweep settles journals against the sandbox over real HTTP',
  },
  'src/core/tenant.ts': {
    tests: files('integration/journal', 'integration/tenants'),
    why: 'tested through client.tenant and the keys it namespaces',
  },
  'src/crypto.ts': {
    tests: [...files('unit/core/crypto'), 'test/package/smoke.test.ts'],
    why: 'the campus-pay/crypto entry: re-exports core/crypto, whose tests import it here',
  },
  'src/gateway-codes.ts': {
    tests: files('contract/api-contract'),
    why: 'isGatewayError, with the public contract',
  },
  'src/index.ts': {
    tests: files('contract/api-contract', 'package/smoke'),
    why: 'the package root: re-exports only, imported by the tests and from the tarball',
  },
  'src/onecard/codes.ts': {
    tests: files('contract/api-contract', 'contract/advice'),
    why: 'a table: held to the spec by the contract tests',
  },
  'src/onecard/methods.ts': {
    tests: files('contract/spec-tables', 'unit/reply-binding', 'contract/advice'),
    why: 'the method table: held to the spec by the contract tests',
  },
  'src/onecard/resolve.ts': {
    tests: files('unit/core/resolve'),
    why: 'tested through client.resolve against the sandbox',
  },
  'src/onecard/schemas-deployed.ts': {
    tests: files('integration/onecard-deployed'),
    why: 'schemas of the deployed methods, run against the sandbox',
  },
  'src/onecard/schemas.ts': {
    tests: files('contract/spec-tables', 'unit/tolerant-replies'),
    why: "schemas: held to the spec's field tables",
  },
  'src/redis/index.ts': {
    tests: files('redis/redis-store'),
    why: 'needs a redis-server: tested in test/redis',
  },
  'src/redis/journal.ts': {
    tests: files('redis/journal-redis', 'integration/tenants'),
    why: `needs a redis-server: the journal store contract (${TEST_HEAVY})`,
  },
  'src/sandbox/api.ts': {
    tests: files('integration/sandbox-faults'),
    why: 'the fault knobs around every call, over HTTP',
  },
  'src/sandbox/business-error.ts': {
    tests: files('integration/onecard', 'integration/zhixiao'),
    why: "the sandbox's refusals, met over real HTTP",
  },
  'src/sandbox/console/': {
    tests: files('integration/sandbox-console', 'e2e/console'),
    why: "the console's actions and stream, over HTTP and in Chromium",
  },
  'src/sandbox/console/page.ts': {
    tests: files('e2e/console'),
    why: `HTML: clicked in Chromium (${TEST_HEAVY})`,
  },
  'src/sandbox/events.ts': {
    tests: files('integration/sandbox-console'),
    why: 'the events behind the console stream',
  },
  'src/sandbox/formats.ts': {
    tests: files('integration/sandbox-formats'),
    why: "the sandbox's field checks, over HTTP",
  },
  'src/sandbox/index.ts': {
    tests: files('integration/onecard', 'integration/zhixiao', 'unit/sandbox/key-pool'),
    why: 'startSandbox: every integration test starts one',
  },
  'src/sandbox/notifier.ts': {
    tests: files('integration/onecard', 'integration/sandbox-faults', 'integration/testing'),
    why: 'notices to real endpoints: repeated, dropped, late',
  },
  'src/sandbox/onecard/front.ts': {
    tests: files('integration/onecard', 'integration/tokens'),
    why: 'the envelope checks and tokens, over real HTTP',
  },
  'src/sandbox/onecard/index.ts': {
    tests: files('integration/onecard', 'integration/onecard-deployed'),
    why: 'the OneCard gateway of the sandbox, over real HTTP',
  },
  'src/sandbox/onecard/ledger.ts': {
    tests: files('integration/onecard', 'integration/testing'),
    why: 'balances moved and read over real HTTP',
  },
  'src/sandbox/onecard/methods/': {
    tests: files('integration/sandbox-formats', 'integration/onecard', 'integration/onecard-deployed'),
    why: 'each method record, called over real HTTP',
  },
  'src/sandbox/onecard/settlement.ts': {
    tests: files('integration/onecard', 'integration/sandbox-field', 'unit/core/resolve'),
    why: 'recharges paid, refunded and notified over real HTTP',
  },
  'src/sandbox/pages.ts': {
    tests: files('e2e/pay-page', 'cli/in-process'),
    why: `the pay page in Chromium (${TEST_HEAVY}); /api/state read by sandbox pay`,
  },
  'src/sandbox/reply-style.ts': {
    tests: files('integration/sandbox-field'),
    why: 'null and omitted fields, read back by the clients',
  },
  'src/sandbox/zhixiao/front.ts': {
    tests: files('integration/zhixiao', 'integration/sandbox-field'),
    why: 'the envelope checks and ret_codes, over real HTTP',
  },
  'src/sandbox/zhixiao/index.ts': {
    tests: files('integration/zhixiao'),
    why: 'the Zhixiao gateway of the sandbox',
  },
  'src/sandbox/zhixiao/methods.ts': {
    tests: files('integration/sandbox-formats', 'integration/zhixiao'),
    why: 'each interface record, called over real HTTP',
  },
  'src/sandbox/zhixiao/settlement.ts': {
    tests: files('integration/zhixiao', 'integration/sandbox-field'),
    why: 'orders paid, expired and notified over real HTTP',
  },
  'src/testing/': {
    tests: [...files('integration/testing'), 'examples/merchant-tests/service.test.ts'],
    why: 'campus-pay/testing against a real sandbox, and its example use',
  },
  'src/zhixiao/methods.ts': {
    tests: files('contract/spec-tables', 'unit/reply-binding', 'contract/advice'),
    why: 'the method table: held to the spec by the contract tests',
  },
  'src/zhixiao/protocol.ts': {
    tests: files('unit/zhixiao/client', 'integration/key-rotation'),
    why: "the pipeline's Zhixiao part, tested through the client",
  },
  'src/zhixiao/resolve.ts': {
    tests: files('unit/core/resolve'),
    why: 'tested through client.resolve against the sandbox',
  },
  'src/zhixiao/schemas.ts': {
    tests: files('contract/spec-tables', 'unit/tolerant-replies'),
    why: "schemas: held to the spec's field tables",
  },
};

interface Layout {
  /** `src/<dir>/<module>.ts`, every one. */
  modules: readonly string[];
  /** Every file under test/unit, as `test/unit/…`. */
  unitFiles: readonly string[];
  map: Readonly<Record<string, Elsewhere>>;
  exists(path: string): boolean;
}

/** `src/core/journal.ts` → `test/unit/core/journal`. */
const stemOf = (module: string) => `test/unit/${module.slice('src/'.length, -'.ts'.length)}`;

/** The unit files of a module: `test/unit/<dir>/<module>.test.ts` and `<module>.<aspect>.test.ts`. */
function mirrorsOf(module: string, unitFiles: readonly string[]): string[] {
  const stem = stemOf(module);
  return unitFiles.filter((f) => {
    if (f === `${stem}.test.ts`) return true;
    const rest = f.startsWith(`${stem}.`) ? f.slice(stem.length) : '';
    return rest.endsWith('.test.ts') && !rest.includes('/');
  });
}

/** The key that holds a module without a unit file: its own, else the deepest folder key above it. */
function keyOf(module: string, map: Layout['map']): string | undefined {
  if (Object.hasOwn(map, module)) return module;
  const folders = Object.keys(map).filter((k) => k.endsWith('/') && module.startsWith(k));
  return folders.sort((a, b) => b.length - a.length)[0];
}

/** Modules with neither a unit file nor an entry. */
function untested({ modules, unitFiles, map }: Layout): string[] {
  return modules
    .filter((m) => mirrorsOf(m, unitFiles).length === 0 && keyOf(m, map) === undefined)
    .map((m) => `${m}: no ${stemOf(m)}.test.ts and no TESTED_ELSEWHERE entry`);
}

/** What is wrong with the entries: a key that holds nothing, an exception that is none, a test not there. */
function staleEntries({ modules, unitFiles, map, exists }: Layout): string[] {
  return Object.entries(map).flatMap(([key, { tests, why }]) => {
    const problems: string[] = [];
    if (key.endsWith('/')) {
      const held = modules.filter((m) => mirrorsOf(m, unitFiles).length === 0 && keyOf(m, map) === key);
      if (held.length === 0) problems.push(`${key}: holds no module without a unit file`);
    } else if (!modules.includes(key)) problems.push(`${key}: no such module`);
    else {
      const own = mirrorsOf(key, unitFiles);
      if (own.length > 0) problems.push(`${key}: has ${own.join(', ')}, so needs no entry`);
    }
    if (tests.length === 0) problems.push(`${key}: names no test`);
    for (const t of tests) {
      if (!t.endsWith('.test.ts')) problems.push(`${key}: ${t} is not a test file`);
      else if (!exists(t)) problems.push(`${key}: ${t} does not exist`);
    }
    if (why.trim() === '') problems.push(`${key}: gives no reason`);
    return problems;
  });
}

const ROOT = join(import.meta.dirname, '..', '..');
const under = (dir: string) =>
  readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }).map(
    (f) => `${dir}/${f.split(sep).join('/')}`,
  );
const repo: Layout = {
  modules: under('src')
    .filter((f) => f.endsWith('.ts'))
    .sort(),
  unitFiles: under('test/unit'),
  map: TESTED_ELSEWHERE,
  exists: (path) => existsSync(join(ROOT, path)),
};

describe('the tests mirror src/', () => {
  it('the checks find each kind of problem', () => {
    const planted: Layout = {
      modules: ['src/a/split.ts', 'src/a/kept.ts', 'src/a/lost.ts', 'src/b/x.ts', 'src/b/y.ts', 'src/top.ts'],
      unitFiles: ['test/unit/a/split.one.test.ts', 'test/unit/a/kept.test.ts', 'test/unit/top.test.ts'],
      map: {
        'src/a/kept.ts': { tests: ['test/real.test.ts'], why: 'has its own file too' },
        'src/b/': { tests: ['test/real.test.ts'], why: 'folder' },
        'src/b/x.ts': { tests: ['test/gone.test.ts', 'test/helper.ts'], why: ' ' },
        'src/c/': { tests: [], why: 'empty folder' },
        'src/removed.ts': { tests: ['test/real.test.ts'], why: 'moved away' },
      },
      exists: (path) => path === 'test/real.test.ts',
    };
    expect(untested(planted)).toEqual([
      'src/a/lost.ts: no test/unit/a/lost.test.ts and no TESTED_ELSEWHERE entry',
    ]);
    expect(staleEntries(planted)).toEqual([
      'src/a/kept.ts: has test/unit/a/kept.test.ts, so needs no entry',
      'src/b/x.ts: test/gone.test.ts does not exist',
      'src/b/x.ts: test/helper.ts is not a test file',
      'src/b/x.ts: gives no reason',
      'src/c/: holds no module without a unit file',
      'src/c/: names no test',
      'src/removed.ts: no such module',
    ]);
  });

  it('walks src/ and test/unit', () => {
    expect(repo.modules).toContain('src/index.ts');
    expect(repo.modules).toContain('src/sandbox/onecard/methods/cards.ts');
    expect(mirrorsOf('src/core/transport.ts', repo.unitFiles)).toContain(
      'test/unit/core/transport.retry.test.ts',
    );
    expect(mirrorsOf('src/env.ts', repo.unitFiles)).toEqual(['test/unit/env.test.ts']);
  });

  it('every module has its unit file, or an entry naming its tests and why', () => {
    expect(untested(repo)).toEqual([]);
  });

  it('every entry is an exception still: a module without a unit file, tests that exist, a reason', () => {
    expect(staleEntries(repo)).toEqual([]);
  });
});

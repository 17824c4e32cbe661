import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { scaled } from '../helpers/timeouts.js';
import { baseEnv, runCli, TMP, writeEnvFor } from './helpers.js';

afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe('onecard runs in a row share a cached token (a gateway with the real 2-minute fetch interval)', () => {
  let strict: Sandbox;
  let strictEnv: string;
  beforeAll(async () => {
    strict = await startSandbox({ onecard: { tokenRule: 'strict' } });
    strictEnv = join(TMP, 'strict.env');
    writeEnvFor(strictEnv, strict);
  });
  afterAll(() => strict.close());
  const query = ['onecard', 'queryCard', '{"idtype":"sno","id":"2023000001"}'];
  const inDir = (cacheDir: string, ...extra: string[]) =>
    runCli([...query, '--env-file', strictEnv, ...extra], baseEnv(cacheDir));

  it('two consecutive runs succeed with one fetch; the cache is 0700/0600 and the token is never printed', async () => {
    const cacheDir = join(TMP, 'strict-cache');
    const first = await inDir(cacheDir);
    const second = await inDir(cacheDir);
    expect([first.code, second.code, first.err, second.err]).toEqual([0, 0, '', '']);
    expect(JSON.parse(second.out).card[0].account).toBe('10001');
    expect(strict.onecardGateway.tokenFetches).toBe(1);

    const files = readdirSync(cacheDir);
    expect(files).toHaveLength(1);
    expect(files[0]).not.toContain(strict.onecard.appKey);
    const file = join(cacheDir, files[0]!);
    if (process.platform !== 'win32') {
      expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    const { token } = JSON.parse(readFileSync(file, 'utf8')) as { token: string };
    expect(token.length).toBeGreaterThan(8);
    for (const output of [first.out, first.err, second.out, second.err]) expect(output).not.toContain(token);

    // Without the cache a third run fetches again: the gateway refuses, and stderr says why and what to do.
    const uncached = await inDir(cacheDir, '--no-token-cache');
    expect(uncached.code).toBe(3);
    const { error } = JSON.parse(uncached.err);
    expect(error).toMatchObject({ code: 'gateway', gatewayCode: '60048' });
    expect(error.message).toMatch(/2 minutes/);
    expect(error.hint).toMatch(/2 minutes/);
    expect(error.hint).toContain('CAMPUS_PAY_ONECARD_ACCESS_TOKEN');
    expect(error.hint).toContain(cacheDir);
    expect(error.hint).toMatch(/wait/);
    expect(uncached.err).not.toContain(token);
    expect(strict.onecardGateway.tokenFetches).toBe(1);
  });

  it('two runs started at once share one fetch through the cache lock', async () => {
    // Every reply is held back, so each run's token fetch is still in flight when the other run looks for
    // a token: the second must wait for the first's instead of sending its own (which would be refused).
    const fresh = await startSandbox({
      onecard: { tokenRule: 'strict' },
      faults: { latencyMs: scaled(1_500) },
    });
    const freshEnv = join(TMP, 'fresh.env');
    writeEnvFor(freshEnv, fresh);
    try {
      const cacheDir = join(TMP, 'concurrent-cache');
      const both = await Promise.all(
        [1, 2].map(() => runCli([...query, '--env-file', freshEnv], baseEnv(cacheDir))),
      );
      expect(both.map((r) => [r.code, r.err])).toEqual([
        [0, ''],
        [0, ''],
      ]);
      expect(fresh.onecardGateway.tokenFetches).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('a refused fetch is remembered in the cache: the next run reports the pause instead of a new fetch', async () => {
    // An empty cache while another process holds the only token: like a second machine.
    const cacheDir = join(TMP, 'refused-cache');
    const refused = await inDir(cacheDir);
    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.err).error).toMatchObject({ gatewayCode: '60048' });
    const paused = await inDir(cacheDir);
    expect(paused.code).toBe(3);
    const { error } = JSON.parse(paused.err);
    expect(error).toMatchObject({ gatewayCode: '60048' });
    expect(error.message).toMatch(/not sent/);
    expect(error.hint).toContain('CAMPUS_PAY_ONECARD_ACCESS_TOKEN');
  });
});

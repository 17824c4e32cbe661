/**
 * The `src` project runs many test files in one worker process (`isolate: false`, vitest.config.ts). What a
 * file changes for the whole process is put back when it ends, so the next file starts as it would alone:
 * - nock: a file that imports it (itself or through a helper) gets its interception on; when the file ends
 *   its interceptors are dropped, connections allowed again and the interception taken off, so the next
 *   file's requests reach real sockets (nock, loaded once per process, does not turn itself on again);
 * - environment variables (`TZ` among them) and vitest's fake timers, stubbed globals and variables.
 * Registered as a `setupFiles` entry before the secret scan; a no-op where files run isolated.
 */
import { readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { dirname, resolve } from 'node:path';
import { afterAll, beforeAll, expect, vi } from 'vitest';

const env = { ...process.env };

const NOCK = /^\s*import\s[^;]*?\sfrom\s+['"]nock['"]/m;
const RELATIVE = /^\s*(?:import|export)\s[^;]*?\sfrom\s+['"](\.{1,2}\/[^'"]+)['"]/gm;
const usesNockCache = new Map<string, boolean>();

/** Whether `file`, or a test file or helper it imports (relative imports, not src/), imports nock. */
function usesNock(file: string): boolean {
  const known = usesNockCache.get(file);
  if (known !== undefined) return known;
  usesNockCache.set(file, false);
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  const found =
    NOCK.test(text) ||
    [...text.matchAll(RELATIVE)]
      .map((m) => resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')))
      .some((dep) => !dep.includes('/src/') && usesNock(dep));
  usesNockCache.set(file, found);
  return found;
}

let nockFile = false;

beforeAll(async () => {
  const file = expect.getState().testPath;
  nockFile = file !== undefined && usesNock(file);
  if (!nockFile) return;
  const { default: nock } = await import('nock');
  if (!nock.isActive()) nock.activate();
  // The SDK's `import { request } from 'node:http'` sees the patched function only after this.
  syncBuiltinESMExports();
});

afterAll(async () => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
  for (const [key, value] of Object.entries(env)) if (process.env[key] !== value) process.env[key] = value;
  if (!nockFile) return;
  const { default: nock } = await import('nock');
  nock.cleanAll();
  nock.enableNetConnect();
  nock.restore();
  syncBuiltinESMExports();
});

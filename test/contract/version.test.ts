/**
 * package.json and CHANGELOG.md agree on the version: the newest CHANGELOG heading is the version, and
 * while that heading says "unreleased" the package carries a `-dev` pre-release of it (docs/install.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');

describe('the version', () => {
  const { version } = JSON.parse(read('package.json')) as { version: string };
  const heading = /^## (\d+\.\d+\.\d+) — (.+)$/m.exec(read('CHANGELOG.md'));

  it('is the newest CHANGELOG heading, -dev while that one is unreleased', () => {
    expect(heading, 'a "## x.y.z — date|unreleased" heading').not.toBeNull();
    const [, changelog, when] = heading!;
    expect(version).toBe(when === 'unreleased' ? `${changelog}-dev` : changelog);
  });

  it('is the same in package-lock.json', () => {
    const lock = JSON.parse(read('package-lock.json')) as {
      version: string;
      packages: { '': { version: string } };
    };
    expect([lock.version, lock.packages[''].version]).toEqual([version, version]);
  });
});

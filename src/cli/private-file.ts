/** Files only the user may read (mode 0600), written whole or not at all. */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigurationError } from '../core/errors.js';

/** POSIX permission bits mean nothing on Windows, where the user profile directory is private already. */
export const CHECKS_MODES = process.platform !== 'win32';

/** Creates `dir` with mode 0700, or narrows an existing one to 0700 (a token cache must not be listable by others). */
export function ensurePrivateDir(dir: string, setting: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (CHECKS_MODES && (statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  } catch (err) {
    throw new ConfigurationError(
      setting,
      `cannot use ${dir} as a private directory (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/**
 * Writes `text` to a fresh temp file (mode 0600, created exclusively) next to `path`, then renames it over
 * `path`: a crash leaves either the old file or the new one, never half of either, and the content is never
 * readable by others, not even for a moment.
 */
export function writePrivateFile(path: string, text: string): void {
  const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

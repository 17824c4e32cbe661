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
import { ConfigurationError } from './errors.js';

/** POSIX permission bits mean nothing on Windows, where the user profile directory is private already. */
export const CHECKS_MODES = process.platform !== 'win32';

/**
 * Creates `dir` with mode 0700. An existing directory of ours that others may only read or list is narrowed
 * to 0700; one that others may write to (like /tmp) is refused rather than changed: it is not ours alone to
 * narrow, and a file in it could be swapped by anyone.
 */
export function ensurePrivateDir(dir: string, setting: string): void {
  let reason: string | undefined;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (CHECKS_MODES) {
      const st = statSync(dir);
      const mine = typeof process.getuid !== 'function' || st.uid === process.getuid();
      if (!st.isDirectory()) reason = 'not a directory';
      else if ((st.mode & 0o022) !== 0 || (st.mode & 0o1000) !== 0 || !mine)
        reason = 'writable by others or not owned by you; choose a private directory';
      else if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
    }
  } catch (err) {
    reason = (err as NodeJS.ErrnoException).code ?? 'error';
  }
  if (reason) throw new ConfigurationError(setting, `cannot use ${dir} as a private directory (${reason})`);
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

/**
 * Exact yuan ↔ fen conversion, on strings: `198.0` meaning ¥198 is the classic bug of code ported from
 * SDKs that take yuan. No float ever touches an amount here.
 */
import { ValidationError } from './errors.js';

const YUAN = /^(0|[1-9]\d{0,13})(?:\.(\d{1,2}))?$/;

/**
 * `'198'`, `'198.0'`, `'198.00'` → 19800 fen. Refuses more than two decimals (a fraction of a fen),
 * signs, exponents, spaces and numbers: pass the amount as the string you were given.
 */
export function yuanToFen(yuan: string): number {
  const m = typeof yuan === 'string' ? YUAN.exec(yuan) : null;
  if (!m) {
    throw new ValidationError('yuanToFen', 'request', [
      {
        path: 'yuan',
        message: 'must be a decimal string of yuan with at most two decimals, e.g. "198.00" (not a number)',
      },
    ]);
  }
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** 19800 → `'198.00'`. Refuses anything but a non-negative safe integer number of fen. */
export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen) || fen < 0) {
    throw new ValidationError('fenToYuan', 'request', [
      { path: 'fen', message: 'must be a non-negative integer number of fen' },
    ]);
  }
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

/** zod building blocks both gateways share: byte limits, integer fen, validation with our error type. */
import { z } from 'zod';
import { toIssues, ValidationError } from './errors.js';

const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** A string of at most `max` UTF-8 bytes (the specs count bytes: a Chinese character is 3). */
export const bytes = (max: number) =>
  z.string().refine((s) => utf8Bytes(s) <= max, { message: `must be at most ${max} bytes in UTF-8` });

/** A required, non-empty string of at most `max` UTF-8 bytes. */
export const requiredBytes = (max: number) =>
  z
    .string()
    .min(1, { message: 'must not be empty' })
    .refine((s) => utf8Bytes(s) <= max, { message: `must be at most ${max} bytes in UTF-8` });

/**
 * An amount in integer fen (分), as a number: a positive safe integer with at most `digits` digits.
 * Fractions, negatives, NaN and strings are refused — no float ever becomes money.
 */
export const fen = (digits = 10) =>
  z
    .number({ message: 'must be an amount in integer fen (a number)' })
    .int({ message: 'must be an integer number of fen (分); fractions of a fen do not exist' })
    .positive({ message: 'must be greater than 0 fen' })
    .max(10 ** digits - 1, { message: `must have at most ${digits} digits` });

/**
 * An amount in a reply: `100`, `"100"` or `"100.0"` → 100. A fractional fen (`"100.5"`) is refused,
 * since it means the gateway and the SDK disagree about units.
 */
export const replyFen = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : /^-?\d+(\.0+)?$/.test(v.trim()) ? Number.parseFloat(v) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    ctx.addIssue({ code: 'custom', message: 'must be an integer amount in fen' });
    return z.NEVER;
  }
  return n;
});

/** A reply string field that some deployments send as a number. */
export const replyString = z.union([z.string(), z.number()]).transform(String);

/** Runs a schema and throws our ValidationError, naming the method, the field and the rule. */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  method: string,
  direction: 'request' | 'response' | 'notification',
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(method, direction, toIssues(result.error.issues));
  return result.data;
}

/**
 * zod building blocks both gateways share. Requests are strict (exact keys, byte limits, integer fen);
 * replies are tolerant (null and "" in optional fields, unknown codes) except where money is decided.
 */
import { z } from 'zod';
import { toIssues, ValidationError } from './errors.js';
import { isHttpUrl } from './options.js';

const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** A string of at most `max` UTF-8 bytes (the specs count bytes: a Chinese character is 3). */
export const bytes = (max: number) =>
  z
    .string()
    .refine((s) => utf8Bytes(s) <= max, { message: `must be at most ${max} bytes in UTF-8` })
    .meta({ limit: `at most ${max} bytes (UTF-8)` });

/** A required, non-empty string of at most `max` UTF-8 bytes. */
export const requiredBytes = (max: number) =>
  z
    .string()
    .min(1, { message: 'must not be empty' })
    .refine((s) => utf8Bytes(s) <= max, { message: `must be at most ${max} bytes in UTF-8` })
    .meta({ limit: `at most ${max} bytes (UTF-8)` });

/** GBK byte length: 2 per character outside ASCII (CJK, full-width punctuation), 1 for ASCII. */
const gbkBytes = (s: string) => {
  let n = 0;
  for (const ch of s) n += ch.codePointAt(0)! < 0x80 ? 1 : 2;
  return n;
};

/**
 * A string the gateway measures in GBK bytes: String(128) with "全中文最多 60 个汉字" counts a Chinese
 * character as 2 bytes, not UTF-8's 3.
 */
export const gbk = (max: number) =>
  z
    .string()
    .refine((s) => gbkBytes(s) <= max, {
      message: `must be at most ${max} bytes in GBK (a Chinese character counts 2)`,
    })
    .meta({ limit: `at most ${max} bytes (GBK)` });

/**
 * An amount in integer fen (分), as a number: a positive safe integer with at most `digits` digits.
 * Fractions, negatives, NaN and strings are refused — no float ever becomes money.
 */
export const fen = (digits = 10) =>
  z
    .number({ message: 'must be an amount in integer fen (a number)' })
    .int({ message: 'must be an integer number of fen (分); fractions of a fen do not exist' })
    .positive({ message: 'must be greater than 0 fen' })
    .max(10 ** digits - 1, { message: `must have at most ${digits} digits` })
    .meta({ limit: `integer fen (分), at most ${digits} digits` });

/** An absolute http(s) URL with no whitespace, quotes or angle brackets (nothing to split a header or an attribute on). */
export const httpUrl = (max?: number) =>
  z
    .string()
    .refine(isHttpUrl, { message: 'must be an absolute http(s) URL (no spaces, quotes or line breaks)' })
    .refine((s) => max === undefined || utf8Bytes(s) <= max, { message: `must be at most ${max} bytes` });

/** A number that arrived where text was expected is kept only when exact: a 22-digit code as a JSON number has already lost digits. */
const exactText = (v: string | number, ctx: z.RefinementCtx): string => {
  if (typeof v === 'number' && !(Number.isFinite(v) && (!Number.isInteger(v) || Number.isSafeInteger(v)))) {
    ctx.addIssue({
      code: 'custom',
      message: 'arrived as a JSON number too large to be exact; the gateway must send it as a string',
    });
    return z.NEVER;
  }
  return String(v);
};

/** A reply amount: `100`, `"100"` or `"100.0"` → 100. A fractional fen (`"100.5"`) is refused. */
export const replyFen = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : /^-?\d+(\.0+)?$/.test(v.trim()) ? Number.parseFloat(v) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    ctx.addIssue({ code: 'custom', message: 'must be an integer amount in fen' });
    return z.NEVER;
  }
  return n;
});

/** A reply string field that some deployments send as a number (kept only when exact). */
export const replyString = z.union([z.string(), z.number()]).transform(exactText);

/** Absent, null and "" all mean "not given" in a reply (Java gateways write null for empty fields). */
const blank = (v: unknown) => (v === null || v === '' ? undefined : v);

/** An optional reply string: absent, null or "" → undefined. */
export const optString = z.preprocess(blank, replyString.optional());
/** An optional reply amount in fen: absent, null or "" → undefined. */
export const optFen = z.preprocess(blank, replyFen.optional());

/** What every reply object has beside the spec's fields. */
export type Extra = {
  /** Fields the reply carries beyond the spec's, as received (e.g. `acc_status`, `cardid`). */
  extra: Record<string, unknown>;
};

/** One object type rather than an intersection, so editors and the API docs show the fields in one list. */
type Flat<T> = { [K in keyof T]: T[K] } & {};

/**
 * A reply schema over `shape`. Named, so the published declarations keep `S` as written, JSDoc on each
 * key included, and editors show it on the reply type's fields there too.
 */
export type ReplySchema<S extends z.ZodRawShape> = z.ZodPipe<
  z.ZodObject<S, z.core.$loose>,
  z.ZodTransform<Flat<z.output<z.ZodObject<S>> & Extra>, z.output<z.ZodObject<S, z.core.$loose>>>
>;

/**
 * A reply object: the spec's fields by name, and everything a deployment adds kept under `extra`
 * rather than mixed in, so a typo in a field name never type-checks. Its output is the reply's type
 * (`z.output<typeof XxxResponse>`): JSDoc written on the shape's keys is what editors show.
 */
export function replyObject<S extends z.ZodRawShape>(shape: S): ReplySchema<S> {
  const known = new Set(Object.keys(shape));
  return z.looseObject(shape).transform((v) => {
    const out: Record<string, unknown> = {};
    const extra: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) {
      if (known.has(k)) out[k] = val;
      else extra[k] = val;
    }
    return { ...out, extra } as Flat<z.output<z.ZodObject<S>> & Extra>;
  });
}

/** A reply list that some deployments send as a single object, null or "". */
export const replyList = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) => (v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? v : [v]),
    z.array(item),
  );

/** A closed set of codes, written once: each code the spec lists with its state and the spec's wording. */
export type StatusTable = Readonly<Record<string, { readonly state: string; readonly meaning: string }>>;
/** The state a code of `M` reads as: one of the table's, or `'unknown'` for a code it does not list. */
export type StateOf<M extends StatusTable> = M[keyof M]['state'] | 'unknown';

/**
 * A closed set in a reply, read openly: the raw code is kept, its state is `'unknown'` when the table
 * does not know it. A gateway that adds a status must not turn a valid reply into an error.
 */
export function meaningOf<M extends StatusTable>(
  table: M,
  code: string | undefined,
): M[keyof M]['state'] | 'unknown' {
  return code !== undefined && Object.hasOwn(table, code) ? (table[code]!.state as StateOf<M>) : 'unknown';
}

/** A reply with one more field, `key`: what its raw code means (see meaningOf). */
export type WithState<R extends z.ZodType, K extends string, M extends StatusTable> = z.ZodPipe<
  R,
  z.ZodTransform<z.output<R> & { [P in K]: M[keyof M]['state'] | 'unknown' }, z.output<R>>
>;

/** Adds `key` to a reply: the state its raw code (`codeOf`) has in `table`, `'unknown'` when unlisted. */
export function withState<R extends z.ZodType<object>, K extends string, M extends StatusTable>(
  reply: R,
  key: K,
  table: M,
  codeOf: (v: z.output<R>) => string | undefined,
): WithState<R, K, M> {
  return reply.transform((v) => ({ ...v, [key]: meaningOf(table, codeOf(v)) })) as WithState<R, K, M>;
}

/** Runs a schema and throws our ValidationError, naming the method, the field and the rule. */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  method: string,
  direction: 'request' | 'response' | 'notification',
): z.output<S> {
  // reportInput: so toIssues can tell a missing field from a wrong one (the inputs go no further).
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) throw new ValidationError(method, direction, toIssues(result.error.issues));
  return result.data;
}

/**
 * The sandbox's own check of every field it receives, written per method beside its handler
 * (`onecard/methods/`, `zhixiao/methods.ts`) from the specs' field tables: String(n) byte limits, amounts
 * as decimal integer strings, enumerations, times. It does not reuse the client's schemas on purpose: it
 * is an independent check, so a client that sends a wrong format fails against the sandbox instead of
 * agreeing with itself.
 */
import type { Handler, MethodSpec } from '../core/method.js';
import { parseGatewayTime } from '../core/time.js';

export interface FieldRule {
  /** 可空 / 非必须: absent, null or "" passes. */
  optional: boolean;
  /** What is wrong with a present, non-empty value, or undefined; `.inner …` for a field inside it. */
  problem(value: unknown): string | undefined;
}

export interface Format {
  fields: Record<string, FieldRule>;
  /** A rule across fields (one of two, required when…): what is wrong, naming the field, or undefined. */
  across?: (body: Record<string, unknown>) => string | undefined;
}

/**
 * One method of an emulated gateway, in one place: the formats of the fields it receives (the spec's
 * field table, not the client's schema) and its handler, which sees only bodies that passed them.
 */
export interface SandboxMethod<S extends MethodSpec, Args extends unknown[] = [], Also = never>
  extends Format {
  handle: Handler<S, Args, Also>;
}

/**
 * One record per method of table `T`: a method added to the table without one, a handler reading a
 * field the request does not have, or one leaving out a required reply field does not compile. Field
 * names in `fields` are the spec's, deliberately not tied to the schema's keys: a key misspelt in the
 * client's schema is then refused here rather than agreed with.
 */
export type SandboxMethods<
  T extends Record<string, MethodSpec>,
  Args extends unknown[] = [],
  Also = never,
> = {
  [M in keyof T]: SandboxMethod<T[M], Args, Also>;
};

const isEmpty = (v: unknown) => v === undefined || v === null || v === '';

/**
 * The first thing wrong with `body`, naming the field and the rule, or undefined. Fields the table does
 * not list are not looked at (gateways ignore them).
 */
export function formatProblem(format: Format, body: Record<string, unknown>): string | undefined {
  for (const [name, rule] of Object.entries(format.fields)) {
    const v = body[name];
    if (isEmpty(v)) {
      if (rule.optional) continue;
      return `${name} 不能为空 (required)`;
    }
    const p = rule.problem(v);
    if (p) return p.startsWith('.') ? name + p : `${name} ${p}`;
  }
  return format.across?.(body);
}

const rule = (problem: FieldRule['problem']): FieldRule => ({ optional: false, problem });
/** The same rule, for a field the spec marks 可空 (or 否). */
export const optional = (r: FieldRule): FieldRule => ({ ...r, optional: true });

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');
const gbk = (s: string) => [...s].reduce((n, ch) => n + (ch.codePointAt(0)! < 0x80 ? 1 : 2), 0);

const str = (test: (s: string) => string | undefined) =>
  rule((v) => (typeof v === 'string' ? test(v) : '须为字符串 (must be a JSON string)'));

/** String(n): at most `max` bytes in UTF-8 (no limit when the spec gives none). */
export const text = (max?: number) =>
  str((s) => (max !== undefined && utf8(s) > max ? `超过 ${max} 字节 (over ${max} bytes)` : undefined));

/** String(n) the gateway counts in GBK: a Chinese character is 2 bytes (全中文最多 60 个汉字 in 128). */
export const gbkText = (max: number) =>
  str((s) => (gbk(s) > max ? `超过 ${max} 字节 GBK (over ${max} GBK bytes)` : undefined));

/** One of the values the spec lists. */
export const oneOf = (...values: string[]) =>
  str((s) => (values.includes(s) ? undefined : `须为 ${values.join(' / ')} 之一 (not a listed value)`));

/** An amount in fen: a decimal integer string, no sign, fraction or leading zero, at most `digits` digits. */
export const amount = (digits: number) =>
  str((s) =>
    /^[1-9]\d*$/.test(s) && s.length <= digits
      ? undefined
      : `须为不超过 ${digits} 位的正整数字符串, 单位分 (decimal integer fen)`,
  );

/** Digits only, `min` to `max` of them. */
export const digits = (min: number, max: number) =>
  str((s) =>
    new RegExp(`^\\d{${min},${max}}$`).test(s) ? undefined : `须为 ${min}-${max} 位数字 (digits only)`,
  );

/** yyyyMMdd naming a real day. */
export const day = () =>
  str((s) =>
    /^\d{8}$/.test(s) && parseGatewayTime(`${s}000000`) ? undefined : '须为 yyyyMMdd (a real date)',
  );

/** How far in the future a Beijing time may be: the gateway's clock tolerance (spec 1.2.1, 6 minutes). */
const SKEW_MS = 6 * 60_000;

/**
 * yyyyMMddHHmmss in Beijing time: 14 digits naming a real moment, not later than now. A time written in
 * a zone east of Beijing lands in the future and is refused; an ISO string is refused for its shape.
 */
export const beijingTime = () =>
  str((s) => {
    const at = /^\d{14}$/.test(s) ? parseGatewayTime(s) : undefined;
    if (!at) return '须为 14 位 yyyyMMddHHmmss 北京时间 (must be yyyyMMddHHmmss, Beijing time)';
    return at.getTime() > Date.now() + SKEW_MS ? '晚于当前北京时间 (later than now in Beijing)' : undefined;
  });

/** An absolute http(s) URL of at most `max` bytes. */
export const url = (max?: number) =>
  str((s) => {
    if (max !== undefined && utf8(s) > max) return `超过 ${max} 字节 (over ${max} bytes)`;
    let ok = !/[\s<>"'`\\]/.test(s);
    try {
      const u = new URL(s);
      ok &&= (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      ok = false;
    }
    return ok ? undefined : '须为 http(s) 绝对地址 (must be an absolute http(s) URL)';
  });

/** The rule, or the text `null` (as form-minded gateways write a JSON null): 值为 null 时不发起通知. */
export const orNull = (r: FieldRule): FieldRule => ({
  ...r,
  problem: (v) => (v === 'null' ? undefined : r.problem(v)),
});

/** A JSON integer among the listed values (Zhixiao's `int` fields). */
export const int = (...values: number[]) =>
  rule((v) =>
    typeof v === 'number' && values.includes(v)
      ? undefined
      : `须为整数 ${values.join(' / ')} 之一 (a JSON integer: ${values.join(' or ')})`,
  );

/** A JSON object with its own field table (Zhixiao's `piaoju`). */
export const object = (format: Format) =>
  rule((v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      return '须为 JSON 对象 (must be a JSON object)';
    const p = formatProblem(format, v as Record<string, unknown>);
    return p && `.${p}`;
  });

/** Across fields: at least one of the two is given (二选一 / 必传其一). */
export const eitherOf =
  (a: string, b: string) =>
  (body: Record<string, unknown>): string | undefined =>
    isEmpty(body[a]) && isEmpty(body[b]) ? `${a} 和 ${b} 须传其一 (give ${a} or ${b})` : undefined;

/** Across fields: `field` is required when `when` holds. */
export const requiredWhen =
  (field: string, when: (body: Record<string, unknown>) => boolean, why: string) =>
  (body: Record<string, unknown>): string | undefined =>
    when(body) && isEmpty(body[field]) ? `${field} 不能为空: ${why}` : undefined;

/** Every cross-field rule, first problem first. */
export const all =
  (...rules: Array<(body: Record<string, unknown>) => string | undefined>) =>
  (body: Record<string, unknown>): string | undefined => {
    for (const r of rules) {
      const p = r(body);
      if (p) return p;
    }
    return undefined;
  };

/** An amount that passed `amount()`, as a number of fen. */
export const fen = (v: unknown): number => Number(v);

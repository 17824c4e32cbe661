/**
 * Option checks, so that a wrong setting fails before any I/O, naming the option. One validator for option values, used for the client's options (a ConfigurationError at construction)
 * and for each call's options (a ValidationError before any I/O) alike: the same types, the same ranges,
 * the same wording. A rule returns what is wrong with a value, or undefined when it is fine.
 */
import { ConfigurationError } from './errors.js';

/** Reads a required string option, or throws ConfigurationError naming it. */
export function requireOption(options: object, name: string, rule: 'string' | 'url' = 'string'): string {
  const v = (options as Record<string, unknown>)[name];
  if (typeof v !== 'string' || v === '')
    throw new ConfigurationError(name, 'is required (a non-empty string)');
  if (rule === 'url' && !isHttpUrl(v)) throw new ConfigurationError(name, 'must be an absolute http(s) URL');
  return v;
}

/** An absolute http(s) URL with a host and nothing a header or an HTML attribute could be split on. */
export function isHttpUrl(v: string): boolean {
  if (/[\s<>"'`\\]/.test(v) || !/^https?:\/\/[^/?#]/i.test(v)) return false;
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** What is wrong with a value, or undefined. */
export type OptionRule = (value: unknown) => string | undefined;

/** Node keeps timer delays in a signed 32-bit count: a longer one fires after 1 ms instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A finite number from `min` to `max`; an integer when `int`. */
export const numberRule =
  (min: number, max: number, int = false): OptionRule =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!int || Number.isInteger(v))
      ? undefined
      : `must be a finite ${int ? 'integer' : 'number'} from ${min} to ${max}`;

/** Milliseconds a timer can wait: a finite number from 1 to `max` (at most MAX_TIMER_MS). */
export const msRule =
  (max = MAX_TIMER_MS): OptionRule =>
  (v) =>
    numberRule(1, Math.min(max, MAX_TIMER_MS))(v) &&
    `must be a finite number of milliseconds from 1 to ${Math.min(max, MAX_TIMER_MS)}`;

export const booleanRule: OptionRule = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');

export const signalRule: OptionRule = (v) =>
  v instanceof AbortSignal
    ? undefined
    : 'must be an AbortSignal (pass controller.signal, not the controller)';

/** The per-attempt timeout, the client's `timeoutMs` and a call's: up to 10 minutes. */
export const timeoutRule = msRule(600_000);

/** A client option: its default when undefined, else the value if the rule accepts it. */
export function clientOption<T>(options: object, name: string, rule: OptionRule, dflt: T): T {
  const v = (options as Record<string, unknown>)[name];
  if (v === undefined) return dflt;
  const wrong = rule(v);
  if (wrong) throw new ConfigurationError(name, wrong);
  return v as T;
}

export interface OptionIssue {
  key: string;
  message: string;
}

/**
 * Everything wrong with an options object: not a plain object, a value its rule refuses (undefined
 * counts as absent), or a key no rule knows — with the closest known key as a suggestion.
 */
export function optionIssues(opts: unknown, rules: Readonly<Record<string, OptionRule>>): OptionIssue[] {
  const known = Object.keys(rules);
  const proto = typeof opts === 'object' && opts !== null ? Object.getPrototypeOf(opts) : undefined;
  if (proto !== Object.prototype && proto !== null)
    return [{ key: '', message: `must be a plain object such as { ${known.join(', ')} }` }];
  return Object.entries(opts as Record<string, unknown>).flatMap(([key, v]): OptionIssue[] => {
    if (!Object.hasOwn(rules, key)) {
      const near = closest(key, known);
      return [
        {
          key,
          message: near
            ? `is not an option; did you mean ${near}?`
            : `is not an option (known: ${known.join(', ')})`,
        },
      ];
    }
    const wrong = v === undefined ? undefined : rules[key]!(v);
    return wrong ? [{ key, message: wrong }] : [];
  });
}

/** The known word nearest to `word` (case-insensitive edit distance), if it is near enough to be a typo. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** Checks of options and URLs, so that a wrong setting fails before any I/O, naming the option. */
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

/**
 * The candidate nearest to `word` by case-insensitive edit distance, for a "did you mean" in an error;
 * undefined when none is near enough to be a likely typo (at most a third of the word's letters, or 2).
 * Ties go to the earlier candidate.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(w.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance: the fewest insertions, deletions and substitutions from `a` to `b`. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

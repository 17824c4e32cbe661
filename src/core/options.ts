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

/**
 * How the sandbox writes empty optional reply fields, so tests meet what real gateways send:
 * `'empty'` writes "" (the default), `'null'` writes null (a Java gateway's habit), `'omit'` leaves the
 * field out.
 */
export type ReplyStyle = 'empty' | 'null' | 'omit';

export function styleReply<T>(value: T, style: ReplyStyle): T {
  if (style === 'empty' || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => styleReply(v, style)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // retcode is never empty; everything else that is empty is written the chosen way.
    if (v === '' && k !== 'retcode') {
      if (style === 'null') out[k] = null;
    } else out[k] = styleReply(v, style);
  }
  return out as T;
}

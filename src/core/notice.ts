/** Reading a notice's fields from whatever reached the endpoint, for both gateways. */
import { SignatureError, ValidationError } from './errors.js';

/** What reached the endpoint: the raw body (POST) or the query string (GET), or fields a framework parsed. */
export type NotificationInput = string | Buffer | Uint8Array | URLSearchParams | Record<string, unknown>;

/** Turns any NotificationInput into fields: a query or form string, URLSearchParams, or already-parsed fields. */
export function inputToFields(input: NotificationInput): Record<string, unknown> {
  if (typeof input !== 'string' && (typeof input !== 'object' || input === null || Array.isArray(input))) {
    throw new ValidationError('parseNotification', 'notification', [
      {
        path: 'input',
        message: `must be the raw body (string or Buffer), the query (URLSearchParams) or the form fields as an object; got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`,
      },
    ]);
  }
  if (input instanceof URLSearchParams) return Object.fromEntries(input);
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
    return Object.fromEntries(new URLSearchParams(text.trim().replace(/^\?/, '')));
  }
  return input;
}

/**
 * The string fields of a notice, for both gateways, exactly as received. Refuses an object that carries
 * none of the envelope's fields (a parsed JSON payload handed over by mistake) and any non-string field.
 */
export function noticeFields(input: NotificationInput, envelope: readonly string[]): Record<string, string> {
  const raw = inputToFields(input);
  if (!envelope.some((f) => f in raw)) {
    const parsedObject =
      typeof input === 'object' && !(input instanceof URLSearchParams) && !(input instanceof Uint8Array);
    if (parsedObject && Object.keys(raw).length > 0) {
      throw new SignatureError(
        'parsed_body',
        `notification: got an object without ${envelope.join('/')} — pass the raw body or query string, or the form fields, not a parsed JSON payload`,
      );
    }
    throw new SignatureError('missing_signature', `notification: none of ${envelope.join(', ')} is present`);
  }
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string')
      throw new SignatureError('malformed', `notification: field ${k} is not a string`);
  }
  return { ...(raw as Record<string, string>) };
}

/**
 * Standard form decoding turns a raw `+` into a space, and base64 never contains a space: a copy with
 * `+` put back in those of `base64Fields` that then read as base64, or undefined when there is nothing to
 * repair. Callers verify the fields as received first and try this only when that fails, so a plain-JSON
 * field keeps its spaces.
 */
export function base64Repaired(
  fields: Record<string, string>,
  base64Fields: readonly string[],
): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const f of base64Fields) {
    const v = fields[f];
    if (v === undefined || !v.includes(' ')) continue;
    const fixed = v.replaceAll(' ', '+');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(fixed)) continue;
    out ??= { ...fields };
    out[f] = fixed;
  }
  return out;
}

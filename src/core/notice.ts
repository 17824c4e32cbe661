/** Reading a notice's fields from whatever reached the endpoint, for both gateways. */
import { SignatureError } from './errors.js';
import { restoreBase64Fields } from './form.js';

/** What reached the endpoint: the raw body (POST) or the query string (GET), or fields a framework parsed. */
export type NotificationInput = string | Buffer | Uint8Array | URLSearchParams | Record<string, unknown>;

/** Turns any NotificationInput into fields: a query or form string, URLSearchParams, or already-parsed fields. */
function inputToFields(input: NotificationInput): Record<string, unknown> {
  if (input instanceof URLSearchParams) return Object.fromEntries(input);
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
    return Object.fromEntries(new URLSearchParams(text.trim().replace(/^\?/, '')));
  }
  return input;
}

/**
 * The string fields of a notice, for both gateways. Refuses an object that carries none of the envelope's
 * fields (a parsed JSON payload handed over by mistake) and any non-string field; repairs base64 fields in
 * which a framework's form decoding turned `+` into spaces.
 */
export function noticeFields(
  input: NotificationInput,
  envelope: readonly string[],
  base64: readonly string[],
): Record<string, string> {
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
  return restoreBase64Fields({ ...(raw as Record<string, string>) }, base64);
}

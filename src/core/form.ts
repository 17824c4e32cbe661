/** Form encoding and decoding, written out because the gateways' base64 fields do not survive the defaults. */

/** `a=1&b=2`, each name and value percent-encoded exactly once (space as %20, `+` as %2B). */
export function encodeForm(fields: Record<string, string>): string {
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    out += `${out ? '&' : ''}${encodeURIComponent(k)}=${encodeURIComponent(v)}`;
  }
  return out;
}

/**
 * Splits on `&`, then on the first `=` only, percent-decoding each part once. A literal `+` stays a
 * `+` (the OneCard reply carries raw base64). Returns undefined when a part is not valid percent-encoding.
 */
export function decodeStrictForm(body: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const pair of body.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    try {
      out[decodeURIComponent(name)] = decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return out;
}

/**
 * Reads inbound notification fields from whatever a web framework hands over. Standard form decoding
 * turns `+` into a space; base64 and hex never contain spaces, so in `base64Fields` a space is put back
 * to `+`, which makes both a correctly encoded and a raw-`+` sender work.
 */
export function restoreBase64Fields(fields: Record<string, string>, base64Fields: readonly string[]) {
  for (const f of base64Fields) {
    const v = fields[f];
    if (typeof v === 'string' && v.includes(' ')) fields[f] = v.replaceAll(' ', '+');
  }
  return fields;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const GBK = new TextDecoder('gbk');

/** Decodes a body as UTF-8, or as GBK when it is not valid UTF-8 (older Synjones builds answer in GBK). */
export function decodeText(body: Uint8Array): string {
  try {
    return UTF8.decode(body);
  } catch {
    return GBK.decode(body);
  }
}

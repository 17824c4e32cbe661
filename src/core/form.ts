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
 * The name-value pairs of a form, in order: split on `&`, then on the first `=` only, each part
 * percent-decoded once as UTF-8. With `plus: 'space'` a `+` is a space, as
 * application/x-www-form-urlencoded (and URLSearchParams) reads it; with `plus: 'keep'` it stays a `+`
 * (the OneCard reply carries raw base64). Undefined when a part is not valid percent-encoded UTF-8, where
 * URLSearchParams would substitute U+FFFD and pass the damage on.
 */
export function decodeFormPairs(body: string, plus: 'space' | 'keep'): Array<[string, string]> | undefined {
  const out: Array<[string, string]> = [];
  for (const pair of body.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const part = (s: string) => decodeURIComponent(plus === 'space' ? s.replaceAll('+', ' ') : s);
    try {
      out.push(eq < 0 ? [part(pair), ''] : [part(pair.slice(0, eq)), part(pair.slice(eq + 1))]);
    } catch {
      return undefined;
    }
  }
  return out;
}

/** decodeFormPairs with `+` kept, as a record (a repeated name keeps its last value). */
export function decodeStrictForm(body: string): Record<string, string> | undefined {
  const pairs = decodeFormPairs(body, 'keep');
  return pairs && Object.fromEntries(pairs);
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

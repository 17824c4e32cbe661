/** What of a gateway's body may be kept in an error: never a key, a token or anything like one. */

/**
 * Masks what may be secret before a body excerpt is kept: the given secrets (keys, the current token) by
 * value wherever they appear — raw, percent-encoded or form-encoded — before anything is cut, then any run
 * that looks like key, signature or ciphertext material.
 */
export function redactExcerpt(
  text: string,
  secrets: readonly (string | undefined)[] = [],
  max = 200,
): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    for (const form of new Set([
      secret,
      encodeURIComponent(secret),
      new URLSearchParams({ s: secret }).toString().slice(2),
    ]))
      out = out.replaceAll(form, '[redacted]');
  }
  return out
    .slice(0, max)
    .replace(/[A-Za-z0-9+/=%]{24,}/g, '[redacted]')
    .replace(/[\r\n\t]+/g, ' ')
    .trim();
}

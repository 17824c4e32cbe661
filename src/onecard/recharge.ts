/** Turning a recharge reply (2.2.4.3) into what the payer's browser or phone needs. */
import { ValidationError } from '../core/errors.js';
import type { RechargeReply } from './schemas.js';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The post_data pairs, decoded once (`+` kept: the values can be base64). */
function pairs(postData: string): Array<[string, string]> {
  return postData
    .split('&')
    .filter(Boolean)
    .map((p) => {
      const eq = p.indexOf('=');
      const dec = (x: string) => {
        try {
          return decodeURIComponent(x);
        } catch {
          return x;
        }
      };
      return eq < 0 ? [dec(p), ''] : [dec(p.slice(0, eq)), dec(p.slice(eq + 1))];
    });
}

/**
 * An HTML page that submits the payer's browser to the payment system (post_type `post` or `get`).
 * Send it as the response body of the page where the payer clicked "recharge".
 */
export function rechargeToHtmlForm(
  reply: Pick<RechargeReply, 'post_type' | 'post_url' | 'post_data'>,
): string {
  // The form's action comes from the gateway's reply: never let a `javascript:` or malformed URL run.
  if (!/^https?:$/.test(urlProtocol(reply.post_url))) {
    throw new ValidationError('rechargeToHtmlForm', 'response', [
      { path: 'post_url', message: 'must be an absolute http(s) URL to submit the payer to' },
    ]);
  }
  const method = reply.post_type.toLowerCase() === 'get' ? 'get' : 'post';
  const inputs = pairs(reply.post_data)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('\n    ');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Redirecting to payment</title></head>
<body onload="document.forms[0].submit()">
  <form method="${method}" action="${escapeHtml(reply.post_url)}">
    ${inputs}
    <noscript><button type="submit">Continue to payment</button></noscript>
  </form>
</body></html>`;
}

/** The scheme of a URL, or "" when it does not parse (HTML escaping handles the rest of it). */
function urlProtocol(url: string): string {
  try {
    return new URL(url).protocol;
  } catch {
    return '';
  }
}

export interface RechargeQr {
  /** The text to encode in a QR code (for `native`, post_url is the QR content). */
  text: string;
  /** The gateway's own QR image (PNG), when it sent one in post_data. */
  png?: Buffer;
}

/** For post_type `native` (scan to pay): the QR text, and the gateway's PNG when it sent one. */
export function rechargeToQrPayload(
  reply: Pick<RechargeReply, 'post_type' | 'post_url' | 'post_data'>,
): RechargeQr {
  let png: Buffer | undefined;
  if (reply.post_data) {
    const raw = reply.post_data.replace(/^[^=]*=(?=[A-Za-z0-9+/%])/, '');
    let b64: string;
    try {
      b64 = decodeURIComponent(raw);
    } catch {
      throw new ValidationError('rechargeToQrPayload', 'response', [
        { path: 'post_data', message: 'is not valid percent-encoding' },
      ]);
    }
    const bytes = Buffer.from(b64, 'base64');
    if (bytes.subarray(1, 4).toString('latin1') === 'PNG') png = bytes;
  }
  return png ? { text: reply.post_url, png } : { text: reply.post_url };
}

/** Turning a recharge reply (2.2.4.3) into what the payer's browser or phone needs. */
import { ValidationError } from '../core/errors.js';
import { decodeFormPairs } from '../core/form.js';
import type { RechargeReply } from './schemas.js';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The post_data pairs. 2.2.4.3 calls post_data urlencoded (字段为 urlencode 编码后的数据), so it is read
 * as application/x-www-form-urlencoded: a literal `+` is a space, and a `+` of a base64 value arrives as
 * `%2B`. Broken percent-encoding is refused rather than handed on as U+FFFD.
 */
function pairs(postData: string, helper: string): Array<[string, string]> {
  const out = decodeFormPairs(postData, 'space');
  if (!out) {
    throw new ValidationError(helper, 'response', [
      {
        path: 'post_data',
        message: 'is not valid percent-encoded UTF-8 (application/x-www-form-urlencoded)',
      },
    ]);
  }
  return out;
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
  const inputs = pairs(reply.post_data, 'rechargeToHtmlForm')
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

/** The eight bytes every PNG file starts with. */
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * For post_type `native` (scan to pay): the QR text, and the gateway's PNG when it sent one. 2.2.4.3:
 * the PNG is base64, then urlencoded — one bare value (`iVBOR…%2B…%3D`); a deployment that names it
 * (`img=…`) is read too. A value that is not base64 once decoded (a literal `+` became a space) or not a
 * PNG gives no `png`: the QR text alone still works, a damaged image would not.
 */
export function rechargeToQrPayload(
  reply: Pick<RechargeReply, 'post_type' | 'post_url' | 'post_data'>,
): RechargeQr {
  const [first, ...more] = pairs(reply.post_data, 'rechargeToQrPayload');
  const b64 = first && more.length === 0 ? first[1] || first[0] : '';
  const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(b64) ? Buffer.from(b64, 'base64') : undefined;
  const png = bytes?.subarray(0, 8).equals(PNG_SIGNATURE) ? bytes : undefined;
  return png ? { text: reply.post_url, png } : { text: reply.post_url };
}

import { describe, expect, it } from 'vitest';
import { rechargeToHtmlForm, rechargeToQrPayload, ValidationError } from '../../../src/index.js';

/** The hidden inputs of a page, HTML-unescaped: what the payer's browser will submit. */
const inputsOf = (html: string) =>
  [...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((m) =>
    m
      .slice(1, 3)
      .map((s) =>
        s.replace(
          /&(amp|lt|gt|quot|#39);/g,
          (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!,
        ),
      ),
  );
const form = (post_data: string) =>
  rechargeToHtmlForm({ post_type: 'post', post_url: 'https://pay.example/gw', post_data });

/**
 * A PNG (signature, then bytes chosen so its base64 holds `+`, `/` and `=` padding), written out here:
 * base64 `iVBORw0KGgoA++++////AA==`.
 */
const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0xfb, 0xef, 0xbe, 0xff, 0xff, 0xff, 0,
]);
const PNG_B64 = 'iVBORw0KGgoA++++////AA==';
const qr = (post_data: string) =>
  rechargeToQrPayload({ post_type: 'native', post_url: 'weixin://x', post_data });

describe('rechargeToHtmlForm', () => {
  it('an auto-submitting form: method, action and every post_data field, escaped', () => {
    const html = rechargeToHtmlForm({
      post_type: 'post',
      post_url: 'https://pay.example/gw?a=1&b="2"',
      post_data: 'merchantNo=1000&orderNo=A%2B1&note=%3Cscript%3E',
    });
    expect(html).toContain('<form method="post" action="https://pay.example/gw?a=1&amp;b=&quot;2&quot;">');
    expect(html).toContain('<input type="hidden" name="orderNo" value="A+1">');
    expect(html).toContain('value="&lt;script&gt;"');
    expect(html).not.toContain('<script>');
    expect(html).toContain('document.forms[0].submit()');
    expect(rechargeToHtmlForm({ post_type: 'get', post_url: 'https://p', post_data: '' })).toContain(
      'method="get"',
    );
  });

  it('post_data is read as application/x-www-form-urlencoded: a literal + is a space, %2B a plus', () => {
    const note = encodeURIComponent('校园卡 充值 50.00元').replaceAll('%20', '+');
    expect(inputsOf(form(`subject=${note}&sign=${encodeURIComponent('ab+c/d==')}&raw=x+y%2Bz`))).toEqual([
      ['subject', '校园卡 充值 50.00元'],
      ['sign', 'ab+c/d=='],
      ['raw', 'x y+z'],
    ]);
  });

  // The oracle is the platform's own form parser. `&` in front keeps URLSearchParams from dropping a
  // leading `?`, which only its constructor does (the form parser keeps it).
  it.each([
    'merchantNo=1000&orderNo=20150123213213&orderAmount=1.22&orderTime=20160419111232',
    'appId=wx2421b1c4370ec43b&package=prepay_id%3du802345jgfjsdfgsdg888&signType=MD5',
    `subject=${encodeURIComponent('校园卡充值')}&body=校园卡 充值&x=a+b+c`,
    `img=${encodeURIComponent(PNG_B64)}&plain=${PNG_B64}`,
    'a=1&&b=2&=empty-name&novalue&c==d&a=again',
    '?q=1&x%20y=%2B%25',
  ])('%s decodes as URLSearchParams does', (postData) => {
    expect(inputsOf(form(postData))).toEqual([...new URLSearchParams(`&${postData}`)]);
  });

  it.each(['a=%E0%A4%A', 'a=%FF', 'a=%', '%zz=1'])(
    'broken percent-encoding (%s) is refused, not submitted as U+FFFD',
    (postData) => {
      const err = (() => {
        try {
          form(postData);
        } catch (e) {
          return e as ValidationError;
        }
      })();
      expect(err).toBeInstanceOf(ValidationError);
      expect(err?.issues).toEqual([
        {
          path: 'post_data',
          message: 'is not valid percent-encoded UTF-8 (application/x-www-form-urlencoded)',
        },
      ]);
    },
  );
});

describe('rechargeToQrPayload', () => {
  it('the text from post_url; no png when post_data is empty', () => {
    expect(qr('')).toEqual({ text: 'weixin://x' });
  });

  it.each([
    ['the spec’s form: base64, then urlencoded', encodeURIComponent(PNG_B64)],
    ['a named field', `img=${encodeURIComponent(PNG_B64)}`],
    ['only + encoded (/ and = need no encoding in a value)', `img=${PNG_B64.replaceAll('+', '%2B')}`],
  ])('the gateway’s PNG: %s', (_what, postData) => {
    expect(encodeURIComponent(PNG_B64)).toBe('iVBORw0KGgoA%2B%2B%2B%2B%2F%2F%2F%2FAA%3D%3D');
    const r = qr(postData);
    expect(r.text).toBe('weixin://x');
    expect(r.png?.equals(PNG)).toBe(true);
  });

  it.each([
    ['a literal + (a space once decoded: no longer base64)', `img=${PNG_B64}`],
    ['base64 that is not a PNG', encodeURIComponent(Buffer.from('GIF89a....').toString('base64'))],
    ['a PNG cut inside its signature', encodeURIComponent(PNG.subarray(0, 6).toString('base64'))],
    ['more than one field', `img=${encodeURIComponent(PNG_B64)}&x=1`],
    ['text that is no base64', 'code_url=weixin%3A%2F%2Fwxpay%2Fbizpayurl'],
  ])('no png for %s: the QR text alone, never a damaged image', (_what, postData) => {
    expect(qr(postData)).toEqual({ text: 'weixin://x' });
  });

  it('broken percent-encoding is a ValidationError naming post_data', () => {
    expect(() => qr('img=%E0%A4%A')).toThrow(
      expect.objectContaining({
        method: 'rechargeToQrPayload',
        issues: [expect.objectContaining({ path: 'post_data' })],
      }),
    );
  });
});

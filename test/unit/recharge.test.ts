import { describe, expect, it } from 'vitest';
import { rechargeToHtmlForm, rechargeToQrPayload } from '../../src/index.js';

describe('recharge helpers', () => {
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

  it('a QR payload: the text from post_url, and the gateway’s PNG when post_data carries one', () => {
    const png = Buffer.concat([Buffer.from([0x89]), Buffer.from('PNG\r\n\x1a\n'), Buffer.alloc(8)]);
    expect(
      rechargeToQrPayload({
        post_type: 'native',
        post_url: 'weixin://wxpay/bizpayurl?pr=abc',
        post_data: '',
      }),
    ).toEqual({ text: 'weixin://wxpay/bizpayurl?pr=abc' });
    const withImage = rechargeToQrPayload({
      post_type: 'native',
      post_url: 'weixin://x',
      post_data: encodeURIComponent(png.toString('base64')),
    });
    expect(withImage.png?.equals(png)).toBe(true);
  });
});

import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { aesDecrypt, aesEncrypt, md5Hex } from '../../../src/crypto.js';
import {
  ConfigurationError,
  GatewayError,
  ProtocolError,
  SignatureError,
  ValidationError,
  ZhixiaoPayClient,
} from '../../../src/index.js';
import { encodeReply } from '../../../src/zhixiao/envelope.js';
import { ZX, ZX_BASE } from '../../helpers/keys.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

const client = () => new ZhixiaoPayClient({ baseUrl: ZX_BASE, ...ZX, retryBaseMs: 1 });
const notice = {
  out_trade_no: '2088612279536603',
  order_id: '1464678934786097',
  time_end: '2017-07-23 16:00:00',
  uid: '2088',
  pay_type: '2',
};

function reply(status: number, body: string | object) {
  const calls: Record<string, string>[] = [];
  nock(ZX_BASE)
    .post(/.*/)
    .reply((_u, b) => {
      calls.push(Object.fromEntries(new URLSearchParams(String(b))));
      return [status, typeof body === 'string' ? body : JSON.stringify(body)];
    });
  return calls;
}

describe('configuration', () => {
  it.each([
    ['baseUrl', { baseUrl: 'pay.example' }],
    ['aesKey', { aesKey: 'short' }],
    ['appSecret', { appSecret: '' }],
    ['paths.nope', { paths: { nope: '/x' } }],
  ])('%s is checked at construction', (option, patch) => {
    expect(() => new ZhixiaoPayClient({ baseUrl: ZX_BASE, ...ZX, ...(patch as object) })).toThrow(
      expect.objectContaining({ option }),
    );
  });
});

describe('request envelope', () => {
  it('posts id, param (AES) and sign = md5(id + param + secret); amounts as strings', async () => {
    const calls = reply(200, encodeReply(ZX, 0, { out_trade_no: 'A', order_id: '1' }));
    await client().refundOrder({ out_trade_no: 'A', refund_fee: 100 });
    const { id, param, sign } = calls[0]!;
    expect(id).toBe('partner1');
    expect(sign).toBe(md5Hex(`partner1${param}weiweixiao`));
    expect(param).toBe(aesEncrypt(JSON.stringify({ out_trade_no: 'A', refund_fee: '100' }), ZX.aesKey));
  });

  it('2.8 sends both payer_type and pay_type', async () => {
    let sent: Record<string, unknown> = {};
    nock(ZX_BASE)
      .post('/inv')
      .reply((_u, b) => {
        sent = JSON.parse(aesDecrypt(new URLSearchParams(String(b)).get('param')!, ZX.aesKey));
        return [200, JSON.stringify(encodeReply(ZX, 0, '开票成功'))];
      });
    const c = new ZhixiaoPayClient({ baseUrl: ZX_BASE, ...ZX, paths: { createInvoice: '/inv' } });
    await expect(
      c.createInvoice({ out_trade_no: 'A', payer_type: 1, payer_name: '小明', phone: '13000000000' }),
    ).resolves.toEqual({ message: '开票成功', extra: {} });
    expect(sent).toMatchObject({ payer_type: 1, pay_type: 1, out_trade_no: 'A' });
  });
});

describe('reply envelope', () => {
  it('ret_code as a string is accepted', async () => {
    const r = encodeReply(ZX, 0, { out_trade_no: 'A', order_id: '1', status: '2' });
    reply(200, { ...r, ret_code: '0' });
    await expect(client().queryOrder({ out_trade_no: 'A' })).resolves.toMatchObject({ status: 2 });
  });

  it('the sign is compared case-insensitively', async () => {
    const r = encodeReply(ZX, 0, { out_trade_no: 'A', order_id: '1', status: '1' });
    reply(200, { ...r, sign: r.sign.toUpperCase() });
    await expect(client().queryOrder({ out_trade_no: 'A' })).resolves.toMatchObject({ status: 1 });
  });

  it('an error with a plain-text message', async () => {
    const content = '订单不存在';
    reply(200, { ret_code: -1, ret_content: content, sign: md5Hex(`-1${content}weiweixiao`) });
    const err = await client()
      .queryOrder({ out_trade_no: 'A' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    // -1 is every general error; this wording names a condition (ZHIXIAO_CONDITIONS).
    expect(err).toMatchObject({
      gatewayCode: '-1',
      gatewayMessage: '订单不存在',
      info: { zh: '订单不存在', action: 'query', condition: 'order_not_found' },
    });
  });

  it('an error with an encrypted message', async () => {
    reply(200, encodeReply(ZX, -2, 'total_fee 格式错误'));
    await expect(client().queryOrder({ out_trade_no: 'A' })).rejects.toMatchObject({
      gatewayCode: '-2',
      gatewayMessage: expect.stringContaining('total_fee 格式错误'),
    });
  });

  it.each([
    ['an HTML error page', 502, '<html><body>Bad Gateway</body></html>'],
    ['an empty body', 200, ''],
    ['a truncated body', 200, '{"ret_code":0,"ret_con'],
    ['JSON without ret_code', 200, '{"error":"x"}'],
  ])('%s → ProtocolError with the status', async (_n, status, body) => {
    nock(ZX_BASE).post(/.*/).times(3).reply(status, body);
    const err = await client()
      .queryOrder({ out_trade_no: 'A' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.status).toBe(status);
  });

  it('an unsigned or wrongly signed reply is refused before decryption', async () => {
    const r = encodeReply(ZX, 0, { out_trade_no: 'A', order_id: '1', status: '2' });
    reply(200, { ...r, sign: undefined });
    await expect(client().queryOrder({ out_trade_no: 'A' })).rejects.toMatchObject({
      reason: 'missing_signature',
    });
    reply(200, { ...r, ret_content: aesEncrypt('{"status":"2"}', ZX.aesKey) });
    await expect(client().queryOrder({ out_trade_no: 'A' })).rejects.toMatchObject({ reason: 'mismatch' });
  });
});

describe('bad input never reaches the network', () => {
  it.each([
    [
      'createOrder',
      { body: '学'.repeat(43), out_trade_no: 'A', total_fee: 1, notify_url: 'http://n' },
      'body',
    ],
    [
      'createOrder',
      { body: 'x', out_trade_no: '订'.repeat(14), total_fee: 1, notify_url: 'http://n' },
      'out_trade_no',
    ],
    ['createOrder', { body: 'x', out_trade_no: 'A', total_fee: 0.5, notify_url: 'http://n' }, 'total_fee'],
    ['createOrder', { body: 'x', out_trade_no: 'A', total_fee: 1, notify_url: 'not a url' }, 'notify_url'],
    [
      'createOrder',
      { body: 'x', out_trade_no: 'A', total_fee: 1, notify_url: 'http://n', openid: 'o' },
      'pay_type',
    ],
    [
      'createOrder',
      {
        body: 'x',
        out_trade_no: 'A',
        total_fee: 1,
        notify_url: 'http://n',
        piaoju: { payer_type: 2, payer_name: 'C', phone: '1' },
      },
      'piaoju.payer_taxnum',
    ],
    ['refundOrder', { out_trade_no: 'A', refund_fee: -5 }, 'refund_fee'],
    ['queryOrder', { out_trade_no: '' }, 'out_trade_no'],
  ] as const)('%s %j → %s', async (method, input, field) => {
    const calls = reply(200, '{}');
    const c = client() as unknown as Record<string, (i: unknown) => Promise<unknown>>;
    const err = await c[method]!(input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.path)).toContain(field);
    expect(calls).toHaveLength(0);
  });

  it('a request key the spec does not list is refused; a reply field it does not list is kept under extra', async () => {
    const calls = reply(
      200,
      encodeReply(ZX, 0, { out_trade_no: 'A', order_id: '1', status: '1', shop: 'kept' }),
    );
    await expect(client().queryOrder({ out_trade_no: 'A', shop_id: '7' } as never)).rejects.toMatchObject({
      issues: [{ path: 'shop_id' }],
    });
    expect(calls).toHaveLength(0);
    const r = await client().queryOrder({ out_trade_no: 'A' });
    expect(r).toMatchObject({ status: 1, state: 'pending', extra: { shop: 'kept' } });
    expect(calls).toHaveLength(1);
  });
});

describe('notifications (2.5)', () => {
  const c = client();
  const body = c.buildNotification(notice);

  it('accepts the raw body, a Buffer, URLSearchParams, or parsed form fields', () => {
    const fields = Object.fromEntries(new URLSearchParams(body));
    for (const input of [body, Buffer.from(body), new URLSearchParams(body), fields]) {
      expect(c.parseNotification(input)).toMatchObject({ out_trade_no: notice.out_trade_no, pay_type: 2 });
    }
  });

  it('accepts a notice without id (some deployments omit it)', () => {
    const f = Object.fromEntries(new URLSearchParams(body));
    delete f.id;
    expect(c.parseNotification(f).order_id).toBe(notice.order_id);
  });

  it('survives a framework that turned + into spaces', () => {
    const f = Object.fromEntries(new URLSearchParams(body));
    expect(c.parseNotification({ ...f, param: f.param!.replaceAll('+', ' ') }).uid).toBe('2088');
  });

  it.each([
    ['missing_signature', (f: Record<string, string>) => ({ ...f, sign: '' })],
    ['wrong_app_id', (f: Record<string, string>) => ({ ...f, id: 'partner2' })],
    ['parsed_body', () => notice],
    ['mismatch', (f: Record<string, string>) => ({ ...f, sign: md5Hex('forged') })],
  ] as const)('refuses with reason %s', (reason, mutate) => {
    const f = Object.fromEntries(new URLSearchParams(body));
    expect(() => c.parseNotification(mutate(f) as Record<string, string>)).toThrow(
      expect.objectContaining({ reason }),
    );
  });

  it('any single character changed in param or sign is rejected', () => {
    const f = Object.fromEntries(new URLSearchParams(body)) as { id: string; param: string; sign: string };
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    let checked = 0;
    for (const field of ['param', 'sign'] as const) {
      for (let i = 0; i < f[field].length; i++) {
        const ch = f[field][i]!;
        const other =
          field === 'sign' ? (ch === 'a' ? 'b' : 'a') : alphabet[(alphabet.indexOf(ch) + 1) % 64]!;
        const changed = { ...f, [field]: f[field].slice(0, i) + other + f[field].slice(i + 1) };
        expect(() => c.parseNotification(changed)).toThrow(SignatureError);
        checked++;
      }
    }
    expect(checked).toBe(f.param.length + 32);
  });

  it('a notice signed with another secret is refused', () => {
    const other = new ZhixiaoPayClient({ baseUrl: ZX_BASE, ...ZX, appSecret: 'another-secret' });
    expect(() => c.parseNotification(other.buildNotification(notice))).toThrow(
      expect.objectContaining({ reason: 'mismatch' }),
    );
  });

  it('a correctly signed notice with a bad payload is a ValidationError', () => {
    expect(() => c.parseNotification(c.buildNotification({ out_trade_no: 'x' }))).toThrow(ValidationError);
  });

  it('the Node handler reads the stream when no body parser ran', async () => {
    const seen: string[] = [];
    const h = c.nodeNotificationHandler({ onNotification: (n) => void seen.push(n.order_id) });
    const { Readable } = await import('node:stream');
    const req = Object.assign(Readable.from([Buffer.from(body)]), { method: 'POST', url: '/n', headers: {} });
    const out: { status?: number; body?: string } = {};
    const res = {
      statusCode: 0,
      setHeader() {},
      end(b: string) {
        out.status = this.statusCode;
        out.body = b;
      },
    };
    await h(req as never, res as never);
    expect([out.status, out.body, seen]).toEqual([200, 'success', [notice.order_id]]);
  });
});

describe('paths', () => {
  it('overrides go to the configured path', async () => {
    nock(ZX_BASE)
      .post('/custom/query')
      .reply(200, encodeReply(ZX, 0, { out_trade_no: 'A', order_id: '1', status: '1' }));
    const c = new ZhixiaoPayClient({ baseUrl: `${ZX_BASE}/`, ...ZX, paths: { queryOrder: '/custom/query' } });
    await expect(c.queryOrder({ out_trade_no: 'A' })).resolves.toMatchObject({ status: 1 });
  });
  it('2.6 without a path names the option to set', async () => {
    const err = await client()
      .getIdentity({ uid: 'u' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as ConfigurationError).option).toBe('paths.getIdentity');
    // The message says which section lacks a path and what to set, so the integrator can fix it alone.
    expect((err as ConfigurationError).message).toMatch(
      /^getIdentity: paths\.getIdentity: interface 2\.6 身份认证 has no documented path; set paths\.getIdentity to the path your vendor gave you$/,
    );
  });
});

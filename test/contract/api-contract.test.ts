/** The public contract of both clients: typed codes, symmetric names, call(), options checked before I/O. */
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { aesEncrypt, md5Hex, tripleDesDecrypt } from '../../src/crypto.js';
import {
  buildOneCardNotification,
  ConfigurationError,
  GatewayError,
  isGatewayError,
  MemoryTokenStore,
  ONECARD_BUSINESS_CODES,
  ONECARD_SYSTEM_CODES,
  OneCardClient,
  type OneCardCode,
  OutcomeUnknownError,
  ValidationError,
  ZHIXIAO_CODES,
  ZhixiaoPayClient,
} from '../../src/index.js';
import { DES_KEY, GATEWAY, oneCardOptions, platformPrivate, ZX, ZX_BASE } from '../helpers/keys.js';
import { mockOneCard, mockRecharge, tokenAnswer } from '../helpers/mock-onecard.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

const onecard = (o: object = {}) =>
  new OneCardClient({ ...oneCardOptions, tokenStore: new MemoryTokenStore(), ...o });
const zhixiao = () => new ZhixiaoPayClient({ baseUrl: ZX_BASE, ...ZX, retryBaseMs: 1 });

describe('typed, bilingual gateway codes', () => {
  it('every code has zh, en and an action', () => {
    for (const table of [ONECARD_SYSTEM_CODES, ONECARD_BUSINESS_CODES, ZHIXIAO_CODES]) {
      for (const info of Object.values(table)) {
        expect(info.zh).toMatch(/\p{Script=Han}/u);
        expect(info.en).toMatch(/[a-z]{3}/);
        expect([
          'retry',
          'refresh-token',
          'fix-config',
          'fix-request',
          'tell-user',
          'query',
          'contact-vendor',
        ]).toContain(info.action);
      }
    }
    // The spec's 1.2.2 table and the business codes the SDK documents are there.
    expect(Object.keys(ONECARD_SYSTEM_CODES)).toEqual(
      expect.arrayContaining(['-1', '40001', '40017', '40018']),
    );
    expect(Object.keys(ONECARD_BUSINESS_CODES)).toEqual(expect.arrayContaining(['60010', '60048', '60073']));
    expect(Object.keys(ZHIXIAO_CODES).sort()).toEqual(['-1', '-2', '-3']);
  });

  /**
   * The codes the specs list, transcribed by hand from the spec texts, in their words: OneCard table 1.2.2
   * (errcode; v2.41's business 错误码 tables are empty) and Zhixiao 1.3 (ret_code). 0 is success in both,
   * not an error code. 40011 carries 40010's words in v2.41.
   */
  const SPEC_CODES: Array<[Record<string, { zh: string; source: string }>, string, string]> = [
    [ONECARD_SYSTEM_CODES, '-1', '系统繁忙'],
    [ONECARD_SYSTEM_CODES, '-2', '系统内部错误'],
    [ONECARD_SYSTEM_CODES, '40001', '不合法的数据报文'],
    [ONECARD_SYSTEM_CODES, '40002', '不支持的 appkey'],
    [ONECARD_SYSTEM_CODES, '40004', '签名校验失败'],
    [ONECARD_SYSTEM_CODES, '40005', '系统授权过期'],
    [ONECARD_SYSTEM_CODES, '40006', 'API 授权过期'],
    [ONECARD_SYSTEM_CODES, '40007', '接入系统授权过期'],
    [ONECARD_SYSTEM_CODES, '40008', '系统未授权'],
    [ONECARD_SYSTEM_CODES, '40010', '接入系统未授权'],
    [ONECARD_SYSTEM_CODES, '40011', '接入系统未授权'],
    [ONECARD_SYSTEM_CODES, '40012', '不支持的 API'],
    [ONECARD_SYSTEM_CODES, '40013', 'API 未启用'],
    [ONECARD_SYSTEM_CODES, '40014', '调用次数超限'],
    [ONECARD_SYSTEM_CODES, '40015', '数据格式错误'],
    [ONECARD_SYSTEM_CODES, '40016', '协议版本不支持'],
    [ONECARD_SYSTEM_CODES, '40017', 'access_token 无效'],
    [ONECARD_SYSTEM_CODES, '40018', '时间戳无效'],
    [ZHIXIAO_CODES, '-1', '通用错误码'],
    [ZHIXIAO_CODES, '-2', '参数校验失败'],
    [ZHIXIAO_CODES, '-3', '账号被冻结'],
  ];

  it.each(
    SPEC_CODES.map(([t, code, zh]) => [t === ZHIXIAO_CODES ? 'Zhixiao' : 'OneCard', code, zh, t] as const),
  )('%s %s is the spec’s %s, marked spec', (_gw, code, zh, table) => {
    expect(table[code]).toMatchObject({ zh, source: 'spec' });
  });

  it('every other code is marked deployed', () => {
    const tables = { ONECARD_SYSTEM_CODES, ONECARD_BUSINESS_CODES, ZHIXIAO_CODES };
    for (const [name, table] of Object.entries(tables)) {
      const specCodes = SPEC_CODES.filter(([t]) => t === table).map(([, code]) => code);
      for (const [code, info] of Object.entries(table as Record<string, { source: string }>))
        expect({ name, code, source: info.source }).toEqual({
          name,
          code,
          source: specCodes.includes(code) ? 'spec' : 'deployed',
        });
    }
  });

  it('where deployments word a spec code otherwise, that wording is kept beside it', () => {
    expect(ONECARD_SYSTEM_CODES['-2']).toMatchObject({ zh: '系统内部错误', deployedZh: '系统内存不足' });
    expect(ONECARD_SYSTEM_CODES['40011']).toMatchObject({ deployedZh: '发起端未启用' });
    expect('deployedZh' in ONECARD_SYSTEM_CODES['-1']).toBe(false);
  });

  it('isGatewayError narrows by code; the error carries the code info', async () => {
    mockOneCard((m) =>
      m.endsWith('access_token') ? tokenAnswer(1) : { data: { retcode: '60010', errmsg: '' } },
    );
    const err: unknown = await onecard()
      .payByBarcode({ barcode: '1', mercacc: '1', tranamt: 1, dineseq: '1' })
      .catch((e) => e);
    expect(isGatewayError(err, '60010')).toBe(true);
    expect(isGatewayError(err, '60005')).toBe(false);
    expect(isGatewayError(new Error('x'))).toBe(false);
    if (isGatewayError(err, '60010')) {
      expectTypeOf(err.gatewayCode).toEqualTypeOf<'60010'>();
      expect(err.info).toMatchObject({ zh: '账户余额不足', action: 'tell-user' });
      expect(err.message).toMatch(/insufficient balance/);
    }
    expectTypeOf<'60010'>().toExtend<OneCardCode>();
  });

  it('an unknown code still arrives, with no info rather than a guess', async () => {
    mockOneCard((m) =>
      m.endsWith('access_token') ? tokenAnswer(1) : { data: { retcode: '69999', errmsg: '新错误' } },
    );
    const err = await onecard()
      .queryCard({ idtype: 'sno', id: '1' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ gatewayCode: '69999', gatewayMessage: '新错误', info: undefined });
  });
});

describe('call() on both clients', () => {
  it('Zhixiao call(): any path, same envelope; an idempotent call is retried, another is not', async () => {
    const ok = { ret_code: 0, ret_content: aesEncrypt('{"a":1}', ZX.aesKey) };
    const signed = { ...ok, sign: md5Hex(`0${ok.ret_content}${ZX.appSecret}`) };
    nock(ZX_BASE)
      .post('/pay_api/custom')
      .reply(502, 'bad gateway')
      .post('/pay_api/custom')
      .reply(200, signed);
    await expect(zhixiao().call('/pay_api/custom', { x: 1 }, { idempotent: true })).resolves.toEqual({
      a: 1,
    });
    const scope = nock(ZX_BASE).post('/pay_api/custom').once().reply(502, 'bad gateway');
    const err = await zhixiao()
      .call('/pay_api/custom', { x: 1 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    scope.done();
  });

  it('Zhixiao call() refuses a path that is not one', () => {
    for (const bad of ['pay_api/x', '/a b', '/x?y=1', 'https://evil.test/x']) {
      expect(() => zhixiao().call(bad, {})).toThrow(ConfigurationError);
    }
  });
});

describe('bad options are refused before any I/O, the token fetch included', () => {
  it.each([
    ['an AbortController instead of its signal', { signal: new AbortController() }],
    ['an object as signal', { signal: {} }],
    ['a NaN timeout', { timeoutMs: Number.NaN }],
    ['a negative timeout', { timeoutMs: -1 }],
    ['a timeout a timer cannot hold', { timeoutMs: 1e12 }],
    ['a deadline as text', { deadlineMs: '5s' }],
    ['a zero deadline', { deadlineMs: 0 }],
    ['a misspelt option', { timeoutMS: 5_000 }],
  ])('%s', async (_name, opts) => {
    // No interceptor: any request at all would fail with a nock error instead of ValidationError.
    const err = await onecard()
      .queryCard({ idtype: 'sno', id: '1' }, opts as never)
      .catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues[0].path).toMatch(/^options\./);
  });

  it('a transfer with timeoutMs 1e12 is refused, not sent and then reported outcome-unknown', async () => {
    const err = await onecard()
      .transfer({ account: '1', tranamt: 100, src_acctype: '###', dst_acctype: '001' }, { timeoutMs: 1e12 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toBe(
      'transfer request is invalid: options.timeoutMs: must be a finite number of milliseconds from 1 to 600000',
    );
  });

  it('a gateway URL with spaces or a non-http scheme is a ConfigurationError', () => {
    for (const gatewayUrl of ['http://card.test/gw action', 'javascript:alert(1)', 'ftp://card.test/']) {
      expect(() => onecard({ gatewayUrl })).toThrow(ConfigurationError);
    }
  });

  it('parseNotification(null) is a ValidationError naming the input, on both clients', () => {
    for (const c of [onecard(), zhixiao()]) {
      expect(() => c.parseNotification(null as never)).toThrow(ValidationError);
      expect(() => c.parseNotification(null as never)).toThrow(/input/);
    }
  });
});

describe('symmetric names and notice builders', () => {
  it('OneCard: buildOneCardNotification → parseNotification, and the deprecated names still work', () => {
    const c = onecard();
    const body = buildOneCardNotification(
      { desKey: DES_KEY, platformPrivateKey: platformPrivate },
      { account: '1', order_no: 'N1', order_amount: '100', out_id: '9', order_status: '0' },
    );
    expect(c.parseNotification(body)).toMatchObject({ order_no: 'N1', order_amount: 100 });
    expect(c.parseRechargeNotification(body)).toMatchObject({ order_no: 'N1' });
    expect(typeof c.nodeNotificationHandler).toBe('function');
    expect(typeof c.webNotificationHandler).toBe('function');
  });

  it('a Date order_time is written in the client time zone, like the request timestamp', async () => {
    const { seen } = mockRecharge();
    const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    for (const [timeZone, expected] of [
      [undefined, '20260102110405'],
      ['America/New_York', '20260101220405'],
    ] as const) {
      await onecard(timeZone ? { timeZone } : {}).recharge({
        client_type: 'web',
        pay_type: 'alipay',
        account: '1',
        acctype: '###',
        order_no: `T${expected}`,
        order_amount: 1,
        order_time: at,
        return_url: 'https://m.test/r',
        notify_url: 'https://m.test/n',
      });
      const sent = seen.at(-1)!;
      expect(JSON.parse(tripleDesDecrypt(sent.fields.request!, DES_KEY)).paygw_recharge_card.order_time).toBe(
        expected,
      );
    }
    expect(GATEWAY).toContain('gateway.action');
  });
});

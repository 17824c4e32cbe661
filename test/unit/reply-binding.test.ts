/**
 * A correctly signed reply must also be this call's reply: about the order and amount that were sent,
 * with a success code that cannot be re-spelt, and with retcode present. Replies are built with the
 * fixture platform key and the Zhixiao test secret, so verification runs for real.
 */
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { md5Hex } from '../../src/crypto.js';
import {
  GatewayError,
  MemoryTokenStore,
  OneCardClient,
  OutcomeUnknownError,
  oneCardMethods,
  ProtocolError,
  SignatureError,
  TransportError,
  ZhixiaoPayClient,
  zhixiaoMethods,
} from '../../src/index.js';
import { decodeReply } from '../../src/zhixiao/envelope.js';
import { oneCardOptions, ZX, ZX_BASE } from '../helpers/keys.js';
import { type MethodCase, ONECARD_CASES, ZHIXIAO_CASES } from '../helpers/method-cases.js';
import { mockOneCard, mockRecharge, tokenAnswer } from '../helpers/mock-onecard.js';
import { zxReply } from '../helpers/mock-zhixiao.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

const onecard = () => new OneCardClient({ ...oneCardOptions, tokenStore: new MemoryTokenStore() });
const zhixiao = () => new ZhixiaoPayClient({ baseUrl: ZX_BASE, ...ZX, retryBaseMs: 1 });
const RECHARGE = {
  client_type: 'web',
  pay_type: 'alipay',
  account: '1',
  acctype: '###',
  order_no: 'MINE',
  order_amount: 100,
  return_url: 'https://m.test/r',
  notify_url: 'https://m.test/n',
} as const;

describe('Zhixiao ret_code cannot be re-split from ret_content', () => {
  const genuine = zxReply(0, { out_trade_no: 'R1', order_id: '9' });
  // Moving the first k characters of ret_content into ret_code keeps md5(code + content + secret) valid.
  const resplit = (k: number) => ({
    ret_code: `0${genuine.ret_content.slice(0, k)}`,
    ret_content: genuine.ret_content.slice(k),
    sign: genuine.sign,
  });

  it('the re-split body really does carry a valid sign (the attack is real)', () => {
    const r = resplit(1);
    expect(md5Hex(`${r.ret_code}${r.ret_content}${ZX.appSecret}`)).toBe(genuine.sign);
  });

  it.each([1, 2, 3])('moving %i character(s) is a SignatureError, never a gateway error code', (k) => {
    expect(() => decodeReply(ZX, 200, Buffer.from(JSON.stringify(resplit(k))))).toThrow(SignatureError);
  });

  it.each(['05', '+0', ' 0', '0 ', '-12', '-1x', '1e0'])('string ret_code %j is refused', (code) => {
    const r = { ...zxReply(0, {}), ret_code: code };
    r.sign = md5Hex(`${code}${r.ret_content}${ZX.appSecret}`);
    expect(() => decodeReply(ZX, 200, Buffer.from(JSON.stringify(r)))).toThrow(SignatureError);
  });

  it('canonical codes pass: a JSON number, or the exact string of a documented code', () => {
    expect(decodeReply(ZX, 200, Buffer.from(JSON.stringify(zxReply('0', { a: 1 }))))).toEqual({ a: 1 });
    for (const code of [-1, '-1', -2, '-3', 7]) {
      expect(() => decodeReply(ZX, 200, Buffer.from(JSON.stringify(zxReply(code, 'x'))))).toThrow(
        GatewayError,
      );
    }
  });

  it('a refund answered with a re-split success is outcome-unknown, not "rejected before processing"', async () => {
    const refund = zxReply(0, { out_trade_no: 'R1', order_id: '9' });
    const body = {
      ret_code: `0${refund.ret_content.slice(0, 1)}`,
      ret_content: refund.ret_content.slice(1),
      sign: refund.sign,
    };
    const scope = nock(ZX_BASE).post('/pay_api/order_refund').reply(200, body);
    const err = await zhixiao()
      .refundOrder({ out_trade_no: 'R1', refund_fee: 100 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err.reason).toBe('signature');
    expect(err).not.toBeInstanceOf(GatewayError);
    scope.done();
  });
});

describe('a reply about another request is not an answer', () => {
  it('queryOrder answered with another order (paid) → ProtocolError', async () => {
    nock(ZX_BASE)
      .post('/pay_api/order_query')
      .reply(200, zxReply(0, { out_trade_no: 'OTHER', order_id: '2', status: '2' }));
    const err = await zhixiao()
      .queryOrder({ out_trade_no: 'MINE' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(/out_trade_no/);
  });

  it.each([
    [
      'createOrder',
      '/pay_api/order_create',
      { body: 'x', out_trade_no: 'MINE', total_fee: 1, notify_url: 'https://m.test/n' },
    ],
    ['refundOrder', '/pay_api/order_refund', { out_trade_no: 'MINE', refund_fee: 1 }],
  ] as const)('%s answered about another order → OutcomeUnknownError, sent once', async (name, path, req) => {
    const scope = nock(ZX_BASE)
      .post(path)
      .once()
      .reply(200, zxReply(0, { out_trade_no: 'OTHER', order_id: '2', url: 'https://p.test' }));
    const client = zhixiao();
    const call = (client[name] as (r: unknown) => Promise<unknown>).bind(client);
    const err = (await call(req).catch((e) => e)) as OutcomeUnknownError;
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err.cause).toBeInstanceOf(ProtocolError);
    scope.done();
  });

  it('transfer(3000) answered with tranamt 5 → OutcomeUnknownError', async () => {
    const { seen } = mockOneCard((m) =>
      m.endsWith('access_token') ? tokenAnswer(1) : { data: { tranamt: '5' } },
    );
    const err = await onecard()
      .transfer({ account: '1', tranamt: 3000, src_acctype: '###', dst_acctype: '001' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err.message).toMatch(/tranamt/);
    expect(seen.filter((s) => s.fields.method === 'synjones.onecard.acctype.transfer')).toHaveLength(1);
  });

  it('recharge answered about another order_no → OutcomeUnknownError', async () => {
    mockRecharge({ order_no: 'OTHER' });
    const err = await onecard()
      .recharge(RECHARGE)
      .catch((e) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err.message).toMatch(/about another request: order_no differs from what was sent \(/);
  });

  it('queryRechargeOrder answered about another amount → ProtocolError', async () => {
    mockOneCard((m, p) =>
      m.endsWith('access_token')
        ? tokenAnswer(1)
        : { data: { order_no: p.order_no, order_amount: '1', order_status: '60' } },
    );
    const q = await onecard()
      .queryRechargeOrder({ order_no: 'MINE', order_amount: 100 })
      .catch((e) => e);
    expect(q).toBeInstanceOf(ProtocolError);
    expect(q.message).toMatch(/order_amount/);
  });
});

describe('a reply that leaves out a required echo is not an answer either', () => {
  it('transfer answered with TRANAMT but no tranamt → OutcomeUnknownError, sent once', async () => {
    const { seen } = mockOneCard((m) =>
      m.endsWith('access_token') ? tokenAnswer(1) : { data: { TRANAMT: '3000' } },
    );
    const err = await onecard()
      .transfer({ account: '1', tranamt: 3000, src_acctype: '###', dst_acctype: '001' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect([err.reason, err.cause.constructor]).toEqual(['protocol', ProtocolError]);
    expect(err.message).toMatch(/tranamt is missing/);
    expect(seen.filter((s) => s.fields.method === 'synjones.onecard.acctype.transfer')).toHaveLength(1);
  });

  it.each(['account', 'acctype', 'order_no', 'order_amount'])(
    'recharge answered without %s → OutcomeUnknownError naming it',
    async (field) => {
      mockRecharge({ [field]: undefined });
      const err = await onecard()
        .recharge(RECHARGE)
        .catch((e) => e);
      expect(err).toBeInstanceOf(OutcomeUnknownError);
      // order_no is required by the reply schema too (a ValidationError first); the others by the echo rule.
      expect(err.message).toMatch(new RegExp(`${field}(: | is missing)`));
      expect(err.query).toEqual({
        method: 'queryRechargeOrder',
        params: { order_no: 'MINE', order_amount: 100 },
      });
    },
  );

  it('the same recharge with every echo present succeeds (the mock above is otherwise sound)', async () => {
    mockRecharge();
    await expect(onecard().recharge(RECHARGE)).resolves.toMatchObject({ order_amount: 100 });
  });

  it('bindPayAccount without openid in the reply is fine (2.2.4.1.2: 可空); another openid is not', async () => {
    let openid: unknown;
    mockOneCard((m, p) =>
      m.endsWith('access_token')
        ? tokenAnswer(1)
        : { data: { pay_type: p.pay_type, account: p.account, openid } },
    );
    const req = { pay_type: 'weixin', openid: 'o1', account: '1' } as const;
    await expect(onecard().bindPayAccount(req)).resolves.toBeDefined();
    openid = 'o2';
    const err = await onecard()
      .bindPayAccount(req)
      .catch((e) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err.message).toMatch(/openid differs/);
  });

  it('Zhixiao refundOrder answered without out_trade_no → OutcomeUnknownError', async () => {
    nock(ZX_BASE)
      .post('/pay_api/order_refund')
      .reply(200, zxReply(0, { order_id: '9' }));
    const err = await zhixiao()
      .refundOrder({ out_trade_no: 'R1', refund_fee: 100 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err.message).toMatch(/out_trade_no/);
  });

  /**
   * Each section's reply table, transcribed by hand: the reply fields that repeat a request field of the
   * same name, split by the table's 是否可为空 / 是否必须 column. Deployed methods have no table: optional.
   */
  const SPEC_ECHOES: Record<string, MethodCase<unknown>['echoes']> = Object.fromEntries(
    [...Object.entries(ONECARD_CASES), ...Object.entries(ZHIXIAO_CASES)].map(([name, c]) => [name, c.echoes]),
  );

  it('every table entry echoes what its spec section says, required or optional', () => {
    const tables = { ...oneCardMethods, ...zhixiaoMethods } as Record<
      string,
      { echoes?: readonly string[]; echoesIfPresent?: readonly string[] }
    >;
    expect(Object.keys(tables).sort()).toEqual(Object.keys(SPEC_ECHOES).sort());
    for (const [name, m] of Object.entries(tables)) {
      const want = SPEC_ECHOES[name]!;
      expect({
        name,
        required: [...(m.echoes ?? [])].sort(),
        optional: [...(m.echoesIfPresent ?? [])].sort(),
      }).toEqual({
        name,
        required: [...(want.required ?? [])].sort(),
        optional: [...(want.optional ?? [])].sort(),
      });
    }
  });
});

describe('a OneCard reply without retcode is no success', () => {
  it('payByBarcode whose reply reports its error only in errmsg → OutcomeUnknownError, never a charge', async () => {
    mockOneCard((m) =>
      m.endsWith('access_token')
        ? tokenAnswer(1)
        : { data: { retcode: undefined, errmsg: '账户余额不足', tranamt: '100' } },
    );
    const err = await onecard()
      .payByBarcode({ barcode: '1234567890123456789012', mercacc: '1', tranamt: 100, dineseq: '1' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err.cause).toBeInstanceOf(ProtocolError);
    expect(err.cause.message).toMatch(/retcode/);
  });

  it('a query without retcode → ProtocolError', async () => {
    mockOneCard((m) =>
      m.endsWith('access_token') ? tokenAnswer(1) : { data: { retcode: undefined, card: [] } },
    );
    await expect(onecard().queryCard({ idtype: 'sno', id: '1' })).rejects.toBeInstanceOf(ProtocolError);
  });
});

describe('errors say which call they belong to', () => {
  it('method is the SDK name and wireMethod the gateway name, on every kind of error', async () => {
    mockOneCard((m) => (m.endsWith('access_token') ? tokenAnswer(1) : { errcode: '40004' }));
    const gw = await onecard()
      .queryCard({ idtype: 'sno', id: '1' })
      .catch((e) => e);
    expect(gw).toMatchObject({ method: 'queryCard', wireMethod: 'synjones.onecard.query.card' });
    nock.cleanAll();
    nock(ZX_BASE)
      .post('/pay_api/order_query')
      .reply(200, { ...zxReply(0, {}), sign: '0'.repeat(32) });
    const sig = await zhixiao()
      .queryOrder({ out_trade_no: 'A' })
      .catch((e) => e);
    expect(sig).toBeInstanceOf(SignatureError);
    expect(sig).toMatchObject({ method: 'queryOrder', wireMethod: '/pay_api/order_query' });
    const bad = await zhixiao()
      .queryOrder({ out_trade_no: '' })
      .catch((e) => e);
    expect(bad).toMatchObject({
      method: 'queryOrder',
      wireMethod: '/pay_api/order_query',
      direction: 'request',
    });
  });

  it('OutcomeUnknownError keeps its cause, is no TransportError, and serialises without secrets', async () => {
    nock(ZX_BASE)
      .post('/pay_api/order_create')
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const err = await zhixiao()
      .createOrder({ body: 'x', out_trade_no: 'A1', total_fee: 1, notify_url: 'https://m.test/n' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err).not.toBeInstanceOf(TransportError);
    expect(err.cause).toBeInstanceOf(TransportError);
    expect(err.query).toEqual({
      method: 'createOrder' === err.method ? 'queryOrder' : '',
      params: { out_trade_no: 'A1' },
    });
    const json = JSON.stringify(err);
    expect(json).toContain('"cause"');
    for (const secret of Object.values(ZX).slice(1)) expect(json).not.toContain(secret);
  });
});

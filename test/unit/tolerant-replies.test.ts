/**
 * Replies as real gateways may legitimately send them (issue: tolerant replies, strict requests). Each
 * reply is shaped like the spec's examples, with the nulls a Java gateway writes and the codes a newer
 * deployment may add; none of them may turn into a ValidationError.
 */
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  buildZhixiaoNotification,
  MemoryTokenStore,
  OneCardClient,
  ValidationError,
  ZhixiaoPayClient,
} from '../../src/index.js';
import { oneCardOptions, ZX, ZX_BASE } from '../helpers/keys.js';
import { mockOneCard, mockRecharge, tokenAnswer } from '../helpers/mock-onecard.js';
import { zxReply } from '../helpers/mock-zhixiao.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

const onecard = () => new OneCardClient({ ...oneCardOptions, tokenStore: new MemoryTokenStore() });
const zhixiao = () => new ZhixiaoPayClient({ baseUrl: ZX_BASE, ...ZX, retryBaseMs: 1 });
/** Answers every non-token OneCard call with `data` (raw JSON, nulls kept). */
const answer = (data: Record<string, unknown>) =>
  mockOneCard((m) => (m.endsWith('access_token') ? tokenAnswer(1) : { data }));
const zxAnswer = (path: string, content: unknown) => nock(ZX_BASE).post(path).reply(200, zxReply(0, content));
/** A valid recharge; each test changes one thing. */
const RECHARGE = {
  client_type: 'web',
  pay_type: 'alipay',
  account: '1',
  acctype: '###',
  order_no: 'G1',
  order_amount: 1,
  return_url: 'https://m.test/r',
  notify_url: 'https://m.test/n',
} as const;

describe('OneCard', () => {
  it('queryRechargeOrder accepts the spec example "order_status": "0" and unknown statuses', async () => {
    answer({ order_no: 'R1', order_amount: '100', out_id: '1', order_status: '0' });
    await expect(onecard().queryRechargeOrder({ order_no: 'R1', order_amount: 100 })).resolves.toMatchObject({
      order_status: '0',
      order_state: 'paid',
    });
    nock.cleanAll();
    answer({ order_no: 'R1', order_amount: '100', out_id: '1', order_status: '91' });
    await expect(onecard().queryRechargeOrder({ order_no: 'R1', order_amount: 100 })).resolves.toMatchObject({
      order_status: '91',
      order_state: 'unknown',
    });
  });

  it('null in every 可空 field of a card comes back undefined', async () => {
    answer({
      card: [
        {
          account: '10001',
          name: null,
          db_balance: '100',
          unsettle_amount: '',
          bankacc: null,
          sno: null,
          phone: null,
          certtype: null,
          cert: null,
          scard_num: null,
        },
      ],
    });
    const r = await onecard().queryCard({ idtype: 'acc', id: '10001' });
    expect(r.card[0]).toMatchObject({ account: '10001', db_balance: 100 });
    for (const f of [
      'name',
      'bankacc',
      'sno',
      'phone',
      'certtype',
      'cert',
      'scard_num',
      'unsettle_amount',
    ] as const)
      expect(r.card[0]![f]).toBeUndefined();
  });

  it.each([
    ['checkPassword', { account: '1', sno: null }, { idtype: 'sno', id: '1', pwd: 'p' }],
    [
      'getBarcode',
      { account: '1', paytype: '1', barcode: '2874920436181303310212', expires: '60', payacc: null },
      { account: '1', paytype: '1' },
    ],
    [
      'bindPayAccount',
      { pay_type: 'weixin', openid: null, account: '1' },
      { pay_type: 'weixin', account: '1' },
    ],
    ['unbindPayAccount', { pay_type: 'weixin', openid: null }, { pay_type: 'weixin' }],
  ] as const)('%s: null in an optional field', async (method, data, req) => {
    answer(data);
    const c = onecard() as unknown as Record<string, (r: unknown) => Promise<unknown>>;
    await expect(c[method]!.call(onecard(), req)).resolves.toBeDefined();
  });

  it('recharge: post_data null (a native QR reply) comes back ""', async () => {
    mockRecharge({ post_type: 'native', post_url: 'weixin://x', post_data: null });
    const r = await onecard().recharge({
      client_type: 'native',
      pay_type: 'weixin',
      account: '1',
      acctype: '###',
      order_no: 'Q1',
      order_amount: 1,
      return_url: 'https://m.test/r',
      notify_url: 'https://m.test/n',
    });
    expect(r.post_data).toBe('');
  });

  it('a 22-digit barcode sent as a JSON number is refused, never mangled into 2.87e+21', async () => {
    // JSON.parse has already rounded it: the SDK must not pass the rounded digits on as a code.
    answer({ account: '1', barcode: Number('2874920436181303310212'), expires: '60' });
    const err = await onecard()
      .getBarcode({ account: '1', paytype: '1' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err.message)).not.toContain('e+21');
    expect(err.cause ?? err).toBeInstanceOf(ValidationError);
  });

  it('order_note counts GBK bytes: 60 Chinese characters fit, 65 do not', async () => {
    const base = { ...RECHARGE, order_no: 'G1' };
    mockRecharge();
    await expect(
      onecard().recharge({ ...base, order_note: '学'.repeat(60), aic_note: '费'.repeat(50) }),
    ).resolves.toBeDefined();
    await expect(onecard().recharge({ ...base, order_note: '学'.repeat(65) })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('URLs and times that cannot be right are refused before sending', async () => {
    const base = { ...RECHARGE, order_no: 'U1' };
    for (const patch of [
      { notify_url: 'not a url' },
      { return_url: 'javascript:alert(1)' },
      { notify_url: 'https://m.test/n\r\nX-Evil: 1' },
      { order_time: '20260230120000' },
      { order_time: '20261301120000' },
    ]) {
      const err = await onecard()
        .recharge({ ...base, ...patch })
        .catch((e) => e);
      expect(err, JSON.stringify(patch)).toBeInstanceOf(ValidationError);
      expect(err.issues[0].path).toBe(Object.keys(patch)[0]);
    }
  });
});

describe('Zhixiao', () => {
  it('createOrder: url and sp_data null', async () => {
    zxAnswer('/pay_api/order_create', { out_trade_no: 'A1', order_id: '9', url: null, sp_data: null });
    const r = await zhixiao().createOrder({
      body: 'b',
      out_trade_no: 'A1',
      total_fee: 1,
      notify_url: 'https://m.test/n',
    });
    expect(r).toMatchObject({ out_trade_no: 'A1', url: undefined, sp_data: undefined });
  });

  it('queryOrder: time_end null on an unpaid order, and a status the spec does not list', async () => {
    zxAnswer('/pay_api/order_query', { out_trade_no: 'A1', order_id: '9', status: '1', time_end: null });
    await expect(zhixiao().queryOrder({ out_trade_no: 'A1' })).resolves.toMatchObject({
      status: 1,
      state: 'pending',
      time_end: undefined,
    });
    zxAnswer('/pay_api/order_query', { out_trade_no: 'A1', order_id: '9', status: 4 });
    await expect(zhixiao().queryOrder({ out_trade_no: 'A1' })).resolves.toMatchObject({
      status: 4,
      state: 'unknown',
    });
  });

  it('the 2.5 notice: user_no and user_name null or numeric', () => {
    for (const extra of [
      { user_no: null, user_name: null },
      { user_no: 2023000001, user_name: 123 },
    ]) {
      const body = buildZhixiaoNotification(ZX, {
        out_trade_no: 'A1',
        order_id: '9',
        time_end: '2017-07-23 16:00:00',
        uid: '2088612279536603',
        pay_type: '2',
        ...extra,
      });
      const n = zhixiao().parseNotification(body);
      expect(n).toMatchObject({ out_trade_no: 'A1', pay_type: 2, pay_channel: 'alipay' });
      expect(n.user_no).toBe(extra.user_no === null ? undefined : String(extra.user_no));
    }
  });

  it('no invented limits: a long user_no, user_name or openid is sent as given', async () => {
    zxAnswer('/pay_api/order_create', { out_trade_no: 'L1', order_id: '9', url: 'https://p.test' });
    await expect(
      zhixiao().createOrder({
        body: 'b',
        out_trade_no: 'L1',
        total_fee: 1,
        notify_url: 'https://m.test/n',
        user_no: '9'.repeat(100),
        user_name: '张'.repeat(40),
        pay_type: 1,
        openid: 'o'.repeat(200),
      }),
    ).resolves.toMatchObject({ out_trade_no: 'L1' });
  });
});

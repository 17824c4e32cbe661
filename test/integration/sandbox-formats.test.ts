/**
 * The sandbox checks the format of every field it receives, as the specs' field tables give it, and
 * refuses a wrong one the way the gateway does: OneCard 60002 参数输入错误, Zhixiao -2 参数校验失败, naming
 * the field. Payloads go out through `call()`, which sends them as given (no client-side schema), so
 * the sandbox's own check is what answers. Expected fields are written here from the specs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError, MemoryTokenStore, OneCardClient, ZhixiaoPayClient } from '../../src/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';

let sb: Sandbox;
let onecard: OneCardClient;
let zhixiao: ZhixiaoPayClient;
beforeAll(async () => {
  sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 } });
  onecard = new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore() });
  zhixiao = new ZhixiaoPayClient(sb.zhixiao);
});
afterAll(() => sb.close());

let n = 0;
const unique = (p: string) => `${p}${Date.now()}${++n}`;
/** yyyyMMddHHmmss at UTC+`hours`, computed here without the library's time functions. */
const compact = (hours: number, at = Date.now()) =>
  new Date(at + hours * 3600_000).toISOString().replace(/\D/g, '').slice(0, 14);
const han = (count: number) => '汉'.repeat(count);

const RECHARGE = 'synjones.onecard.paygw.recharge.card';
const recharge = (patch: Record<string, unknown> = {}) => ({
  client_type: 'web',
  pay_type: 'alipay',
  account: '10001',
  acctype: '###',
  order_no: unique('F'),
  order_amount: '100',
  order_time: compact(8),
  return_url: 'https://merchant.test/return',
  notify_url: 'https://merchant.test/notify',
  ...patch,
});
/** A payload without `field`. */
const without = (payload: Record<string, unknown>, field: string) => {
  const { [field]: _gone, ...rest } = payload;
  return rest;
};

describe('OneCard: a field in the wrong format is refused with 60002, naming the field', () => {
  const cases: Array<[string, string, Record<string, unknown>, string]> = [
    [
      'order_time as an ISO string',
      RECHARGE,
      recharge({ order_time: new Date().toISOString() }),
      'order_time',
    ],
    ['order_time empty', RECHARGE, recharge({ order_time: '' }), 'order_time'],
    ['order_time left out', RECHARGE, without(recharge(), 'order_time'), 'order_time'],
    ['order_time without seconds', RECHARGE, recharge({ order_time: compact(8).slice(0, 12) }), 'order_time'],
    ['order_time on 30 February', RECHARGE, recharge({ order_time: '20260230120000' }), 'order_time'],
    [
      'order_time in Tokyo time (an hour ahead)',
      RECHARGE,
      recharge({ order_time: compact(9) }),
      'order_time',
    ],
    ['order_amount with a fraction', RECHARGE, recharge({ order_amount: '100.5' }), 'order_amount'],
    ['order_amount as a JSON number', RECHARGE, recharge({ order_amount: 100 }), 'order_amount'],
    ['order_amount negative', RECHARGE, recharge({ order_amount: '-100' }), 'order_amount'],
    ['order_amount of 17 digits', RECHARGE, recharge({ order_amount: '1'.repeat(17) }), 'order_amount'],
    ['client_type not listed', RECHARGE, recharge({ client_type: 'pc' }), 'client_type'],
    ['pay_type not listed', RECHARGE, recharge({ pay_type: 'paypal' }), 'pay_type'],
    ['account over String(10)', RECHARGE, recharge({ account: '1'.repeat(11) }), 'account'],
    ['order_no over String(24)', RECHARGE, recharge({ order_no: 'N'.repeat(25) }), 'order_no'],
    ['order_note of 65 汉字 (130 GBK bytes)', RECHARGE, recharge({ order_note: han(65) }), 'order_note'],
    ['notify_url not http(s)', RECHARGE, recharge({ notify_url: 'ftp://merchant.test/n' }), 'notify_url'],
    [
      'return_url over String(200)',
      RECHARGE,
      recharge({ return_url: `https://m.test/${'r'.repeat(190)}` }),
      'return_url',
    ],
    [
      'openid missing for weixin + nativejs',
      RECHARGE,
      recharge({ pay_type: 'weixin', client_type: 'nativejs' }),
      'openid',
    ],
    [
      'tranamt with a fraction',
      'synjones.onecard.acctype.transfer',
      { account: '10001', tranamt: '1.5', src_acctype: '###', dst_acctype: '001' },
      'tranamt',
    ],
    [
      'dineseq of two digits',
      'synjones.onecard.barcode.pay',
      { barcode: '1'.repeat(22), mercacc: '1000060', tranamt: '1', dineseq: '10' },
      'dineseq',
    ],
    [
      'barcode with letters',
      'synjones.onecard.barcode.pay',
      { barcode: 'abc', mercacc: '1000060', tranamt: '1', dineseq: '1' },
      'barcode',
    ],
    ['paytype not 1, 2 or 3', 'synjones.onecard.barcode.get', { account: '10001', paytype: '4' }, 'paytype'],
    ['idtype not listed', 'synjones.onecard.query.card', { idtype: 'email', id: 'x' }, 'idtype'],
    [
      'acctype over String(3)',
      'synjones.onecard.query.accinfo',
      { account: '10001', acctype: '####' },
      'acctype',
    ],
    [
      'idtype barcode for the password check',
      'synjones.onecard.check.pwd',
      { idtype: 'barcode', id: '1', pwd: 'x' },
      'idtype',
    ],
    [
      'bind pay_type not listed',
      'synjones.onecard.paygw.bind.acc',
      { pay_type: 'unionpay', account: '10001' },
      'pay_type',
    ],
    [
      'neither out_id nor order_no',
      'synjones.onecard.paygw.query.order',
      { order_amount: '100' },
      'order_no',
    ],
    ['order_amount missing', 'synjones.onecard.paygw.query.order', { order_no: 'X' }, 'order_amount'],
  ];

  it.each(cases)('%s', async (_name, method, payload, field) => {
    const err = await onecard.call(method, payload).catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ level: 'business', gatewayCode: '60002' });
    expect(err.gatewayMessage).toContain(field);
    expect(err.gatewayMessage).toContain('参数输入错误');
  });

  it('a refused recharge books nothing', async () => {
    const order_no = unique('NONE');
    await expect(onecard.call(RECHARGE, recharge({ order_no, order_time: 'now' }))).rejects.toMatchObject({
      gatewayCode: '60002',
    });
    expect([...sb.onecardGateway.ledger.recharges.values()].some((o) => o.order_no === order_no)).toBe(false);
  });

  it('the right formats pass: Beijing time, integer fen, 64 汉字 of note (128 GBK bytes)', async () => {
    const order_no = unique('OK');
    const r = await onecard.call<{ out_id: string }>(
      RECHARGE,
      recharge({ order_no, order_note: han(64), aic_note: han(64) }),
    );
    expect(sb.onecardGateway.ledger.recharges.get(r.out_id)).toMatchObject({ order_no, order_amount: 100 });
    await expect(
      onecard.call('synjones.onecard.paygw.query.order', { order_no, order_amount: '100' }),
    ).resolves.toMatchObject({ order_status: '10' });
  });
});

const CREATE = '/pay_api/order_create';
const order = (patch: Record<string, unknown> = {}) => ({
  body: '学费 tuition',
  out_trade_no: unique('Z'),
  total_fee: '100',
  notify_url: 'http://127.0.0.1:9/n',
  ...patch,
});
const person = { payer_type: 1, payer_name: '小明', phone: '13000000000' };

describe('Zhixiao: a field in the wrong format is refused with -2, naming the field', () => {
  const cases: Array<[string, string, Record<string, unknown>, string]> = [
    ['total_fee as a JSON number', CREATE, order({ total_fee: 100 }), 'total_fee'],
    ['total_fee with a fraction', CREATE, order({ total_fee: '1.5' }), 'total_fee'],
    ['total_fee zero', CREATE, order({ total_fee: '0' }), 'total_fee'],
    ['body over 128 bytes (43 汉字)', CREATE, order({ body: han(43) }), 'body'],
    ['out_trade_no over 40 bytes', CREATE, order({ out_trade_no: 'T'.repeat(41) }), 'out_trade_no'],
    ['notify_url left out', CREATE, without(order(), 'notify_url'), 'notify_url'],
    ['notify_url not a URL', CREATE, order({ notify_url: 'merchant/notify' }), 'notify_url'],
    ['pay_type as a string', CREATE, order({ pay_type: '1' }), 'pay_type'],
    ['pay_type not 1 or 2', CREATE, order({ pay_type: 3 }), 'pay_type'],
    ['openid without pay_type', CREATE, order({ openid: 'oGTHE5' }), 'pay_type'],
    ['piaoju not an object', CREATE, order({ piaoju: '小明' }), 'piaoju'],
    ['piaoju without phone', CREATE, order({ piaoju: without(person, 'phone') }), 'piaoju.phone'],
    [
      'piaoju for a company without payer_taxnum',
      CREATE,
      order({ piaoju: { ...person, payer_type: 2 } }),
      'piaoju.payer_taxnum',
    ],
    ['refund_fee negative', '/pay_api/order_refund', { out_trade_no: 'X', refund_fee: '-5' }, 'refund_fee'],
    ['out_trade_no over 40 bytes', '/pay_api/order_query', { out_trade_no: 'T'.repeat(41) }, 'out_trade_no'],
  ];

  it.each(cases)('%s', async (_name, path, payload, field) => {
    const err = await zhixiao.call(path, payload).catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ gatewayCode: '-2' });
    expect(err.gatewayMessage).toContain(field);
    expect(err.gatewayMessage).toContain('参数校验失败');
  });

  it('2.6–2.8 at their sandbox paths: uid, either order number, the invoice type', async () => {
    const p = sb.zhixiao.paths;
    const refused = async (path: string, payload: Record<string, unknown>) =>
      (await zhixiao.call(path, payload).catch((e) => e)) as GatewayError;
    expect(await refused(p.getIdentity, {})).toMatchObject({ gatewayCode: '-2', gatewayMessage: /uid/ });
    expect(await refused(p.createInvoice, person)).toMatchObject({ gatewayMessage: /out_trade_no/ });
    const { payer_type: _t, ...untyped } = person;
    expect(await refused(p.createInvoice, { ...untyped, out_trade_no: 'X' })).toMatchObject({
      gatewayMessage: /pay_type/,
    });
  });

  it('a refused order books nothing; the right formats pass', async () => {
    const bad = order({ total_fee: '1.5' });
    await expect(zhixiao.call(CREATE, bad)).rejects.toMatchObject({ gatewayCode: '-2' });
    const all = () => [...sb.zhixiaoGateway.orders.values()];
    expect(all().some((o) => o.out_trade_no === bad.out_trade_no)).toBe(false);
    const good = order({ body: han(42), pay_type: 1, openid: 'oGTHE5', piaoju: person });
    await expect(zhixiao.call(CREATE, good)).resolves.toMatchObject({ out_trade_no: good.out_trade_no });
    expect(all().filter((o) => o.out_trade_no === good.out_trade_no)).toHaveLength(1);
  });
});

import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  MemoryTokenStore,
  OneCardClient,
  type OneCardMethodName,
  type OneCardRequest,
  oneCardMethods,
  ValidationError,
  type ZhixiaoMethodName,
  ZhixiaoPayClient,
  type ZhixiaoRequest,
  zhixiaoMethods,
} from '../../src/index.js';
import { oneCardOptions, ZX, ZX_BASE } from '../helpers/keys.js';

/**
 * One schema-valid input per method; every bad input below is one mutation of these. The type makes a
 * new table method without an input here a compile error.
 */
const VALID_INPUTS = {
  queryCard: { idtype: 'sno', id: '2023000001' },
  queryAccInfo: { account: '10001', acctype: '###' },
  checkPassword: { idtype: 'sno', id: '2023000001', pwd: '123456' },
  transfer: { account: '10001', tranamt: 100, src_acctype: '###', dst_acctype: '001', remark: 'r' },
  getBarcode: { account: '10001', paytype: '1', payacc: '###' },
  payByBarcode: {
    barcode: '1234567890123456789012',
    mercacc: '1000060',
    tranamt: 100,
    dineseq: '1',
    remark: 'r',
    posnum: '7',
  },
  bindPayAccount: { pay_type: 'weixin', openid: 'o1', account: '10001' },
  unbindPayAccount: { pay_type: 'weixin', openid: 'o1' },
  recharge: {
    client_type: 'web',
    pay_type: 'alipay',
    account: '10001',
    acctype: '###',
    order_no: 'R1',
    order_amount: 100,
    order_time: '20260101120000',
    order_note: 'n',
    aic_note: 'a',
    return_url: 'http://r',
    notify_url: 'http://n',
    goods_tag: 'g',
  },
  queryRechargeOrder: { order_no: 'R1', out_id: '1', order_amount: 100 },
  queryAccInfoTotal: { acctype: '###' },
  querySnoNameFromBarcode: { barcode: '1234567890123456789012' },
  modifyPassword: { account: '10001', newpwd: 'abc123' },
  lostCard: { account: '10001' },
  unlostCard: { account: '10001' },
  freezeCard: { account: '10001' },
  unfreezeCard: { account: '10001' },
  openAccount: {
    sno: '2026000001',
    name: '赵六',
    sex: '1',
    idno: '110101200001010011',
    phone: '1',
    email: 'e',
    schoolcode: 's',
    depcode: 'd',
    cardtype: '801',
    born: '20000101',
    pidcode: 'p',
    indate: '20260901',
    expdate: '20300701',
    photo_image: 'AAAA',
  },
  modifyAccount: { account: '10001', name: '赵六', phone: '1' },
  createOrder: {
    body: '学费',
    out_trade_no: 'T1',
    total_fee: 100,
    user_no: 'u',
    user_name: 'n',
    return_url: 'http://r',
    notify_url: 'http://n',
    pay_type: 1,
    openid: 'o',
    piaoju: { payer_type: 1, payer_name: '小明', phone: '1' },
  },
  queryOrder: { out_trade_no: 'T1' },
  cancelOrder: { out_trade_no: 'T1' },
  refundOrder: { out_trade_no: 'T1', refund_fee: 100 },
  getIdentity: { uid: '2088' },
  getUserCard: { user_no: 'u', school_id: 's' },
  createInvoice: { out_trade_no: 'T1', payer_type: 1, payer_name: '小明', phone: '1', payer_email: 'a@b.cn' },
} satisfies { [M in Exclude<OneCardMethodName, 'getAccessToken'>]: OneCardRequest<M> } & {
  [M in ZhixiaoMethodName]: ZhixiaoRequest<M>;
};
const VALID: Record<string, Record<string, unknown>> = VALID_INPUTS;
const AMOUNTS = new Set(['tranamt', 'order_amount', 'total_fee', 'refund_fee']);
const BAD_AMOUNTS = [-1, 0, 1.5, '100', Number.NaN, Number.POSITIVE_INFINITY, 1e17];
/** String fields the specs give no length limit; every other string field must refuse 5000 bytes. */
const UNLIMITED = new Set([
  // Zhixiao sets no limit on these (v1.27); only body and out_trade_no have one.
  'user_no',
  'user_name',
  'openid',
  'uid',
  'school_id',
  'payer_name',
  'phone',
  'payer_email',
  'photo_image',
  'zx_order_no',
  'piaoju_memo',
  'payer_address',
  'payer_bank',
  'order_time',
]);

let requests = 0;
beforeAll(() => {
  nock.disableNetConnect();
  nock.emitter.on('no match', () => requests++);
});
afterAll(() => nock.cleanAll());

const onecard = new OneCardClient({ ...oneCardOptions, tokenStore: new MemoryTokenStore() });
const zhixiao = new ZhixiaoPayClient({
  baseUrl: ZX_BASE,
  ...ZX,
  paths: { getIdentity: '/i', getUserCard: '/u', createInvoice: '/v' },
});
const tables = [
  { client: onecard, methods: oneCardMethods },
  { client: zhixiao, methods: zhixiaoMethods },
] as const;

interface Case {
  method: string;
  rule: string;
  input: Record<string, unknown>;
  field: string;
}

const cases: Case[] = [];
for (const { methods } of tables) {
  for (const [method, m] of Object.entries(methods)) {
    const valid = VALID[method];
    if (!valid) continue;
    const shape = (m.request as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
    // A typo in a field name must never reach the gateway.
    cases.push({ method, rule: 'unknown key', input: { ...valid, remakr: 'x' }, field: 'remakr' });
    for (const field of Object.keys(valid)) {
      const without = { ...valid };
      delete without[field];
      if (!shape[field]!.safeParse(undefined).success)
        cases.push({ method, rule: 'missing', input: without, field });
      cases.push({ method, rule: 'wrong type', input: { ...valid, [field]: true }, field });
      if (AMOUNTS.has(field))
        for (const bad of BAD_AMOUNTS)
          cases.push({ method, rule: `amount ${String(bad)}`, input: { ...valid, [field]: bad }, field });
      if (typeof valid[field] === 'string' && !UNLIMITED.has(field)) {
        cases.push({
          method,
          rule: 'over its byte limit',
          input: { ...valid, [field]: '学'.repeat(1700) },
          field,
        });
      }
    }
  }
}

describe('every method refuses bad input before any request leaves', () => {
  it('has a valid input for every method, and that input passes validation', () => {
    for (const { methods } of tables) {
      for (const [method, m] of Object.entries(methods)) {
        if (method === 'getAccessToken') continue;
        expect(VALID[method], method).toBeDefined();
        expect(m.request.safeParse(VALID[method]).success, method).toBe(true);
      }
    }
  });

  it.each(cases.map((c) => [c.method, c.rule, c.field, c] as const))(
    '%s: %s (%s)',
    async (_m, _r, field, c) => {
      const before = requests;
      const client = (c.method in zhixiaoMethods ? zhixiao : onecard) as unknown as Record<
        string,
        (i: unknown) => Promise<unknown>
      >;
      const err = await client[c.method]!(c.input).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues.map((i) => i.path.split('.')[0])).toContain(field);
      expect(requests).toBe(before);
    },
  );
});

/**
 * One record per table method: everything the tests need to call it. Keyed by method name and typed
 * against the tables, so a table method without a record, or a record whose input is not the method's
 * request, does not compile. Read by the bad-input table (test/unit/bad-input.test.ts) and the fault
 * matrix (test/fault-matrix/).
 */
import type {
  OneCardClient,
  OneCardMethodName,
  OneCardRequest,
  ZhixiaoMethodName,
  ZhixiaoPayClient,
  ZhixiaoRequest,
} from '../../src/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';

export interface Ctx {
  sb: Sandbox;
  onecard: OneCardClient;
  zhixiao: ZhixiaoPayClient;
  unique: () => string;
}

export interface MethodCase<In> {
  /**
   * Retried by the transport (reads: the token, queries) or never resent once sent (money, state, and
   * the password check, which counts against the lockout). Written out from the specs, not read from the
   * production table, so a misclassified method fails the fault matrix.
   */
  repeatable: boolean;
  /**
   * The reply fields that echo the request, as the method's spec section marks them: `required` (不可空 /
   * 是否必须 是) must come back equal, `optional` (可空) is compared when present. Written out from the
   * specs (deployed-only methods have no table: all optional), not read from the production table.
   */
  echoes: { required?: string[]; optional?: string[] };
  /** A schema-valid input that sets every field the method takes: each bad input is one mutation of it. */
  input: In;
  /**
   * The fault matrix's call against a fresh sandbox, after any fault-free setup (a code to pay, a paid
   * order to refund…). Default: `input`.
   */
  prepare?: (ctx: Ctx) => Promise<In>;
  /** A ledger figure the call moves by `delta` when processed (tells "once" from "not" and "twice"). */
  measure?: (sb: Sandbox) => number;
  delta?: number;
}

export type OneCardCases = { [M in OneCardMethodName]: MethodCase<OneCardRequest<M>> };
export type ZhixiaoCases = { [M in ZhixiaoMethodName]: MethodCase<ZhixiaoRequest<M>> };

const ledger = (sb: Sandbox) => sb.onecardGateway.ledger;
const eacc = (sb: Sandbox, account: string, type: string) =>
  ledger(sb)
    .cardholders.find((c) => c.account === account)!
    .accounts.find((a) => a.type === type)!;
const holder = (sb: Sandbox, account: string) => ledger(sb).cardholders.find((c) => c.account === account)!;
const orders = (sb: Sandbox) => [...sb.zhixiaoGateway.orders.values()];

const recharge = (order_no: string) =>
  ({
    client_type: 'web',
    pay_type: 'alipay',
    account: '10001',
    acctype: '###',
    order_no,
    order_amount: 1,
    return_url: 'http://r',
    notify_url: 'http://127.0.0.1:9/none',
  }) as const;

const order = (out_trade_no: string) => ({
  body: 'matrix',
  out_trade_no,
  total_fee: 1,
  notify_url: 'http://127.0.0.1:9/n',
});

async function paidOrder(ctx: Ctx, fee = 100) {
  const o = await ctx.zhixiao.createOrder({ ...order(ctx.unique()), total_fee: fee });
  ctx.sb.zhixiaoGateway.settle(o.order_id, true);
  return { out_trade_no: o.out_trade_no, order_id: o.order_id };
}

/** The four deployed card-state changes: set or clear one flag of account 10002. */
function cardState(flag: 'lostflag' | 'freezeflag', sets: boolean): MethodCase<{ account: string }> {
  return {
    repeatable: false,
    echoes: { optional: ['account'] },
    input: { account: '10001' },
    prepare: async ({ sb }) => {
      holder(sb, '10002')[flag] = sets ? '0' : '1';
      return { account: '10002' };
    },
    measure: (sb) => Number(holder(sb, '10002')[flag]),
    delta: sets ? 1 : -1,
  };
}

export const ONECARD_CASES: OneCardCases = {
  getAccessToken: { repeatable: true, echoes: {}, input: {} },
  queryCard: { repeatable: true, echoes: {}, input: { idtype: 'sno', id: '2023000001' } },
  queryAccInfo: {
    repeatable: true,
    echoes: { required: ['account'] },
    input: { account: '10001', acctype: '###' },
  },
  checkPassword: { repeatable: false, echoes: {}, input: { idtype: 'sno', id: '2023000001', pwd: '123456' } },
  transfer: {
    repeatable: false,
    echoes: { required: ['tranamt'] },
    input: { account: '10001', tranamt: 100, src_acctype: '###', dst_acctype: '001', remark: 'r' },
    prepare: async () => ({ account: '10001', tranamt: 1, src_acctype: '###', dst_acctype: '001' }),
    measure: (sb) => eacc(sb, '10001', '001').balance,
    delta: 1,
  },
  getBarcode: {
    repeatable: false,
    echoes: { required: ['account', 'paytype'], optional: ['payacc'] },
    input: { account: '10001', paytype: '1', payacc: '###' },
    measure: (sb) => ledger(sb).barcodes.size,
    delta: 1,
  },
  payByBarcode: {
    repeatable: false,
    echoes: { required: ['tranamt'] },
    input: {
      barcode: '1234567890123456789012',
      mercacc: '1000060',
      tranamt: 100,
      dineseq: '1',
      remark: 'r',
      posnum: '7',
    },
    prepare: async ({ onecard }) => ({
      barcode: (await onecard.getBarcode({ account: '10001', paytype: '1' })).barcode,
      mercacc: '1000060',
      tranamt: 1,
      dineseq: '1',
    }),
    measure: (sb) => ledger(sb).merchants.get('1000060')!,
    delta: 1,
  },
  bindPayAccount: {
    repeatable: false,
    echoes: { required: ['pay_type', 'account'], optional: ['openid'] },
    input: { pay_type: 'weixin', openid: 'o1', account: '10001' },
    prepare: async ({ unique }) => ({ pay_type: 'weixin', openid: unique(), account: '10001' }),
    measure: (sb) => ledger(sb).bindings.size,
    delta: 1,
  },
  unbindPayAccount: {
    repeatable: false,
    echoes: { required: ['pay_type'], optional: ['openid'] },
    input: { pay_type: 'weixin', openid: 'o1' },
    prepare: async ({ onecard, unique }) => {
      const openid = unique();
      await onecard.bindPayAccount({ pay_type: 'alipay', openid, account: '10001' });
      return { pay_type: 'alipay', openid };
    },
    measure: (sb) => ledger(sb).bindings.size,
    delta: -1,
  },
  recharge: {
    repeatable: false,
    echoes: { required: ['account', 'acctype', 'order_no', 'order_amount'] },
    input: {
      ...recharge('R1'),
      order_amount: 100,
      order_time: '20260101120000',
      order_note: 'n',
      aic_note: 'a',
      notify_url: 'http://n',
      goods_tag: 'g',
    },
    prepare: async ({ unique }) => recharge(unique()),
    measure: (sb) => ledger(sb).recharges.size,
    delta: 1,
  },
  queryRechargeOrder: {
    repeatable: true,
    echoes: { required: ['order_no', 'out_id', 'order_amount'] },
    input: { order_no: 'R1', out_id: '1', order_amount: 100 },
    prepare: async ({ onecard, unique }) => {
      const order_no = unique();
      await onecard.recharge(recharge(order_no));
      return { order_no, order_amount: 1 };
    },
  },
  queryAccInfoTotal: { repeatable: true, echoes: { optional: ['acctype'] }, input: { acctype: '###' } },
  querySnoNameFromBarcode: {
    repeatable: true,
    echoes: {},
    input: { barcode: '1234567890123456789012' },
    prepare: async ({ onecard }) => ({
      barcode: (await onecard.getBarcode({ account: '10001', paytype: '1' })).barcode,
    }),
  },
  modifyPassword: {
    repeatable: false,
    echoes: { optional: ['account'] },
    input: { account: '10001', newpwd: 'abc123' },
    // Another account than the password checks use, on the same sandbox.
    prepare: async () => ({ account: '10002', newpwd: '654321' }),
  },
  lostCard: cardState('lostflag', true),
  unlostCard: cardState('lostflag', false),
  freezeCard: cardState('freezeflag', true),
  unfreezeCard: cardState('freezeflag', false),
  openAccount: {
    repeatable: false,
    echoes: { optional: ['sno'] },
    input: {
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
    prepare: async ({ unique }) => ({ sno: unique().slice(-20), name: '矩阵' }),
    measure: (sb) => ledger(sb).cardholders.length,
    delta: 1,
  },
  modifyAccount: {
    repeatable: false,
    echoes: { optional: ['account'] },
    input: { account: '10001', name: '赵六', phone: '13800000001' },
  },
};

export const ZHIXIAO_CASES: ZhixiaoCases = {
  createOrder: {
    repeatable: false,
    echoes: { required: ['out_trade_no'] },
    input: {
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
    prepare: async ({ unique }) => order(unique()),
    measure: (sb) => sb.zhixiaoGateway.orders.size,
    delta: 1,
  },
  queryOrder: {
    repeatable: true,
    echoes: { required: ['out_trade_no'] },
    input: { out_trade_no: 'T1' },
    prepare: async (ctx) => ({ out_trade_no: (await paidOrder(ctx)).out_trade_no }),
  },
  cancelOrder: {
    repeatable: false,
    echoes: { required: ['out_trade_no'] },
    input: { out_trade_no: 'T1' },
    prepare: async ({ zhixiao, unique }) => ({
      out_trade_no: (await zhixiao.createOrder(order(unique()))).out_trade_no,
    }),
    measure: (sb) => orders(sb).filter((o) => o.status === 3).length,
    delta: 1,
  },
  refundOrder: {
    repeatable: false,
    echoes: { required: ['out_trade_no'] },
    input: { out_trade_no: 'T1', refund_fee: 100 },
    prepare: async (ctx) => ({ out_trade_no: (await paidOrder(ctx)).out_trade_no, refund_fee: 40 }),
    measure: (sb) => orders(sb).reduce((n, o) => n + o.refunded, 0),
    delta: 40,
  },
  getIdentity: { repeatable: true, echoes: {}, input: { uid: '2088612279536603' } },
  getUserCard: {
    repeatable: true,
    echoes: { required: ['user_no'] },
    input: { user_no: '2023000001', school_id: '10086' },
  },
  createInvoice: {
    repeatable: false,
    echoes: {},
    input: {
      out_trade_no: 'T1',
      payer_type: 1,
      payer_name: '小明',
      phone: '13000000000',
      payer_email: 'a@b.cn',
    },
    prepare: async (ctx) => ({
      out_trade_no: (await paidOrder(ctx)).out_trade_no,
      payer_type: 1,
      payer_name: '小明',
      phone: '13000000000',
    }),
    measure: (sb) => orders(sb).filter((o) => o.invoiced).length,
    delta: 1,
  },
};

/** Both records as one list, in table order, each with its gateway and name. */
export const METHOD_CASES = [
  ...Object.entries(ONECARD_CASES).map(([method, c]) => ({ gateway: 'onecard' as const, method, ...c })),
  ...Object.entries(ZHIXIAO_CASES).map(([method, c]) => ({ gateway: 'zhixiao' as const, method, ...c })),
] as Array<{ gateway: 'onecard' | 'zhixiao'; method: string } & MethodCase<unknown>>;

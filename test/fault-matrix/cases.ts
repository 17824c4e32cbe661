/**
 * One entry per client method: how to make a valid call against a fresh sandbox, and which ledger
 * figure it moves (so a test can tell "processed once" from "not processed" and "processed twice").
 */
import type {
  OneCardClient,
  OneCardMethodName,
  ZhixiaoMethodName,
  ZhixiaoPayClient,
} from '../../src/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';

export interface Ctx {
  sb: Sandbox;
  onecard: OneCardClient;
  zhixiao: ZhixiaoPayClient;
  unique: () => string;
}

export interface MethodCase {
  gateway: 'onecard' | 'zhixiao';
  method: string;
  /** Retried by the transport (queries, token) or never resent once sent. */
  repeatable: boolean;
  /** Builds a valid input, doing any fault-free setup (a barcode to pay, a paid order to refund…). */
  prepare: (ctx: Ctx) => Promise<unknown>;
  /** A ledger figure the call moves by `delta` when processed. */
  measure?: (sb: Sandbox) => number;
  delta?: number;
}

const ledger = (sb: Sandbox) => sb.onecardGateway.ledger;
const eacc = (sb: Sandbox, account: string, type: string) =>
  ledger(sb)
    .cardholders.find((c) => c.account === account)!
    .accounts.find((a) => a.type === type)!;
const holder = (sb: Sandbox, account: string) => ledger(sb).cardholders.find((c) => c.account === account)!;
const orders = (sb: Sandbox) => [...sb.zhixiaoGateway.orders.values()];

async function paidOrder(ctx: Ctx, fee = 100) {
  const out_trade_no = ctx.unique();
  const o = await ctx.zhixiao.createOrder({
    body: 'matrix',
    out_trade_no,
    total_fee: fee,
    notify_url: 'http://127.0.0.1:9/n',
  });
  ctx.sb.zhixiaoGateway.settle(o.order_id, true);
  return { out_trade_no, order_id: o.order_id };
}

/**
 * Which methods may be repeated, written out from the specs rather than read from the production table,
 * so a misclassified method fails here: reads (2.2.1.1 token, 2.2.2.x queries, 2.2.4.5 order status, the
 * deployed totals and barcode lookup; Zhixiao 2.2, 2.6, 2.7). Everything else moves money, changes state
 * or counts attempts (a password check counts against the lockout).
 */
const REPEATABLE: Record<OneCardMethodName | ZhixiaoMethodName, boolean> = {
  getAccessToken: true,
  queryCard: true,
  queryAccInfo: true,
  checkPassword: false,
  transfer: false,
  getBarcode: false,
  payByBarcode: false,
  bindPayAccount: false,
  unbindPayAccount: false,
  recharge: false,
  queryRechargeOrder: true,
  queryAccInfoTotal: true,
  querySnoNameFromBarcode: true,
  modifyPassword: false,
  lostCard: false,
  unlostCard: false,
  freezeCard: false,
  unfreezeCard: false,
  openAccount: false,
  modifyAccount: false,
  createOrder: false,
  queryOrder: true,
  cancelOrder: false,
  refundOrder: false,
  getIdentity: true,
  getUserCard: true,
  createInvoice: false,
};

const oc = (
  method: OneCardMethodName,
  c: Omit<MethodCase, 'gateway' | 'method' | 'repeatable'>,
): MethodCase => ({ gateway: 'onecard', method, repeatable: REPEATABLE[method], ...c });
const zx = (
  method: ZhixiaoMethodName,
  c: Omit<MethodCase, 'gateway' | 'method' | 'repeatable'>,
): MethodCase => ({
  gateway: 'zhixiao',
  method,
  repeatable: REPEATABLE[method],
  ...c,
});

export const CASES: MethodCase[] = [
  oc('getAccessToken', { prepare: async () => undefined }),
  oc('queryCard', { prepare: async () => ({ idtype: 'sno', id: '2023000001' }) }),
  oc('queryAccInfo', { prepare: async () => ({ account: '10001' }) }),
  oc('checkPassword', { prepare: async () => ({ idtype: 'sno', id: '2023000001', pwd: '123456' }) }),
  oc('transfer', {
    prepare: async () => ({ account: '10001', tranamt: 1, src_acctype: '###', dst_acctype: '001' }),
    measure: (sb) => eacc(sb, '10001', '001').balance,
    delta: 1,
  }),
  oc('getBarcode', {
    prepare: async () => ({ account: '10001', paytype: '1' }),
    measure: (sb) => ledger(sb).barcodes.size,
    delta: 1,
  }),
  oc('payByBarcode', {
    prepare: async ({ onecard }) => ({
      barcode: (await onecard.getBarcode({ account: '10001', paytype: '1' })).barcode,
      mercacc: '1000060',
      tranamt: 1,
      dineseq: '1',
    }),
    measure: (sb) => ledger(sb).merchants.get('1000060')!,
    delta: 1,
  }),
  oc('bindPayAccount', {
    prepare: async ({ unique }) => ({ pay_type: 'weixin', openid: unique(), account: '10001' }),
    measure: (sb) => ledger(sb).bindings.size,
    delta: 1,
  }),
  oc('unbindPayAccount', {
    prepare: async ({ onecard, unique }) => {
      const openid = unique();
      await onecard.bindPayAccount({ pay_type: 'alipay', openid, account: '10001' });
      return { pay_type: 'alipay', openid };
    },
    measure: (sb) => ledger(sb).bindings.size,
    delta: -1,
  }),
  oc('recharge', {
    prepare: async ({ unique }) => ({
      client_type: 'web',
      pay_type: 'alipay',
      account: '10001',
      acctype: '###',
      order_no: unique(),
      order_amount: 1,
      return_url: 'http://r',
      notify_url: 'http://127.0.0.1:9/none',
    }),
    measure: (sb) => ledger(sb).recharges.size,
    delta: 1,
  }),
  oc('queryRechargeOrder', {
    prepare: async ({ onecard, unique }) => {
      const order_no = unique();
      await onecard.recharge({
        client_type: 'web',
        pay_type: 'alipay',
        account: '10001',
        acctype: '###',
        order_no,
        order_amount: 1,
        return_url: 'http://r',
        notify_url: 'http://127.0.0.1:9/none',
      });
      return { order_no, order_amount: 1 };
    },
  }),
  oc('queryAccInfoTotal', { prepare: async () => ({ acctype: '###' }) }),
  oc('querySnoNameFromBarcode', {
    prepare: async ({ onecard }) => ({
      barcode: (await onecard.getBarcode({ account: '10001', paytype: '1' })).barcode,
    }),
  }),
  oc('modifyPassword', { prepare: async () => ({ account: '10002', newpwd: '654321' }) }),
  ...(['lostCard', 'unlostCard', 'freezeCard', 'unfreezeCard'] as const).map((method) => {
    const flag = method.includes('ost') ? 'lostflag' : 'freezeflag';
    const sets = method === 'lostCard' || method === 'freezeCard';
    return oc(method, {
      prepare: async ({ sb }) => {
        holder(sb, '10002')[flag] = sets ? '0' : '1';
        return { account: '10002' };
      },
      measure: (sb) => Number(holder(sb, '10002')[flag]),
      delta: sets ? 1 : -1,
    });
  }),
  oc('openAccount', {
    prepare: async ({ unique }) => ({ sno: unique().slice(-20), name: '矩阵' }),
    measure: (sb) => ledger(sb).cardholders.length,
    delta: 1,
  }),
  oc('modifyAccount', { prepare: async () => ({ account: '10001', phone: '13800000001' }) }),
  zx('createOrder', {
    prepare: async ({ unique }) => ({
      body: 'matrix',
      out_trade_no: unique(),
      total_fee: 1,
      notify_url: 'http://127.0.0.1:9/n',
    }),
    measure: (sb) => sb.zhixiaoGateway.orders.size,
    delta: 1,
  }),
  zx('queryOrder', { prepare: async (ctx) => ({ out_trade_no: (await paidOrder(ctx)).out_trade_no }) }),
  zx('cancelOrder', {
    prepare: async ({ zhixiao, unique }) => {
      const out_trade_no = unique();
      await zhixiao.createOrder({
        body: 'matrix',
        out_trade_no,
        total_fee: 1,
        notify_url: 'http://127.0.0.1:9/n',
      });
      return { out_trade_no };
    },
    measure: (sb) => orders(sb).filter((o) => o.status === 3).length,
    delta: 1,
  }),
  zx('refundOrder', {
    prepare: async (ctx) => ({ out_trade_no: (await paidOrder(ctx)).out_trade_no, refund_fee: 40 }),
    measure: (sb) => orders(sb).reduce((n, o) => n + o.refunded, 0),
    delta: 40,
  }),
  zx('getIdentity', { prepare: async () => ({ uid: '2088612279536603' }) }),
  zx('getUserCard', { prepare: async () => ({ user_no: '2023000001', school_id: '10086' }) }),
  zx('createInvoice', {
    prepare: async (ctx) => ({
      out_trade_no: (await paidOrder(ctx)).out_trade_no,
      payer_type: 1,
      payer_name: '小明',
      phone: '13000000000',
    }),
    measure: (sb) => orders(sb).filter((o) => o.invoiced).length,
    delta: 1,
  }),
];

/**
 * The recovery cookbook in code: what to run after a money call of either gateway ends without a known
 * outcome. docs/recovery.md quotes each `#region` of this file, so every snippet there is compiled
 * (strict) with the project, and test/examples/recovery.test.ts runs them against the sandbox.
 */
// #region any
import {
  type CallOptions,
  GatewayError,
  type JournalState,
  type OneCardClient,
  type OneCardRequest,
  OutcomeUnknownError,
  type ResolveResult,
  type ZhixiaoPayClient,
  type ZhixiaoRequest,
  zhixiaoCondition,
} from 'campus-pay';

/** An error that leaves the money open: the SDK's advice says what to run (`err.query`, `err.advice`). */
const open = (err: unknown): err is OutcomeUnknownError | GatewayError =>
  err instanceof OutcomeUnknownError || (err instanceof GatewayError && err.advice !== undefined);

/** Any money call: run the query its error advises, on the client that threw, typed. */
export async function afterAnyCall(zhixiao: ZhixiaoPayClient, err: unknown) {
  if (!open(err)) throw err; // a refusal that proves the money stayed: err.info.action says what to do
  if (err.query) return zhixiao.runQuery(err); // queryOrder({ out_trade_no }) as err.advice names it
  console.warn(err.advice); // no query can tell: see the method's section
  throw err;
}
// #endregion any

// #region recharge
/** A recharge (2.2.4.3) whose outcome is open: its order status (2.2.4.5) says where it is. */
export async function recharge(onecard: OneCardClient, req: OneCardRequest<'recharge'>) {
  try {
    return { state: 'pending' as JournalState, reply: await onecard.recharge(req) };
  } catch (err) {
    if (!open(err)) throw err; // a refusal that proves nothing was booked: fix and call again
    // What onecard.runQuery(err) runs: the order number and amount that were sent.
    const q = await onecard.queryRechargeOrder({ order_no: req.order_no, order_amount: req.order_amount });
    switch (q.order_status) {
      case '60': // credited (0: the spec's example code, 支付成功)
      case '0':
        return { state: 'succeeded' as JournalState, query: q };
      case '77':
        return { state: 'failed' as JournalState, query: q };
      case '10': // ordered; 40 paid, not yet credited; 50 being credited: the notice or a later query settles it
      case '40':
      case '50':
      case '78': // no such order: it never arrived once older than the order life; until then ask again later
        return { state: 'pending' as JournalState, query: q };
      default: // 80 refund started, or a status v2.41 does not list: a person decides
        return { state: 'needs-review' as JournalState, query: q };
    }
  }
}
// #endregion recharge

// #region transfer
/**
 * A transfer (2.2.3.2) or a barcode payment (2.2.3.4) whose outcome is open: no v2.41 query reports one.
 * resolve() gathers the evidence (the balances of the e-accounts now, the intent) and, with a journal,
 * records the entry as needs-review for a person, who compares it with the card statement.
 */
export async function transfer(
  onecard: OneCardClient,
  req: OneCardRequest<'transfer'>,
  saleId: string,
  opts: CallOptions = {}, // with a journal: { journalKey: saleId }, so resolve() finds the entry
) {
  try {
    return { state: 'succeeded', reply: await onecard.transfer(req, opts) };
  } catch (err) {
    if (!open(err)) throw err;
    const review: ResolveResult = await onecard.resolve({
      method: 'transfer',
      orderKey: saleId,
      amount: req.tranamt,
      params: { account: req.account, src_acctype: req.src_acctype, dst_acctype: req.dst_acctype },
    });
    return { state: review.state, note: review.note, evidence: review.evidence }; // needs-review
  }
}
// #endregion transfer

// #region order
/**
 * An order (2.1) whose reply was lost. The order may exist, but its pay `url` (or `sp_data`) came only in
 * that reply: 2.2 does not return it, v1.27 documents no way to build it, and 2.1 refuses the same
 * out_trade_no again (商户订单号重复). Nobody holds a way to pay the lost order, so a new order under a new
 * number is safe; closing the old one settles it now rather than when its hour runs out.
 */
export async function replaceLostOrder(
  zhixiao: ZhixiaoPayClient,
  order: ZhixiaoRequest<'createOrder'>,
  newNumber: string,
) {
  const old = { out_trade_no: order.out_trade_no };
  const found = await zhixiao.queryOrder(old).catch((err: unknown) => {
    if (zhixiaoCondition(err) === 'order_not_found') return undefined; // it never arrived (or not yet)
    throw err;
  });
  if (found?.state === 'paid') return { paid: found }; // paid after all: do not create another
  if (found?.state === 'pending') {
    await zhixiao.cancelOrder(old).catch(() => undefined); // refused if it was paid meanwhile: asked below
    const after = await zhixiao.queryOrder(old);
    if (after.state === 'paid') return { paid: after };
  }
  return { created: await zhixiao.createOrder({ ...order, out_trade_no: newNumber }) };
}

/** createOrder with its way out: the pay page of this order, or of the one that replaced it. */
export async function createOrder(zhixiao: ZhixiaoPayClient, order: ZhixiaoRequest<'createOrder'>) {
  try {
    return { created: await zhixiao.createOrder(order) };
  } catch (err) {
    if (!(err instanceof OutcomeUnknownError)) throw err;
    return replaceLostOrder(zhixiao, order, `${order.out_trade_no}R`);
  }
}
// #endregion order

// #region refund
/**
 * A refund (2.4) whose outcome is open: 2.2 has no refunded amount, so no query tells. Never refund again
 * blindly (a second refund pays out twice): record it for a person, who checks the order's refunds in the
 * Zhixiao merchant console.
 */
export async function refund(
  zhixiao: ZhixiaoPayClient,
  req: ZhixiaoRequest<'refundOrder'>,
  refundId: string,
  opts: CallOptions = {}, // with a journal: { journalKey: refundId }
) {
  try {
    return { state: 'succeeded', reply: await zhixiao.refundOrder(req, opts) };
  } catch (err) {
    if (!open(err)) throw err;
    const review = await zhixiao.resolve({
      method: 'refundOrder',
      orderKey: refundId,
      amount: req.refund_fee,
      params: { out_trade_no: req.out_trade_no },
    });
    return { state: review.state, note: review.note, evidence: review.evidence }; // needs-review
  }
}
// #endregion refund

// #region reconcile
/** Once a day: the merchant's own ledger against the gateway, row by row; what disagrees goes to a person. */
export async function dailyCheck(onecard: OneCardClient, zhixiao: ZhixiaoPayClient) {
  const rows = [
    { gateway: 'zhixiao', orderKey: 'T20261201-1', amount: 19800, state: 'succeeded' },
    { gateway: 'onecard', orderKey: 'RC20261201-7', amount: 5000, state: 'pending' },
  ];
  const attention = [];
  for await (const r of zhixiao.reconcile(rows.filter((row) => row.gateway === 'zhixiao'))) {
    if (r.status !== 'matched') attention.push(r); // found: what the gateway says; reason: why
  }
  for await (const r of onecard.reconcile(rows.filter((row) => row.gateway === 'onecard'))) {
    if (r.status !== 'matched') attention.push(r);
  }
  return attention;
}
// #endregion reconcile

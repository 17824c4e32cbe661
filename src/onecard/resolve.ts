/**
 * How a OneCard money call is brought to a final state (docs/settlement.md). A recharge by its order status
 * (2.2.4.5 订单状态查询). A transfer (2.2.3.2) or a barcode payment (2.2.3.4) by no query: v2.41 has none
 * that reports a single charge or transfer, so they go to a person, with the balances (2.2.2.2) as evidence.
 */
import { GatewayError } from '../core/errors.js';
import type { CallOptions } from '../core/pipeline.js';
import {
  describeError,
  type GatewayResolver,
  intentOf,
  missingVerdict,
  type OrderFacts,
  type Verdict,
  waitingVerdict,
} from '../core/resolve.js';
import type { NoticeFacts } from '../core/settle.js';
import type {
  QueryAccInfoReply,
  QueryAccInfoRequest,
  QueryRechargeOrderReply,
  QueryRechargeOrderRequest,
  RechargeNotification,
} from './schemas.js';

/** The queries the resolver uses: the client's own. */
export interface OneCardQueries {
  queryRechargeOrder(req: QueryRechargeOrderRequest, opts?: CallOptions): Promise<QueryRechargeOrderReply>;
  queryAccInfo(req: QueryAccInfoRequest, opts?: CallOptions): Promise<QueryAccInfoReply>;
}

/**
 * v2.41 sets no order life. Two hours is far beyond any request still in flight, and beyond the payment
 * window of the payment systems a recharge goes through; `orderLifeMs` changes it.
 */
export const ONECARD_ORDER_LIFE_MS = 2 * 3600_000;

/** Codes by which the gateway asks callers to slow down: 40014 调用次数超限, -1 系统繁忙, -10 数据库繁忙, 60066 间隔时间太短. */
const SLOW_DOWN = new Set(['40014', '-1', '-10', '60066']);

const throttled = (err: unknown) => err instanceof GatewayError && SLOW_DOWN.has(err.gatewayCode);

/** What each order status of 2.2.4.5 means while the order waits. */
const WAITING: Record<string, string> = {
  '10': 'ordered, payment outcome unknown (一卡通交易申请已生成)',
  '40': 'paid, not yet credited to the card (己应答支付交易处理结果)',
  '50': 'paid, being credited (已通知第三方支付系统圈存结果)',
};

export function oneCardResolver(
  client: OneCardQueries,
  orderLifeMs = ONECARD_ORDER_LIFE_MS,
): GatewayResolver {
  return {
    gateway: 'onecard',
    methods: { recharge: 'query', transfer: 'review', payByBarcode: 'review' },
    defaultMethod: 'recharge',
    issues: () => [],
    async ask(facts, opts) {
      if (facts.method !== 'recharge') return cardEvidence(client, facts, opts);
      let reply: QueryRechargeOrderReply;
      try {
        reply = await client.queryRechargeOrder(
          { order_no: facts.orderKey, order_amount: facts.amount },
          opts,
        );
      } catch (err) {
        // 参数输入错误 for a well-formed order number: the gateway knows the order with another amount.
        if (!(err instanceof GatewayError && err.gatewayCode === '60002')) throw err;
        return {
          state: 'needs-review',
          amountRefused: true,
          code: '60002',
          note: `the gateway refused the query for ${facts.amount} fen (60002 ${err.gatewayMessage}): the order's amount may differ`,
          evidence: { queryError: describeError(err), checkedAt: new Date().toISOString() },
        };
      }
      return rechargeVerdict(reply, facts, orderLifeMs);
    },
    throttled,
  };
}

function rechargeVerdict(r: QueryRechargeOrderReply, facts: OrderFacts, lifeMs: number): Verdict {
  const status = r.order_status.trim();
  const said = (what: string) => `order_status ${status}: ${what}`;
  const answer = {
    order_status: r.order_status,
    order_no: r.order_no,
    out_id: r.out_id,
    order_amount: r.order_amount,
    pay_time: r.pay_time,
    sttl_date: r.sttl_date,
  };
  const base: Partial<Verdict> = {
    refs: refsOf(r),
    code: status,
    reply: r,
    evidence: { query: answer },
    ...(r.order_amount === undefined ? {} : { amount: r.order_amount }),
  };
  const waiting = WAITING[status];
  if (waiting) return waitingVerdict(facts, lifeMs, said(waiting), base);
  switch (status) {
    case '60':
      return { ...base, state: 'succeeded', note: said('paid and credited to the card') };
    // The spec's own example answers "0", the notice's 支付成功 (2.2.4.4).
    case '0':
      return { ...base, state: 'succeeded', note: said('paid (the notice code 0, 支付成功)') };
    case '77':
      return { ...base, state: 'failed', note: said('payment failed (支付系统支付失败)') };
    case '78':
      return missingVerdict(facts, lifeMs, said('no such order (订单不存在)'), base);
    case '80':
      return {
        ...base,
        state: 'needs-review',
        note: said(
          'moved to refund (订单转入退款): the payer is being paid back; check the card was not credited',
        ),
      };
    default:
      return { ...base, state: 'needs-review', note: said('a status v2.41 does not list') };
  }
}

/** A transfer or a barcode payment: the balances now, the intent and the time, for a person. */
async function cardEvidence(client: OneCardQueries, facts: OrderFacts, opts: CallOptions): Promise<Verdict> {
  const account = str(facts.params.account) ?? facts.refs.account;
  const evidence: Record<string, unknown> = {
    checkedAt: new Date().toISOString(),
    intent: intentOf(facts),
  };
  if (account) {
    // The e-accounts a transfer names; otherwise the card account (###) and every e-account.
    const named = [str(facts.params.src_acctype), str(facts.params.dst_acctype)].filter((t) => t);
    const types = named.length > 0 ? [...new Set(named)] : ['###', undefined];
    try {
      const balances = [];
      for (const acctype of types) {
        const r = await client.queryAccInfo({ account, ...(acctype ? { acctype } : {}) }, opts);
        balances.push(...r.accinfo.map((a) => ({ type: a.type, name: a.name, balance: a.balance })));
      }
      evidence.account = account;
      evidence.balances = balances;
    } catch (err) {
      if (throttled(err) || opts.signal?.aborted) throw err;
      evidence.balancesError = describeError(err);
    }
  } else {
    evidence.balancesError =
      'no card account is known for this payment (a barcode payment names only the code)';
  }
  const what = facts.method === 'transfer' ? 'a transfer (2.2.3.2)' : 'a barcode payment (2.2.3.4)';
  return {
    state: 'needs-review',
    evidence,
    note: `no v2.41 query reports ${what}: compare the balances with the card statement`,
  };
}

/** What a recharge notice settles: a paid one (order_status 0), the recharge; anything else, nothing yet. */
export function oneCardNoticeFacts(n: RechargeNotification): NoticeFacts | undefined {
  if (n.order_status.trim() !== '0') return undefined;
  return {
    method: 'recharge',
    orderKey: n.order_no,
    amount: n.order_amount,
    refs: refsOf(n),
    note: 'notice order_status 0: paid (支付成功, 2.2.4.4)',
  };
}

function refsOf(r: {
  out_id?: string | undefined;
  pay_time?: string | undefined;
  sttl_date?: string | undefined;
}) {
  const refs: Record<string, string> = {};
  for (const k of ['out_id', 'pay_time', 'sttl_date'] as const) if (r[k]) refs[k] = r[k];
  return refs;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

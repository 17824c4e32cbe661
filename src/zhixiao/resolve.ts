/**
 * How a Zhixiao money call is brought to a final state (docs/settlement.md). An order (2.1) by its status
 * (2.2 订单查询). A refund (2.4) by no query: v1.27's query has no refunded amount, so a refund whose
 * outcome is unknown goes to a person, with the order's answer as evidence.
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
import { zhixiaoCondition } from './codes.js';
import type { PaymentNotification, QueryOrderReply, QueryOrderRequest } from './schemas.js';

/** The query the resolver uses: the client's own. */
export interface ZhixiaoQueries {
  queryOrder(req: QueryOrderRequest, opts?: CallOptions): Promise<QueryOrderReply>;
}

/** 2.1: 支付有效时间为 1 小时 — an order can be paid for one hour. */
export const ZHIXIAO_ORDER_LIFE_MS = 3600_000;

/** ret_code -1 is every error (1.3); its wording tells a busy gateway from a missing order (ZHIXIAO_CONDITIONS). */
const throttled = (err: unknown) => zhixiaoCondition(err) === 'busy';

export function zhixiaoResolver(
  client: ZhixiaoQueries,
  orderLifeMs = ZHIXIAO_ORDER_LIFE_MS,
): GatewayResolver {
  return {
    gateway: 'zhixiao',
    methods: { createOrder: 'query', refundOrder: 'review' },
    defaultMethod: 'createOrder',
    issues: () => [],
    async ask(facts, opts) {
      const outTradeNo = str(facts.params.out_trade_no) ?? facts.orderKey;
      let reply: QueryOrderReply;
      try {
        reply = await client.queryOrder({ out_trade_no: outTradeNo }, opts);
      } catch (err) {
        if (facts.method === 'refundOrder' && !throttled(err) && !opts.signal?.aborted)
          return refundEvidence(facts, { queryError: describeError(err) });
        if (!(err instanceof GatewayError) || zhixiaoCondition(err) !== 'order_not_found') throw err;
        return missingVerdict(facts, orderLifeMs, `no such order (${err.gatewayMessage})`, {
          code: '-1',
          evidence: { queryError: describeError(err) },
        });
      }
      if (facts.method === 'refundOrder') return refundEvidence(facts, { order: answerOf(reply) });
      return orderVerdict(reply, facts, orderLifeMs);
    },
    throttled,
  };
}

function orderVerdict(r: QueryOrderReply, facts: OrderFacts, lifeMs: number): Verdict {
  const said = (what: string) => `status ${r.status}: ${what}`;
  const refs: Record<string, string> = { order_id: r.order_id };
  if (r.time_end) refs.time_end = r.time_end;
  const base: Partial<Verdict> = { refs, code: String(r.status), reply: r, evidence: { query: answerOf(r) } };
  switch (r.state) {
    // A refunded order still reads 2 in v1.27: the payment succeeded; its refund is an entry of its own.
    case 'paid':
      return { ...base, state: 'succeeded', note: said('paid (支付成功)') };
    // 3 covers a failed payment, a cancelled order and one whose hour ran out.
    case 'failed':
      return { ...base, state: 'failed', note: said('not paid: failed, cancelled or expired (支付失败)') };
    case 'pending':
      return waitingVerdict(facts, lifeMs, said('waiting for the payer (待支付)'), base);
    default:
      return { ...base, state: 'needs-review', note: said('a status v1.27 does not list') };
  }
}

function refundEvidence(facts: OrderFacts, found: Record<string, unknown>): Verdict {
  return {
    state: 'needs-review',
    note: 'no v1.27 query reports refunds (2.2 has no refunded amount): check the refund in the Zhixiao merchant records',
    evidence: {
      checkedAt: new Date().toISOString(),
      intent: intentOf(facts),
      ...found,
    },
  };
}

const answerOf = (r: QueryOrderReply) => ({
  out_trade_no: r.out_trade_no,
  order_id: r.order_id,
  status: r.status,
  time_end: r.time_end,
});

/** What a payment notice settles (2.5 is sent only for a paid order): the order. It names no amount. */
export function zhixiaoNoticeFacts(n: PaymentNotification): NoticeFacts {
  const refs: Record<string, string> = { order_id: n.order_id, time_end: n.time_end };
  return { method: 'createOrder', orderKey: n.out_trade_no, refs, note: 'payment notice (支付通知, 2.5)' };
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * What the field loses, settled by a sweep with one onSettled event each, over real HTTP: a notice the
 * gateway never delivers (the sandbox's dropNotice) and a reply lost after the gateway committed the call
 * (commitThenDrop). The journal is the one the client writes on its own, in the call path.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  MemoryJournalStore,
  MemoryTokenStore,
  OneCardClient,
  OutcomeUnknownError,
  type SettlementEvent,
  ZhixiaoPayClient,
} from '../../src/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { startMerchant } from '../helpers/merchant.js';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 }, notifications: { retryDelaysMs: [0, 30] } });
});
afterEach(() => sb.faults.clear());
afterAll(() => sb.close());

let n = 0;
const key = (tag: string) => `S${Date.now()}${tag}${++n}`;

/** A client of each gateway sharing one journal, and the events their onSettled received. */
function clients() {
  const journal = new MemoryJournalStore();
  const events: SettlementEvent[] = [];
  const settlement = { journal, onSettled: (e: SettlementEvent) => void events.push(e), retryBaseMs: 1 };
  return {
    journal,
    events,
    onecard: new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore(), ...settlement }),
    zhixiao: new ZhixiaoPayClient({ ...sb.zhixiao, ...settlement }),
  };
}
type Clients = ReturnType<typeof clients>;

/** Both sweeps of a test: the first settles, the second must find nothing left to announce. */
async function sweepTwice(c: Clients) {
  for (const client of [c.onecard, c.zhixiao, c.onecard, c.zhixiao]) await client.sweep({ olderThanMs: 0 });
}

const rechargeOf = (order_no: string) =>
  [...sb.onecardGateway.ledger.recharges.values()].find((r) => r.order_no === order_no)!;
const orderOf = (out_trade_no: string) =>
  [...sb.zhixiaoGateway.orders.values()].find((o) => o.out_trade_no === out_trade_no)!;
const recharge = (order_no: string, notify_url: string) => ({
  client_type: 'web' as const,
  pay_type: 'alipay' as const,
  account: '10001',
  acctype: '###',
  order_no,
  order_amount: 700,
  return_url: 'https://merchant.test/r',
  notify_url,
});
const order = (out_trade_no: string, notify_url: string) => ({
  body: '学费',
  out_trade_no,
  total_fee: 1_900,
  notify_url,
});

describe('a notice the gateway never delivers: the sweep learns the payment', () => {
  it('of two paid orders per gateway, the one whose notice came is settled by it, the other by the sweep; one event each', async () => {
    const c = clients();
    const oneCardShop = await startMerchant(c.onecard.nodeNotificationHandler());
    const zhixiaoShop = await startMerchant(c.zhixiao.nodeNotificationHandler());
    try {
      const [heard, lost, heardZ, lostZ] = [key('h'), key('l'), key('hz'), key('lz')];
      for (const no of [heard, lost]) await c.onecard.recharge(recharge(no, oneCardShop.url));
      for (const no of [heardZ, lostZ]) await c.zhixiao.createOrder(order(no, zhixiaoShop.url));
      // The payer pays all four; the gateway loses the notice of `lost` and `lostZ`.
      sb.onecardGateway.settle(rechargeOf(heard).out_id, true);
      sb.faults.next('dropNotice');
      sb.onecardGateway.settle(rechargeOf(lost).out_id, true);
      sb.zhixiaoGateway.settle(orderOf(heardZ).order_id, true);
      sb.faults.next('dropNotice');
      sb.zhixiaoGateway.settle(orderOf(lostZ).order_id, true);
      await sb.waitForNotifications();
      expect(sb.notifications.filter((r) => r.dropped).map((r) => r.ref)).toEqual([
        rechargeOf(lost).out_id,
        orderOf(lostZ).order_id,
      ]);
      const pending = await Promise.all(
        [`${c.onecard.tenant}|recharge|${lost}`, `${c.zhixiao.tenant}|createOrder|${lostZ}`].map((id) =>
          c.journal.get(id),
        ),
      );
      expect(pending.map((e) => e?.state)).toEqual(['pending', 'pending']);

      await sweepTwice(c);
      const said = (orderKey: string) => c.events.filter((e) => e.orderKey === orderKey);
      for (const [orderKey, source] of [
        [heard, 'notice'],
        [lost, 'sweep'],
        [heardZ, 'notice'],
        [lostZ, 'sweep'],
      ] as const)
        expect(said(orderKey), orderKey).toEqual([expect.objectContaining({ state: 'succeeded', source })]);
      expect(c.events).toHaveLength(4);
    } finally {
      await oneCardShop.close();
      await zhixiaoShop.close();
    }
  });
});

describe('a reply lost after the gateway committed: OutcomeUnknownError, then the sweep settles it', () => {
  const cases: Array<{
    name: string;
    /** What the gateway must hold first (an order to refund, made outside the journal). */
    before?: (no: string) => Promise<void>;
    call: (c: Clients, no: string) => Promise<unknown>;
    /** What happens at the gateway after the reply was lost (the payer pays). */
    paid?: (no: string) => void;
    state: string;
    /** Evidence a person needs, for needs-review. */
    evidence?: string[];
  }> = [
    {
      name: 'OneCard recharge, paid afterwards → succeeded',
      call: (c, no) => c.onecard.recharge(recharge(no, 'http://127.0.0.1:9/n')),
      paid: (no) => sb.onecardGateway.settle(rechargeOf(no).out_id, true),
      state: 'succeeded',
    },
    {
      name: 'Zhixiao createOrder, paid afterwards → succeeded',
      call: (c, no) => c.zhixiao.createOrder(order(no, 'http://127.0.0.1:9/n')),
      paid: (no) => sb.zhixiaoGateway.settle(orderOf(no).order_id, true),
      state: 'succeeded',
    },
    {
      name: 'OneCard transfer → needs-review, with the balances',
      call: (c, no) =>
        c.onecard.transfer(
          { account: '10001', tranamt: 30, src_acctype: '###', dst_acctype: '001' },
          { journalKey: no },
        ),
      state: 'needs-review',
      evidence: ['account', 'balances', 'intent'],
    },
    {
      name: 'Zhixiao refundOrder → needs-review, with the order',
      before: async (no) => {
        const paid = await new ZhixiaoPayClient(sb.zhixiao).createOrder(
          order(`${no}o`, 'http://127.0.0.1:9/n'),
        );
        sb.zhixiaoGateway.settle(paid.order_id, true);
      },
      call: (c, no) => c.zhixiao.refundOrder({ out_trade_no: `${no}o`, refund_fee: 100 }, { journalKey: no }),
      state: 'needs-review',
      evidence: ['intent', 'order'],
    },
  ];

  it.each(cases)('$name', async ({ before, call, paid, state, evidence }) => {
    const c = clients();
    const no = key('d');
    await c.onecard.queryCard({ idtype: 'acc', id: '10001' }); // the token first: the fault meets the call
    await before?.(no);
    sb.faults.next('commitThenDrop');
    const err: unknown = await call(c, no).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    const id = (err as OutcomeUnknownError).journalId!;
    expect(await c.journal.get(id)).toMatchObject({ orderKey: no, state: 'unknown' });
    paid?.(no);

    await sweepTwice(c);
    const entry = await c.journal.get(id);
    expect(entry?.state).toBe(state);
    expect(c.events).toEqual([expect.objectContaining({ entryId: id, state, source: 'sweep' })]);
    if (evidence) expect(Object.keys(c.events[0]!.evidence ?? {})).toEqual(expect.arrayContaining(evidence));
  });
});

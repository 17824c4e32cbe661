/**
 * The recovery cookbook (examples/recipes/recovery.ts, quoted by docs/recovery.md) against real lost
 * replies: a sandbox processes each money call and drops its answer, and each recipe must find its way
 * out — a lost order replaced under a new number and never paid twice, a recharge read by its status,
 * a transfer and a refund handed to a person with their evidence.
 */
import { describe, expect, it } from 'vitest';
import * as recipes from '../../examples/recipes/recovery.js';
import { zhixiaoCondition } from '../../src/index.js';
import { sandboxClients } from '../helpers/sandbox-clients.js';

const t = sandboxClients();

describe('the cookbook against lost replies', () => {
  const order = (no: string) => ({
    body: '学费',
    out_trade_no: no,
    total_fee: 700,
    notify_url: 'https://m.test/n',
  });

  it('a lost createOrder: the old order is closed, a new number gets a pay page, nothing is paid twice', async () => {
    t.sb.faults.next('dropAfterProcess');
    const r = await recipes.createOrder(t.zhixiao, order('ZX-COOK-1'));
    expect(r.created).toMatchObject({ out_trade_no: 'ZX-COOK-1R', url: expect.any(String) });
    expect(await t.zhixiao.queryOrder({ out_trade_no: 'ZX-COOK-1' })).toMatchObject({ status: 3 });
    const again = await t.zhixiao.createOrder(order('ZX-COOK-1')).catch((e) => e);
    expect(zhixiaoCondition(again)).toBe('duplicate_order'); // why a new number is needed
  });

  it('a lost createOrder that was never booked: a new order, nothing to close', async () => {
    t.sb.faults.next('dropBeforeProcess');
    const before = t.sb.zhixiaoGateway.orders.size;
    const r = await recipes.replaceLostOrder(t.zhixiao, order('ZX-COOK-2'), 'ZX-COOK-2R');
    expect(r.created).toMatchObject({ out_trade_no: 'ZX-COOK-2R' });
    expect(t.sb.zhixiaoGateway.orders.size).toBe(before + 1);
  });

  it('an order paid meanwhile is not replaced', async () => {
    const o = await t.zhixiao.createOrder(order('ZX-COOK-3'));
    t.sb.zhixiaoGateway.settle(o.order_id, true);
    const r = await recipes.replaceLostOrder(t.zhixiao, order('ZX-COOK-3'), 'ZX-COOK-3R');
    expect(r).toMatchObject({ paid: { status: 2 } });
    expect(r.created).toBeUndefined();
  });

  it('a lost recharge reads pending by its order status', async () => {
    await t.onecard.queryCard({ idtype: 'acc', id: '10001' });
    t.sb.faults.next('dropAfterProcess');
    const r = await recipes.recharge(t.onecard, {
      client_type: 'web',
      pay_type: 'alipay',
      account: '10001',
      acctype: '###',
      order_no: 'REC-COOK-1',
      order_amount: 800,
      return_url: 'https://merchant.test/r',
      notify_url: 'https://merchant.test/n',
    });
    expect(r).toMatchObject({ state: 'pending', query: { order_status: '10' } });
  });

  it('a lost transfer goes to a person with the balances of both e-accounts', async () => {
    await t.onecard.queryCard({ idtype: 'acc', id: '10001' });
    t.sb.faults.next('dropAfterProcess');
    const r = await recipes.transfer(
      t.onecard,
      { account: '10001', tranamt: 3, src_acctype: '###', dst_acctype: '001' },
      'SALE-COOK-1',
    );
    expect(r.state).toBe('needs-review');
    expect(r).toMatchObject({ evidence: { account: '10001', balances: expect.any(Array) } });
  });

  it("a lost refund goes to a person with the order's answer", async () => {
    const o = await t.zhixiao.createOrder(order('ZX-COOK-4'));
    t.sb.zhixiaoGateway.settle(o.order_id, true);
    t.sb.faults.next('dropAfterProcess');
    const r = await recipes.refund(t.zhixiao, { out_trade_no: 'ZX-COOK-4', refund_fee: 100 }, 'RF-COOK-1');
    expect(r.state).toBe('needs-review');
    expect(r).toMatchObject({ evidence: { order: { out_trade_no: 'ZX-COOK-4', status: 2 } } });
  });
});

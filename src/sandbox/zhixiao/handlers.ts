/**
 * The Zhixiao interface handlers: orders, refunds, identity, user card and invoices. They see params
 * whose fields already passed the format table (`formats.ts`) and refuse with ret_code -1 or -2.
 */
import type { ZhixiaoMethodName } from '../../zhixiao/methods.js';
import { refuse } from '../business-error.js';
import { fen } from '../formats.js';
import type { ZhixiaoSettlement } from './settlement.js';

export type ZhixiaoHandler = (b: Record<string, unknown>) => unknown;
export type ZhixiaoHandlers = Record<ZhixiaoMethodName, ZhixiaoHandler>;

export interface ZhixiaoHandlerContext {
  settlement: ZhixiaoSettlement;
  /** The sandbox's own URL, for the pay page an order points at. */
  publicUrl: () => string;
}

/** One handler per table interface: an interface added to the table without one here does not compile. */
export function zhixiaoHandlers(ctx: ZhixiaoHandlerContext): ZhixiaoHandlers {
  const { settlement } = ctx;
  return {
    createOrder: (b) => {
      if (settlement.has(b.out_trade_no)) refuse('-1', '商户订单号重复');
      const order = settlement.open({
        out_trade_no: String(b.out_trade_no),
        body: String(b.body),
        total_fee: fen(b.total_fee),
        notify_url: String(b.notify_url),
        pay_type: Number(b.pay_type ?? 1),
        ...(b.return_url ? { return_url: String(b.return_url) } : {}),
        ...(b.user_no ? { user_no: String(b.user_no) } : {}),
        ...(b.user_name ? { user_name: String(b.user_name) } : {}),
      });
      const sp = b.openid
        ? { sp_data: JSON.stringify({ appId: 'wx-sandbox', package: `prepay_id=sandbox${order.order_id}` }) }
        : {};
      return {
        out_trade_no: order.out_trade_no,
        order_id: order.order_id,
        url: `${ctx.publicUrl()}/pay/zhixiao/${order.order_id}`,
        ...sp,
      };
    },
    queryOrder: (b) => {
      const o = settlement.byTradeNo(b.out_trade_no);
      return {
        out_trade_no: o.out_trade_no,
        order_id: o.order_id,
        status: String(o.status),
        // Written even when empty, so the reply style decides: "", null or absent.
        time_end: o.time_end ?? '',
      };
    },
    cancelOrder: (b) => {
      const o = settlement.byTradeNo(b.out_trade_no);
      if (o.status === 2) refuse('-1', '订单已支付，不能取消');
      o.status = 3;
      return { out_trade_no: o.out_trade_no, order_id: o.order_id };
    },
    refundOrder: (b) => {
      const o = settlement.byTradeNo(b.out_trade_no);
      if (o.status !== 2) refuse('-1', '订单未支付，不能退款');
      const amount = fen(b.refund_fee);
      if (amount > o.total_fee - o.refunded) refuse('-1', '退款金额超过可退款金额');
      o.refunded += amount;
      return { out_trade_no: o.out_trade_no, order_id: o.order_id };
    },
    getIdentity: (b) => ({
      open_id: `zx_${String(b.uid).slice(-8)}`,
      user_no: '2023000001',
      user_name: '张三',
      sex: '1',
      identity_type: '1',
    }),
    getUserCard: (b) => ({
      ...(b.school_id ? { school_id: b.school_id } : {}),
      user_no: b.user_no,
      user_name: '张三',
      sex: '1',
      identity_type: '1',
      schema_url: `${ctx.publicUrl()}/card/${encodeURIComponent(String(b.user_no))}`,
    }),
    createInvoice: (b) => {
      const o = b.out_trade_no
        ? settlement.byTradeNo(b.out_trade_no)
        : (settlement.orders.get(String(b.zx_order_no)) ?? refuse('-1', '订单不存在'));
      if (o.status !== 2) refuse('-1', '订单未支付，不能开票');
      if (o.invoiced) refuse('-1', '订单已开票');
      o.invoiced = true;
      return '开票成功';
    },
  } satisfies ZhixiaoHandlers;
}

/**
 * The Zhixiao sandbox's interfaces: one record per table interface, holding the formats of its param's
 * fields and its handler. Formats come from the v1.27 tables (是否必须, the byte limits of body and
 * out_trade_no, amounts in fen as strings, int fields, the piaoju object); a field that breaks its rule is
 * refused with ret_code -2 参数校验失败, naming the field. Handlers refuse with ret_code -1 or -2.
 */
import type { zhixiaoMethods } from '../../zhixiao/methods.js';
import { refuse } from '../business-error.js';
import {
  all,
  amount,
  eitherOf,
  fen,
  int,
  object,
  optional,
  requiredWhen,
  type SandboxMethods,
  text,
  url,
} from '../formats.js';
import type { ZhixiaoSettlement } from './settlement.js';

/** Typed from the method table: the request's fields by name (as text off the wire), the reply it answers (2.8: a message). */
export type ZhixiaoSandboxMethods = SandboxMethods<typeof zhixiaoMethods, [], string>;

export interface ZhixiaoMethodContext {
  settlement: ZhixiaoSettlement;
  /** The sandbox's own URL, for the pay page an order points at. */
  publicUrl: () => string;
}

const out_trade_no = text(40);
/** 单位分 as a string; the spec sets no length, 15 digits keep it exact. */
const amountFen = amount(15);
/** 开票类型 / 支付类型: 1 or 2, a JSON int. */
const oneOrTwo = int(1, 2);

/** The invoice fields of 2.1's piaoju and of 2.8 (strings the spec gives no limit). */
const invoice = {
  payer_name: text(),
  payer_taxnum: optional(text()),
  payer_address: optional(text()),
  payer_bank: optional(text()),
  piaoju_memo: optional(text()),
  phone: text(),
  payer_email: optional(text()),
};
/** 纳税人识别号, payer_type=2（单位）时必填 (2.8 calls the type pay_type in its table). */
const taxnum = requiredWhen(
  'payer_taxnum',
  (b) => b.payer_type === 2 || b.pay_type === 2,
  'payer_type=2 (单位 company)',
);

/** Every table interface's record: an interface added to the table without one here does not compile. */
export function zhixiaoSandboxMethods(ctx: ZhixiaoMethodContext): ZhixiaoSandboxMethods {
  const { settlement } = ctx;
  return {
    createOrder: {
      fields: {
        body: text(128),
        out_trade_no,
        total_fee: amountFen,
        user_no: optional(text()),
        user_name: optional(text()),
        return_url: optional(url()),
        notify_url: url(),
        pay_type: optional(oneOrTwo),
        openid: optional(text()),
        piaoju: optional(object({ fields: { payer_type: oneOrTwo, ...invoice }, across: taxnum })),
      },
      /** 小程序支付时 pay_type 必填. */
      across: requiredWhen(
        'pay_type',
        (b) => typeof b.openid === 'string' && b.openid !== '',
        'openid 小程序支付',
      ),
      handle: (b) => {
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
          ? {
              sp_data: JSON.stringify({ appId: 'wx-sandbox', package: `prepay_id=sandbox${order.order_id}` }),
            }
          : {};
        return {
          out_trade_no: order.out_trade_no,
          order_id: order.order_id,
          url: `${ctx.publicUrl()}/pay/zhixiao/${order.order_id}`,
          ...sp,
        };
      },
    },
    queryOrder: {
      fields: { out_trade_no },
      handle: (b) => {
        const o = settlement.byTradeNo(b.out_trade_no);
        return {
          out_trade_no: o.out_trade_no,
          order_id: o.order_id,
          status: String(o.status),
          // Written even when empty, so the reply style decides: "", null or absent.
          time_end: o.time_end ?? '',
        };
      },
    },
    cancelOrder: {
      fields: { out_trade_no },
      handle: (b) => {
        const o = settlement.byTradeNo(b.out_trade_no);
        if (o.status === 2) refuse('-1', '订单已支付，不能取消');
        o.status = 3;
        return { out_trade_no: o.out_trade_no, order_id: o.order_id };
      },
    },
    refundOrder: {
      fields: { out_trade_no, refund_fee: amountFen },
      handle: (b) => {
        const o = settlement.byTradeNo(b.out_trade_no);
        if (o.status !== 2) refuse('-1', '订单未支付，不能退款');
        const amount = fen(b.refund_fee);
        if (amount > o.total_fee - o.refunded) refuse('-1', '退款金额超过可退款金额');
        o.refunded += amount;
        return { out_trade_no: o.out_trade_no, order_id: o.order_id };
      },
    },
    getIdentity: {
      fields: { uid: text() },
      handle: (b) => ({
        open_id: `zx_${String(b.uid).slice(-8)}`,
        user_no: '2023000001',
        user_name: '张三',
        sex: '1',
        identity_type: '1',
      }),
    },
    getUserCard: {
      /** school_id: in 2.7's example, not its table. */
      fields: { user_no: text(), school_id: optional(text()) },
      handle: (b) => ({
        ...(b.school_id ? { school_id: b.school_id } : {}),
        user_no: String(b.user_no),
        user_name: '张三',
        sex: '1',
        identity_type: '1',
        schema_url: `${ctx.publicUrl()}/card/${encodeURIComponent(String(b.user_no))}`,
      }),
    },
    createInvoice: {
      fields: {
        out_trade_no: optional(out_trade_no),
        zx_order_no: optional(text()),
        pay_type: optional(oneOrTwo),
        payer_type: optional(oneOrTwo),
        ...invoice,
      },
      across: all(eitherOf('out_trade_no', 'zx_order_no'), eitherOf('pay_type', 'payer_type'), taxnum),
      handle: (b) => {
        const o = b.out_trade_no
          ? settlement.byTradeNo(b.out_trade_no)
          : (settlement.orders.get(String(b.zx_order_no)) ?? refuse('-1', '订单不存在'));
        if (o.status !== 2) refuse('-1', '订单未支付，不能开票');
        if (o.invoiced) refuse('-1', '订单已开票');
        o.invoiced = true;
        return '开票成功';
      },
    },
  } satisfies ZhixiaoSandboxMethods;
}

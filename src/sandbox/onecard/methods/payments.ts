/**
 * The OneCard sandbox's methods that move or take money: the transfer and payment codes (2.2.3.2 to
 * 2.2.3.4), the payment gateway's binding, recharge and order query (2.2.4), and the deployed code
 * lookup, each one record of field formats and handler.
 */
import { randomInt } from 'node:crypto';
import { encodeForm } from '../../../core/form.js';
import {
  amount,
  beijingTime,
  digits,
  eitherOf,
  fen,
  gbkText,
  oneOf,
  optional,
  orNull,
  requiredWhen,
  text,
  url,
} from '../../formats.js';
import { rechargeView } from '../settlement.js';
import {
  account,
  acctype,
  barcode,
  fail,
  lookups,
  type OneCardMethodContext,
  type OneCardSandboxMethods,
} from './common.js';

/** 支付系统类型 of binding (2.2.4.1, 2.2.4.2). */
const bindPayType = oneOf('alipay', 'weixin');

/** 值为 null 时不发起通知: a URL given as null, "null" or not at all is none. */
const urlOrNone = (v: unknown) => (typeof v === 'string' && v !== 'null' ? v : '');

export function paymentMethods(ctx: OneCardMethodContext) {
  const { ledger, settlement } = ctx;
  const { card, usable, eacc, liveBarcode } = lookups(ctx);

  return {
    transfer: {
      fields: {
        account,
        tranamt: amount(10),
        src_acctype: acctype,
        dst_acctype: acctype,
        remark: optional(text(128)),
      },
      handle: (b) => {
        const c = usable(card(b.account));
        const amount = fen(b.tranamt);
        const src = eacc(c, b.src_acctype);
        const dst = eacc(c, b.dst_acctype);
        if (src === dst) fail('60002', '转出转入账户相同');
        if (src.autotrans_flag === '0' || dst.autotrans_flag === '0') fail('60002', '账户禁止转账');
        if (amount > src.singlelimit) fail('60002', '超过单次限额');
        if (amount > src.balance) fail('60010');
        src.balance -= amount;
        dst.balance += amount;
        ledger.record({ kind: 'transfer', account: c.account, amount, detail: `${src.type} → ${dst.type}` });
        return { tranamt: String(amount) };
      },
    },
    getBarcode: {
      fields: { account, paytype: oneOf('1', '2', '3'), payacc: optional(text(64)) },
      handle: (b) => {
        const c = usable(card(b.account));
        if (c.barflag !== '1') fail('60055');
        if (b.paytype !== '1') fail('60002', '沙箱只支持校园卡账户支付 paytype=1');
        const payacc = typeof b.payacc === 'string' && b.payacc ? b.payacc : '###';
        eacc(c, payacc);
        let code = '';
        for (let i = 0; i < 22; i++) code += String(i === 0 ? randomInt(1, 10) : randomInt(0, 10));
        const ttl = ctx.barcodeTtlSeconds;
        ledger.barcodes.set(code, { account: c.account, payacc, expiresAt: Date.now() + ttl * 1000 });
        return { account: c.account, paytype: '1', payacc, barcode: code, expires: String(ttl) };
      },
    },
    payByBarcode: {
      fields: {
        barcode,
        mercacc: text(10),
        tranamt: amount(10),
        remark: optional(text(128)),
        /** 餐次, 不得超过 9: one digit. */
        dineseq: digits(1, 1),
        posnum: optional(text(10)),
      },
      handle: (b) => {
        const merchant = String(b.mercacc);
        if (!ledger.merchants.has(merchant)) fail('60003', '商户不存在');
        const code = liveBarcode(b.barcode);
        const amount = fen(b.tranamt);
        const c = usable(card(code.account));
        const acc = eacc(c, code.payacc);
        if (amount > acc.balance) fail('60010');
        ledger.barcodes.delete(String(b.barcode)); // a code pays once
        acc.balance -= amount;
        acc.daycostamt += amount;
        ledger.merchants.set(merchant, ledger.merchants.get(merchant)! + amount);
        ledger.record({
          kind: 'barcode_pay',
          account: c.account,
          amount: -amount,
          detail: `商户 ${merchant}`,
        });
        return { account: c.account, tranamt: String(amount) };
      },
    },
    bindPayAccount: {
      fields: { pay_type: bindPayType, openid: optional(text(128)), account },
      handle: (b) => {
        const c = card(b.account);
        ledger.bindings.set(`${String(b.pay_type)}:${String(b.openid ?? '')}`, c.account);
        return { pay_type: b.pay_type, openid: b.openid ?? '', account: c.account };
      },
    },
    unbindPayAccount: {
      fields: { pay_type: bindPayType, openid: optional(text(128)) },
      handle: (b) => {
        if (!ledger.bindings.delete(`${String(b.pay_type)}:${String(b.openid ?? '')}`))
          fail('60003', '绑定关系不存在');
        return { pay_type: b.pay_type, openid: b.openid ?? '' };
      },
    },
    recharge: {
      fields: {
        client_type: oneOf('wap', 'web', 'nativejs', 'native', 'ios', 'android'),
        pay_type: oneOf('alipay', 'unionpay', 'weixin', 'cqtianyipayext', 'cmbcpay', 'cbcpay', 'anxinpay'),
        account,
        acctype,
        order_no: optional(text(24)),
        /** Number(16): integer fen as a decimal string. */
        order_amount: amount(16),
        /** YYYYMMDDHH24MISS, 不可空. */
        order_time: beijingTime(),
        /** 全中文最多 60 个汉字: counted in GBK. */
        order_note: optional(gbkText(128)),
        aic_note: optional(gbkText(128)),
        /** 值为 null (or left out) 时, 不发起通知. */
        return_url: optional(orNull(url(200))),
        notify_url: optional(orNull(url(200))),
        openid: optional(text(128)),
        goods_tag: optional(text(64)),
      },
      across: requiredWhen(
        'openid',
        (b) => b.pay_type === 'weixin' && b.client_type === 'nativejs',
        'pay_type=weixin, client_type=nativejs',
      ),
      handle: (b) => {
        const c = usable(card(b.account));
        eacc(c, b.acctype);
        const order_no = String(b.order_no ?? '');
        if (order_no && settlement.find({ order_no })) fail('60045');
        const order = settlement.open({
          order_no,
          account: c.account,
          acctype: String(b.acctype),
          order_amount: fen(b.order_amount),
          notify_url: urlOrNone(b.notify_url),
          return_url: urlOrNone(b.return_url),
        });
        const native = b.client_type === 'native';
        return {
          account: c.account,
          acctype: order.acctype,
          out_id: order.out_id,
          order_no,
          order_amount: String(order.order_amount),
          post_type: native ? 'native' : 'post',
          post_url: `${ctx.publicUrl()}/pay/onecard/${order.out_id}`,
          post_data: native ? '' : encodeForm({ out_id: order.out_id, order_no }),
        };
      },
    },
    queryRechargeOrder: {
      fields: { out_id: optional(text(24)), order_no: optional(text(24)), order_amount: amount(16) },
      across: eitherOf('out_id', 'order_no'),
      handle: (b) => {
        const o = settlement.find(b);
        if (!o)
          return {
            order_no: b.order_no ?? '',
            out_id: b.out_id ?? '',
            order_amount: String(b.order_amount),
            order_status: '78',
          };
        if (fen(b.order_amount) !== o.order_amount) fail('60002', '订单金额不符');
        return rechargeView(o);
      },
    },
    // Seen in deployments but not in v2.41, against the same ledger.
    querySnoNameFromBarcode: {
      fields: { barcode },
      handle: (b) => {
        const code = liveBarcode(b.barcode);
        const c = card(code.account);
        return {
          sno: c.sno,
          name: c.name,
          paytype: '1',
          payacc: code.payacc,
          accname: eacc(c, code.payacc).name,
        };
      },
    },
  } satisfies Partial<OneCardSandboxMethods>;
}

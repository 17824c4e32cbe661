/**
 * The OneCard method handlers: every v2.41 method and the deployed ones, against the ledger. They see
 * bodies whose fields already passed the format table (`formats.ts`) and refuse with the gateway's
 * business codes.
 */
import { randomInt } from 'node:crypto';
import { encodeForm } from '../../core/form.js';
import { ONECARD_BUSINESS_CODES } from '../../onecard/codes.js';
import type { OneCardMethodName } from '../../onecard/methods.js';
import { refuse } from '../business-error.js';
import { fen } from '../formats.js';
import type { OneCardTokens } from './front.js';
import type { Cardholder, OneCardLedger } from './ledger.js';
import { type OneCardSettlement, rechargeView } from './settlement.js';

export type OneCardHandler = (b: Record<string, unknown>, appKey: string) => Record<string, unknown>;
export type OneCardHandlers = Record<OneCardMethodName, OneCardHandler>;

export interface OneCardHandlerContext {
  ledger: OneCardLedger;
  tokens: OneCardTokens;
  settlement: OneCardSettlement;
  /** Seconds a payment code lives. */
  barcodeTtlSeconds: number;
  /** The sandbox's own URL, for the pay page a recharge points at. */
  publicUrl: () => string;
}

const fail = (retcode: keyof typeof ONECARD_BUSINESS_CODES, message?: string): never =>
  refuse(retcode, message ?? ONECARD_BUSINESS_CODES[retcode].zh);

/** 值为 null 时不发起通知: a URL given as null, "null" or not at all is none. */
const urlOrNone = (v: unknown) => (typeof v === 'string' && v !== 'null' ? v : '');

/** One handler per table method: a method added to the table without one here does not compile. */
export function oneCardHandlers(ctx: OneCardHandlerContext): OneCardHandlers {
  const { ledger, settlement } = ctx;
  const card = (account: unknown): Cardholder =>
    ledger.cardholders.find((x) => x.account === account) ?? fail('60003');
  const usable = (c: Cardholder): Cardholder => {
    if (c.lostflag === '1') fail('60007');
    if (c.freezeflag === '1') fail('60013');
    return c;
  };
  const eacc = (c: Cardholder, type: unknown) =>
    c.accounts.find((a) => a.type === type) ?? fail('60003', `电子账户 ${String(type)} 不存在`);
  const barcode = (code: unknown) => {
    const found = ledger.barcodes.get(String(code));
    return found && Date.now() <= found.expiresAt ? found : fail('60062');
  };
  const setFlag = (flag: 'lostflag' | 'freezeflag', value: '0' | '1') => (b: Record<string, unknown>) => {
    const c = card(b.account);
    if (c[flag] === value) fail('60002', value === '1' ? '状态已设置' : '状态未设置');
    c[flag] = value;
    return { account: c.account };
  };

  return {
    getAccessToken: (_b, appKey) => ctx.tokens.issue(appKey),
    queryCard: (b) => {
      const cards = ledger.find(String(b.idtype), String(b.id));
      if (cards.length === 0) fail('60003');
      return { card: cards.map(cardView) };
    },
    queryAccInfo: (b) => {
      const c = card(b.account);
      const list = b.acctype ? [eacc(c, b.acctype)] : c.accounts.filter((a) => a.type !== '###');
      return {
        account: c.account,
        accinfo: list.map((a) => ({
          name: a.name,
          type: a.type,
          balance: String(a.balance),
          autotrans_limite: '0',
          autotrans_amt: '0',
          autotrans_flag: a.autotrans_flag,
          singlelimit: String(a.singlelimit),
          daycostlimit: String(a.daycostlimit),
          daycostamt: String(a.daycostamt),
          nonpwdlimit: '10000',
        })),
      };
    },
    checkPassword: (b) => {
      const c = ledger.find(String(b.idtype), String(b.id))[0] ?? fail('60003');
      if (c.pwd !== b.pwd) fail('60005');
      return { account: c.account, sno: c.sno };
    },
    transfer: (b) => {
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
    getBarcode: (b) => {
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
    payByBarcode: (b) => {
      const merchant = String(b.mercacc);
      if (!ledger.merchants.has(merchant)) fail('60003', '商户不存在');
      const code = barcode(b.barcode);
      const amount = fen(b.tranamt);
      const c = usable(card(code.account));
      const acc = eacc(c, code.payacc);
      if (amount > acc.balance) fail('60010');
      ledger.barcodes.delete(String(b.barcode)); // a code pays once
      acc.balance -= amount;
      acc.daycostamt += amount;
      ledger.merchants.set(merchant, ledger.merchants.get(merchant)! + amount);
      ledger.record({ kind: 'barcode_pay', account: c.account, amount: -amount, detail: `商户 ${merchant}` });
      return { account: c.account, tranamt: String(amount) };
    },
    bindPayAccount: (b) => {
      const c = card(b.account);
      ledger.bindings.set(`${String(b.pay_type)}:${String(b.openid ?? '')}`, c.account);
      return { pay_type: b.pay_type, openid: b.openid ?? '', account: c.account };
    },
    unbindPayAccount: (b) => {
      if (!ledger.bindings.delete(`${String(b.pay_type)}:${String(b.openid ?? '')}`))
        fail('60003', '绑定关系不存在');
      return { pay_type: b.pay_type, openid: b.openid ?? '' };
    },
    recharge: (b) => {
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
    queryRechargeOrder: (b) => {
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
    // Methods seen in deployments but not in v2.41, against the same ledger.
    queryAccInfoTotal: (b) => {
      const accs = ledger.cardholders.flatMap((c) => c.accounts.filter((a) => a.type === b.acctype));
      return {
        acctype: b.acctype,
        total_count: String(accs.length),
        total_amt: String(accs.reduce((n, a) => n + a.balance, 0)),
      };
    },
    querySnoNameFromBarcode: (b) => {
      const code = barcode(b.barcode);
      const c = card(code.account);
      return {
        sno: c.sno,
        name: c.name,
        paytype: '1',
        payacc: code.payacc,
        accname: eacc(c, code.payacc).name,
      };
    },
    modifyPassword: (b) => {
      const c = card(b.account);
      if (String(b.newpwd).length < 6) fail('60002', '新密码不合法');
      c.pwd = String(b.newpwd);
      return { account: c.account };
    },
    lostCard: setFlag('lostflag', '1'),
    unlostCard: setFlag('lostflag', '0'),
    freezeCard: setFlag('freezeflag', '1'),
    unfreezeCard: setFlag('freezeflag', '0'),
    openAccount: (b) => {
      if (ledger.cardholders.some((c) => c.sno === b.sno)) fail('60002', '学工号已开户');
      const account = String(10_001 + ledger.cardholders.length);
      ledger.cardholders.push({
        account,
        name: String(b.name),
        sno: String(b.sno),
        phone: String(b.phone ?? ''),
        cert: String(b.idno ?? ''),
        cardid: '',
        pwd: '000000',
        lostflag: '0',
        freezeflag: '0',
        barflag: '1',
        accounts: [
          {
            type: '###',
            name: '卡账户',
            balance: 0,
            autotrans_flag: '1',
            singlelimit: 50_000,
            daycostlimit: 100_000,
            daycostamt: 0,
          },
        ],
      });
      // Deployed gateways echo the student number beside the new account; public clients read it.
      return { account, sno: String(b.sno) };
    },
    modifyAccount: (b) => {
      const c = card(b.account);
      if (typeof b.name === 'string') c.name = b.name;
      if (typeof b.phone === 'string') c.phone = b.phone;
      if (typeof b.idno === 'string') c.cert = b.idno;
      return { account: c.account };
    },
  } satisfies OneCardHandlers;
}

function cardView(c: Cardholder) {
  const card = c.accounts.find((a) => a.type === '###')!;
  return {
    account: c.account,
    name: c.name,
    unsettle_amount: '0',
    db_balance: String(card.balance),
    lostflag: c.lostflag,
    freezeflag: c.freezeflag,
    idflag: '1',
    barflag: c.barflag,
    createdate: '20230901',
    expdate: '20270701',
    cardtype: '01',
    cardname: '学生卡',
    bankacc: '',
    sno: c.sno,
    phone: c.phone,
    certtype: '001',
    cert: c.cert,
    autotrans_limite: '0',
    autotrans_amt: '0',
    autotrans_flag: card.autotrans_flag,
    mscard: '0',
    scard_num: '0',
    // Deployments add fields the spec does not list; the sandbox does too, so clients must keep them.
    acc_status: '1',
    cardid: c.cardid,
  };
}

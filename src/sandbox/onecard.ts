/**
 * The OneCard gateway, server side: the same envelope as the client (so both are exercised), checks in
 * the gateway's order with its real error codes, and every v2.41 method against the ledger.
 */
import type { KeyObject } from 'node:crypto';
import { randomBytes, randomInt } from 'node:crypto';
import { rsaSha1Verify } from '../core/crypto.js';
import { encodeForm } from '../core/form.js';
import type { Handlers } from '../core/method.js';
import { formatCompactTime, formatGatewayTime, parseBeijingTime } from '../core/time.js';
import { BUSINESS_ERRORS } from '../onecard/codes.js';
import { decryptJson, encodeReply, NO_TOKEN, signString, wrapperOf } from '../onecard/envelope.js';
import { type OneCardMethodName, oneCardMethods } from '../onecard/methods.js';
import { buildOneCardNotification } from '../onecard/notifications.js';
import type { Notifier } from './notifier.js';
import { type Cardholder, OneCardLedger, type RechargeOrder } from './onecard-ledger.js';
import { type ReplyStyle, styleReply } from './reply-style.js';

export interface OneCardSandboxKeys {
  appKey: string;
  desKey: string;
  merchantPublicKey: KeyObject;
  platformPrivateKey: KeyObject;
}

export interface OneCardSandboxOptions {
  /** More app keys the gateway accepts (same keys, separate tokens), e.g. one per business line. */
  extraAppKeys?: string[];
  /** Token lifetime in seconds (default 7200). */
  tokenTtlSeconds?: number;
  /** Minimum interval between token fetches (default 120000, as the real gateway). */
  tokenMinIntervalMs?: number;
  /** Seconds a payment code lives (default 60). */
  barcodeTtlSeconds?: number;
  /**
   * How long a paid recharge stays in 40 (paid) and then 50 (crediting) before it is credited (60) and
   * notified, so a test can watch the statuses go by (default 0: credited at once).
   */
  creditDelayMs?: number;
}

class BusinessError extends Error {
  constructor(
    readonly retcode: string,
    message?: string,
  ) {
    super(message ?? BUSINESS_ERRORS[retcode] ?? 'error');
  }
}

const fail = (retcode: string, message?: string): never => {
  throw new BusinessError(retcode, message);
};
const fen = (v: unknown, field: string): number => {
  const n = typeof v === 'string' && /^\d+(\.0+)?$/.test(v) ? Number.parseFloat(v) : Number.NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : fail('60002', `${field} 金额错误`);
};

type OneCardHandlers = Handlers<typeof oneCardMethods, [appKey: string]>;
const NAME_BY_WIRE = new Map(
  Object.entries(oneCardMethods).map(([name, m]) => [m.wire, name as OneCardMethodName]),
);

export interface Reply {
  errcode: string;
  data?: Record<string, unknown>;
}

export class OneCardSandbox {
  readonly ledger = new OneCardLedger();
  /** How empty optional reply fields are written ("" by default; null or left out, as real gateways do). */
  replyStyle: ReplyStyle = 'empty';
  /** Token fetches served, for tests. */
  tokenFetches = 0;
  /** One token per app key: a fetch for one app key does not touch another's. */
  readonly #tokens = new Map<string, { value: string; expiresAt: number; issuedAt: number }>();
  readonly #appKeys: Set<string>;
  readonly #o: Required<OneCardSandboxOptions>;

  constructor(
    readonly keys: OneCardSandboxKeys,
    readonly notifier: Notifier,
    readonly publicUrl: () => string,
    options: OneCardSandboxOptions = {},
  ) {
    this.#o = {
      tokenTtlSeconds: 7200,
      tokenMinIntervalMs: 120_000,
      barcodeTtlSeconds: 60,
      extraAppKeys: [],
      creditDelayMs: 0,
      ...options,
    };
    this.#appKeys = new Set([keys.appKey, ...this.#o.extraAppKeys]);
  }

  /** Invalidates an app key's current token, as a fetch by another party would. */
  revokeToken(appKey = this.keys.appKey) {
    this.#tokens.delete(appKey);
  }

  /** Handles one POST to the gateway URL; returns the reply and whether the ledger may have changed. */
  handle(form: URLSearchParams): Reply & { method: string } {
    const f = Object.fromEntries(form);
    const method = f.method ?? '';
    const sys = (errcode: string): Reply & { method: string } => ({ errcode, method });
    const required = [
      'method',
      'timestamp',
      'format',
      'app_key',
      'access_token',
      'v',
      'sign_method',
      'request',
      'sign',
    ];
    if (required.some((k) => !f[k])) return sys('40001');
    if (!this.#appKeys.has(f.app_key!)) return sys('40002');
    if (f.sign_method !== 'rsa') return sys('40003');
    if (!rsaSha1Verify(signString(f), f.sign!, this.keys.merchantPublicKey)) return sys('40004');
    if (f.v !== '2.0') return sys('40016');
    if (f.format !== 'json') return sys('40015');
    const at = parseBeijingTime(f.timestamp!);
    if (!at || Math.abs(Date.now() - at.getTime()) > 6 * 60_000) return sys('40018');
    const name = NAME_BY_WIRE.get(method);
    const handler = name ? this.#methods[name] : undefined;
    if (!handler) return sys('40012');
    let body: Record<string, unknown>;
    try {
      const inner = decryptJson(f.request!, this.keys.desKey, method)[wrapperOf(method)];
      if (typeof inner !== 'object' || inner === null) return sys('40015');
      body = inner as Record<string, unknown>;
    } catch {
      return sys('40015');
    }
    const isTokenCall = method === 'synjones.authorize.access_token';
    const token = this.#tokens.get(f.app_key!);
    if (!isTokenCall && (!token || f.access_token !== token.value || Date.now() > token.expiresAt)) {
      return sys('40017');
    }
    if (isTokenCall && f.access_token !== NO_TOKEN && f.access_token !== token?.value) return sys('40017');
    try {
      return { errcode: '0', method, data: { retcode: '0', errmsg: '', ...handler(body, f.app_key!) } };
    } catch (err) {
      if (!(err instanceof BusinessError)) throw err;
      return { errcode: '0', method, data: { retcode: err.retcode, errmsg: err.message } };
    }
  }

  /** Serialises a reply, signed with the platform key (or deliberately not, for the bad-signature fault). */
  encode(reply: Reply & { method: string }, badSignature = false): string {
    const keys = { desKey: this.keys.desKey, platformPrivateKey: this.keys.platformPrivateKey };
    const body = encodeReply(
      keys,
      reply.method,
      reply.errcode,
      reply.errcode === '0' ? styleReply(reply.data, this.replyStyle) : undefined,
    );
    if (!badSignature) return body;
    return body.replace(
      /sign=([^&]*)/,
      (_m, s: string) => `sign=${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`,
    );
  }

  #card(account: unknown): Cardholder {
    const c = this.ledger.cardholders.find((x) => x.account === account);
    return c ?? fail('60003');
  }

  #usable(c: Cardholder): Cardholder {
    if (c.lostflag === '1') fail('60007');
    if (c.freezeflag === '1') fail('60013');
    return c;
  }

  #eacc(c: Cardholder, type: unknown) {
    return c.accounts.find((a) => a.type === type) ?? fail('60003', `电子账户 ${String(type)} 不存在`);
  }

  /** One handler per table method: a method added to the table without one here does not compile. */
  readonly #methods = {
    getAccessToken: (_b, appKey) => {
      const now = Date.now();
      const last = this.#tokens.get(appKey);
      if (last && now - last.issuedAt < this.#o.tokenMinIntervalMs) fail('60048');
      this.tokenFetches++;
      const value = randomBytes(32).toString('hex');
      this.#tokens.set(appKey, { value, issuedAt: now, expiresAt: now + this.#o.tokenTtlSeconds * 1000 });
      return { access_token: value, expires_in: String(this.#o.tokenTtlSeconds) };
    },
    queryCard: (b) => {
      const cards = this.ledger.find(String(b.idtype), String(b.id));
      if (cards.length === 0) fail('60003');
      return { card: cards.map(cardView) };
    },
    queryAccInfo: (b) => {
      const c = this.#card(b.account);
      const list = b.acctype ? [this.#eacc(c, b.acctype)] : c.accounts.filter((a) => a.type !== '###');
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
      const c = this.ledger.find(String(b.idtype), String(b.id))[0] ?? fail('60003');
      if (c.pwd !== b.pwd) fail('60005');
      return { account: c.account, sno: c.sno };
    },
    transfer: (b) => {
      const c = this.#usable(this.#card(b.account));
      const amount = fen(b.tranamt, 'tranamt');
      const src = this.#eacc(c, b.src_acctype);
      const dst = this.#eacc(c, b.dst_acctype);
      if (src === dst) fail('60002', '转出转入账户相同');
      if (src.autotrans_flag === '0' || dst.autotrans_flag === '0') fail('60002', '账户禁止转账');
      if (amount > src.singlelimit) fail('60002', '超过单次限额');
      if (amount > src.balance) fail('60010');
      src.balance -= amount;
      dst.balance += amount;
      this.ledger.record({
        kind: 'transfer',
        account: c.account,
        amount,
        detail: `${src.type} → ${dst.type}`,
      });
      return { tranamt: String(amount) };
    },
    getBarcode: (b) => {
      const c = this.#usable(this.#card(b.account));
      if (c.barflag !== '1') fail('60055');
      if (b.paytype !== '1') fail('60002', '沙箱只支持校园卡账户支付 paytype=1');
      const payacc = typeof b.payacc === 'string' && b.payacc ? b.payacc : '###';
      this.#eacc(c, payacc);
      let code = '';
      for (let i = 0; i < 22; i++) code += String(i === 0 ? randomInt(1, 10) : randomInt(0, 10));
      this.ledger.barcodes.set(code, {
        account: c.account,
        payacc,
        expiresAt: Date.now() + this.#o.barcodeTtlSeconds * 1000,
      });
      return {
        account: c.account,
        paytype: '1',
        payacc,
        barcode: code,
        expires: String(this.#o.barcodeTtlSeconds),
      };
    },
    payByBarcode: (b) => {
      if (!/^\d$/.test(String(b.dineseq ?? ''))) fail('60002', 'dineseq 餐次错误');
      const merchant = String(b.mercacc ?? '');
      if (!this.ledger.merchants.has(merchant)) fail('60003', '商户不存在');
      const code = this.ledger.barcodes.get(String(b.barcode));
      if (!code || Date.now() > code.expiresAt) fail('60062');
      const amount = fen(b.tranamt, 'tranamt');
      const c = this.#usable(this.#card(code!.account));
      const acc = this.#eacc(c, code!.payacc);
      if (amount > acc.balance) fail('60010');
      this.ledger.barcodes.delete(String(b.barcode)); // a code pays once
      acc.balance -= amount;
      acc.daycostamt += amount;
      this.ledger.merchants.set(merchant, this.ledger.merchants.get(merchant)! + amount);
      this.ledger.record({
        kind: 'barcode_pay',
        account: c.account,
        amount: -amount,
        detail: `商户 ${merchant}`,
      });
      return { account: c.account, tranamt: String(amount) };
    },
    bindPayAccount: (b) => {
      const c = this.#card(b.account ?? (b as { acc?: unknown }).acc); // the spec's example spells it acc
      this.ledger.bindings.set(`${String(b.pay_type)}:${String(b.openid ?? '')}`, c.account);
      return { pay_type: b.pay_type, openid: b.openid ?? '', account: c.account };
    },
    unbindPayAccount: (b) => {
      if (!this.ledger.bindings.delete(`${String(b.pay_type)}:${String(b.openid ?? '')}`))
        fail('60003', '绑定关系不存在');
      return { pay_type: b.pay_type, openid: b.openid ?? '' };
    },
    recharge: (b) => {
      const c = this.#usable(this.#card(b.account));
      this.#eacc(c, b.acctype);
      const amount = fen(b.order_amount, 'order_amount');
      const order_no = String(b.order_no ?? '');
      if (!order_no) fail('60002', 'order_no 不能为空');
      if ([...this.ledger.recharges.values()].some((o) => o.order_no === order_no)) fail('60045');
      const order: RechargeOrder = {
        out_id: this.ledger.nextSerial(),
        order_no,
        account: c.account,
        acctype: String(b.acctype),
        order_amount: amount,
        notify_url: String(b.notify_url ?? ''),
        return_url: String(b.return_url ?? ''),
        order_status: '10',
      };
      this.ledger.recharges.set(order.out_id, order);
      const payUrl = `${this.publicUrl()}/pay/onecard/${order.out_id}`;
      const native = b.client_type === 'native';
      return {
        account: c.account,
        acctype: order.acctype,
        out_id: order.out_id,
        order_no,
        order_amount: String(amount),
        post_type: native ? 'native' : 'post',
        post_url: payUrl,
        post_data: native ? '' : encodeForm({ out_id: order.out_id, order_no }),
      };
    },
    ...this.#deployedMethods(),
    queryRechargeOrder: (b) => {
      const o = [...this.ledger.recharges.values()].find((x) =>
        b.out_id ? x.out_id === b.out_id : x.order_no === b.order_no,
      );
      if (!o)
        return {
          order_no: b.order_no ?? '',
          out_id: b.out_id ?? '',
          order_amount: String(b.order_amount ?? ''),
          order_status: '78',
        };
      if (fen(b.order_amount, 'order_amount') !== o.order_amount) fail('60002', '订单金额不符');
      return rechargeView(o);
    },
  } satisfies OneCardHandlers;

  /** Methods seen in deployments but not in v2.41, against the same ledger. */
  #deployedMethods() {
    const setFlag = (flag: 'lostflag' | 'freezeflag', value: '0' | '1') => (b: Record<string, unknown>) => {
      const c = this.#card(b.account);
      if (c[flag] === value) fail('60002', value === '1' ? '状态已设置' : '状态未设置');
      c[flag] = value;
      return { account: c.account };
    };
    return {
      queryAccInfoTotal: (b) => {
        const accs = this.ledger.cardholders.flatMap((c) => c.accounts.filter((a) => a.type === b.acctype));
        return {
          acctype: b.acctype,
          total_count: String(accs.length),
          total_amt: String(accs.reduce((n, a) => n + a.balance, 0)),
        };
      },
      querySnoNameFromBarcode: (b) => {
        const code = this.ledger.barcodes.get(String(b.barcode));
        if (!code || Date.now() > code.expiresAt) fail('60062');
        const c = this.#card(code!.account);
        return {
          sno: c.sno,
          name: c.name,
          paytype: '1',
          payacc: code!.payacc,
          accname: this.#eacc(c, code!.payacc).name,
        };
      },
      modifyPassword: (b) => {
        const c = this.#card(b.account);
        if (typeof b.newpwd !== 'string' || b.newpwd.length < 6) fail('60002', '新密码不合法');
        c.pwd = String(b.newpwd);
        return { account: c.account };
      },
      lostCard: setFlag('lostflag', '1'),
      unlostCard: setFlag('lostflag', '0'),
      freezeCard: setFlag('freezeflag', '1'),
      unfreezeCard: setFlag('freezeflag', '0'),
      openAccount: (b) => {
        if (!b.sno || !b.name) fail('60002', 'sno 和 name 不能为空');
        if (this.ledger.cardholders.some((c) => c.sno === b.sno)) fail('60002', '学工号已开户');
        const account = String(10_001 + this.ledger.cardholders.length);
        this.ledger.cardholders.push({
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
        const c = this.#card(b.account);
        if (typeof b.name === 'string') c.name = b.name;
        if (typeof b.phone === 'string') c.phone = b.phone;
        if (typeof b.idno === 'string') c.cert = b.idno;
        return { account: c.account };
      },
    } satisfies Partial<OneCardHandlers>;
  }

  /** Moves a paid recharge to 80 (订单转入退款 refund started), as the payment system does on a refund. */
  refund(outId: string): RechargeOrder {
    const o = this.ledger.recharges.get(outId);
    if (!o) throw new Error('no such recharge');
    if (['40', '50', '60'].includes(o.order_status)) o.order_status = '80';
    return o;
  }

  /** @deprecated since 0.2.0: settle, as on the Zhixiao sandbox. */
  settleRecharge(outId: string, paid: boolean): RechargeOrder {
    return this.settle(outId, paid);
  }

  /** The payer's choice on the pay page: pay (credit the card, notify) or fail. */
  settle(outId: string, paid: boolean): RechargeOrder {
    const o = this.ledger.recharges.get(outId);
    if (!o) throw new Error('no such recharge');
    if (o.order_status !== '10') return o;
    if (!paid) {
      o.order_status = '77';
      this.#notify(o);
      return o;
    }
    o.pay_time = formatCompactTime();
    o.sttl_date = o.pay_time.slice(0, 8);
    const credit = () => {
      this.#eacc(this.#card(o.account), o.acctype).balance += o.order_amount;
      o.order_status = '60';
      this.ledger.record({
        kind: 'recharge',
        account: o.account,
        amount: o.order_amount,
        detail: `order ${o.order_no}`,
      });
      this.#notify(o);
    };
    const delay = this.#o.creditDelayMs;
    if (delay <= 0) {
      credit();
      return o;
    }
    // 40 paid → 50 crediting → 60 credited, as the real payment gateway reports them.
    o.order_status = '40';
    setTimeout(() => {
      o.order_status = '50';
      setTimeout(credit, delay).unref();
    }, delay).unref();
    return o;
  }

  #notify(o: RechargeOrder) {
    if (o.notify_url && o.notify_url !== 'null') {
      this.notifier.send('onecard', o.out_id, o.notify_url, this.notificationBody(o), 'ok');
    }
  }

  /** A paygw.notify.result notice as form fields, signed with the platform key (the SDK's own builder). */
  notificationBody(o: RechargeOrder, timestamp = formatGatewayTime()): string {
    const payload = { ...rechargeView(o), order_status: o.order_status === '60' ? '0' : o.order_status };
    return buildOneCardNotification(
      { desKey: this.keys.desKey, platformPrivateKey: this.keys.platformPrivateKey },
      payload,
      { timestamp },
    );
  }
}

function rechargeView(o: RechargeOrder) {
  return {
    account: o.account,
    acctype: o.acctype,
    order_no: o.order_no,
    order_amount: String(o.order_amount),
    out_id: o.out_id,
    pay_time: o.pay_time ?? '',
    sttl_date: o.sttl_date ?? '',
    order_status: o.order_status,
  };
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

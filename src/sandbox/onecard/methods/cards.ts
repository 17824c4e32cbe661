/**
 * The OneCard sandbox's card and account methods: the token (2.2.1.1), card and account queries
 * (2.2.2), the password check (2.2.3.1) and the deployed account management, each one record of field
 * formats and handler.
 */
import { day, type FieldRule, oneOf, optional, text } from '../../formats.js';
import type { Cardholder } from '../ledger.js';
import {
  account,
  acctype,
  fail,
  lookups,
  type OneCardMethodContext,
  type OneCardSandboxMethods,
} from './common.js';

/** 身份标识类型 (2.2.2.1); the password check (2.2.3.1) lists all but barcode. */
const ID_TYPES = ['sno', 'id', 'phone', 'acc', 'cardid'];

/** open.acc's fields (deployed): student number and name required, the rest optional. */
const person: Record<string, FieldRule> = {
  sno: text(20),
  name: text(30),
  sex: optional(oneOf('1', '2')),
  idno: optional(text(20)),
  phone: optional(text(20)),
  email: optional(text(64)),
  schoolcode: optional(text(20)),
  depcode: optional(text(20)),
  cardtype: optional(text(3)),
  born: optional(day()),
  pidcode: optional(text(10)),
  indate: optional(day()),
  expdate: optional(day()),
  photo_image: optional(text()),
};
const anyOf = (fields: Record<string, FieldRule>) =>
  Object.fromEntries(Object.entries(fields).map(([k, r]) => [k, optional(r)]));

export function cardMethods(ctx: OneCardMethodContext) {
  const { ledger } = ctx;
  const { card, eacc } = lookups(ctx);
  /** Reporting the loss of a card, freezing it, and undoing either (deployed). */
  const cardState = (flag: 'lostflag' | 'freezeflag', value: '0' | '1') => ({
    fields: { account },
    handle: (b: Record<string, unknown>) => {
      const c = card(b.account);
      if (c[flag] === value) fail('60002', value === '1' ? '状态已设置' : '状态未设置');
      c[flag] = value;
      return { account: c.account };
    },
  });

  return {
    getAccessToken: { fields: {}, handle: (_b, appKey) => ctx.tokens.issue(appKey) },
    queryCard: {
      fields: { idtype: oneOf(...ID_TYPES, 'barcode'), id: text(32) },
      handle: (b) => {
        const cards = ledger.find(String(b.idtype), String(b.id));
        if (cards.length === 0) fail('60003');
        return { card: cards.map(cardView) };
      },
    },
    queryAccInfo: {
      fields: { account, acctype: optional(acctype) },
      handle: (b) => {
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
    },
    checkPassword: {
      fields: { idtype: oneOf(...ID_TYPES), id: text(32), pwd: text(32) },
      handle: (b) => {
        const c = ledger.find(String(b.idtype), String(b.id))[0] ?? fail('60003');
        if (c.pwd !== b.pwd) fail('60005');
        return { account: c.account, sno: c.sno };
      },
    },
    // Methods seen in deployments but not in v2.41, against the same ledger.
    queryAccInfoTotal: {
      fields: { acctype },
      handle: (b) => {
        const accs = ledger.cardholders.flatMap((c) => c.accounts.filter((a) => a.type === b.acctype));
        return {
          acctype: b.acctype,
          total_count: String(accs.length),
          total_amt: String(accs.reduce((n, a) => n + a.balance, 0)),
        };
      },
    },
    modifyPassword: {
      fields: { account, newpwd: text(32) },
      handle: (b) => {
        const c = card(b.account);
        if (String(b.newpwd).length < 6) fail('60002', '新密码不合法');
        c.pwd = String(b.newpwd);
        return { account: c.account };
      },
    },
    lostCard: cardState('lostflag', '1'),
    unlostCard: cardState('lostflag', '0'),
    freezeCard: cardState('freezeflag', '1'),
    unfreezeCard: cardState('freezeflag', '0'),
    openAccount: {
      fields: person,
      handle: (b) => {
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
    },
    modifyAccount: {
      fields: { account, ...anyOf(person) },
      handle: (b) => {
        const c = card(b.account);
        if (typeof b.name === 'string') c.name = b.name;
        if (typeof b.phone === 'string') c.phone = b.phone;
        if (typeof b.idno === 'string') c.cert = b.idno;
        return { account: c.account };
      },
    },
  } satisfies Partial<OneCardSandboxMethods>;
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

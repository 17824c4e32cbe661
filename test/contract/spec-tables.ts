/**
 * The field tables of both vendor specs, transcribed by hand (OneCard v2.41, Zhixiao v1.27), as data.
 * Nothing here is read from src/: these tables are the oracle the schemas are held to
 * (test/contract/spec-tables.test.ts) and the source of docs/spec-conformance.md's field tables.
 *
 * Names are the spec's, with the PDF's cell breaks removed ("timestam p" is `timestamp`). `type` and
 * `need` are the cells as written; `max` is the String(n)/Number(n) limit, or the limit the description
 * states ("不能超过 40 字节"). Limits count UTF-8 bytes (spec 1.4: everything is UTF-8), except where the
 * spec counts a Chinese character as 2 ("全中文最多 60 个汉字" in String(128)): `unit: 'gbk'`.
 * The SDK's deliberate departures from these tables are in ./departures.ts, not here.
 */
import type { OneCardMethodName, ZhixiaoMethodName } from '../../src/index.js';

/** How a value looks on the wire, where the spec's description fixes it. */
export type Format =
  | 'fen'
  | 'yyyyMMddHHmmss'
  | 'yyyyMMdd'
  | 'yyyy-MM-dd HH:mm:ss'
  | 'url'
  | 'digits'
  | 'json'
  | 'md5';

export interface SpecField {
  name: string;
  /** The type cell as written: `String(10)`, `Number(16)`, `int`, `string`, `json 对象`, a struct's name. */
  type: string;
  /** The 是否可为空 / 是否必须 cell as written (blank where the spec leaves it blank). */
  need: string;
  /** 可空, 否, or blank: the field may be left out. */
  optional: boolean;
  max?: number;
  /** How `max` counts when not in UTF-8 bytes. */
  unit?: 'gbk';
  /** A closed set of values (the 样例/描述 cell lists them). */
  values?: readonly (string | number)[];
  format?: Format;
  /**
   * Required after all when the other fields of the same object have these values (openid for weixin +
   * nativejs), or, for `true`, are given at all.
   */
  when?: Readonly<Record<string, string | number | true>>;
  /** A struct's or JSON object's own fields. */
  fields?: readonly SpecField[];
  note?: string;
}

export interface SpecTable {
  /** Spec section and its title. */
  section: string;
  request: readonly SpecField[];
  reply: readonly SpecField[];
  /** Fields of which at least one must be given (二选一 / 必传其一). */
  oneOf?: readonly string[];
  /** A reply that is a message rather than fields. */
  replyText?: string;
}

/** An inbound notice: the gateway's fields, and the word the merchant answers. */
export interface NoticeTable {
  section: string;
  system: readonly SpecField[];
  fields: readonly SpecField[];
  answer: string;
}

type More = Omit<Partial<SpecField>, 'name' | 'type' | 'need' | 'optional'>;

/** One table row: name, type cell, need cell, and what the description cell adds. */
function row(name: string, type: string, need: string, more: More = {}): SpecField {
  const n = /\((\d+)\)$/.exec(type);
  return {
    name,
    type,
    need,
    optional: need === '可空' || need === '否' || need === '',
    ...(n ? { max: Number(n[1]) } : {}),
    ...more,
  };
}

// ---------------------------------------------------------------------------------------------------
// OneCard v2.41

/** 1.2.1 系统级请求参数 and 1.2.3 应用级参数: the request's form fields. */
export const ONECARD_REQUEST_ENVELOPE: readonly SpecField[] = [
  row('method', 'string(64)', 'Y'),
  row('timestamp', 'String(19)', 'Y', { format: 'yyyy-MM-dd HH:mm:ss', note: 'server allows ±6 minutes' }),
  row('format', 'String(16)', 'Y', { values: ['json'] }),
  row('app_key', 'String(128)', 'Y'),
  row('access_token', 'String(128)', 'Y', { note: '128 characters 0 for the token call' }),
  row('v', 'String(16)', 'Y', { values: ['2.0'], note: 'the table writes V; the sign string example v' }),
  row('sign', 'String', 'Y'),
  row('sign_method', 'String(16)', 'Y', { values: ['rsa'] }),
  row('request', 'String', 'Y', { note: '1.2.3: base64 of the 3DES-encrypted JSON' }),
];
/** 1.2.2 系统级应答参数 (with the application-level `request`). */
export const ONECARD_REPLY_ENVELOPE: readonly SpecField[] = [
  row('errcode', 'String(10)', 'Y', { note: '0 成功; -1, -2, 40001–40018 system errors' }),
  row('request', 'String', 'Y', { note: '1.2.3' }),
  row('sign', 'String', 'Y'),
];

const retcode = row('retcode', 'String(6)', '不可空', { note: '0 成功, other: an error' });
const errmsg = row('errmsg', 'String(128)', '可空');
const fen = { format: 'fen' } as const;
const idtypes = ['sno', 'id', 'phone', 'acc', 'cardid'] as const;
const transferFlag = { values: ['0', '1', '2'] } as const;
const bindTypes = { values: ['alipay', 'weixin'] } as const;
const acctypeNote = { note: '### 卡账户, other codes e-accounts' } as const;

/** 2.2.2.1 card 结构. */
const CARD: readonly SpecField[] = [
  row('account', 'String(10)', '不可空'),
  row('name', 'String(30)', '可空'),
  row('unsettle_amount', 'String(10)', '不可空', fen),
  row('db_balance', 'String(10)', '不可空', fen),
  row('lostflag', 'String(1)', '不可空', { values: ['0', '1'] }),
  row('freezeflag', 'String(1)', '不可空', { values: ['0', '1'] }),
  row('idflag', 'String(1)', '不可空', { values: ['0', '1'] }),
  row('barflag', 'String(1)', '', { values: ['0', '1'] }),
  row('createdate', 'String(8)', '不可空', { format: 'yyyyMMdd' }),
  row('expdate', 'String(8)', '不可空', { format: 'yyyyMMdd' }),
  row('cardtype', 'String(3)', '不可空'),
  row('cardname', 'String(20)', '不可空'),
  row('bankacc', 'String(20)', '可空'),
  row('sno', 'String(20)', '可空'),
  row('phone', 'String(20)', '可空'),
  row('certtype', 'String(3)', '可空', { note: '001 身份证' }),
  row('cert', 'String(20)', '可空'),
  row('autotrans_limite', 'String(10)', '不可空', fen),
  row('autotrans_amt', 'String(10)', '不可空', fen),
  row('autotrans_flag', 'String(1)', '不可空', transferFlag),
  row('mscard', 'String(1)', '不可空', { values: ['0', '1', '2'] }),
  row('scard_num', 'String(10)', '可空'),
];

/** 2.2.2.2 accinfo 结构. */
const ACCINFO: readonly SpecField[] = [
  row('name', 'String(40)', '不可空'),
  row('type', 'String(3)', '不可空'),
  row('balance', 'String(10)', '不可空', fen),
  row('autotrans_limite', 'String(10)', '不可空', fen),
  row('autotrans_amt', 'String(10)', '不可空', fen),
  row('autotrans_flag', 'String(1)', '不可空', transferFlag),
  // The four limits state no unit; they are amounts like the struct's others (fen).
  row('singlelimit', 'String(10)', '不可空', fen),
  row('daycostlimit', 'String(10)', '不可空', fen),
  row('daycostamt', 'String(10)', '不可空', fen),
  row('nonpwdlimit', 'String(10)', '不可空', fen),
];

/** 2.2.4.3 / 2.2.4.4 / 2.2.4.5: the recharge order as the gateway reports it. */
const orderHead = [
  row('account', 'String(10)', '不可空'),
  row('acctype', 'String(3)', '不可空', acctypeNote),
];
/** 2.2.4.4 and 2.2.4.5 report an order in the same rows, but for pay_time's type and order_status. */
const orderReport = (payTime: string, status: More) => [
  ...orderHead,
  row('order_no', 'String(24)', '不可空'),
  row('order_amount', 'Number(16)', '不可空', fen),
  row('out_id', 'String(24)', '不可空'),
  row('pay_time', payTime, '不可空', { format: 'yyyyMMddHHmmss' }),
  row('sttl_date', 'String(8)', '不可空', { format: 'yyyyMMdd', note: '清算时间' }),
  row('order_status', 'String(1)', '不可空', status),
];

export const ONECARD_TABLES = {
  getAccessToken: {
    section: '2.2.1.1 获取访问令牌',
    request: [],
    reply: [
      retcode,
      errmsg,
      row('access_token', 'String(128)', '不可空'),
      row('expires_in', 'int', '不可空', { note: 'seconds (the example sends "3600")' }),
    ],
  },
  queryCard: {
    section: '2.2.2.1 卡信息查询',
    request: [
      row('idtype', 'String(16)', '不可空', { values: [...idtypes, 'barcode'] }),
      row('id', 'String(32)', '不可空'),
    ],
    reply: [retcode, errmsg, row('card', 'card', '不可空', { fields: CARD, note: 'one per card' })],
  },
  queryAccInfo: {
    section: '2.2.2.2 电子账户信息查询',
    request: [
      row('account', 'String(10)', '不可空'),
      row('acctype', 'String(3)', '可空', { note: '### 卡账户, empty: every e-account' }),
    ],
    reply: [
      retcode,
      errmsg,
      row('account', 'String(10)', '不可空'),
      row('accinfo', 'accinfo', '不可空', { fields: ACCINFO }),
    ],
  },
  checkPassword: {
    section: '2.2.3.1 查询密码校验',
    request: [
      row('idtype', 'String(16)', '不可空', { values: idtypes }),
      row('id', 'String(32)', '不可空'),
      row('pwd', 'String(32)', '不可空'),
    ],
    reply: [retcode, errmsg, row('account', 'String(10)', '不可空'), row('sno', 'String(20)', '可空')],
  },
  transfer: {
    section: '2.2.3.2 账户内电子账户间转账',
    request: [
      row('account', 'String(10)', '不可空'),
      row('tranamt', 'String(10)', '不可空', fen),
      row('src_acctype', 'String(3)', '不可空', acctypeNote),
      row('dst_acctype', 'String(3)', '不可空', acctypeNote),
      row('remark', 'String(128)', '可空'),
    ],
    reply: [retcode, errmsg, row('tranamt', 'String(10)', '不可空', fen)],
  },
  getBarcode: {
    section: '2.2.3.3 账户二维码/条码获取',
    request: [
      row('account', 'String(10)', '不可空'),
      row('paytype', 'String(1)', '不可空', { values: ['1', '2', '3'] }),
      row('payacc', 'String(64)', '可空', { note: 'paytype 1: an acctype; 2: empty; 3: a bank card' }),
    ],
    reply: [
      retcode,
      errmsg,
      row('account', 'String(10)', '不可空'),
      // The PDF numbers this list 4, 5, 6 (its list counter ran on from the request's 1, 2, 3).
      row('paytype', 'String(1)', '不可空', { values: ['1', '2', '3'] }),
      row('payacc', 'String(64)', '可空'),
      row('barcode', 'String(22)', '不可空', { format: 'digits', note: '22 digits' }),
      row('expires', 'String(10)', '不可空', { format: 'digits', note: 'seconds, 60' }),
    ],
  },
  payByBarcode: {
    section: '2.2.3.4 二维码支付交易',
    request: [
      row('barcode', 'String(20)', '不可空'),
      row('mercacc', 'String(10)', '不可空'),
      row('tranamt', 'String(10)', '不可空', fen),
      row('remark', 'String(128)', '可空'),
      row('dineseq', 'String(1)', '不可空', { format: 'digits', note: '餐次, at most 9' }),
      row('posnum', 'String(10)', '可空'),
    ],
    reply: [
      retcode,
      errmsg,
      row('account', 'String(10)', '不可空'),
      row('tranamt', 'String(10)', '不可空', fen),
    ],
  },
  bindPayAccount: {
    section: '2.2.4.1 校园卡与支付系统账号绑定',
    request: [
      row('pay_type', 'String(32)', '不可空', bindTypes),
      row('openid', 'String (128)', '可空'),
      row('account', 'String(10)', '不可空', { note: 'the example writes acc' }),
    ],
    reply: [
      row('pay_type', 'String(32)', '不可空', bindTypes),
      row('openid', 'String (128)', '可空'),
      row('account', 'String(10)', '不可空'),
      retcode,
      errmsg,
    ],
  },
  unbindPayAccount: {
    section: '2.2.4.2 校园卡与支付系统账号解绑',
    request: [row('pay_type', 'String(32)', '不可空', bindTypes), row('openid', 'String (128)', '可空')],
    reply: [
      row('pay_type', 'String(32)', '不可空', bindTypes),
      row('openid', 'String (128)', '可空'),
      retcode,
      errmsg,
    ],
  },
  recharge: {
    section: '2.2.4.3 校园卡充值请求',
    request: [
      row('client_type', 'String(32)', '不可空', {
        values: ['wap', 'web', 'nativejs', 'native', 'ios', 'android'],
      }),
      row('pay_type', 'String(32)', '不可空', {
        values: ['alipay', 'unionpay', 'weixin', 'cqtianyipayext', 'cmbcpay', 'cbcpay', 'anxinpay'],
      }),
      row('account', 'String(10)', '不可空'),
      row('acctype', 'String(3)', '不可空', acctypeNote),
      row('order_no', 'String(24)', '可空'),
      row('order_amount', 'Number(16)', '不可空', fen),
      row('order_time', 'String(14)', '不可空', { format: 'yyyyMMddHHmmss' }),
      row('order_note', 'String(128)', '可空', { unit: 'gbk', note: '全中文最多 60 个汉字' }),
      row('aic_note', 'String(128)', '可空', { unit: 'gbk', note: '全中文最多 60 个汉字' }),
      row('return_url', 'String (200)', '不可空', { format: 'url', note: '值为 null 时,不发起通知' }),
      row('notify_url', 'String (200)', '不可空', { format: 'url', note: '值为 null 时,不发起通知' }),
      row('openid', 'String (128)', '可空', { when: { pay_type: 'weixin', client_type: 'nativejs' } }),
      row('goods_tag', 'String (64)', '可空'),
    ],
    reply: [
      ...orderHead,
      row('out_id', 'String(24)', '不可空'),
      row('order_no', 'String(24)', '不可空'),
      row('order_amount', 'Number(16)', '不可空', fen),
      row('post_type', 'String(16)', '不可空', { values: ['get', 'post', 'nativejs', 'native'] }),
      row('post_url', 'String(24)', '不可空', { note: 'a URL, or the QR content for native' }),
      row('post_data', 'String', '不可空', { note: 'urlencoded form data, or a base64 PNG for native' }),
      retcode,
      errmsg,
    ],
  },
  queryRechargeOrder: {
    section: '2.2.4.5 订单状态查询',
    request: [
      row('out_id', 'String(24)', '不可空', { note: '二选一 with order_no' }),
      row('order_no', 'String(24)', '不可空', { note: '二选一 with out_id' }),
      row('order_amount', 'Number(16)', '不可空', fen),
    ],
    oneOf: ['out_id', 'order_no'],
    reply: [
      ...orderReport('String(14)', {
        values: ['10', '40', '50', '60', '77', '78', '80'],
        note: 'two digits despite String(1); the example answers 0',
      }),
      retcode,
      errmsg,
    ],
  },
} as const satisfies Partial<Record<OneCardMethodName, SpecTable>>; // the deployment-only methods have no table

/** 2.2.4.4 交易通知 paygw.notify.result: system fields (2.2.4.4.1.1) and the business fields. */
export const ONECARD_NOTICE: NoticeTable = {
  section: '2.2.4.4 交易通知',
  system: [
    row('method', 'string(64)', 'Y'),
    row('timestamp', 'String(19)', 'Y', { format: 'yyyy-MM-dd HH:mm:ss' }),
    row('format', 'String(16)', 'Y', { values: ['json'] }),
    row('partner', 'String(16)', 'Y'),
    row('v', 'String(16)', 'Y', { values: ['2.0'] }),
    row('sign', 'String', 'Y'),
    row('sign_method', 'String(16)', 'Y', { values: ['rsa'] }),
  ],
  fields: orderReport('String(32)', { note: '0 支付成功, other: an error' }),
  answer: 'ok',
};

// ---------------------------------------------------------------------------------------------------
// Zhixiao v1.27

/** 1.3 基础 post 参数 and 返回数据 (the table has no type or need columns). */
export const ZHIXIAO_REQUEST_ENVELOPE: readonly SpecField[] = [
  row('id', '', '', { note: 'appid' }),
  row('param', '', '', { note: 'AES + base64 of the JSON' }),
  row('sign', '', '', { format: 'md5', note: 'md5(id + param + key), lowercase' }),
];
export const ZHIXIAO_REPLY_ENVELOPE: readonly SpecField[] = [
  row('ret_code', '', '', { values: [0, -1, -2, -3] }),
  row('ret_content', '', '', { note: 'the encrypted JSON' }),
  row('sign', '', '', { note: 'md5(ret_code + ret_content + key)' }),
];

const tradeNo = row('out_trade_no', 'string', '是', { max: 40, note: '不能超过 40 字节' });
const orderRef = [row('out_trade_no', 'string', '是'), row('order_id', 'string', '是')];
const person = [
  row('user_name', 'string', '是'),
  row('sex', 'string', '是', { values: ['0', '1', '2'] }),
  row('identity_type', 'string', '是', { values: ['0', '1', '2'] }),
];
const payerTypes = { values: [1, 2] } as const;
/** The invoice fields of 2.1's piaoju and of 2.8, after the invoice type. */
const invoiceTail = [
  row('payer_address', 'string', '否'),
  row('payer_bank', 'string', '否'),
  row('piaoju_memo', 'string', '否'),
];

export const ZHIXIAO_TABLES = {
  createOrder: {
    section: '2.1 订单创建',
    request: [
      row('body', 'string', '是', { max: 128, note: '不能超过 128 字节' }),
      tradeNo,
      row('total_fee', 'string', '是', fen),
      row('user_no', 'string', '否'),
      row('user_name', 'string', '否'),
      row('return_url', 'string', '否', { format: 'url' }),
      row('notify_url', 'string', '是', { format: 'url' }),
      // "小程序支付时，必填" on both: a mini-program payment is one that gives an openid.
      row('pay_type', 'int', '否', { values: [1, 2], when: { openid: true }, note: '1 微信, 2 支付宝' }),
      row('openid', 'string', '否', { note: 'required for mini-program payment' }),
      row('piaoju', 'json 对象', '否', {
        fields: [
          row('payer_type', 'int', '是', payerTypes),
          row('payer_name', 'string', '是'),
          row('payer_taxnum', 'string', '否', { when: { payer_type: 2 } }),
          ...invoiceTail,
          row('phone', 'string', '是'),
          row('payer_email', 'string', '否'),
        ],
      }),
    ],
    reply: [
      ...orderRef,
      row('url', 'string', '是', { format: 'url', note: 'not for mini-program payment' }),
      row('sp_data', 'array', '否', { format: 'json', note: 'mini-program payment' }),
    ],
  },
  queryOrder: {
    section: '2.2 订单查询',
    request: [tradeNo],
    reply: [
      ...orderRef,
      row('status', 'string', '是', { values: ['1', '2', '3'], note: '1 待支付, 2 支付成功, 3 支付失败' }),
      row('time_end', 'string', '否', { format: 'yyyy-MM-dd HH:mm:ss', note: 'when status is 2' }),
    ],
  },
  cancelOrder: { section: '2.3 订单取消', request: [tradeNo], reply: orderRef },
  refundOrder: {
    section: '2.4 订单退款',
    request: [tradeNo, row('refund_fee', 'string', '是', fen)],
    reply: orderRef,
  },
  getIdentity: {
    section: '2.6 身份认证',
    request: [row('uid', 'string', '是')],
    reply: [row('open_id', 'string', '是'), row('user_no', 'string', '是'), ...person],
  },
  getUserCard: {
    section: '2.7 获取用户信息及卡包跳转地址',
    request: [row('user_no', 'string', '是')],
    reply: [row('user_no', 'string', '是'), ...person, row('schema_url', 'string', '是', { format: 'url' })],
  },
  createInvoice: {
    section: '2.8 票据创建',
    request: [
      row('out_trade_no', 'String', '否', { note: '与 zx_order_no 必传其一' }),
      row('zx_order_no', 'String', '否'),
      row('pay_type', 'Int', '是', { ...payerTypes, note: '开票类型; the examples write payer_type' }),
      row('payer_name', 'String', '是'),
      row('phone', 'String', '是'),
      row('payer_taxnum', 'String', '否', { when: { payer_type: 2 } }),
      ...invoiceTail,
      row('payer_email', 'String', '否'),
    ],
    oneOf: ['out_trade_no', 'zx_order_no'],
    reply: [],
    replyText: '开票成功',
  },
} as const satisfies Record<ZhixiaoMethodName, SpecTable>;

/** 2.5 支付通知 (the same id/param/sign form as a request). */
export const ZHIXIAO_NOTICE: NoticeTable = {
  section: '2.5 支付通知',
  system: ZHIXIAO_REQUEST_ENVELOPE,
  fields: [
    tradeNo,
    row('order_id', 'string', '是'),
    row('time_end', 'string', '是', { format: 'yyyy-MM-dd HH:mm:ss' }),
    row('user_no', 'string', '否'),
    row('user_name', 'string', '否'),
    row('uid', 'string', '是'),
    row('pay_type', 'string', '是', { values: ['1', '2'], note: '1 微信, 2 支付宝' }),
  ],
  answer: 'success',
};

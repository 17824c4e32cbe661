/**
 * The README method tables, generated from the method tables: the name and request fields (from the
 * request schema), the spec section or deployed gateway method, the retry class (from the kind), and a
 * note where a method has one. `npm run readme` writes them into both READMEs; test/unit/readme.test.ts
 * fails when a README's tables are not what this generates, so a new method's rows cost no edit.
 */
import type { z } from 'zod';
import { type MethodSpec, oneCardMethods, zhixiaoMethods } from '../../src/index.js';

export type Lang = 'en' | 'zh';
export type TableName = 'onecard' | 'onecard-deployed' | 'zhixiao';
type Text = Record<Lang, string>;

const HEADS: Record<TableName, Text> = {
  onecard: { en: '| method | spec | retry class |', zh: '| 方法 | 规范章节 | 重试类别 |' },
  'onecard-deployed': {
    en: '| method | gateway method | retry class |',
    zh: '| 方法 | 网关接口 | 重试类别 |',
  },
  zhixiao: { en: '| method | spec | retry class |', zh: '| 方法 | 规范章节 | 重试类别 |' },
};

const RETRY: Record<MethodSpec['kind'], Text> = {
  token: { en: 'retried when safe', zh: '安全时重试' },
  query: { en: 'retried when safe', zh: '安全时重试' },
  state: { en: 'never resent', zh: '不重发' },
  money: { en: '**money: never resent**', zh: '**资金：绝不重发**' },
};

/** What the section and the fields do not say. Optional: a method without a note still gets its row. */
const NOTES: Partial<Record<string, Text>> = {
  getAccessToken: { en: ' (the client calls it for you)', zh: '（客户端会自动调用）' },
  checkPassword: { en: ' (a wrong password must not count twice)', zh: '（错误密码不能被计两次）' },
  queryRechargeOrder: {
    en: ': give `order_no` or `out_id`; `order_state` spells out `order_status` (`RechargeOrderStatus`)',
    zh: '：`order_no` 与 `out_id` 至少给一个；`order_state` 是 `order_status` 的含义（`RechargeOrderStatus`）',
  },
  openAccount: { en: ' (the field is `depcode`)', zh: '（字段是 `depcode`）' },
  createOrder: {
    en: ': `body` ≤ 128 bytes, `out_trade_no` ≤ 40 bytes (UTF-8 bytes: a Chinese character is 3), `pay_type` + `openid` for mini-programs, `piaoju` with `payer_taxnum` required for companies',
    zh: '：`body` ≤ 128 字节，`out_trade_no` ≤ 40 字节（UTF-8 字节，一个汉字占 3 字节）；小程序支付需要 `pay_type` 和 `openid`；`piaoju` 开票信息，单位开票时 `payer_taxnum` 必填',
  },
  queryOrder: {
    en: ': `status` 1 pending · 2 paid · 3 failed, spelled out in `state` (`OrderStatus`)',
    zh: '：`status` 1 待支付 · 2 支付成功 · 3 支付失败，含义见 `state`（`OrderStatus`）',
  },
  refundOrder: { en: ' (partial refunds)', zh: '（支持部分退款）' },
  createInvoice: {
    en: ': give `out_trade_no` or `zx_order_no`; sends both `payer_type` and `pay_type` (the spec names the field both ways)',
    zh: '：`out_trade_no` 与 `zx_order_no` 至少给一个；同时发送 `payer_type` 和 `pay_type`（规范中两种写法都有）',
  },
};

/** Rows that are not table methods. */
const CALL_ROW: Text = {
  en: '| `call(method, payload, { idempotent? })` | any method outside v2.41 | never resent unless `idempotent: true` |',
  zh: '| `call(method, payload, { idempotent? })` | v2.41 之外的任意接口 | 除非 `idempotent: true`，否则不重发 |',
};

/** At most this many fields are listed; past it, the optional ones become `…`. */
const MAX_FIELDS = 6;

/** `name({ required, optional? })`, as a reader calls it. */
function signature(name: string, spec: MethodSpec): string {
  const shape = (spec.request as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
  const fields = Object.entries(shape).map(([k, s]) => ({ k, optional: s.safeParse(undefined).success }));
  if (fields.length === 0) return `${name}()`;
  const shown = fields.length <= MAX_FIELDS ? fields : fields.filter((f) => !f.optional);
  const list = shown.map((f) => (f.optional ? `${f.k}?` : f.k));
  return `${name}({ ${[...list, ...(shown.length < fields.length ? ['…'] : [])].join(', ')} })`;
}

const ONECARD_PREFIX = 'synjones.onecard.';

function row(name: string, spec: MethodSpec, lang: Lang): string {
  const where = spec.deployedOnly
    ? `\`${spec.wire!.replace(ONECARD_PREFIX, '')}\` ${spec.section.replace(/^deployed: /, '')}`
    : spec.section;
  return `| \`${signature(name, spec)}\` | ${where}${NOTES[name]?.[lang] ?? ''} | ${RETRY[spec.kind][lang]} |`;
}

/** One README table, header included. */
export function methodTable(table: TableName, lang: Lang): string {
  const entries: Array<[string, MethodSpec]> = Object.entries(
    table === 'zhixiao' ? zhixiaoMethods : oneCardMethods,
  );
  const rows = entries
    .filter(
      ([, spec]) => table === 'zhixiao' || Boolean(spec.deployedOnly) === (table === 'onecard-deployed'),
    )
    .map(([name, spec]) => row(name, spec, lang));
  const extra = table === 'onecard' ? [CALL_ROW[lang]] : [];
  return [HEADS[table][lang], '|---|---|---|', ...rows, ...extra].join('\n');
}

const marker = (table: TableName) =>
  new RegExp(`(<!-- methods:${table}:start -->\\n)[\\s\\S]*?(\\n<!-- methods:${table}:end -->)`);

/** The table between a README's markers, or undefined where the markers are missing. */
export function tableIn(md: string, table: TableName): string | undefined {
  const m = marker(table).exec(md);
  return m ? m[0].slice(m[1]!.length, m[0].length - m[2]!.length) : undefined;
}

/** The README with every generated table rewritten. */
export function withMethodTables(md: string, lang: Lang): string {
  let out = md;
  for (const t of Object.keys(HEADS) as TableName[]) {
    if (!marker(t).test(out)) throw new Error(`README has no <!-- methods:${t}:start --> … end markers`);
    out = out.replace(marker(t), (_m, start: string, end: string) => `${start}${methodTable(t, lang)}${end}`);
  }
  return out;
}

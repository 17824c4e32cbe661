/**
 * What the contract test sends and expects, worked out from the spec tables and the departures alone:
 * the longest value of each field and one past it, the JSON the gateway must receive, and the replies a
 * gateway could send. Nothing here reads the SDK's schemas.
 */
import { type Departure, departuresOf } from './departures.js';
import {
  type Format,
  type NoticeTable,
  ONECARD_NOTICE,
  ONECARD_REPLY_ENVELOPE,
  ONECARD_REQUEST_ENVELOPE,
  ONECARD_TABLES,
  type SpecField,
  type SpecTable,
  ZHIXIAO_NOTICE,
  ZHIXIAO_REPLY_ENVELOPE,
  ZHIXIAO_REQUEST_ENVELOPE,
  ZHIXIAO_TABLES,
} from './spec-tables.js';

export type Gateway = Departure['gateway'];
export const GATEWAYS = ['onecard', 'zhixiao'] as const;
export const TABLES: Record<Gateway, Record<string, SpecTable>> = {
  onecard: ONECARD_TABLES,
  zhixiao: ZHIXIAO_TABLES,
};
export const NOTICES: Record<Gateway, NoticeTable> = { onecard: ONECARD_NOTICE, zhixiao: ZHIXIAO_NOTICE };
export const ENVELOPES: Record<Gateway, { request: readonly SpecField[]; reply: readonly SpecField[] }> = {
  onecard: { request: ONECARD_REQUEST_ENVELOPE, reply: ONECARD_REPLY_ENVELOPE },
  zhixiao: { request: ZHIXIAO_REQUEST_ENVELOPE, reply: ZHIXIAO_REPLY_ENVELOPE },
};

/** Every method with a table, gateway by gateway. */
export const specMethods = () =>
  GATEWAYS.flatMap((g) => Object.entries(TABLES[g]).map(([method, table]) => ({ g, method, table })));

/** Every field of the fixture, nested ones included, as `gateway.method.side.path`. */
export function allFields(): string[] {
  const walk = (fields: readonly SpecField[], key: string): string[] =>
    fields.flatMap((f) => [`${key}.${f.name}`, ...(f.fields ? walk(f.fields, `${key}.${f.name}`) : [])]);
  return [
    ...specMethods().flatMap(({ g, method, table }) => [
      ...walk(table.request, `${g}.${method}.request`),
      ...walk(table.reply, `${g}.${method}.reply`),
    ]),
    ...GATEWAYS.flatMap((g) => [
      ...walk(NOTICES[g].system, `${g}.notice.system`),
      ...walk(NOTICES[g].fields, `${g}.notice`),
      ...walk(ENVELOPES[g].request, `${g}.envelope.request`),
      ...walk(ENVELOPES[g].reply, `${g}.envelope.reply`),
    ]),
  ];
}

/** A request field as the SDK applies it: the table's row with the departures' rule. */
export interface Rule extends SpecField {
  /** The name the SDK takes the value under (the table's, unless a departure says otherwise). */
  input: string;
  alsoSent?: string;
  defaulted?: true;
  added?: true;
  fields?: readonly Rule[];
}

const asRule = ({ fields, ...f }: SpecField): Rule => ({
  ...f,
  input: f.name,
  ...(fields ? { fields: fields.map(asRule) } : {}),
});

export function requestRules(gateway: Gateway, method: string, table: SpecTable): Rule[] {
  const rules = departuresOf(gateway, method).flatMap((d) => (d.side === 'request' && d.rule ? [d] : []));
  const rows = table.request.map((f) => ({ ...asRule(f), ...rules.find((d) => d.field === f.name)?.rule }));
  const added = rules
    .filter((d) => d.rule!.added)
    .map((d) => ({ name: d.field, type: '', need: '', optional: true, input: d.field, ...d.rule }));
  return [...rows, ...added];
}

/** How each format looks on the wire. */
export const FORMATS: Record<Format, RegExp> = {
  fen: /^[1-9]\d*$/,
  yyyyMMddHHmmss: /^\d{14}$/,
  yyyyMMdd: /^\d{8}$/,
  'yyyy-MM-dd HH:mm:ss': /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/,
  url: /^https?:\/\/\S+$/,
  digits: /^\d+$/,
  json: /^[[{]/,
  md5: /^[0-9a-f]{32}$/,
};

/** A field the spec types as a number (`int`): a JSON number on the wire. */
export const isInt = (f: SpecField) => /^int$/i.test(f.type);

/** A Chinese character: 3 bytes in UTF-8, 2 in GBK, so a limit counted in characters would show. */
const CJK = '学';
const URL_HEAD = 'https://m.test/';

/** The longest value the table allows; a field with no limit gets 300 bytes (no limit is invented). */
export function longest(f: Rule): unknown {
  if (f.values) return f.values[0];
  if (f.fields) return Object.fromEntries(f.fields.map((s) => [s.input, longest(s)]));
  const n = f.max;
  if (f.format === 'fen') return Math.min(10 ** (n ?? 10) - 1, Number.MAX_SAFE_INTEGER);
  if (f.format === 'yyyyMMddHHmmss') return '20260102030405';
  if (f.format === 'digits') return '9'.repeat(n ?? 1);
  if (f.format === 'url') return URL_HEAD + 'a'.repeat((n ?? 300) - URL_HEAD.length);
  if (n === undefined) return CJK.repeat(100);
  const width = f.unit === 'gbk' ? 2 : 3;
  return CJK.repeat(Math.floor(n / width)) + 'a'.repeat(n % width);
}

/** One past the limit: one more digit for amounts and digit strings, one more byte otherwise. */
export function tooLong(f: Rule): unknown {
  if (f.values || f.fields || f.max === undefined) return undefined;
  if (f.format === 'fen') return 10 ** f.max;
  const more = f.format === 'digits' || f.format === 'yyyyMMddHHmmss' ? '1' : 'a';
  return `${longest(f)}${more}`;
}

/** The JSON the gateway must receive for the fields present in `input`. */
export function wireObject(rules: readonly Rule[], input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of rules) {
    if (!(r.input in input)) continue;
    const v = input[r.input];
    const wire = r.fields
      ? wireObject(r.fields, v as Record<string, unknown>)
      : r.format === 'fen'
        ? String(v)
        : v;
    out[r.name] = wire;
    if (r.alsoSent) out[r.alsoSent] = wire;
  }
  return out;
}

/** Every field of a rule list with its input path and its wire path, nested ones included. */
export function flatRules(
  rules: readonly Rule[],
  at: string[] = [],
  wireAt: string[] = [],
): { rule: Rule; path: string[]; names: string[] }[] {
  return rules.flatMap((rule) => {
    const path = [...at, rule.input];
    const names = [...wireAt, rule.name];
    return [{ rule, path, names }, ...(rule.fields ? flatRules(rule.fields, path, names) : [])];
  });
}

/** A copy of `input` with the value at `path` replaced, or removed when `value` is undefined. */
export function withAt(input: Record<string, unknown>, path: string[], value?: unknown) {
  const copy = structuredClone(input);
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
  const last = path.at(-1)!;
  if (value === undefined) delete o[last];
  else o[last] = value;
  return copy;
}

/**
 * A value a gateway could reply with: what the request carried under the same name (replies echo
 * it), else a value of the field's format, set or struct.
 */
export function sample(f: SpecField, sent: Record<string, unknown>): unknown {
  if (f.name in sent && !f.fields) return sent[f.name];
  if (f.fields) return [Object.fromEntries(f.fields.map((s) => [s.name, sample(s, sent)]))];
  if (f.values) return f.values[0];
  if (isInt(f)) return 7200;
  const byFormat: Record<Format, string> = {
    fen: '100',
    yyyyMMddHHmmss: '20260102030405',
    yyyyMMdd: '20260102',
    'yyyy-MM-dd HH:mm:ss': '2026-01-02 03:04:05',
    url: `${URL_HEAD}u`,
    digits: '1'.repeat(f.max ?? 2),
    json: '{"appId":"wx1"}',
    md5: 'd41d8cd98f00b204e9800998ecf8427e',
  };
  return f.format ? byFormat[f.format] : `v-${f.name}`;
}

/** The fields of a reply as a gateway could send them. */
export const sampleReply = (fields: readonly SpecField[], sent: Record<string, unknown>) =>
  Object.fromEntries(fields.filter((f) => !STATUS.has(f.name)).map((f) => [f.name, sample(f, sent)]));

/** OneCard's business status fields, read by the envelope rather than returned. */
export const STATUS = new Set(['retcode', 'errmsg']);

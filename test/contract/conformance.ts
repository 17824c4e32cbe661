/**
 * The generated parts of docs/spec-conformance.md: the departures (./departures.ts) and the field tables
 * of both specs (./spec-tables.ts) with what the method tables add (kind, amounts, echoed fields).
 * `npm run conformance` writes them; test/contract/conformance.test.ts fails when the doc differs.
 */
import { join } from 'node:path';
import { type OneCardMethod, oneCardMethods, type ZhixiaoMethod, zhixiaoMethods } from '../../src/index.js';
import { allFields, ENVELOPES, GATEWAYS, type Gateway, NOTICES, TABLES } from './cases.js';
import { DEPARTURES, type Departure, departuresOf } from './departures.js';
import type { SpecField } from './spec-tables.js';

export const DOC = join(import.meta.dirname, '..', '..', 'docs', 'spec-conformance.md');

const TITLES: Record<Gateway, string> = { onecard: 'OneCard v2.41', zhixiao: 'Zhixiao v1.27' };
const METHODS: Record<Gateway, Record<string, OneCardMethod | ZhixiaoMethod>> = {
  onecard: oneCardMethods,
  zhixiao: zhixiaoMethods,
};

const esc = (s: string) => s.replaceAll('|', '\\|');
const row = (cells: string[]) => `| ${cells.map(esc).join(' | ')} |`;
const head = (cells: string[]) => [row(cells), row(cells.map(() => '---'))];

function limit(f: SpecField): string {
  if (f.max === undefined) return '';
  if (f.format === 'fen') return `${f.max} digits`;
  return `${f.max} ${f.unit === 'gbk' ? 'GBK ' : ''}${f.max === 1 ? 'byte' : 'bytes'}`;
}

function about(f: SpecField): string {
  const when = f.when
    ? `required when ${Object.entries(f.when)
        .map(([k, v]) => (v === true ? `${k} is given` : `${k}=${v}`))
        .join(' and ')}`
    : '';
  return [f.values?.join(' / '), f.format, when, f.note].filter(Boolean).join('; ');
}

/** What the SDK does with a field, where it is more than the table says. */
type Sdk = (f: SpecField) => string;
const readFen: Sdk = (f) => (f.format === 'fen' ? 'read as integer fen' : '');

function fieldRows(arrow: string, fields: readonly SpecField[], sdk: Sdk, at = ''): string[] {
  return fields.flatMap((f) => [
    row([arrow, `${at}${f.name}`, f.type || '—', f.need || '—', limit(f), about(f), sdk(f)]),
    ...(f.fields ? fieldRows(arrow, f.fields, readFen, `${at}${f.name}.`) : []),
  ]);
}

const COLUMNS = ['', 'field', 'type', '可空', 'limit', 'values, format, note', 'SDK'];

function methodSection(g: Gateway, name: string): string[] {
  const table = TABLES[g][name]!;
  const m = METHODS[g][name]!;
  const deps = (side: Departure['side']) => departuresOf(g, name).filter((d) => d.side === side);
  const marked = (side: Departure['side'], f: SpecField) =>
    deps(side).find((d) => d.field === f.name)?.sdk ?? '';
  const request: Sdk = (f) =>
    [m.amounts?.includes(f.name) ? 'integer fen, sent as a decimal string' : '', marked('request', f)]
      .filter(Boolean)
      .join('; ');
  const reply: Sdk = (f) =>
    marked('reply', f) ||
    (m.echoes?.includes(f.name) ? "must equal the request's" : '') ||
    (f.name === 'retcode' ? 'not 0 → GatewayError with errmsg' : '') ||
    readFen(f);
  const added = deps('request').filter((d) => d.rule?.added);
  const wire = m.wire ? `\`${m.wire}\`` : 'path from configuration';
  return [
    `#### ${table.section} · \`${name}\``,
    '',
    `${wire} · kind \`${m.kind}\`${table.oneOf ? ` · give ${table.oneOf.join(' or ')}` : ''}`,
    '',
    ...head(COLUMNS),
    ...fieldRows('→', table.request, request),
    ...added.map((d) => row(['→', d.field, '(not in the table)', '', '', '', d.sdk])),
    ...fieldRows('←', table.reply, reply),
    ...(table.replyText ? [row(['←', '(a message)', '', '', '', table.replyText, '{ message }'])] : []),
    '',
  ];
}

function gatewaySection(g: Gateway): string[] {
  const n = NOTICES[g];
  const notice: Sdk = (f) =>
    departuresOf(g, 'parseNotification').find((d) => d.field === f.name)?.sdk ?? readFen(f);
  return [
    `### ${TITLES[g]}`,
    '',
    `#### ${g === 'onecard' ? '1.2' : '1.3'} envelope`,
    '',
    ...head(COLUMNS),
    ...fieldRows('→', ENVELOPES[g].request, () => ''),
    ...fieldRows('←', ENVELOPES[g].reply, () => ''),
    '',
    ...Object.keys(TABLES[g]).flatMap((name) => methodSection(g, name)),
    `#### ${n.section} · notice (\`parseNotification\`), answered \`${n.answer}\``,
    '',
    ...head(COLUMNS),
    ...fieldRows('form', n.system, () => ''),
    ...fieldRows('←', n.fields, notice),
    '',
  ];
}

export function departuresSection(): string {
  return [
    ...head(['gateway', 'method', 'field', 'spec', 'SDK', 'why']),
    ...DEPARTURES.map((d) => {
      const fieldsOf = (m: string) =>
        m === 'parseNotification' ? NOTICES[d.gateway].fields : TABLES[d.gateway][m]?.[d.side];
      const spec = d.method
        .split(', ')
        .map((m) => fieldsOf(m)?.find((f) => f.name === d.field))
        .find(Boolean);
      const cell = spec ? `${spec.type} ${spec.need}`.trim() : d.rule?.added ? 'not listed' : '—';
      return row([d.gateway, d.method, d.field, cell, d.sdk, d.why]);
    }),
  ].join('\n');
}

export function fieldTablesSection(): string {
  const deployed = Object.entries(oneCardMethods)
    .filter(([, m]) => m.deployedOnly)
    .map(([k]) => `\`${k}\``);
  return [
    `_Generated by \`npm run conformance\`: ${allFields().length} fields, transcribed by hand from both specs in \`test/contract/spec-tables.ts\`; \`test/contract/spec-tables.test.ts\` holds every schema to them. → request, ← reply or notice; "SDK" says what the SDK does beyond the table (amounts, echoed fields, departures)._`,
    '',
    `The deployment-only OneCard methods have no table in v2.41 and are left out: ${deployed.join(', ')}.`,
    '',
    ...GATEWAYS.flatMap(gatewaySection),
  ].join('\n');
}

/** The doc with its generated blocks rewritten. */
export function renderConformance(doc: string): string {
  let out = doc;
  for (const [name, body] of [
    ['departures', departuresSection()],
    ['field-tables', fieldTablesSection()],
  ] as const) {
    const start = `<!-- ${name}:start -->`;
    const end = `<!-- ${name}:end -->`;
    if (!out.includes(start) || !out.includes(end)) throw new Error(`${DOC} lacks ${start} … ${end}`);
    out = out.replace(new RegExp(`${start}[\\s\\S]*${end}`), () => `${start}\n${body}\n${end}`);
  }
  return out;
}

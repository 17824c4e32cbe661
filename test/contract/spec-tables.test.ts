/**
 * Every schema held to the spec's field tables (./spec-tables.ts, with ./departures.ts): each request
 * field at its limit arrives intact and one past it is refused naming it; an optional field left out is
 * not sent, a missing required one is refused; every enumerated value is sent; the wire keys and formats
 * are the table's; every reply and notice field of the table is read. The real clients, over real HTTP.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildZhixiaoNotification,
  GatewayError,
  MemoryTokenStore,
  OneCardClient,
  oneCardMethods,
  ValidationError,
  ZhixiaoPayClient,
  zhixiaoMethods,
} from '../../src/index.js';
import { buildOneCardNotification } from '../../src/onecard/notifications.js';
import { DES_KEY, oneCardOptions, platformPrivate, ZX } from '../helpers/keys.js';
import {
  allFields,
  ENVELOPES,
  FORMATS,
  flatRules,
  GATEWAYS,
  type Gateway,
  isInt,
  longest,
  type Rule,
  requestRules,
  STATUS,
  sample,
  sampleReply,
  specMethods,
  TABLES,
  tooLong,
  wireObject,
  withAt,
} from './cases.js';
import {
  type NoticeTable,
  ONECARD_NOTICE,
  ONECARD_TABLES,
  type SpecField,
  type SpecTable,
  ZHIXIAO_NOTICE,
  ZHIXIAO_TABLES,
} from './spec-tables.js';
import { startStandIn } from './stand-in.js';

const ZX_PATHS: Record<string, string> = { getIdentity: '/i', getUserCard: '/u', createInvoice: '/v' };
const wireName = (g: Gateway, method: string): string =>
  g === 'onecard'
    ? oneCardMethods[method as keyof typeof oneCardMethods].wire
    : (ZX_PATHS[method] ?? zhixiaoMethods[method as keyof typeof zhixiaoMethods].wire!);
const tableOf = new Map(
  GATEWAYS.flatMap((g) => Object.entries(TABLES[g]).map(([m, t]) => [wireName(g, m), t] as const)),
);

/** The call the stand-in answers with an error: a system code (errcode, ret_code) or a OneCard retcode. */
let failing: { wire: string; errcode?: string; retcode?: string } | undefined;
const stand = await startStandIn({
  onecard: (wire, payload) => {
    if (failing?.wire === wire) {
      const { errcode, retcode } = failing;
      return errcode ? { errcode } : { data: { retcode, errmsg: 'v-errmsg' } };
    }
    return { data: sampleReply(tableOf.get(wire)!.reply, payload) };
  },
  zhixiao: (wire, payload) => {
    if (failing?.wire === wire) return { retCode: Number(failing.errcode), content: 'v-message' };
    const t = tableOf.get(wire)!;
    return { content: t.replyText ?? sampleReply(t.reply, payload) };
  },
});
afterAll(() => stand.close());

const clients = {
  onecard: new OneCardClient({
    ...oneCardOptions,
    gatewayUrl: stand.onecardUrl,
    tokenStore: new MemoryTokenStore(),
  }),
  zhixiao: new ZhixiaoPayClient({ baseUrl: stand.url, ...ZX, paths: ZX_PATHS }),
};
const call = (g: Gateway, method: string, input: unknown) =>
  (clients[g] as unknown as Record<string, (i: unknown) => Promise<Record<string, unknown>>>)[method]!(input);

/** Table fields the test checked, as gateway.method.side.path. */
const covered = new Set<string>();

/** What reached the gateway for the last call of `method`. */
function lastSent(g: Gateway, method: string) {
  const wire = wireName(g, method);
  return stand.seen.findLast((r) => r.wire === wire)!;
}

/** The payload is the table's: its keys, its values as sent, its formats and JSON types. */
function expectSent(g: Gateway, method: string, rules: Rule[], input: Record<string, unknown>) {
  const { payload } = lastSent(g, method);
  const rest = { ...payload };
  for (const r of rules) {
    if (r.defaulted && !(r.input in input)) {
      expect(rest[r.name], `${r.name} is sent anyway`).toMatch(FORMATS[r.format!]);
      delete rest[r.name];
    }
  }
  expect(rest).toEqual(wireObject(rules, input));
  for (const { rule, names } of flatRules(rules)) {
    let v: unknown = payload;
    for (const k of names) v = (v as Record<string, unknown> | undefined)?.[k];
    if (v === undefined) continue;
    const json = rule.fields ? 'object' : isInt(rule) ? 'number' : 'string';
    expect(typeof v, names.join('.')).toBe(json);
    if (rule.format) expect(String(v), names.join('.')).toMatch(FORMATS[rule.format]);
    if (!rule.added) covered.add(`${g}.${method}.request.${names.join('.')}`);
  }
}

/** Every field of the table is in the parsed reply, under its own name (not kept aside as `extra`). */
function expectRead(fields: readonly SpecField[], parsed: Record<string, unknown>, key: string, sent = {}) {
  for (const f of fields) {
    if (STATUS.has(f.name)) continue;
    const v = parsed[f.name];
    expect(v, `${key}.${f.name}`).toBeDefined();
    expect(parsed.extra, `${key}.${f.name}`).not.toHaveProperty(f.name);
    if (f.fields) expectRead(f.fields, (v as Record<string, unknown>[])[0]!, `${key}.${f.name}`, sent);
    else if (f.format === 'fen') expect(v).toBe(Number(sample(f, sent)));
    covered.add(`${key}.${f.name}`);
  }
}

async function expectRefused(g: Gateway, method: string, input: unknown, paths: string[]) {
  const before = stand.seen.length;
  const err = await call(g, method, input).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ValidationError);
  const named = (err as ValidationError).issues.map((i) => i.path);
  expect(
    named.some((p) => paths.includes(p)),
    `names ${paths.join(' or ')}, not ${named.join(', ')}`,
  ).toBe(true);
  expect(stand.seen.length, 'nothing was sent').toBe(before);
}

interface Case {
  g: Gateway;
  method: string;
  what: string;
  input: Record<string, unknown>;
  /** Refused, naming one of these paths; or sent, when undefined. */
  refused?: string[];
}

function casesOf(g: Gateway, method: string, table: SpecTable): Case[] {
  const rules = requestRules(g, method, table);
  const full = longest({ name: '', type: '', need: '', optional: false, input: '', fields: rules });
  const input = full as Record<string, unknown>;
  const cases: Case[] = [];
  const sent = (what: string, i: Record<string, unknown>) => cases.push({ g, method, what, input: i });
  const refused = (what: string, i: Record<string, unknown>, paths: string[]) =>
    cases.push({ g, method, what, input: i, refused: paths });
  const oneOf = table.oneOf ?? [];

  sent('each field at its limit, sent intact', input);
  for (const { rule, path } of flatRules(rules)) {
    const at = path.join('.');
    const sibling = (k: string) => [...path.slice(0, -1), k];
    const over = tooLong(rule);
    if (over !== undefined) refused(`${at} one past its limit`, withAt(input, path, over), [at]);
    const without = withAt(input, path);
    if (rule.optional || oneOf.includes(rule.name)) {
      // Left out where its condition does not hold: a field whose presence makes it required goes too.
      let left = without;
      for (const [k, v] of Object.entries(rule.when ?? {})) if (v === true) left = withAt(left, sibling(k));
      sent(`${at} left out, not sent`, left);
    } else refused(`${at} missing`, without, [at]);
    for (const v of rule.values ?? []) sent(`${at} = ${v}, sent`, withAt(input, path, v));
    if (rule.values) refused(`${at} outside its set`, withAt(input, path, 'x9'), [at]);
    if (rule.when) {
      let cond = without;
      for (const [k, v] of Object.entries(rule.when)) if (v !== true) cond = withAt(cond, sibling(k), v);
      refused(`${at} missing when ${JSON.stringify(rule.when)}`, cond, [at]);
    }
  }
  if (oneOf.length > 0)
    refused(
      `none of ${oneOf.join(', ')}`,
      oneOf.reduce((i, f) => withAt(i, [f]), input),
      [...oneOf],
    );
  return cases;
}

const methods = specMethods();
const cases = methods.flatMap(({ g, method, table }) => casesOf(g, method, table));

describe('the fixture', () => {
  it('has a table for every method of the spec: all but the deployment-only ones', () => {
    const documented = Object.entries(oneCardMethods).filter(([, m]) => !m.deployedOnly);
    expect(Object.keys(ONECARD_TABLES).sort()).toEqual(documented.map(([k]) => k).sort());
    expect(Object.keys(ZHIXIAO_TABLES).sort()).toEqual(Object.keys(zhixiaoMethods).sort());
  });
});

describe('requests follow the tables', () => {
  it.each(cases.map((c) => [c.g, c.method, c.what, c] as const))('%s %s: %s', async (g, method, _w, c) => {
    if (c.refused) return expectRefused(g, method, c.input, c.refused);
    await call(g, method, c.input);
    expectSent(g, method, requestRules(g, method, TABLES[g][method]!), c.input);
  });

  it('a Date order_time is sent as 14 digits in Beijing time', async () => {
    const { input } = cases.find((c) => c.method === 'recharge')!;
    await call('onecard', 'recharge', { ...input, order_time: new Date(Date.UTC(2026, 0, 1, 16, 0, 0)) });
    expect(lastSent('onecard', 'recharge').payload.order_time).toBe('20260102000000');
  });
});

describe('replies: every field of the table is read', () => {
  it.each(methods.map((m) => [m.g, m.method, m] as const))('%s %s', async (g, method, { table }) => {
    const input = cases.find((c) => c.g === g && c.method === method)!.input;
    const parsed = await (method === 'getAccessToken'
      ? clients.onecard.getAccessToken()
      : call(g, method, input));
    if (table.replyText) expect(parsed).toMatchObject({ message: table.replyText });
    expectRead(
      table.reply,
      parsed as Record<string, unknown>,
      `${g}.${method}.reply`,
      lastSent(g, method).payload,
    );
  });

  it.each(methods.filter((m) => m.g === 'onecard').map((m) => [m.method, m] as const))(
    'onecard %s: retcode and errmsg become a GatewayError',
    async (method, { table }) => {
      const input = cases.find((c) => c.g === 'onecard' && c.method === method)!.input;
      failing = { wire: wireName('onecard', method), retcode: '60002' };
      try {
        const err = await (method === 'getAccessToken'
          ? clients.onecard.getAccessToken()
          : call('onecard', method, input)
        ).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(GatewayError);
        expect(err).toMatchObject({ level: 'business', gatewayCode: '60002', gatewayMessage: 'v-errmsg' });
      } finally {
        failing = undefined;
      }
      for (const f of table.reply) if (STATUS.has(f.name)) covered.add(`onecard.${method}.reply.${f.name}`);
    },
  );
});

describe('notices: every field of the table is read', () => {
  const read = (n: NoticeTable, gateway: Gateway, body: string) => {
    expect([...new URLSearchParams(body).keys()].sort(), 'the form has the system fields').toEqual(
      [...n.system.map((f) => f.name), ...(gateway === 'onecard' ? ['request'] : [])].sort(),
    );
    for (const f of n.system) covered.add(`${gateway}.notice.system.${f.name}`);
    const client = clients[gateway] as { parseNotification(b: string): unknown };
    expectRead(n.fields, client.parseNotification(body) as Record<string, unknown>, `${gateway}.notice`);
  };
  it(ONECARD_NOTICE.section, () => {
    const keys = { desKey: DES_KEY, platformPrivateKey: platformPrivate };
    read(ONECARD_NOTICE, 'onecard', buildOneCardNotification(keys, sampleReply(ONECARD_NOTICE.fields, {})));
  });
  it(ZHIXIAO_NOTICE.section, () => {
    read(ZHIXIAO_NOTICE, 'zhixiao', buildZhixiaoNotification(ZX, sampleReply(ZHIXIAO_NOTICE.fields, {})));
  });
});

describe('envelopes: OneCard 1.2, Zhixiao 1.3', () => {
  /** A method to call, and a system code to answer it with. */
  const PROBE = { onecard: ['queryCard', '40002'], zhixiao: ['queryOrder', '-2'] } as const;
  const inputOf = (g: Gateway, method: string) => cases.find((c) => c.g === g && c.method === method)!.input;

  it.each(GATEWAYS)('%s: every request carries exactly the table fields, within limits', async (g) => {
    const { request } = ENVELOPES[g];
    await call(g, PROBE[g][0], inputOf(g, PROBE[g][0]));
    const sent = stand.seen.filter((r) => r.wire.startsWith('synjones.') === (g === 'onecard'));
    for (const { fields } of sent) {
      expect(Object.keys(fields).sort()).toEqual(request.map((f) => f.name).sort());
      for (const f of request) {
        const v = fields[f.name]!;
        if (f.max) expect(Buffer.byteLength(v), f.name).toBeLessThanOrEqual(f.max);
        if (f.values) expect(f.values.map(String)).toContain(v);
        if (f.format) expect(v, f.name).toMatch(FORMATS[f.format]);
      }
    }
    if (g === 'onecard') {
      // The token call's access_token: 128 characters 0 (1.2.1).
      const tokenCalls = sent.filter((r) => r.wire === oneCardMethods.getAccessToken.wire);
      expect(tokenCalls.length).toBeGreaterThan(0);
      for (const r of tokenCalls) expect(r.fields.access_token).toBe('0'.repeat(128));
    }
    for (const f of request) covered.add(`${g}.envelope.request.${f.name}`);
  });

  it.each(GATEWAYS)('%s: the reply fields are read (a verified error code)', async (g) => {
    const [method, code] = PROBE[g];
    await call(g, method, inputOf(g, method)); // request / ret_content decrypted, sign verified
    failing = { wire: wireName(g, method), errcode: code };
    try {
      const err = await call(g, method, inputOf(g, method)).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'GatewayError', level: 'system', gatewayCode: code });
    } finally {
      failing = undefined;
    }
    for (const f of ENVELOPES[g].reply) covered.add(`${g}.envelope.reply.${f.name}`);
  });
});

it('every field of the fixture was checked', () => {
  const all = allFields();
  expect(all.filter((f) => !covered.has(f))).toEqual([]);
  console.log(
    `spec tables: ${covered.size} of ${all.length} fields covered, in ${cases.length} request cases`,
  );
});

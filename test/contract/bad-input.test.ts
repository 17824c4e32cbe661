import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  MemoryTokenStore,
  OneCardClient,
  oneCardMethods,
  ValidationError,
  ZhixiaoPayClient,
  zhixiaoMethods,
} from '../../src/index.js';
import { oneCardOptions, ZX, ZX_BASE } from '../helpers/keys.js';
import { ONECARD_CASES, ZHIXIAO_CASES } from '../helpers/method-cases.js';

/** One valid input per method (test/helpers/method-cases.ts); every bad input below is one mutation of it. */
const VALID: Record<string, Record<string, unknown>> = Object.fromEntries(
  [...Object.entries(ONECARD_CASES), ...Object.entries(ZHIXIAO_CASES)]
    // getAccessToken takes no request: its only argument is the call options.
    .filter(([method]) => method !== 'getAccessToken')
    .map(([method, c]) => [method, c.input]),
);
const AMOUNTS = new Set(['tranamt', 'order_amount', 'total_fee', 'refund_fee']);
const BAD_AMOUNTS = [-1, 0, 1.5, '100', Number.NaN, Number.POSITIVE_INFINITY, 1e17];
/** String fields the specs give no length limit; every other string field must refuse 5000 bytes. */
const UNLIMITED = new Set([
  // Zhixiao sets no limit on these (v1.27); only body and out_trade_no have one.
  'user_no',
  'user_name',
  'openid',
  'uid',
  'school_id',
  'payer_name',
  'phone',
  'payer_email',
  'photo_image',
  'zx_order_no',
  'piaoju_memo',
  'payer_address',
  'payer_bank',
  'order_time',
]);

let requests = 0;
beforeAll(() => {
  nock.disableNetConnect();
  nock.emitter.on('no match', () => requests++);
});
afterAll(() => nock.cleanAll());

const onecard = new OneCardClient({ ...oneCardOptions, tokenStore: new MemoryTokenStore() });
const zhixiao = new ZhixiaoPayClient({
  baseUrl: ZX_BASE,
  ...ZX,
  paths: { getIdentity: '/i', getUserCard: '/u', createInvoice: '/v' },
});
const tables = [
  { client: onecard, methods: oneCardMethods },
  { client: zhixiao, methods: zhixiaoMethods },
] as const;

interface Case {
  method: string;
  rule: string;
  input: Record<string, unknown>;
  field: string;
}

const cases: Case[] = [];
for (const { methods } of tables) {
  for (const [method, m] of Object.entries(methods)) {
    const valid = VALID[method];
    if (!valid) continue;
    const shape = (m.request as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
    // A typo in a field name must never reach the gateway.
    cases.push({ method, rule: 'unknown key', input: { ...valid, remakr: 'x' }, field: 'remakr' });
    for (const field of Object.keys(valid)) {
      const without = { ...valid };
      delete without[field];
      if (!shape[field]!.safeParse(undefined).success)
        cases.push({ method, rule: 'missing', input: without, field });
      cases.push({ method, rule: 'wrong type', input: { ...valid, [field]: true }, field });
      if (AMOUNTS.has(field))
        for (const bad of BAD_AMOUNTS)
          cases.push({ method, rule: `amount ${String(bad)}`, input: { ...valid, [field]: bad }, field });
      if (typeof valid[field] === 'string' && !UNLIMITED.has(field)) {
        cases.push({
          method,
          rule: 'over its byte limit',
          input: { ...valid, [field]: '学'.repeat(1700) },
          field,
        });
      }
    }
  }
}

describe('every method refuses bad input before any request leaves', () => {
  it('has a valid input for every method, and that input passes validation', () => {
    for (const { methods } of tables) {
      for (const [method, m] of Object.entries(methods)) {
        if (method === 'getAccessToken') continue;
        expect(VALID[method], method).toBeDefined();
        expect(m.request.safeParse(VALID[method]).success, method).toBe(true);
      }
    }
  });

  it.each(cases.map((c) => [c.method, c.rule, c.field, c] as const))(
    '%s: %s (%s)',
    async (_m, _r, field, c) => {
      const before = requests;
      const client = (c.method in zhixiaoMethods ? zhixiao : onecard) as unknown as Record<
        string,
        (i: unknown) => Promise<unknown>
      >;
      const err = await client[c.method]!(c.input).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues.map((i) => i.path.split('.')[0])).toContain(field);
      expect(requests).toBe(before);
    },
  );
});

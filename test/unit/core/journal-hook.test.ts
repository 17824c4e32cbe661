/**
 * What a refused money call writes to the journal (and announces): `failed` only for a refusal that proves
 * no money moved — a OneCard business refusal the code tables know whose action is not `query`, Zhixiao -2
 * and -3; every other refusal → `unknown`. The expected states are written out here from docs/reliability.md.
 */
import { describe, expect, it } from 'vitest';
import type { CodeInfo } from '../../../src/core/codes.js';
import { failureOf } from '../../../src/core/journal-hook.js';
import type { JournalSpec } from '../../../src/core/method.js';
import { GatewayError, oneCardMethods, zhixiaoMethods } from '../../../src/index.js';
import { ONECARD_BUSINESS_CODES, ONECARD_SYSTEM_CODES } from '../../../src/onecard/codes.js';
import { ZHIXIAO_CODES } from '../../../src/zhixiao/codes.js';

const table = { ...ONECARD_SYSTEM_CODES, ...ONECARD_BUSINESS_CODES } as Record<string, CodeInfo>;
/** A GatewayError as the OneCard envelope builds it: the code, its table entry, the gateway's message. */
const oneCard = (level: 'system' | 'business', code: string, message = '错误') =>
  new GatewayError({ level, code, message, info: table[code] });
const zhixiao = (code: string, message: string) =>
  new GatewayError({
    level: 'system',
    code,
    message,
    info: (ZHIXIAO_CODES as Record<string, CodeInfo>)[code],
  });

const ONECARD_MONEY = ['transfer', 'payByBarcode', 'recharge'] as const;
const ZHIXIAO_MONEY = ['createOrder', 'refundOrder'] as const;

/** Every money method of a table writes `state` for this refusal, with its code. */
function expectState(specs: Array<[string, JournalSpec | undefined]>, err: GatewayError, state: string) {
  for (const [m, spec] of specs)
    expect(failureOf(spec!, err), m).toMatchObject({ state, code: err.gatewayCode });
}

describe('a refused OneCard money call', () => {
  it.each([
    ['business', '60010', 'failed'], // 余额不足: refused by the business logic, nothing moved
    ['business', '60013', 'failed'],
    ['business', '60062', 'failed'],
    ['business', '60002', 'failed'],
    ['business', '60053', 'unknown'], // 订单状态不允许支付: the order's state decides
    ['business', '60073', 'unknown'], // 第三方系统订单不存在
    ['business', '60045', 'unknown'], // the order reached the gateway before
    ['business', '60009', 'unknown'],
    ['business', '60070', 'unknown'],
    ['business', '69999', 'unknown'], // a code no table knows proves nothing
    ['system', '40017', 'unknown'], // signed over errcode alone: a captured one fits any request
    ['system', '-1', 'unknown'],
    ['system', '40004', 'unknown'],
    ['system', '40014', 'unknown'],
  ] as const)('%s %s → %s', (level, code, state) => {
    expectState(
      ONECARD_MONEY.map((m) => [m, oneCardMethods[m].journal]),
      oneCard(level, code),
      state,
    );
  });
});

describe('a refused Zhixiao money call', () => {
  // A reply's sign covers its code and content only (1.3): a signed refusal captured from any request
  // could stand in for this one's, so none proves nothing moved.
  it.each([
    ['-2', '参数校验失败', 'unknown'],
    ['-3', '账号被冻结', 'unknown'],
    ['-1', '商户订单号重复', 'unknown'],
    ['-1', '订单不存在', 'unknown'], // -1 is every general error: no wording of it proves nothing moved
    ['-1', '退款金额超出', 'unknown'],
    ['-1', '', 'unknown'],
    ['-9', 'x', 'unknown'],
  ] as const)('%s %s → %s', (code, message, state) => {
    expectState(
      ZHIXIAO_MONEY.map((m) => [m, zhixiaoMethods[m].journal]),
      zhixiao(code, message),
      state,
    );
  });
});

it('a spec without a refusal rule trusts no refusal', () => {
  const spec: JournalSpec = { amount: 'x', onReply: 'succeeded' };
  expect(failureOf(spec, oneCard('business', '60010'))).toMatchObject({ state: 'unknown' });
});

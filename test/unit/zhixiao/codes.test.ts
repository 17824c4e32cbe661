/**
 * Zhixiao -1 is every general error (spec 1.3): the wording deployed gateways use names the condition.
 * The wordings and what each asks of the caller are written out here from docs/protocol.md.
 */
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { zhixiaoCodeInfo, zhixiaoCondition } from '../../../src/zhixiao/codes.js';

const refused = (code: string, message: string) =>
  new GatewayError({ level: 'system', code, message, info: zhixiaoCodeInfo(code, message) });

describe('Zhixiao -1 conditions', () => {
  it.each([
    ['订单不存在', 'order_not_found', 'query'],
    ['该订单不存在', 'order_not_found', 'query'],
    ['商户订单号重复', 'duplicate_order', 'query'],
    ['appid 不存在', 'unknown_app_id', 'fix-config'],
    ['appid错误', 'unknown_app_id', 'fix-config'],
    ['系统繁忙,请稍后再试', 'busy', 'retry'],
  ])('-1 %s → %s (%s)', (message, condition, action) => {
    const err = refused('-1', message);
    expect(zhixiaoCondition(err)).toBe(condition);
    expect(err.info).toMatchObject({ action, condition });
  });

  it('another wording of -1 keeps the general entry and names no condition', () => {
    const err = refused('-1', '退款金额超过可退款金额');
    expect(zhixiaoCondition(err)).toBeUndefined();
    expect(err.info).toMatchObject({ zh: '通用错误码', action: 'fix-request' });
    expect(err.info?.condition).toBeUndefined();
  });

  it('only -1 has conditions: the same words under another code, or no GatewayError, name none', () => {
    expect(zhixiaoCondition(refused('-2', '订单不存在'))).toBeUndefined();
    expect(refused('-2', '订单不存在').info).toMatchObject({ zh: '参数校验失败' });
    expect(zhixiaoCondition(new Error('订单不存在'))).toBeUndefined();
    // A -1 built without the table's info (another gateway's error) is not read by its text.
    expect(
      zhixiaoCondition(new GatewayError({ level: 'system', code: '-1', message: '订单不存在' })),
    ).toBeUndefined();
  });
});

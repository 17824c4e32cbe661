/** Zhixiao key options: lists and the key provider's answers, checked by name and index. */
import { describe, expect, it } from 'vitest';
import { ConfigurationError, ZhixiaoPayClient } from '../../../src/index.js';
import { ZX, ZX_BASE } from '../../helpers/keys.js';

const refusal = (options: Record<string, unknown>) => {
  try {
    new ZhixiaoPayClient({ baseUrl: ZX_BASE, ...ZX, ...options });
  } catch (err) {
    return err as ConfigurationError;
  }
  throw new Error('the options were accepted');
};

describe('Zhixiao key lists', () => {
  it.each([
    ['an empty appSecret list', { appSecret: [] }, 'appSecret', /the list is empty/],
    ['an empty second appSecret', { appSecret: [ZX.appSecret, ''] }, 'appSecret[1]', /non-empty string/],
    ['a short second aesKey', { aesKey: [ZX.aesKey, 'short'] }, 'aesKey[1]', /16, 24 or 32 ASCII characters/],
    ['a missing aesKey', { aesKey: undefined }, 'aesKey', /is required/],
    [
      'garbage from a sync provider',
      { keyProvider: () => ({ aesKey: 7 }) },
      'keyProvider().aesKey',
      /type number/,
    ],
  ])('%s: a ConfigurationError naming the option', (_what, options, option, why) => {
    const err = refusal(options);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err.option).toBe(option);
    expect(err.message).toMatch(why);
    expect(err.message).not.toContain(ZX.appSecret);
  });

  it('several secrets: the first signs a built notice, any one verifies it, and the log names which', () => {
    const lines: unknown[] = [];
    const logger = { info: (_m: string, f: unknown) => void lines.push(f) };
    const old = new ZhixiaoPayClient({ baseUrl: ZX_BASE, ...ZX, appSecret: 'old-secret', logger });
    const both = new ZhixiaoPayClient({
      baseUrl: ZX_BASE,
      ...ZX,
      appSecret: ['new-secret', 'old-secret'],
      logger,
    });
    const notice = {
      out_trade_no: 'T1',
      order_id: 'O1',
      time_end: '2017-07-23 16:00:00',
      uid: 'u',
      pay_type: '2',
    };
    expect(both.parseNotification(old.buildNotification(notice))).toMatchObject({ out_trade_no: 'T1' });
    expect(lines).toEqual([{ method: 'parseNotification', outcome: 'verified', keyIndex: 1 }]);
    expect(() => old.parseNotification(both.buildNotification(notice))).toThrow(/sign does not match/);
  });
});

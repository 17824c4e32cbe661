/**
 * Zhixiao `ret_code` values (spec 1.3 返回码), in the spec's own words, with an English one and what to
 * do. `0` (执行成功) is success, not in this table.
 */
import type { CodeInfo } from '../core/codes.js';
import { GatewayError } from '../core/errors.js';

export const ZHIXIAO_CODES = {
  '-1': {
    zh: '通用错误码',
    en: 'general error (ret_content says which)',
    action: 'fix-request',
    source: 'spec',
  },
  '-2': {
    zh: '参数校验失败',
    en: 'parameter check failed (often a wrong aesKey or appSecret: the param did not decrypt or verify)',
    action: 'fix-config',
    source: 'spec',
  },
  '-3': { zh: '账号被冻结', en: 'account frozen', action: 'contact-vendor', source: 'spec' },
} as const satisfies Record<string, CodeInfo>;

export type ZhixiaoCode = keyof typeof ZHIXIAO_CODES;

/**
 * What a -1 (通用错误码) says, by the wording deployed gateways put in ret_content: the conditions a
 * caller acts on, each a stable name with the `info` a GatewayError then carries (docs/protocol.md,
 * "Zhixiao"). `zhixiaoCondition(err)` reads it, so no caller matches the text.
 */
export const ZHIXIAO_CONDITIONS = {
  /** 2.2–2.4 (and 2.8) for an out_trade_no the gateway does not know. */
  order_not_found: {
    words: /订单不存在/,
    info: { zh: '订单不存在', en: 'no such order', action: 'query', source: 'deployed' },
  },
  /** 2.1 for an out_trade_no used before: the earlier order exists, and may have been paid. */
  duplicate_order: {
    words: /订单号重复/,
    info: {
      zh: '商户订单号重复',
      en: 'out_trade_no used before: that order exists (query it; a new order needs a new number)',
      action: 'query',
      source: 'deployed',
    },
  },
  /** Any call from an appid the gateway does not know: the id of the form, before the sign is checked. */
  unknown_app_id: {
    words: /appid.*(不存在|错误|无效|未注册)/i,
    info: {
      zh: 'appid 不存在',
      en: 'unknown appid (appId, or a baseUrl of another gateway)',
      action: 'fix-config',
      source: 'deployed',
    },
  },
  /** A gateway under load: nothing was processed; slow down. */
  busy: {
    words: /繁忙|频繁|超限|busy/i,
    info: { zh: '系统繁忙', en: 'system busy', action: 'retry', source: 'deployed' },
  },
} as const satisfies Record<string, { words: RegExp; info: CodeInfo }>;

export type ZhixiaoCondition = keyof typeof ZHIXIAO_CONDITIONS;

/** The table entry of a ret_code, made precise by the wording of a -1. */
export function zhixiaoCodeInfo(code: string, message: string): CodeInfo | undefined {
  if (code === '-1')
    for (const [condition, c] of Object.entries(ZHIXIAO_CONDITIONS))
      if (c.words.test(message)) return { ...c.info, condition };
  return Object.hasOwn(ZHIXIAO_CODES, code) ? ZHIXIAO_CODES[code as ZhixiaoCode] : undefined;
}

/**
 * The condition a Zhixiao -1 names, typed: `zhixiaoCondition(err) === 'order_not_found'`. Undefined for
 * anything else (another error, another code, a wording no condition knows).
 */
export function zhixiaoCondition(err: unknown): ZhixiaoCondition | undefined {
  if (!(err instanceof GatewayError) || err.gatewayCode !== '-1') return undefined;
  const c = err.info?.condition;
  return c !== undefined && Object.hasOwn(ZHIXIAO_CONDITIONS, c) ? (c as ZhixiaoCondition) : undefined;
}

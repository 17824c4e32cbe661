/**
 * Zhixiao `ret_code` values (spec 1.3 返回码), in the spec's own words, with an English one and what to
 * do. `0` (执行成功) is success, not in this table.
 */
import type { CodeInfo } from '../core/codes.js';

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

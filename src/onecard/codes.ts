/**
 * Synjones error codes: system level (`errcode`, spec table 1.2.2, plus codes seen in deployments) and
 * business level (`retcode`). Each has the spec's own words where v2.41 lists the code (`source:
 * 'spec'`, with the deployed wording beside it where that differs), else the deployed wording
 * (`source: 'deployed'`); an English one; and what to do. v2.41 lists no business codes (its 业务错误码
 * tables are empty): every retcode here is a deployed one. `0` (成功) is success, not in these tables.
 */
import type { CodeInfo } from '../core/codes.js';

type Action = CodeInfo['action'];
/** A code of spec table 1.2.2, in its words; `deployedZh` when deployed gateways word it otherwise. */
const spec = (zh: string, en: string, action: Action, deployedZh?: string): CodeInfo => ({
  zh,
  en,
  action,
  source: 'spec',
  ...(deployedZh ? { deployedZh } : {}),
});
/** A code seen only in deployed gateways, in their words. */
const deployed = (zh: string, en: string, action: Action): CodeInfo => ({
  zh,
  en,
  action,
  source: 'deployed',
});

/** errcode: the request was rejected before any business processing. */
export const ONECARD_SYSTEM_CODES = {
  '-1': spec('系统繁忙', 'system busy', 'retry'),
  '-2': spec('系统内部错误', 'internal system error', 'retry', '系统内存不足'),
  '-3': deployed('数据库访问错误', 'database access error', 'retry'),
  '-4': deployed('公钥错误', 'public key error (the key registered for this app key)', 'fix-config'),
  '-5': deployed('私钥错误', 'private key error', 'fix-config'),
  '-6': deployed('授权信息错误', 'authorisation data error', 'fix-config'),
  '-7': deployed('签名失败', 'signing failed on the gateway', 'fix-config'),
  '-8': deployed('学校代码错误', 'wrong school code', 'fix-config'),
  '-9': deployed('加密密钥错误', 'wrong encryption key (desKey)', 'fix-config'),
  '-10': deployed('数据库繁忙', 'database busy', 'retry'),
  '40001': spec(
    '不合法的数据报文',
    'invalid data packet (a missing or empty field)',
    'fix-request',
    '数据不合法',
  ),
  '40002': spec(
    '不支持的 appkey',
    'unknown app key (appKey, or the wrong gateway URL)',
    'fix-config',
    'appkey错误',
  ),
  '40003': deployed('不支持的签名算法', 'unsupported sign method', 'fix-config'),
  '40004': spec(
    '签名校验失败',
    'signature check failed (privateKey does not match the registered public key)',
    'fix-config',
    '签名检验失败',
  ),
  '40005': spec('系统授权过期', 'system licence expired', 'contact-vendor'),
  '40006': spec('API 授权过期', 'API licence expired', 'contact-vendor', 'api授权过期'),
  '40007': spec('接入系统授权过期', 'caller licence expired', 'contact-vendor', '发起端授权过期'),
  '40008': spec('系统未授权', 'system not licensed', 'contact-vendor'),
  '40009': deployed('api未授权', 'API not licensed for this app key', 'contact-vendor'),
  '40010': spec('接入系统未授权', 'caller not licensed', 'contact-vendor', '发起端未授权'),
  // v2.41 gives 40011 the words of 40010; deployed gateways say 发起端未启用 (caller not enabled).
  '40011': spec('接入系统未授权', 'caller not enabled', 'contact-vendor', '发起端未启用'),
  '40012': spec('不支持的 API', 'unsupported method', 'fix-request', '不支持的api'),
  '40013': spec('API 未启用', 'method not enabled', 'contact-vendor', 'api未启用'),
  '40014': spec('调用次数超限', 'call limit exceeded', 'retry'),
  '40015': spec(
    '数据格式错误',
    'data format error (often a wrong desKey: the request did not decrypt)',
    'fix-config',
  ),
  '40016': spec('协议版本不支持', 'protocol version not supported', 'fix-config'),
  '40017': spec(
    'access_token 无效',
    'access token invalid (another fetch replaced it, or it expired)',
    'refresh-token',
    'access_token无效',
  ),
  '40018': spec('时间戳无效', 'timestamp outside the ±6 minute window (clock or time zone)', 'fix-config'),
} as const satisfies Record<string, CodeInfo>;

/** retcode: the request reached business processing and was refused. All seen in deployments. */
export const ONECARD_BUSINESS_CODES = {
  '60002': deployed('参数输入错误', 'invalid parameter', 'fix-request'),
  '60003': deployed('账户信息不存在', 'no such account', 'tell-user'),
  '60005': deployed('账户密码错误', 'wrong password', 'tell-user'),
  '60007': deployed('账户已挂失', 'card reported lost', 'tell-user'),
  '60009': deployed('一卡通流水重复', 'duplicate OneCard serial', 'query'),
  '60010': deployed('账户余额不足', 'insufficient balance', 'tell-user'),
  '60013': deployed('账户已冻结', 'account frozen', 'tell-user'),
  '60022': deployed('账户已过期', 'account expired', 'tell-user'),
  '60024': deployed('流水不存在', 'no such transaction', 'fix-request'),
  '60045': deployed(
    '发端流水号重复',
    'duplicate order number (an earlier call with it reached the gateway)',
    'query',
  ),
  '60048': deployed(
    'access_token调用次数超限',
    'token fetched too often: one fetch per 2 minutes per app key, and each fetch invalidates the last; share one token store',
    'fix-config',
  ),
  '60053': deployed('订单状态不允许支付', 'order state does not allow payment', 'query'),
  '60055': deployed('二维码支付未开通', 'code payment not enabled for this card', 'tell-user'),
  '60062': deployed('二维码过期', 'payment code expired or already used', 'tell-user'),
  '60066': deployed('间隔时间太短', 'calls too close together', 'retry'),
  '60070': deployed('下单前查询到该单号已经支付成功', 'this order number is already paid', 'query'),
  '60073': deployed('第三方系统订单不存在', 'order unknown to the third-party system', 'query'),
} as const satisfies Record<string, CodeInfo>;

export type OneCardSystemCode = keyof typeof ONECARD_SYSTEM_CODES;
export type OneCardBusinessCode = keyof typeof ONECARD_BUSINESS_CODES;
export type OneCardCode = OneCardSystemCode | OneCardBusinessCode;

export const TOKEN_INVALID = '40017' satisfies OneCardSystemCode;
export const TOKEN_FETCH_LIMIT = '60048' satisfies OneCardBusinessCode;

const zhOnly = (t: Record<string, CodeInfo>) =>
  Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.zh])) as Record<string, string>;
/** @deprecated since 0.2.0: use ONECARD_SYSTEM_CODES (zh, en, action). */
export const SYSTEM_ERRORS = zhOnly(ONECARD_SYSTEM_CODES);
/** @deprecated since 0.2.0: use ONECARD_BUSINESS_CODES (zh, en, action). */
export const BUSINESS_ERRORS = zhOnly(ONECARD_BUSINESS_CODES);

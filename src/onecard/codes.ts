/**
 * Synjones error codes: system level (`errcode`, spec 1.2.2, plus codes seen in deployments) and business
 * level (`retcode`, 60001–60073), each with the vendor's wording, an English one and what to do.
 */
import type { CodeInfo } from '../core/codes.js';

const c = (zh: string, en: string, action: CodeInfo['action']): CodeInfo => ({ zh, en, action });

/** errcode: the request was rejected before any business processing. */
export const ONECARD_SYSTEM_CODES = {
  '-1': c('系统繁忙', 'system busy', 'retry'),
  '-2': c('系统内存不足', 'out of memory on the gateway', 'retry'),
  '-3': c('数据库访问错误', 'database access error', 'retry'),
  '-4': c('公钥错误', 'public key error (the key registered for this app key)', 'fix-config'),
  '-5': c('私钥错误', 'private key error', 'fix-config'),
  '-6': c('授权信息错误', 'authorisation data error', 'fix-config'),
  '-7': c('签名失败', 'signing failed on the gateway', 'fix-config'),
  '-8': c('学校代码错误', 'wrong school code', 'fix-config'),
  '-9': c('加密密钥错误', 'wrong encryption key (desKey)', 'fix-config'),
  '-10': c('数据库繁忙', 'database busy', 'retry'),
  '40001': c('数据不合法', 'invalid data packet (a missing or empty field)', 'fix-request'),
  '40002': c('appkey错误', 'unknown app key (appKey, or the wrong gateway URL)', 'fix-config'),
  '40003': c('不支持的签名算法', 'unsupported sign method', 'fix-config'),
  '40004': c(
    '签名检验失败',
    'signature check failed (privateKey does not match the registered public key)',
    'fix-config',
  ),
  '40005': c('系统授权过期', 'system licence expired', 'contact-vendor'),
  '40006': c('api授权过期', 'API licence expired', 'contact-vendor'),
  '40007': c('发起端授权过期', 'caller licence expired', 'contact-vendor'),
  '40008': c('系统未授权', 'system not licensed', 'contact-vendor'),
  '40009': c('api未授权', 'API not licensed for this app key', 'contact-vendor'),
  '40010': c('发起端未授权', 'caller not licensed', 'contact-vendor'),
  '40011': c('发起端未启用', 'caller not enabled', 'contact-vendor'),
  '40012': c('不支持的api', 'unsupported method', 'fix-request'),
  '40013': c('api未启用', 'method not enabled', 'contact-vendor'),
  '40014': c('调用次数超限', 'call limit exceeded', 'retry'),
  '40015': c(
    '数据格式错误',
    'data format error (often a wrong desKey: the request did not decrypt)',
    'fix-config',
  ),
  '40016': c('协议版本不支持', 'protocol version not supported', 'fix-config'),
  '40017': c(
    'access_token无效',
    'access token invalid (another fetch replaced it, or it expired)',
    'refresh-token',
  ),
  '40018': c('时间戳无效', 'timestamp outside the ±6 minute window (clock or time zone)', 'fix-config'),
} as const satisfies Record<string, CodeInfo>;

/** retcode: the request reached business processing and was refused. */
export const ONECARD_BUSINESS_CODES = {
  '60002': c('参数输入错误', 'invalid parameter', 'fix-request'),
  '60003': c('账户信息不存在', 'no such account', 'tell-user'),
  '60005': c('账户密码错误', 'wrong password', 'tell-user'),
  '60007': c('账户已挂失', 'card reported lost', 'tell-user'),
  '60009': c('一卡通流水重复', 'duplicate OneCard serial', 'query'),
  '60010': c('账户余额不足', 'insufficient balance', 'tell-user'),
  '60013': c('账户已冻结', 'account frozen', 'tell-user'),
  '60022': c('账户已过期', 'account expired', 'tell-user'),
  '60024': c('流水不存在', 'no such transaction', 'fix-request'),
  '60045': c(
    '发端流水号重复',
    'duplicate order number (an earlier call with it reached the gateway)',
    'query',
  ),
  '60048': c(
    'access_token调用次数超限',
    'token fetched too often: one fetch per 2 minutes per app key, and each fetch invalidates the last; share one token store',
    'fix-config',
  ),
  '60053': c('订单状态不允许支付', 'order state does not allow payment', 'query'),
  '60055': c('二维码支付未开通', 'code payment not enabled for this card', 'tell-user'),
  '60062': c('二维码过期', 'payment code expired or already used', 'tell-user'),
  '60066': c('间隔时间太短', 'calls too close together', 'retry'),
  '60070': c('下单前查询到该单号已经支付成功', 'this order number is already paid', 'query'),
  '60073': c('第三方系统订单不存在', 'order unknown to the third-party system', 'query'),
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

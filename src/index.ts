export {
  type ClaimState,
  type DedupeOptions,
  type DedupeStore,
  DuplicateInFlightError,
  deduplicate,
  MemoryDedupeStore,
} from './core/dedupe.js';
export type { CampusPayErrorCode, OutcomeQuery, SignatureFailure, ValidationIssue } from './core/errors.js';
export {
  CampusPayError,
  ConfigurationError,
  DecryptionError,
  GatewayError,
  OutcomeUnknownError,
  ProtocolError,
  SignatureError,
  TransportError,
  ValidationError,
} from './core/errors.js';
export type { HandlerOptions, NodeHandler, NotificationInput, WebHandler } from './core/handlers.js';
export { formatCompactTime, formatGatewayTime, parseBeijingTime } from './core/time.js';
export {
  MemoryTokenStore,
  type StoredToken,
  type TokenLock,
  type TokenStore,
  tokenKey,
} from './core/token-store.js';
export type { AttemptEvent, AttemptResult, TransportHooks, TransportOptions } from './core/transport.js';
export { CAMPUS_PAY_ENV, loadEnvFile, oneCardOptionsFromEnv, zhixiaoOptionsFromEnv } from './env.js';
export {
  type CallOptions as OneCardCallOptions,
  OneCardClient,
  type OneCardClientOptions,
} from './onecard/client.js';
export { BUSINESS_ERRORS, SYSTEM_ERRORS } from './onecard/codes.js';
export { signString as oneCardSignString, wrapperOf } from './onecard/envelope.js';
export { type OneCardMethodName, oneCardMethods } from './onecard/methods.js';
export { type RechargeQr, rechargeToHtmlForm, rechargeToQrPayload } from './onecard/recharge.js';
export * as OneCardSchemas from './onecard/schemas.js';
export { RechargeOrderStatus } from './onecard/schemas.js';
export * as OneCardDeployedSchemas from './onecard/schemas-deployed.js';
export {
  type CallOptions as ZhixiaoCallOptions,
  ZhixiaoPayClient,
  type ZhixiaoPayClientOptions,
} from './zhixiao/client.js';
export { type ZhixiaoMethodName, zhixiaoMethods } from './zhixiao/methods.js';
export * as ZhixiaoSchemas from './zhixiao/schemas.js';
export { OrderStatus } from './zhixiao/schemas.js';

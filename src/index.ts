export type { CodeAction, CodeInfo } from './core/codes.js';
export {
  type ClaimState,
  type DedupeOptions,
  type DedupeStore,
  DuplicateInFlightError,
  deduplicate,
  MemoryDedupeStore,
} from './core/dedupe.js';
export type {
  CampusPayErrorCode,
  GatewayLevel,
  OutcomeAdvice,
  OutcomeQuery,
  SignatureFailure,
  ValidationIssue,
} from './core/errors.js';
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
export { defaultCacheDir, FileTokenStore, type FileTokenStoreOptions } from './core/file-token-store.js';
export type {
  FrameworkRequest,
  HandlerOptions,
  NodeHandler,
  NotificationInput,
  WebHandler,
} from './core/handlers.js';
export {
  applyTransition,
  FINAL_STATES,
  isFinal,
  JOURNAL_RANK,
  type JournalEntry,
  JournalError,
  type JournalFilter,
  type JournalGateway,
  type JournalQuery,
  type JournalState,
  type JournalStore,
  type JournalTransition,
  journalId,
  MemoryJournalStore,
  matchesFilter,
  UnreadableEntriesError,
} from './core/journal.js';
export { isJournalEntry, isJournalTransition } from './core/journal-check.js';
export { FileJournalStore, type JournalFileProblem } from './core/journal-file.js';
export type { JournalClientOptions } from './core/journal-hook.js';
export { DEFAULT_KEY_TTL_MS, type KeyProvider, type KeyProviderOptions } from './core/keyring.js';
export type { JournalSpec, MethodKind, MethodSpec } from './core/method.js';
export { fenToYuan, yuanToFen } from './core/money.js';
export type { AttemptLog, JournalLog, KeyLog, Logger, NoticeLog } from './core/observe.js';
export type { CallOptions } from './core/pipeline.js';
export {
  type LedgerRow,
  type LedgerRows,
  type LedgerState,
  type Reconcilable,
  type ReconcileOptions,
  type ReconcileProgress,
  type ReconcileResult,
  type ReconcileRun,
  type ReconcileStatus,
  reconcile,
  SETTLEMENT,
} from './core/reconcile.js';
export type { OrderRef, ResolveOptions, ResolveResult } from './core/resolve.js';
export {
  type NotificationRoute,
  NotificationRouter,
  type NotificationRouterOptions,
  type RouteLog,
  type RouteOptions,
} from './core/router.js';
export type {
  OnSettled,
  SettledSource,
  SettledState,
  Settlement,
  SettlementEvent,
  SettlementOptions,
} from './core/settle.js';
export {
  DEFAULT_STORE_TIMEOUT_MS,
  StoreError,
  type StoreFailure,
  type StoreKind,
} from './core/store-call.js';
export type { SweepFailure, SweepOptions, SweepProgress, SweepSummary } from './core/sweep.js';
export { formatCompactTime, formatGatewayTime, parseBeijingTime, parseGatewayTime } from './core/time.js';
export {
  MemoryTokenStore,
  type StoredToken,
  type TokenLock,
  type TokenStore,
  tokenKey,
} from './core/token-store.js';
export type { AttemptEvent, AttemptResult, TransportHooks, TransportOptions } from './core/transport.js';
export {
  CAMPUS_PAY_ENV,
  type FromEnvOptions,
  loadEnvFile,
  type OneCardEnvOptions,
  oneCardOptionsFromEnv,
  type ZhixiaoEnvOptions,
  zhixiaoOptionsFromEnv,
} from './env.js';
export { type GatewayCode, isGatewayError } from './gateway-codes.js';
export {
  /** @deprecated since 0.2.0: CallOptions, the same for both clients. */
  type CallOptions as OneCardCallOptions,
  OneCardClient,
  type OneCardClientOptions,
  type OneCardReply,
  type OneCardRequest,
  type OneCardRouteOptions,
} from './onecard/client.js';
export {
  BUSINESS_ERRORS,
  ONECARD_BUSINESS_CODES,
  ONECARD_SYSTEM_CODES,
  type OneCardBusinessCode,
  type OneCardCode,
  type OneCardSystemCode,
  SYSTEM_ERRORS,
} from './onecard/codes.js';
export { signString as oneCardSignString, wrapperOf } from './onecard/envelope.js';
export type { OneCardKeys } from './onecard/keys.js';
export {
  type OneCardMethod,
  type OneCardMethodName,
  type OneCardOutcomeQuery,
  oneCardMethods,
} from './onecard/methods.js';
export {
  type BuildNoticeOptions,
  buildOneCardNotification,
  type NotificationKeys as OneCardNotificationKeys,
  parseOneCardNotification,
} from './onecard/notifications.js';
export type { InvalidTokenPolicy } from './onecard/protocol.js';
export { type RechargeQr, rechargeToHtmlForm, rechargeToQrPayload } from './onecard/recharge.js';
export * as OneCardSchemas from './onecard/schemas.js';
export { RechargeOrderStatus } from './onecard/schemas.js';
export * as OneCardDeployedSchemas from './onecard/schemas-deployed.js';
export {
  /** @deprecated since 0.2.0: CallOptions, the same for both clients. */
  type CallOptions as ZhixiaoCallOptions,
  ZhixiaoPayClient,
  type ZhixiaoPayClientOptions,
  type ZhixiaoReply,
  type ZhixiaoRequest,
} from './zhixiao/client.js';
export {
  ZHIXIAO_CODES,
  ZHIXIAO_CONDITIONS,
  type ZhixiaoCode,
  type ZhixiaoCondition,
  zhixiaoCondition,
} from './zhixiao/codes.js';
export type { ZhixiaoKeys } from './zhixiao/keys.js';
export {
  type ZhixiaoMethod,
  type ZhixiaoMethodName,
  type ZhixiaoOutcomeQuery,
  zhixiaoMethods,
} from './zhixiao/methods.js';
export { buildZhixiaoNotification, parseZhixiaoNotification } from './zhixiao/notifications.js';
export * as ZhixiaoSchemas from './zhixiao/schemas.js';
export { OrderStatus } from './zhixiao/schemas.js';

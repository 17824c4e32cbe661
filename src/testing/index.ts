/**
 * `campus-pay/testing`: helpers for testing your own integration against the sandbox, for any test
 * framework (docs/testing-your-integration.md).
 */

export type { NotificationAttempt, NotificationRecord } from '../sandbox/index.js';
export {
  startTestGateways,
  TEST_RETRY_DELAYS_MS,
  type TestGateways,
  type TestGatewaysOptions,
  type WaitOptions,
} from './gateways.js';
export {
  LedgerAssertions,
  type OneCardOrderKey,
  type OrderKey,
  type RechargeOrder,
  TestLedger,
  type ZhixiaoOrder,
  type ZhixiaoOrderKey,
} from './ledger.js';
export type { NoticeAnswer, NoticeKit, TestNotices } from './notices.js';

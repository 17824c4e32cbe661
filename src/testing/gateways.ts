/**
 * `startTestGateways()`: both gateways for a merchant's own test suite, in a `beforeAll` of vitest, jest
 * or node:test (nothing here imports a test framework). The sandbox speaks real HTTP; this adds what a
 * test of a merchant's service needs around it: client options to hand the service, the payer's buttons,
 * signed notices, the ledger by order key and assertions on it, and a wait for a notice to be acknowledged.
 */
import {
  type NotificationRecord,
  type Sandbox,
  type SandboxOptions,
  startSandbox,
} from '../sandbox/index.js';
import { describeKey, LedgerAssertions, type OrderKey, TestLedger } from './ledger.js';
import { type TestNotices, testNotices } from './notices.js';

/**
 * The sandbox's options. Notices are repeated after 50 ms, 100 ms, 200 ms, then every 500 ms (the
 * gateways wait seconds to minutes), so a test of a refused notice sees the retry soon; pass
 * `notifications` to change that.
 */
export type TestGatewaysOptions = SandboxOptions;

export const TEST_RETRY_DELAYS_MS: readonly number[] = [0, 50, 100, 200, 500];

export interface WaitOptions {
  /** How long to wait before failing, in milliseconds: yours to choose, scaled as your suite's limits are. */
  timeoutMs: number;
}

export interface TestGateways {
  /** The sandbox itself: its `url`, its gateways, its notification log. */
  readonly sandbox: Sandbox;
  /** Options for `new OneCardClient(...)`: the gateway URL, app key and the keys generated for this sandbox. */
  readonly onecard: Sandbox['onecard'];
  /** Options for `new ZhixiaoPayClient(...)`: the base URL, the spec's test credentials, the paths. */
  readonly zhixiao: Sandbox['zhixiao'];
  /**
   * The fault knobs (`set({...})` shares, `next(kind)` for the next call or notice, `clear()`); see the
   * README's Sandbox section. `reset()` clears them between tests.
   */
  readonly faults: Sandbox['faults'];
  /** What the gateways recorded, by your order keys. */
  readonly ledger: TestLedger;
  /** Assertions on the ledger (node:assert errors, for any framework). */
  readonly assert: LedgerAssertions;
  /** Signed notices: valid, forged, replayed; and their delivery to your endpoint. */
  readonly notices: TestNotices;
  /**
   * The payer pays the order on the gateway's pay page: a Zhixiao order is paid, a OneCard recharge is
   * credited to the card; the gateway then notifies the order's notify_url.
   */
  pay(key: OrderKey): void;
  /** The payer fails the payment (OneCard sends a failure notice; Zhixiao sends none). */
  fail(key: OrderKey): void;
  /**
   * Resolves with the first notice about the order your endpoint acknowledged (`success` / `ok`), waiting
   * while the gateway repeats it. Fails after `timeoutMs` with what your endpoint answered each attempt,
   * and at once when the only notices are ones the `dropNotice` fault dropped.
   */
  waitForAcknowledged(key: OrderKey, options: WaitOptions): Promise<NotificationRecord>;
  /** Clears the faults (shares and queued `next` ones), e.g. in an `afterEach`. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts a sandbox on a free port of 127.0.0.1 and the helpers around it. */
export async function startTestGateways(options: TestGatewaysOptions = {}): Promise<TestGateways> {
  const sandbox = await startSandbox({
    ...options,
    notifications: { retryDelaysMs: [...TEST_RETRY_DELAYS_MS], ...options.notifications },
  });
  const ledger = new TestLedger(sandbox);

  const settle = (key: OrderKey, paid: boolean) => {
    const ref = ledger.ref(key);
    if (ref === undefined)
      throw new Error(
        `the sandbox has no ${'out_trade_no' in key ? 'Zhixiao order' : 'OneCard recharge'} with ${describeKey(key)}`,
      );
    if ('out_trade_no' in key) sandbox.zhixiaoGateway.settle(ref, paid);
    else sandbox.onecardGateway.settle(ref, paid);
  };

  return {
    sandbox,
    onecard: sandbox.onecard,
    zhixiao: sandbox.zhixiao,
    faults: sandbox.faults,
    ledger,
    assert: new LedgerAssertions(ledger),
    notices: testNotices(sandbox, ledger),
    pay: (key) => settle(key, true),
    fail: (key) => settle(key, false),
    waitForAcknowledged: (key, o) => waitForAcknowledged(ledger, key, o),
    reset: () => sandbox.faults.clear(),
    close: () => sandbox.close(),
  };
}

async function waitForAcknowledged(
  ledger: TestLedger,
  key: OrderKey,
  { timeoutMs }: WaitOptions,
): Promise<NotificationRecord> {
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0))
    throw new RangeError(`waitForAcknowledged: timeoutMs must be a positive number of milliseconds`);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const notices = ledger.notices(key);
    const acked = notices.find((n) => n.acknowledged);
    if (acked) return acked;
    const allDropped = notices.length > 0 && notices.every((n) => n.dropped);
    if (allDropped || Date.now() >= until) {
      throw new Error(
        `no notice about ${describeKey(key)} was acknowledged${allDropped ? '' : ` within ${timeoutMs} ms`}: ${whatHappened(notices)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The notices' story, for a failed wait: what the endpoint answered each attempt. */
function whatHappened(notices: NotificationRecord[]): string {
  if (notices.length === 0)
    return 'the sandbox sent none (is the order paid, and did it carry a notify_url?)';
  return notices
    .map((n) =>
      n.dropped
        ? 'one was dropped by the dropNotice fault'
        : n.attempts.length === 0
          ? `one to ${n.url} was not yet attempted`
          : `${n.url} answered ${n.attempts.map((a) => `${a.status || 'unreachable'} ${JSON.stringify(a.answer)}`).join(', ')}`,
    )
    .join('; ');
}

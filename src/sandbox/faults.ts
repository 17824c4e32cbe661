/**
 * Fault knobs for tests. Most are a share of gateway API calls (0..1) they apply to; `next(kind)` applies
 * a kind to the next call(s) whatever the shares say. Notice knobs apply to the notices the sandbox sends.
 */
import { oneCardMethods } from '../onecard/methods.js';
import { zhixiaoMethods } from '../zhixiao/methods.js';

export interface Faults {
  /** Milliseconds added before every gateway API reply. */
  latencyMs?: number;
  /** A share of calls delayed by `slowMs` (default 1000) before processing: beyond a client's timeout. */
  slow?: number;
  slowMs?: number;
  /** Answer HTTP 502 with an HTML page, before processing. */
  serverError?: number;
  /** Drop the connection before processing (nothing happened). */
  dropBeforeProcess?: number;
  /** Process the call (money moves), then drop the connection without answering. */
  dropAfterProcess?: number;
  /** Process, then answer with a body cut in half. */
  truncated?: number;
  /** Process, then answer with an empty body. */
  emptyBody?: number;
  /** Process, then answer with a correctly shaped reply whose signature is wrong. */
  badSignature?: number;
  /**
   * A money call (transfer, barcode pay, recharge; order create, refund, invoice) that the gateway
   * booked is answered by a dropped connection: the ledger has it, the client never hears. Rolled only
   * for money calls that succeeded, so `next('commitThenDrop')` waits for one.
   */
  commitThenDrop?: number;
  /** As `commitThenDrop`, but the reply is an HTTP 502 HTML page (a proxy that lost the gateway's answer). */
  commitThenServerError?: number;
  /**
   * Refused under load before processing: OneCard system code 40014 (调用次数超限), Zhixiao ret_code -1
   * 系统繁忙. Signed like every reply; nothing happened.
   */
  busy?: number;
  /** At most this many gateway API calls are handled at once: one that arrives beyond them is refused as `busy`. */
  busyAbove?: number;
  /** A share of notices never sent (recorded with `dropped: true`, no attempt). */
  dropNotice?: number;
  /** A share of notices sent twice: the same signed body again once the first was acknowledged. */
  duplicateNotice?: number;
  /** Milliseconds every notice waits before its first attempt (retries keep the notifier's schedule). */
  lateNoticeMs?: number;
}

/** The kinds that are shares, which `next()` can apply. */
export type FaultKind = Exclude<keyof Faults, 'latencyMs' | 'slowMs' | 'busyAbove' | 'lateNoticeMs'>;

/** Every kind `next()` takes; the notice kinds apply to notices, the others to gateway API calls. */
export const FAULT_KINDS = [
  'slow',
  'serverError',
  'dropBeforeProcess',
  'dropAfterProcess',
  'truncated',
  'emptyBody',
  'badSignature',
  'commitThenDrop',
  'commitThenServerError',
  'busy',
  'dropNotice',
  'duplicateNotice',
] as const satisfies readonly FaultKind[];
// Every FaultKind is listed: this fails to compile otherwise.
type Unlisted = Exclude<FaultKind, (typeof FAULT_KINDS)[number]>;
const allListed: [Unlisted] extends [never] ? true : Unlisted = true;
void allListed;
const NOTICE_KINDS: ReadonlySet<FaultKind> = new Set(['dropNotice', 'duplicateNotice']);

/** The SDK method names of both tables: what `next({ method })` may target. */
const METHODS: ReadonlySet<string> = new Set([
  ...Object.keys(oneCardMethods),
  ...Object.keys(zhixiaoMethods),
]);

/** What a call is, read from its form before any check. */
export interface CallInfo {
  /** OneCard's token call (synjones.authorize.access_token). */
  token: boolean;
  /** A method of kind `money` in the method tables. */
  money: boolean;
  /** The SDK method name from the method tables ('' when the table has none). */
  method?: string;
  /** The faults this call took so far: `roll` adds each one that strikes, for the event of the call. */
  hit?: FaultKind[];
}

export interface NextOptions {
  /** How many calls (default 1). */
  count?: number;
  /**
   * Only calls of this method (the SDK's name, e.g. `payByBarcode`, `createOrder`); `getAccessToken`
   * targets OneCard's token fetch. Without it, the next calls of any method but the token fetch.
   */
  method?: string;
  /**
   * Let OneCard token calls take it too (default false): a client fetches its token unseen before its
   * first call, and without this the fault still reaches the call the test makes.
   */
  includeToken?: boolean;
}

/** A fault queued by `next()`, as the console lists it. */
export interface ArmedFault {
  kind: FaultKind;
  /** Calls (or notices) it still applies to. */
  remaining: number;
  method?: string;
  includeToken?: boolean;
}

export class FaultControls {
  #faults: Faults = {};
  /** Queued by `next`, in the order armed: a call takes the first that matches it. */
  #armed: ArmedFault[] = [];

  /** `onChange` hears every change: armed, used up, set or cleared (the sandbox's `faults` event). */
  constructor(readonly onChange: () => void = () => {}) {}

  /**
   * The next `count` gateway API calls (or notices, for the notice kinds) get `kind`, whatever the
   * shares say (deterministic tests). With `method`, only calls of that method; otherwise OneCard
   * token calls are skipped unless `includeToken` is set. `commitThen*` wait for the next money call
   * that succeeds. Throws on an unknown kind or method, or a count that is not a positive integer.
   */
  next(kind: FaultKind, countOrOptions: number | NextOptions = 1) {
    const o = typeof countOrOptions === 'number' ? { count: countOrOptions } : countOrOptions;
    const count = o.count ?? 1;
    if (!(FAULT_KINDS as readonly string[]).includes(kind))
      throw new TypeError(`kind: "${kind}" is not one of ${FAULT_KINDS.join(', ')}`);
    if (!Number.isSafeInteger(count) || count < 1)
      throw new TypeError(`count: must be a positive integer, got ${count}`);
    if (o.method !== undefined && (NOTICE_KINDS.has(kind) || !METHODS.has(o.method)))
      throw new TypeError(
        NOTICE_KINDS.has(kind)
          ? `method: ${kind} applies to notices, not to a method`
          : `method: "${o.method}" is not a method of either gateway`,
      );
    this.#armed.push({
      kind,
      remaining: count,
      ...(o.method === undefined ? {} : { method: o.method }),
      ...(o.includeToken ? { includeToken: true } : {}),
    });
    this.onChange();
  }
  /** Replaces the active faults (queued `next` faults stay). */
  set(faults: Faults) {
    this.#faults = { ...faults };
    this.onChange();
  }
  clear() {
    this.#faults = {};
    this.#armed = [];
    this.onChange();
  }
  /** The faults queued by `next` and not used up yet. */
  armed(): ArmedFault[] {
    return this.#armed.map((a) => ({ ...a }));
  }
  /** The active faults given to `set` (or the sandbox's options). */
  get shares(): Faults {
    return { ...this.#faults };
  }
  /** The delay for this call: the constant latency, plus `slowMs` when it rolls `slow`. */
  delayMs(call?: CallInfo): number {
    return (this.#faults.latencyMs ?? 0) + (this.roll('slow', call) ? (this.#faults.slowMs ?? 1_000) : 0);
  }
  /** Whether this call is turned away under load, with `inFlight` calls in hand (itself included). */
  busy(inFlight: number, call?: CallInfo): boolean {
    const above = this.#faults.busyAbove;
    const hit = (above !== undefined && inFlight > above) || this.roll('busy', call);
    if (hit && call && !call.hit?.includes('busy')) call.hit = [...(call.hit ?? []), 'busy'];
    return hit;
  }
  /** How long a notice waits before its first attempt. */
  noticeDelayMs(): number {
    return this.#faults.lateNoticeMs ?? 0;
  }
  /**
   * Rolls for a fault: a queued `next` first (one that names a method takes only calls of that method;
   * otherwise token calls take only those queued with `includeToken`), then the share.
   */
  roll(kind: FaultKind, call?: CallInfo): boolean {
    const armed = this.#armed.find(
      (a) =>
        a.kind === kind &&
        (a.method !== undefined ? a.method === call?.method : !call?.token || a.includeToken),
    );
    const p = this.#faults[kind] ?? 0;
    const hit = !!armed || (p > 0 && Math.random() < p);
    if (armed) {
      armed.remaining -= 1;
      if (armed.remaining === 0) this.#armed = this.#armed.filter((a) => a !== armed);
      this.onChange();
    }
    if (hit && call) call.hit = [...(call.hit ?? []), kind];
    return hit;
  }
}

/**
 * Fault knobs for tests. Most are a share of gateway API calls (0..1) they apply to; `next(kind)` applies
 * a kind to the next call(s) whatever the shares say. Notice knobs apply to the notices the sandbox sends.
 */
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

/** What a call is, read from its form before any check. */
export interface CallInfo {
  /** OneCard's token call (synjones.authorize.access_token). */
  token: boolean;
  /** A method of kind `money` in the method tables. */
  money: boolean;
  /** The method's SDK name, when it is one of the tables'. */
  method?: string;
}

export interface NextOptions {
  /** How many calls (default 1). */
  count?: number;
  /**
   * Let OneCard token calls take it too (default false): a client fetches its token unseen before its
   * first call, and without this the fault still reaches the call the test makes.
   */
  includeToken?: boolean;
  /** Only calls of this method (its SDK name, e.g. `transfer`) take it. */
  method?: string;
}

export class FaultControls {
  #faults: Faults = {};
  /** Queued by `next`: per kind, calls that skip token calls and calls that take any. */
  readonly #next = new Map<FaultKind, { skipToken: number; any: number }>();
  /** Queued by `next` with a `method`: per kind and method, how many calls. */
  readonly #nextOf = new Map<string, number>();

  /**
   * The next `count` gateway API calls (or notices, for the notice kinds) get `kind`, whatever the
   * shares say (deterministic tests). OneCard token calls are skipped unless `includeToken` is set.
   * `commitThen*` wait for the next money call that succeeds.
   */
  next(kind: FaultKind, countOrOptions: number | NextOptions = 1) {
    const o = typeof countOrOptions === 'number' ? { count: countOrOptions } : countOrOptions;
    if (o.method !== undefined) {
      const key = `${kind}:${o.method}`;
      this.#nextOf.set(key, (this.#nextOf.get(key) ?? 0) + (o.count ?? 1));
      return;
    }
    const q = this.#next.get(kind) ?? { skipToken: 0, any: 0 };
    q[o.includeToken ? 'any' : 'skipToken'] += o.count ?? 1;
    this.#next.set(kind, q);
  }
  /** Replaces the active faults (queued `next` faults stay). */
  set(faults: Faults) {
    this.#faults = { ...faults };
  }
  clear() {
    this.#faults = {};
    this.#next.clear();
    this.#nextOf.clear();
  }
  /** The delay for this call: the constant latency, plus `slowMs` when it rolls `slow`. */
  delayMs(call?: CallInfo): number {
    return (this.#faults.latencyMs ?? 0) + (this.roll('slow', call) ? (this.#faults.slowMs ?? 1_000) : 0);
  }
  /** Whether this call is turned away under load, with `inFlight` calls in hand (itself included). */
  busy(inFlight: number, call?: CallInfo): boolean {
    const above = this.#faults.busyAbove;
    return (above !== undefined && inFlight > above) || this.roll('busy', call);
  }
  /** How long a notice waits before its first attempt. */
  noticeDelayMs(): number {
    return this.#faults.lateNoticeMs ?? 0;
  }
  /** Rolls for a fault: a queued `next` first (token calls only take those queued with `includeToken`). */
  roll(kind: FaultKind, call?: CallInfo): boolean {
    const of = call?.method === undefined ? undefined : `${kind}:${call.method}`;
    const left = of === undefined ? 0 : (this.#nextOf.get(of) ?? 0);
    if (left > 0) {
      this.#nextOf.set(of!, left - 1);
      return true;
    }
    const q = this.#next.get(kind);
    if (q) {
      const from = !call?.token && q.skipToken > 0 ? 'skipToken' : q.any > 0 ? 'any' : undefined;
      if (from) {
        q[from] -= 1;
        return true;
      }
    }
    const p = this.#faults[kind] ?? 0;
    return p > 0 && Math.random() < p;
  }
}

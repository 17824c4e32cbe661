/** Fault knobs for tests: each is a share of gateway API calls (0..1) it applies to. */
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
}

export type FaultKind = Exclude<keyof Faults, 'latencyMs' | 'slowMs'>;

export class FaultControls {
  #faults: Faults = {};
  readonly #next = new Map<FaultKind, number>();
  /** The next `count` gateway API calls get `kind`, whatever the shares say (deterministic tests). */
  next(kind: FaultKind, count = 1) {
    this.#next.set(kind, (this.#next.get(kind) ?? 0) + count);
  }
  /** Replaces the active faults. */
  set(faults: Faults) {
    this.#faults = { ...faults };
  }
  clear() {
    this.#faults = {};
    this.#next.clear();
  }
  /** The delay for this call: the constant latency, plus `slowMs` when it rolls `slow`. */
  delayMs(): number {
    return (this.#faults.latencyMs ?? 0) + (this.roll('slow') ? (this.#faults.slowMs ?? 1_000) : 0);
  }
  /** Rolls for a fault. */
  roll(kind: FaultKind): boolean {
    const queued = this.#next.get(kind) ?? 0;
    if (queued > 0) {
      this.#next.set(kind, queued - 1);
      return true;
    }
    const p = this.#faults[kind] ?? 0;
    return p > 0 && Math.random() < p;
  }
}

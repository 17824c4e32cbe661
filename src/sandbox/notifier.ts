/**
 * Delivers notifications the way the gateways do: POST to the merchant's URL, repeated with growing
 * intervals until the merchant answers the expected word. Every attempt is logged for the pages. The
 * notice fault knobs (`dropNotice`, `duplicateNotice`, `lateNoticeMs`) apply here.
 */
import type { FaultControls } from './faults.js';

export interface NotificationAttempt {
  at: string;
  /** HTTP status, or 0 when the merchant could not be reached. */
  status: number;
  /** The merchant's answer (first 200 characters) or the network error. */
  answer: string;
  acknowledged: boolean;
}

export interface NotificationRecord {
  gateway: 'onecard' | 'zhixiao';
  /** The order it is about (Zhixiao order_id or OneCard out_id). */
  ref: string;
  url: string;
  attempts: NotificationAttempt[];
  acknowledged: boolean;
  /** Never sent: the `dropNotice` fault. */
  dropped?: boolean;
  /** The second delivery of a notice already acknowledged: the `duplicateNotice` fault. */
  duplicate?: boolean;
}

/**
 * What a subscriber hears after each attempt: the record, the attempt, and when the next one is due
 * (undefined once acknowledged or out of attempts). A dropped notice is heard once, without an attempt.
 */
export type NotificationListener = (
  record: NotificationRecord,
  attempt: NotificationAttempt | undefined,
  nextInMs: number | undefined,
) => void;

export interface NotifierOptions {
  /** Delays between attempts in ms; the last one repeats. Default 0, 1 s, 2 s, 5 s, 15 s, 60 s. */
  retryDelaysMs?: number[];
  /** Give up after this many attempts (default 50). */
  maxAttempts?: number;
}

export class Notifier {
  readonly log: NotificationRecord[] = [];
  readonly #delays: number[];
  readonly #max: number;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #listeners = new Set<NotificationListener>();
  #closed = false;

  constructor(
    options: NotifierOptions = {},
    readonly faults?: FaultControls,
  ) {
    this.#delays = options.retryDelaysMs ?? [0, 1_000, 2_000, 5_000, 15_000, 60_000];
    this.#max = options.maxAttempts ?? 50;
  }

  /** Calls `listener` after every attempt (e.g. the CLI's one line each); returns the unsubscribe. */
  subscribe(listener: NotificationListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(...args: Parameters<NotificationListener>) {
    // A subscriber's mistake must not stop the deliveries.
    for (const l of this.#listeners)
      try {
        l(...args);
      } catch {}
  }

  /**
   * Starts delivering; returns the record that fills in as attempts happen. Under `duplicateNotice` a
   * second record delivers the same body once the first is acknowledged, as a gateway that missed the
   * acknowledgement does.
   */
  send(
    gateway: NotificationRecord['gateway'],
    ref: string,
    url: string,
    body: string,
    ack: string,
  ): NotificationRecord {
    const record = this.#record(gateway, ref, url);
    if (this.faults?.roll('dropNotice')) {
      record.dropped = true;
      this.#emit(record, undefined, undefined);
      return record;
    }
    const copy = this.faults?.roll('duplicateNotice')
      ? this.#record(gateway, ref, url, { duplicate: true })
      : undefined;
    const then = copy && (() => this.#deliver(copy, body, ack, 0));
    this.#deliver(record, body, ack, (this.#delays[0] ?? 0) + (this.faults?.noticeDelayMs() ?? 0), then);
    return record;
  }

  /** A waiting record, in the log from the start (so `waitForNotifications` waits for it). */
  #record(
    gateway: NotificationRecord['gateway'],
    ref: string,
    url: string,
    extra: Partial<NotificationRecord> = {},
  ): NotificationRecord {
    const record: NotificationRecord = { gateway, ref, url, attempts: [], acknowledged: false, ...extra };
    this.log.push(record);
    return record;
  }

  /** Attempts until acknowledged (then runs `then`) or out of attempts. */
  #deliver(record: NotificationRecord, body: string, ack: string, firstDelayMs: number, then?: () => void) {
    const attempt = async (n: number) => {
      if (this.#closed) return;
      let status = 0;
      let answer = '';
      try {
        const res = await fetch(record.url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        status = res.status;
        answer = (await res.text()).slice(0, 200);
      } catch (err) {
        answer = `unreachable: ${(err as Error).message}`;
      }
      const acknowledged = status === 200 && answer.trim() === ack;
      const done = { at: new Date().toISOString(), status, answer, acknowledged };
      record.attempts.push(done);
      const next =
        acknowledged || n + 1 >= this.#max
          ? undefined
          : this.#delays[Math.min(n + 1, this.#delays.length - 1)]!;
      if (acknowledged) record.acknowledged = true;
      this.#emit(record, done, next);
      if (acknowledged) then?.();
      else if (next !== undefined) this.#schedule(() => attempt(n + 1), next);
    };
    this.#schedule(() => attempt(0), firstDelayMs);
  }

  #schedule(fn: () => Promise<void>, ms: number) {
    if (this.#closed) return;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      void fn();
    }, ms);
    this.#timers.add(t);
  }

  close() {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}

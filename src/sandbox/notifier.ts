/**
 * Delivers notifications the way the gateways do: POST to the merchant's URL, repeated with growing
 * intervals until the merchant answers the expected word. Every attempt is logged for the pages.
 */

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
}

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
  #closed = false;

  constructor(options: NotifierOptions = {}) {
    this.#delays = options.retryDelaysMs ?? [0, 1_000, 2_000, 5_000, 15_000, 60_000];
    this.#max = options.maxAttempts ?? 50;
  }

  /** Starts delivering; returns the record that fills in as attempts happen. */
  send(
    gateway: NotificationRecord['gateway'],
    ref: string,
    url: string,
    body: string,
    ack: string,
  ): NotificationRecord {
    const record: NotificationRecord = { gateway, ref, url, attempts: [], acknowledged: false };
    this.log.push(record);
    const attempt = async (n: number) => {
      if (this.#closed) return;
      let status = 0;
      let answer = '';
      try {
        const res = await fetch(url, {
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
      record.attempts.push({ at: new Date().toISOString(), status, answer, acknowledged });
      if (acknowledged) record.acknowledged = true;
      else if (n + 1 < this.#max)
        this.#schedule(() => attempt(n + 1), this.#delays[Math.min(n + 1, this.#delays.length - 1)]!);
    };
    this.#schedule(() => attempt(0), this.#delays[0] ?? 0);
    return record;
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

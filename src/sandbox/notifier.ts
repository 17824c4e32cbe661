/**
 * Delivers notifications the way the gateways do: POST to the merchant's URL, repeated with growing
 * intervals until the merchant answers the expected word. Every attempt is logged for the pages. The
 * notice fault knobs (`dropNotice`, `duplicateNotice`, `lateNoticeMs`) apply here.
 */
import type { SandboxEvents } from './events.js';
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
  /** Its number in the log, from 1: what the console's notice actions name. */
  id: number;
  gateway: 'onecard' | 'zhixiao';
  /** The order it is about (Zhixiao order_id or OneCard out_id). */
  ref: string;
  /** The merchant's own number of that order (Zhixiao out_trade_no, OneCard order_no). */
  orderKey?: string;
  url: string;
  attempts: NotificationAttempt[];
  acknowledged: boolean;
  /** When the next attempt is due, while one is scheduled. */
  nextAttemptAt?: string;
  /** The wait before that attempt, as scheduled (ms). */
  nextAttemptInMs?: number;
  /** Never sent (the `dropNotice` fault), or no more attempts (a console drop). */
  dropped?: boolean;
  /** A second delivery of a notice: the `duplicateNotice` fault, or a console duplicate. */
  duplicate?: boolean;
  /** The same notice sent again from the console, as the gateway repeats one days later. */
  replay?: boolean;
}

export interface NotifierOptions {
  /** Delays between attempts in ms; the last one repeats. Default 0, 1 s, 2 s, 5 s, 15 s, 60 s. */
  retryDelaysMs?: number[];
  /** Give up after this many attempts (default 50). */
  maxAttempts?: number;
}

/** Why a notice action could not be done (the console answers it as 409). */
export class NoticeActionError extends Error {
  override name = 'NoticeActionError';
  constructor(
    readonly reason: 'no-such-notice' | 'bad-input' | 'not-waiting',
    message: string,
  ) {
    super(message);
  }
}

/** What the merchant's endpoint answered one delivery. */
export interface NoticeAnswer {
  /** HTTP status, or 0 when the endpoint could not be reached. */
  status: number;
  /** The answer's first 200 characters, or the network error. */
  answer: string;
  /** HTTP 200 with exactly the gateway's acknowledgement word. */
  acknowledged: boolean;
}

/** One delivery as the gateways make it: a form POST, acknowledged only by HTTP 200 and the exact word. */
export async function postNotice(url: string, body: string, ack: string): Promise<NoticeAnswer> {
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
  return { status, answer, acknowledged: status === 200 && answer.trim() === ack };
}

export class Notifier {
  readonly log: NotificationRecord[] = [];
  readonly #delays: number[];
  readonly #max: number;
  /** Each record's signed body and expected answer, kept out of the record (the log is shown). */
  readonly #bodies = new Map<NotificationRecord, { body: string; ack: string }>();
  /** Each record's scheduled attempt. */
  readonly #pending = new Map<NotificationRecord, { timer: NodeJS.Timeout; run: () => void }>();
  #closed = false;

  constructor(
    options: NotifierOptions = {},
    readonly faults?: FaultControls,
    readonly events?: SandboxEvents,
  ) {
    this.#delays = options.retryDelaysMs ?? [0, 1_000, 2_000, 5_000, 15_000, 60_000];
    this.#max = options.maxAttempts ?? 50;
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
    orderKey?: string,
  ): NotificationRecord {
    const key = orderKey === undefined ? {} : { orderKey };
    const record = this.#record({ gateway, ref, ...key, url }, body, ack);
    if (this.faults?.roll('dropNotice')) {
      record.dropped = true;
      this.#tell(record, 'dropped');
      return record;
    }
    const copy = this.faults?.roll('duplicateNotice')
      ? this.#record({ gateway, ref, ...key, url, duplicate: true }, body, ack)
      : undefined;
    const then = copy && (() => this.#deliver(copy, 0));
    this.#deliver(record, (this.#delays[0] ?? 0) + (this.faults?.noticeDelayMs() ?? 0), then);
    return record;
  }

  /** The exact signed body of a notice this notifier sent (or dropped), to replay it; undefined for another. */
  bodyOf(record: NotificationRecord): string | undefined {
    return this.#bodies.get(record)?.body;
  }

  /** The record with this id, or a NoticeActionError. */
  get(id: number): NotificationRecord {
    const record = this.log[id - 1];
    if (!record) throw new NoticeActionError('no-such-notice', `no notice ${id}`);
    return record;
  }

  /** Sends notice `id`'s signed body once more, now, as a new record marked `replay`. */
  replay(id: number): NotificationRecord {
    return this.#again(id, { replay: true }, 1)[0]!;
  }

  /** Sends notice `id`'s signed body twice at the same moment (a race the merchant's dedupe must survive). */
  duplicate(id: number): NotificationRecord[] {
    return this.#again(id, { duplicate: true }, 2);
  }

  /** Stops a notice that is still being retried: no more attempts. */
  drop(id: number): NotificationRecord {
    const record = this.get(id);
    const pending = this.#waiting(record);
    clearTimeout(pending.timer);
    this.#pending.delete(record);
    delete record.nextAttemptAt;
    delete record.nextAttemptInMs;
    record.dropped = true;
    this.#tell(record, 'dropped');
    return record;
  }

  /** Moves a waiting notice's next attempt to `ms` from now. */
  delay(id: number, ms: number): NotificationRecord {
    if (!Number.isSafeInteger(ms) || ms < 0)
      throw new NoticeActionError('bad-input', 'ms: the delay must be an integer ≥ 0');
    const record = this.get(id);
    const pending = this.#waiting(record);
    clearTimeout(pending.timer);
    this.#schedule(record, pending.run, ms);
    return record;
  }

  #waiting(record: NotificationRecord) {
    const pending = this.#pending.get(record);
    if (!pending)
      throw new NoticeActionError(
        'not-waiting',
        `notice ${record.id} has no attempt waiting (${record.acknowledged ? 'acknowledged' : record.dropped ? 'dropped' : 'no more attempts'})`,
      );
    return pending;
  }

  #again(id: number, extra: Partial<NotificationRecord>, times: number): NotificationRecord[] {
    const source = this.get(id);
    const { body, ack } = this.#bodies.get(source)!;
    return Array.from({ length: times }, () => {
      const r = this.#record(
        {
          gateway: source.gateway,
          ref: source.ref,
          ...(source.orderKey === undefined ? {} : { orderKey: source.orderKey }),
          url: source.url,
          ...extra,
        },
        body,
        ack,
      );
      this.#deliver(r, 0);
      return r;
    });
  }

  /** A waiting record, in the log from the start (so `waitForNotifications` waits for it). */
  #record(
    fields: Omit<NotificationRecord, 'id' | 'attempts' | 'acknowledged'>,
    body: string,
    ack: string,
  ): NotificationRecord {
    const record: NotificationRecord = {
      id: this.log.length + 1,
      ...fields,
      attempts: [],
      acknowledged: false,
    };
    this.log.push(record);
    this.#bodies.set(record, { body, ack });
    return record;
  }

  #tell(record: NotificationRecord, what: 'attempt' | 'dropped' | 'scheduled') {
    const origin = record.replay ? 'replay' : record.duplicate ? 'duplicate' : undefined;
    const last = record.attempts.at(-1);
    this.events?.emit({
      type: 'notice',
      id: record.id,
      gateway: record.gateway,
      ref: record.ref,
      ...(record.orderKey === undefined ? {} : { orderKey: record.orderKey }),
      url: record.url,
      what,
      ...(what === 'attempt' && last ? { attempt: { ...last, n: record.attempts.length } } : {}),
      acknowledged: record.acknowledged,
      ...(record.nextAttemptAt
        ? { nextAttemptAt: record.nextAttemptAt, nextAttemptInMs: record.nextAttemptInMs }
        : {}),
      ...(origin ? { origin } : {}),
    });
  }

  /** Attempts until acknowledged (then runs `then`) or out of attempts. */
  #deliver(record: NotificationRecord, firstDelayMs: number, then?: () => void) {
    const { body, ack } = this.#bodies.get(record)!;
    const attempt = async (n: number) => {
      if (this.#closed) return;
      const { status, answer, acknowledged } = await postNotice(record.url, body, ack);
      record.attempts.push({ at: new Date().toISOString(), status, answer, acknowledged });
      if (acknowledged) record.acknowledged = true;
      else if (n + 1 < this.#max && !this.#closed)
        this.#schedule(
          record,
          () => attempt(n + 1),
          this.#delays[Math.min(n + 1, this.#delays.length - 1)]!,
          false,
        );
      this.#tell(record, 'attempt');
      if (acknowledged) then?.();
    };
    this.#schedule(record, () => attempt(0), firstDelayMs);
  }

  /** Schedules `record`'s next attempt (told as `scheduled` unless the attempt's own event tells it). */
  #schedule(record: NotificationRecord, run: () => void, ms: number, tell = true) {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#pending.delete(record);
      delete record.nextAttemptAt;
      delete record.nextAttemptInMs;
      void run();
    }, ms);
    this.#pending.set(record, { timer, run });
    record.nextAttemptAt = new Date(Date.now() + ms).toISOString();
    record.nextAttemptInMs = ms;
    if (tell) this.#tell(record, 'scheduled');
  }

  close() {
    this.#closed = true;
    for (const { timer } of this.#pending.values()) clearTimeout(timer);
    this.#pending.clear();
  }
}

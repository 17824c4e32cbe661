/**
 * Concurrency that yields to an overloaded gateway (OneCard 40014 调用次数超限, 系统繁忙): each refusal halves
 * the limit and pauses every caller, longer after each refusal in a row; a clean round raises the limit by
 * one again (additive increase, multiplicative decrease). Sweeps and reconciliation share it, so neither
 * hammers the gateway.
 */
import { TransportError, ValidationError } from './errors.js';
import { backoff } from './transport.js';

/** Tries of one query the gateway keeps refusing as overloaded before it counts as failed. */
const THROTTLED_TRIES = 6;

export class AdaptiveLimiter {
  #limit: number;
  #active = 0;
  #clean = 0;
  #pauseMs: number;
  #pausedUntil = 0;
  #wake: Array<() => void> = [];
  /** Refusals seen (the gateway asked to slow down). */
  throttled = 0;

  constructor(
    readonly max: number,
    readonly firstPauseMs = 1_000,
    readonly maxPauseMs = 30_000,
  ) {
    this.#limit = max;
    this.#pauseMs = firstPauseMs;
  }

  /** The concurrency allowed now. */
  get limit(): number {
    return this.#limit;
  }

  /** Waits for a free slot and the end of any pause, then takes the slot. */
  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw abortedWhileWaiting('query');
      const pause = this.#pausedUntil - Date.now();
      if (pause > 0) await backoff(pause, signal);
      else if (this.#active < this.#limit) {
        this.#active++;
        return;
      } else
        await new Promise<void>((resolve) => {
          const done = () => {
            signal?.removeEventListener('abort', done);
            resolve();
          };
          this.#wake.push(done);
          signal?.addEventListener('abort', done, { once: true });
        });
    }
  }

  /** Gives the slot back, saying how its call went. */
  release(outcome: 'ok' | 'throttled' | 'failed'): void {
    this.#active--;
    if (outcome === 'throttled') {
      this.throttled++;
      this.#clean = 0;
      this.#limit = Math.max(1, Math.floor(this.#limit / 2));
      this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + this.#pauseMs * (0.5 + Math.random() / 2));
      this.#pauseMs = Math.min(this.maxPauseMs, this.#pauseMs * 2);
    } else if (outcome === 'ok' && ++this.#clean >= this.#limit) {
      this.#clean = 0;
      this.#pauseMs = this.firstPauseMs;
      this.#limit = Math.min(this.max, this.#limit + 1);
    }
    for (const wake of this.#wake.splice(0)) wake();
  }

  /**
   * Runs a query in a slot (already taken when `held`), again after a pause while the gateway refuses it
   * as overloaded, up to a few times.
   */
  async run<T>(
    task: () => Promise<T>,
    isThrottled: (err: unknown) => boolean,
    signal?: AbortSignal,
    held = false,
  ): Promise<T> {
    for (let tries = 1; ; tries++) {
      if (!held) await this.acquire(signal);
      held = false;
      try {
        const out = await task();
        this.release('ok');
        return out;
      } catch (err) {
        const refused = isThrottled(err);
        this.release(refused ? 'throttled' : 'failed');
        if (!refused || tries >= THROTTLED_TRIES || signal?.aborted) throw err;
      }
    }
  }
}

/** An abort between queries: the next one was not sent. */
export function abortedWhileWaiting(method: string) {
  return new TransportError({
    method,
    mayHaveReachedGateway: false,
    causeCode: 'ERR_CANCELED',
    message: 'aborted while waiting to ask the gateway again; the next query was not sent',
  });
}

/** The options sweeps and reconciliation share, checked before any I/O; returns the concurrency. */
export function checkBatchOptions(
  method: string,
  o: { concurrency?: unknown; signal?: unknown; onProgress?: unknown },
): number {
  const issue = (path: string, message: string) =>
    new ValidationError(method, 'request', [{ path: `options.${path}`, message }]);
  if (typeof o !== 'object' || o === null) throw issue('(root)', 'must be an object');
  const c = o.concurrency ?? 4;
  if (!(typeof c === 'number' && Number.isSafeInteger(c) && c >= 1 && c <= 64))
    throw issue('concurrency', 'must be an integer from 1 to 64');
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal))
    throw issue('signal', 'must be an AbortSignal');
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function')
    throw issue('onProgress', 'must be a function');
  return c;
}

/**
 * One source of what happens in the sandbox, for every watcher: the console's live views (its event
 * stream) and the CLI's lines. Events carry names, codes, amounts and the merchant's answers only:
 * never a key, token, signature, sign string or a notice's signed body.
 */
import type { ArmedFault, FaultKind, Faults } from './faults.js';
import type { NotificationAttempt } from './notifier.js';

export type SandboxGateway = 'onecard' | 'zhixiao';

/** A gateway API call handled (OneCard's token fetch included: `method` is `getAccessToken`). */
export interface CallEvent {
  type: 'call';
  at: string;
  gateway: SandboxGateway;
  /** The SDK's method name from the method tables; the wire name (or path) when the table has none. */
  method: string;
  /** HTTP status answered; 0 when the connection was dropped. */
  status: number;
  /**
   * The gateway's code once it processed the call (OneCard: errcode, or retcode under errcode 0;
   * Zhixiao: ret_code), also when a fault then lost the reply; absent when nothing was processed.
   */
  code?: string;
  /** The faults this call took, in the order they struck. */
  faults: FaultKind[];
}

/** A notice's delivery moved: an attempt made, a notice dropped or (re)scheduled. */
export interface NoticeEvent {
  type: 'notice';
  at: string;
  /** The notice's `id` in `sandbox.notifications` (the console's notice actions name it). */
  id: number;
  gateway: SandboxGateway;
  /** The order it is about (Zhixiao order_id or OneCard out_id). */
  ref: string;
  /** The merchant's own number of that order (Zhixiao out_trade_no, OneCard order_no). */
  orderKey?: string;
  url: string;
  /** `attempt`: one delivery attempt made; `dropped`: no more attempts; `scheduled`: the next attempt is due at `nextAttemptAt`. */
  what: 'attempt' | 'dropped' | 'scheduled';
  /** The attempt just made (`what: 'attempt'`), numbered from 1. */
  attempt?: NotificationAttempt & { n: number };
  acknowledged: boolean;
  /** When the next attempt is due, if one is scheduled. */
  nextAttemptAt?: string;
  /** The wait before it, as scheduled (ms): what a line says, free of the clock read between the two. */
  nextAttemptInMs?: number;
  /** How this delivery came about, when not the order's own notice. */
  origin?: 'duplicate' | 'replay';
}

/** An order moved outside the API: by the payer on the pay page or by a console action. */
export interface OrderEvent {
  type: 'order';
  at: string;
  gateway: SandboxGateway;
  /** Zhixiao order_id or OneCard out_id. */
  ref: string;
  action: 'pay' | 'fail' | 'expire' | 'refund';
  /** The order's status afterwards, as the gateway writes it (Zhixiao 1/2/3, OneCard 10…80). */
  status: string;
  by: 'pay-page' | 'console';
}

/** The faults changed: armed, used up, set or cleared. */
export interface FaultsEvent {
  type: 'faults';
  at: string;
  armed: ArmedFault[];
  shares: Faults;
}

export type SandboxEvent = CallEvent | NoticeEvent | OrderEvent | FaultsEvent;
export type SandboxListener = (event: SandboxEvent) => void;

/** An event as its source gives it; `emit` stamps the time. */
export type NewSandboxEvent = SandboxEvent extends infer E
  ? E extends SandboxEvent
    ? Omit<E, 'at'>
    : never
  : never;

export class SandboxEvents {
  readonly #listeners = new Set<SandboxListener>();

  /** Calls `listener` with every event from now on, synchronously; returns the unsubscribe function. */
  subscribe(listener: SandboxListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  emit(event: NewSandboxEvent) {
    if (this.#listeners.size === 0) return;
    const e = { at: new Date().toISOString(), ...event } as SandboxEvent;
    for (const listener of this.#listeners) {
      // A watcher's failure must not fail the gateway call or notice that produced the event.
      try {
        listener(e);
      } catch (err) {
        process.emitWarning(`sandbox event listener failed: ${(err as Error).message}`);
      }
    }
  }
}

/**
 * The one path every call takes, for both gateways:
 * validate → to wire → seal (encrypt + sign) → send under the retry rule of the method's kind →
 * open (verify, decode, map codes) → validate the reply → check it answers this request.
 * A gateway contributes only a small GatewayProtocol; the retry class, the never-resend guard and the
 * error naming live here once.
 */
import { z } from 'zod';
import {
  attachCall,
  CampusPayError,
  ConfigurationError,
  type OutcomeAdvice,
  ProtocolError,
  TransportError,
  ValidationError,
} from './errors.js';
import { journalKeyRule, type PaymentJournal, prepareJournal } from './journal-hook.js';
import type { MethodSpec, WireContext } from './method.js';
import { CallObserver, loadOtel, type OtelApi, type VerifiedBy } from './observe.js';
import { booleanRule, msRule, type OptionRule, optionIssues, signalRule, timeoutRule } from './options.js';
import { adviseRefusal, guardOutcome } from './outcome.js';
import { validate } from './schema.js';
import type { CallBounds } from './store-call.js';
import { formatCompactTime } from './time.js';
import type { RawReply, Transport } from './transport.js';

/** Options of one call. */
export interface CallOptions {
  /** Aborts the call; an abort before anything was sent is a TransportError saying so. */
  signal?: AbortSignal;
  /** Overrides the client's per-attempt timeoutMs for this call: 1 to 600000 ms, like the client's. */
  timeoutMs?: number;
  /**
   * Total time for the call, counted from its start: the token wait, the journal write, a 40017 renewal,
   * retries and backoff included (default: no limit beyond the attempts'): 1 to 2147483647 ms (the longest
   * delay a Node timer holds). None left before sending: a TransportError with nothing sent.
   */
  deadlineMs?: number;
  /**
   * Names the payment journal entry of a money call without an order number (transfer, payByBarcode,
   * refundOrder): a second call with the same key is refused. Default: a random id (see `err.journalId`).
   */
  journalKey?: string;
}

/**
 * The rule of every call option, the one list of known keys: a key missing here does not compile, and an
 * unknown key in a call is refused with the closest known one.
 */
export const CALL_OPTIONS = {
  signal: signalRule,
  timeoutMs: timeoutRule,
  deadlineMs: msRule(),
  journalKey: journalKeyRule,
} as const satisfies { [K in keyof Required<CallOptions>]: OptionRule };

/** `call()` for methods outside the table also takes `idempotent`. */
const AD_HOC_OPTIONS = { ...CALL_OPTIONS, idempotent: booleanRule };

/** One call as the protocol sees it. */
export interface Call<S> {
  /** The SDK method, e.g. `payByBarcode` (or the name given to `call()`). */
  name: string;
  spec: MethodSpec;
  /** The JSON payload to send (after the wire conversion). */
  payload: Record<string, unknown>;
  /** Per-call state from `begin` (OneCard: the access token). */
  session: S;
  /** Other calls of this client are in flight: expensive crypto may move to the thread pool. */
  busy: boolean;
  /** The call's abort signal and absolute deadline, for waits before sending (OneCard: the token). */
  bounds?: CallBounds;
  /** Set by `open` when the client has a choice of keys: which one verified the reply (for logs and spans). */
  verifiedBy?: VerifiedBy;
}

export interface Sealed {
  url: string;
  form: Record<string, string>;
}

/** What a gateway contributes to the pipeline. */
export interface GatewayProtocol<S> {
  /**
   * Per-call state obtained before sealing (OneCard fetches or reuses its token here). A wait here ends
   * at once when `bounds.signal` aborts, and at `bounds.deadline`, with nothing sent.
   */
  begin(spec: MethodSpec, name: string, bounds?: CallBounds): S | Promise<S>;
  /** Builds the form: encrypts the payload and signs. */
  seal(call: Call<S>): Sealed | Promise<Sealed>;
  /** Verifies a reply before anything else, then decodes it and maps error codes to GatewayError. */
  open(call: Call<S>, reply: RawReply): unknown | Promise<unknown>;
  /**
   * After a refused call: a new session to resend with, once, or undefined to let the error stand
   * (OneCard: a fresh token after 40017).
   */
  renew?(err: unknown, call: Call<S>): Promise<S | undefined>;
}

/** The advice when a method has no query that could tell whether it took effect (a call outside the tables). */
const RECONCILE: OutcomeAdvice = {
  advice:
    "No query of the gateway's API reports this call's outcome: check it in the gateway's records (the merchant console or the account statement) before trying again.",
};

export class Pipeline<S> {
  #inFlight = 0;

  constructor(
    private readonly protocol: GatewayProtocol<S>,
    private readonly transport: Transport,
    private readonly timeZone: string,
    private readonly journal?: PaymentJournal,
  ) {}

  /** Runs one call of a table method (or of an ad-hoc spec built by `call()`). */
  async run(
    name: string,
    spec: MethodSpec,
    input: unknown,
    opts: CallOptions = {},
    rules: Readonly<Record<string, OptionRule>> = CALL_OPTIONS,
  ): Promise<unknown> {
    try {
      checkCallOptions(opts, name, rules);
      if (opts.signal?.aborted) {
        throw new TransportError({
          method: name,
          mayHaveReachedGateway: false,
          causeCode: 'ERR_CANCELED',
          message: 'the call was aborted before anything was sent',
        });
      }
      const bounds: CallBounds = {
        signal: opts.signal,
        deadline: opts.deadlineMs === undefined ? undefined : Date.now() + opts.deadlineMs,
      };
      const valid = validate(spec.request, input, name, 'request') as Record<string, unknown>;
      const journaled = prepareJournal(this.journal, name, spec, valid, { ...opts, ...bounds });
      const payload = toWire(spec, valid, { timeZone: this.timeZone, now: new Date() });
      const observer = await this.#observe(name, spec, valid);
      const body = async () => {
        const session = await this.protocol.begin(spec, name, bounds);
        await journaled?.intent();
        const call = { name, spec, payload, session, busy: false, bounds };
        try {
          try {
            return await this.#once(call, valid, opts, observer);
          } catch (err) {
            const renewed = this.protocol.renew ? await this.protocol.renew(err, call) : undefined;
            if (renewed === undefined) throw err;
            return await this.#once({ ...call, session: renewed }, valid, opts, observer);
          }
        } catch (err) {
          throw adviseRefusal(spec, valid, err);
        }
      };
      const send = journaled ? () => journaled.record(body) : body;
      if (!observer) return await send();
      try {
        const out = await observer.within(send);
        observer.end();
        return out;
      } catch (err) {
        observer.end(err);
        throw err;
      }
    } catch (err) {
      throw err instanceof CampusPayError ? attachCall(err, name, spec.wire) : err;
    }
  }

  /** Logs and spans for this call, when a logger or tracing is configured. */
  async #observe(name: string, spec: MethodSpec, valid: Record<string, unknown>) {
    const { logger, tracing } = this.transport;
    if (!logger && !tracing) return undefined;
    let otel: OtelApi | undefined;
    if (tracing) {
      try {
        otel = await loadOtel();
      } catch {
        throw new ConfigurationError(
          'tracing',
          'needs the @opentelemetry/api package: npm install @opentelemetry/api',
        );
      }
    }
    return new CallObserver({ logger, otel }, name, spec.wire, valid);
  }

  async #once(call: Call<S>, valid: Record<string, unknown>, opts: CallOptions, observer?: CallObserver) {
    const { name, spec } = call;
    this.#inFlight++;
    try {
      call.busy = this.#inFlight > 1;
      call.verifiedBy = undefined;
      const sealed = await this.protocol.seal(call);
      const repeatable = spec.kind === 'query' || spec.kind === 'token';
      const next = () => (spec.outcome ? spec.outcome(valid) : RECONCILE);
      return await guardOutcome(repeatable, name, next, async () => {
        try {
          const reply = await this.transport.post({
            method: name,
            url: sealed.url,
            form: sealed.form,
            retry: repeatable ? 'safe' : 'never-after-send',
            signal: opts.signal,
            timeoutMs: opts.timeoutMs,
            // What is left of the call's deadline after the token, the journal and a 40017 renewal.
            deadlineMs: call.bounds?.deadline === undefined ? undefined : call.bounds.deadline - Date.now(),
            observer,
          });
          try {
            const data = await this.protocol.open(call, reply);
            const out = validate(spec.response, data, name, 'response');
            checkEchoes(spec, valid, out, reply.status);
            observer?.replied(undefined, call.verifiedBy);
            return out;
          } catch (err) {
            observer?.replied(err, call.verifiedBy);
            throw err;
          }
        } catch (err) {
          throw err instanceof CampusPayError ? attachCall(err, name, spec.wire) : err;
        }
      });
    } finally {
      this.#inFlight--;
    }
  }

  /**
   * A method outside the table (`call()` on both clients): the payload goes as given, the reply comes
   * back as decoded, and the call is never resent unless the caller declares it idempotent.
   */
  adHoc(wire: string, payload: unknown, opts: CallOptions & { idempotent?: boolean } = {}): Promise<unknown> {
    const spec: MethodSpec = {
      wire,
      section: 'not in the method table',
      kind: opts?.idempotent === true ? 'query' : 'state',
      request: z.record(z.string(), z.unknown()),
      response: z.unknown(),
    };
    return this.run(wire, spec, payload, opts, AD_HOC_OPTIONS);
  }
}

/**
 * Defaults first, then amounts become decimal strings and Dates the gateway's compact time, then the
 * method's own conversion: a defaulted value goes through the same conversion as a given one.
 */
export function toWire(spec: MethodSpec, valid: Record<string, unknown>, ctx: WireContext) {
  const filled = { ...spec.defaults?.(ctx), ...definedOnly(valid) };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(filled)) {
    out[k] = v instanceof Date ? formatCompactTime(v, ctx.timeZone) : v;
  }
  for (const f of spec.amounts ?? []) if (typeof out[f] === 'number') out[f] = String(out[f]);
  return spec.toWire ? spec.toWire(out, ctx) : out;
}

const definedOnly = (v: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined));

/**
 * A signed reply that names another order or amount than the request is not this call's answer (a
 * replayed or misrouted reply), and neither is one that leaves out a field the spec requires it to echo:
 * it cannot be matched to this request. Only fields the request carried are checked. Compared as decimal
 * strings: amounts are numbers on both sides.
 */
function checkEchoes(spec: MethodSpec, req: Record<string, unknown>, reply: unknown, status: number) {
  const r = typeof reply === 'object' && reply !== null ? (reply as Record<string, unknown>) : {};
  const sent = (f: string) => req[f] !== undefined && req[f] !== '';
  const absent = (f: string) => r[f] === undefined || r[f] === null || r[f] === '';
  const missing = (spec.echoes ?? []).filter((f) => sent(f) && absent(f));
  const off = [...(spec.echoes ?? []), ...(spec.echoesIfPresent ?? [])].filter(
    (f) => sent(f) && !absent(f) && String(req[f]) !== String(r[f]),
  );
  if (off.length === 0 && missing.length === 0) return;
  const why = [
    ...(off.length > 0 ? [`${off.join(', ')} differ${off.length === 1 ? 's' : ''} from what was sent`] : []),
    ...(missing.length > 0
      ? [`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing (the spec requires the echo)`]
      : []),
  ];
  const what = off.length > 0 ? 'is about another request' : 'does not say which request it answers';
  throw new ProtocolError(status, `the reply ${what}: ${why.join('; ')}`);
}

/**
 * Call options are checked before any I/O (the token fetch included), by the rules of the client's own
 * options, so a typo or a value a timer cannot hold never half-sends.
 */
export function checkCallOptions(
  opts: unknown,
  method: string,
  rules: Readonly<Record<string, OptionRule>> = CALL_OPTIONS,
): void {
  const issues = optionIssues(opts, rules);
  if (issues.length > 0) {
    throw new ValidationError(
      method,
      'request',
      issues.map((i) => ({ path: i.key ? `options.${i.key}` : 'options', message: i.message })),
    );
  }
}

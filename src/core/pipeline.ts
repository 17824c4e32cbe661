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
import { type PaymentJournal, prepareJournal } from './journal-hook.js';
import type { MethodSpec, WireContext } from './method.js';
import { CallObserver, loadOtel, type OtelApi } from './observe.js';
import { guardOutcome } from './outcome.js';
import { validate } from './schema.js';
import { formatCompactTime } from './time.js';
import type { RawReply, Transport } from './transport.js';

/** Options of one call. */
export interface CallOptions {
  /** Aborts the call; an abort before anything was sent is a TransportError saying so. */
  signal?: AbortSignal;
  /** Overrides the client's per-attempt timeoutMs for this call. */
  timeoutMs?: number;
  /** Total time for the call, retries and backoff included (default: no limit beyond the attempts'). */
  deadlineMs?: number;
  /**
   * Names the payment journal entry of a money call without an order number (transfer, payByBarcode,
   * refundOrder): a second call with the same key is refused. Default: a random id (see `err.journalId`).
   */
  journalKey?: string;
}

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
}

export interface Sealed {
  url: string;
  form: Record<string, string>;
}

/** What a gateway contributes to the pipeline. */
export interface GatewayProtocol<S> {
  /** Per-call state obtained before sealing (OneCard fetches or reuses its token here). */
  begin(spec: MethodSpec, name: string): S | Promise<S>;
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

/** The advice when a method has no query that could tell whether it took effect. */
const RECONCILE: OutcomeAdvice = {
  advice:
    "No query of the gateway's API reports this call's outcome: check it in the gateway's records (reconciliation, the merchant console or the account statement) before trying again.",
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
  async run(name: string, spec: MethodSpec, input: unknown, opts: CallOptions = {}): Promise<unknown> {
    try {
      checkCallOptions(opts, name);
      if (opts.signal?.aborted) {
        throw new TransportError({
          method: name,
          mayHaveReachedGateway: false,
          causeCode: 'ERR_CANCELED',
          message: 'the call was aborted before anything was sent',
        });
      }
      const valid = validate(spec.request, input, name, 'request') as Record<string, unknown>;
      const journaled = prepareJournal(this.journal, name, spec, valid, opts);
      const payload = toWire(spec, valid, { timeZone: this.timeZone, now: new Date() });
      const observer = await this.#observe(name, spec, valid);
      const body = async () => {
        const session = await this.protocol.begin(spec, name);
        await journaled?.intent();
        const call = { name, spec, payload, session, busy: false };
        try {
          return await this.#once(call, valid, opts, observer);
        } catch (err) {
          const renewed = this.protocol.renew ? await this.protocol.renew(err, call) : undefined;
          if (renewed === undefined) throw err;
          return await this.#once({ ...call, session: renewed }, valid, opts, observer);
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
            deadlineMs: opts.deadlineMs,
            observer,
          });
          try {
            const data = await this.protocol.open(call, reply);
            const out = validate(spec.response, data, name, 'response');
            checkEchoes(spec, valid, out, reply.status);
            observer?.replied();
            return out;
          } catch (err) {
            observer?.replied(err);
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
    const { idempotent, ...callOpts } = opts;
    const spec: MethodSpec = {
      wire,
      section: 'not in the method table',
      kind: idempotent === true ? 'query' : 'state',
      request: z.record(z.string(), z.unknown()),
      response: z.unknown(),
    };
    return this.run(wire, spec, payload, callOpts);
  }
}

/** Amounts become decimal strings and Dates the gateway's compact time, then the method's own conversion. */
export function toWire(spec: MethodSpec, valid: Record<string, unknown>, ctx: WireContext) {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(valid)) {
    if (v === undefined) continue;
    out[k] = v instanceof Date ? formatCompactTime(v, ctx.timeZone) : v;
  }
  for (const f of spec.amounts ?? []) if (typeof out[f] === 'number') out[f] = String(out[f]);
  return spec.toWire ? spec.toWire(out, ctx) : out;
}

/**
 * A signed reply that names another order or amount than the request is not this call's answer (a
 * replayed or misrouted reply). Compared as decimal strings: amounts are numbers on both sides.
 */
function checkEchoes(spec: MethodSpec, req: Record<string, unknown>, reply: unknown, status: number) {
  if (!spec.echoes || typeof reply !== 'object' || reply === null) return;
  const r = reply as Record<string, unknown>;
  const off = spec.echoes.filter((f) => {
    const sent = req[f];
    const got = r[f];
    return sent !== undefined && sent !== '' && got !== undefined && String(sent) !== String(got);
  });
  if (off.length > 0) {
    throw new ProtocolError(
      status,
      `the reply is about another request: ${off.join(', ')} differ${off.length === 1 ? 's' : ''} from what was sent`,
    );
  }
}

/** Call options are checked before any I/O (the token fetch included), so a typo never half-sends. */
export function checkCallOptions(opts: unknown, method: string): void {
  const issue = (path: string, message: string) =>
    new ValidationError(method, 'request', [{ path, message }]);
  if (typeof opts !== 'object' || opts === null) throw issue('options', 'must be an object');
  const o = opts as Record<string, unknown>;
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal))
    throw issue('options.signal', 'must be an AbortSignal (pass controller.signal, not the controller)');
  if (
    o.timeoutMs !== undefined &&
    !(typeof o.timeoutMs === 'number' && Number.isFinite(o.timeoutMs) && o.timeoutMs > 0)
  )
    throw issue('options.timeoutMs', 'must be a finite number of milliseconds greater than 0');
}

/**
 * The never-resend rule (docs/reliability.md): which failures of a call that is not safe to repeat become
 * an OutcomeUnknownError, and the advice that tells the caller what to query before trying again.
 */
import {
  CampusPayError,
  ConfigurationError,
  clip,
  ERROR_LIMITS,
  GatewayError,
  type OutcomeAdvice,
  type OutcomeQuery,
  OutcomeUnknownError,
  TransportError,
  ValidationError,
} from './errors.js';
import type { MethodSpec } from './method.js';

/** The advice for a call with a query that answers it. */
export function queryAdvice(query: OutcomeQuery, then?: string): OutcomeAdvice {
  return {
    query,
    advice: `Query the outcome with ${query.method}(${JSON.stringify(query.params)})${then ? ` and ${then}` : ''} before trying again.`,
  };
}

/**
 * The never-resend rule in one place: runs the send-and-decode of a call that is not safe to repeat, and
 * turns every failure after its bytes may have left — except a verified answer from the gateway — into
 * OutcomeUnknownError. Repeatable calls pass straight through: they are retried by the transport.
 */
export async function guardOutcome<T>(
  repeatable: boolean,
  method: string,
  next: () => OutcomeAdvice,
  send: () => Promise<T>,
): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (repeatable || !(err instanceof CampusPayError)) throw err;
    const notSent = err instanceof TransportError && !err.mayHaveReachedGateway;
    const verdict =
      err instanceof GatewayError || err instanceof ConfigurationError || err instanceof OutcomeUnknownError;
    const badInput = err instanceof ValidationError && err.direction === 'request';
    if (notSent || verdict || badInput) throw err;
    throw new OutcomeUnknownError(method, err, next());
  }
}

/**
 * A money call the gateway refused in a way that does not prove the money stayed (its table's
 * RefusalMeaning is not `not-moved`: a 40017 left unsent, an order seen before, a code no table knows)
 * gets the method's outcome advice, as an OutcomeUnknownError does: what to run before calling again.
 */
export function adviseRefusal(spec: MethodSpec, request: Record<string, unknown>, err: unknown): unknown {
  if (!(err instanceof GatewayError) || spec.kind !== 'money' || !spec.outcome) return err;
  if (spec.journal?.refusal?.(err) === 'not-moved') return err;
  const next = spec.outcome(request);
  err.query = next.query;
  err.advice = next.advice;
  err.message = clip(`${err.message} ${next.advice}`, ERROR_LIMITS.message);
  return err;
}

/**
 * The query an error advises, if it is one of `queries` (the client's own): `client.runQuery(err)`.
 * Checked before any I/O, so an error of the other gateway, or one with no query, sends nothing.
 */
export function advisedQuery(err: unknown, queries: readonly string[]): OutcomeQuery {
  const query = err instanceof OutcomeUnknownError || err instanceof GatewayError ? err.query : undefined;
  const fail = (message: string) => new ValidationError('runQuery', 'request', [{ path: 'query', message }]);
  if (!query)
    throw fail(
      'the error advises no query (no query of the protocol can tell this call): follow its advice instead',
    );
  if (!queries.includes(query.method))
    throw fail(
      `${query.method} is not a query of this client: run it on a client of the gateway that threw the error`,
    );
  return query;
}

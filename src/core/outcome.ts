/**
 * The never-resend rule (docs/reliability.md): which failures of a call that is not safe to repeat become
 * an OutcomeUnknownError, and the advice that tells the caller what to query before trying again.
 */
import {
  CampusPayError,
  ConfigurationError,
  GatewayError,
  type OutcomeAdvice,
  type OutcomeQuery,
  OutcomeUnknownError,
  TransportError,
  ValidationError,
} from './errors.js';

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

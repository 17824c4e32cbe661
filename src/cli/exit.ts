/** The CLI's exit codes, one table for every command (README's CLI section and `campus-pay --help`). */
import { CampusPayError, type CampusPayErrorCode } from '../core/errors.js';

export const EXIT = {
  /** Done. */
  ok: 0,
  /** A "no" or something to look at: a signature that does not verify, a notice not acknowledged, a failed doctor check, journal entries or ledger rows that need a person. */
  attention: 1,
  /** Usage or configuration: a bad argument, command, method or field, a missing variable or env file, a bad key. Nothing was sent. */
  usage: 2,
  /** The gateway answered with an error code (GatewayError). */
  refused: 3,
  /** A money call's outcome is unknown (OutcomeUnknownError): query before trying again. */
  unknown: 4,
  /** No trustworthy answer (unreachable, a reply that fails a check) or any other failure. */
  failed: 5,
  /** Interrupted (Ctrl-C); journal sweep and reconcile stop cleanly. */
  interrupted: 130,
} as const;

const BY_CODE: Partial<Record<CampusPayErrorCode, number>> = {
  configuration: EXIT.usage,
  validation: EXIT.usage,
  gateway: EXIT.refused,
  outcome_unknown: EXIT.unknown,
};

/** The exit code of a run that ended with `err`. */
export const exitCodeOf = (err: unknown): number =>
  err instanceof CampusPayError ? (BY_CODE[err.code] ?? EXIT.failed) : EXIT.failed;

/** The table, as `campus-pay --help` prints it. */
export const EXIT_HELP = `Exit codes (every command; an error is printed on stderr as JSON):
  0    done
  1    a "no": a signature that does not verify, a notice not acknowledged, a failed doctor check,
       journal entries or ledger rows that need attention, a sandbox payment that did not take
  2    usage or configuration error, nothing sent: a bad argument, command, method or field, a
       missing variable or env file, a bad key
  3    the gateway refused the call (an error code of its own: GatewayError)
  4    a money call's outcome is unknown (OutcomeUnknownError): query before trying again
  5    no trustworthy answer (the gateway unreachable, a reply failing its checks), any other failure
  9    (Node itself, before campus-pay starts) --env-file names a missing file: use --env
  130  interrupted (Ctrl-C)`;

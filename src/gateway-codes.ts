/**
 * The codes of both gateways together. Assembled here, outside src/core, so that the core's GatewayError
 * knows no gateway: it is generic over its code type, and this is the union the package root offers.
 */
import { GatewayError } from './core/errors.js';
import type { OneCardCode } from './onecard/codes.js';
import type { ZhixiaoCode } from './zhixiao/codes.js';

/** Every code either gateway documents; other strings may still arrive from a real gateway. */
export type GatewayCode = OneCardCode | ZhixiaoCode | (string & {});

/**
 * Narrows an unknown error to a GatewayError, optionally with a given code:
 * `if (isGatewayError(err, '60010')) showInsufficientBalance()`.
 */
export function isGatewayError<C extends GatewayCode>(err: unknown, code?: C): err is GatewayError<C> {
  return err instanceof GatewayError && (code === undefined || err.gatewayCode === code);
}

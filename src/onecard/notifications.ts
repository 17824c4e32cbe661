/** 2.2.4.4 交易通知: verifying and acknowledging recharge notifications (paygw.notify.result). */
import type { KeyObject } from 'node:crypto';
import { rsaSha1Verify } from '../core/crypto.js';
import { DecryptionError, SignatureError } from '../core/errors.js';
import { type NotificationInput, noticeFields } from '../core/notice.js';
import { validate } from '../core/schema.js';
import { parseBeijingTime } from '../core/time.js';
import { decryptJson, signString, wrapperOf } from './envelope.js';
import { type RechargeNotification, RechargeNotification as Schema } from './schemas.js';

export const NOTIFY_METHOD = 'synjones.onecard.paygw.notify.result';
/** The gateway repeats the notice until it reads exactly `ok`. */
export const ONECARD_ACKS = { ok: 'ok', fail: 'fail' } as const;
/** The gateway's clock tolerance, applied to notices too so a captured notice cannot be replayed later. */
export const TIMESTAMP_WINDOW_MS = 6 * 60_000;

export interface NotificationKeys {
  desKey: string;
  platformPublicKey: KeyObject;
}

/**
 * Verifies (platform key), checks the ±6 minute window, decrypts and validates a recharge notice from a
 * POST body or a GET query. Throws SignatureError with a reason, DecryptionError or ValidationError.
 */
export function parseRechargeNotification(
  keys: NotificationKeys,
  input: NotificationInput,
  now: Date = new Date(),
): RechargeNotification {
  const fields = noticeFields(input, ['sign', 'request'], ['sign', 'request']);
  if (!fields.sign) throw new SignatureError('missing_signature', 'notification: no sign field');
  if (!rsaSha1Verify(signString(fields), fields.sign, keys.platformPublicKey)) {
    throw new SignatureError(
      'mismatch',
      'notification: sign does not verify with platformPublicKey (not from the gateway, or altered)',
    );
  }
  if (fields.method !== undefined && fields.method !== NOTIFY_METHOD) {
    throw new SignatureError('malformed', `notification: method is not ${NOTIFY_METHOD}`);
  }
  const at = fields.timestamp ? parseBeijingTime(fields.timestamp) : undefined;
  if (!at)
    throw new SignatureError('malformed', 'notification: timestamp is missing or not yyyy-MM-dd HH:mm:ss');
  if (Math.abs(now.getTime() - at.getTime()) > TIMESTAMP_WINDOW_MS) {
    throw new SignatureError(
      'stale_timestamp',
      'notification: timestamp is outside the ±6 minute window (replayed, or a clock is off)',
    );
  }
  if (!fields.request) throw new DecryptionError('notification: no request field');
  const data = decryptJson(fields.request, keys.desKey, 'notification');
  const body = (data[wrapperOf(NOTIFY_METHOD)] ?? data) as unknown;
  return validate(Schema, body, NOTIFY_METHOD, 'notification');
}

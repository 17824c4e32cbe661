/** 2.2.4.4 交易通知: verifying, building and acknowledging recharge notices (paygw.notify.result). */
import type { KeyObject } from 'node:crypto';
import { rsaSha1Sign, rsaSha1Verify, tripleDesEncrypt } from '../core/crypto.js';
import { DecryptionError, SignatureError } from '../core/errors.js';
import { encodeForm } from '../core/form.js';
import { base64Repaired, type NotificationInput, noticeFields } from '../core/notice.js';
import { validate } from '../core/schema.js';
import { formatGatewayTime, parseGatewayTime } from '../core/time.js';
import { asList, decryptJson, signString, wrapperOf } from './envelope.js';
import { type RechargeNotification, RechargeNotification as Schema } from './schemas.js';

export const NOTIFY_METHOD = 'synjones.onecard.paygw.notify.result';
/** The notice's fields as 2.2.4.4 lists them (system fields and the encrypted request). */
const NOTICE_FIELDS = new Set([
  'method',
  'timestamp',
  'format',
  'partner',
  'v',
  'sign_method',
  'request',
  'sign',
]);
/** The gateway repeats the notice until it reads exactly `ok`. */
export const ONECARD_ACKS = { ok: 'ok', fail: 'fail' } as const;

export interface NotificationKeys {
  /** The 3DES key, or the accepted keys in the order they are tried (rotation: the current one first). */
  desKey: string | readonly string[];
  /** The platform key, or several accepted while the gateway rolls its key over (any one verifies). */
  platformPublicKey: KeyObject | readonly KeyObject[];
  /** Told which accepted platform key (its index) verified the notice. */
  verified?: ((keyIndex: number) => void) | undefined;
  /** The zone the notice's timestamp is read in (default Asia/Shanghai). */
  timeZone?: string;
  /**
   * Refuse notices whose signed timestamp is older than this. Off by default: the gateway repeats the
   * same signed notice until it reads `ok`, minutes or hours later, and refusing a late one loses a
   * payment record. Replays are harmless when processing is idempotent (see `deduplicate`).
   */
  maxAgeMs?: number;
}

/**
 * Verifies (platform key), decrypts and validates a recharge notice from a POST body or a GET query.
 * Throws SignatureError with a reason, DecryptionError or ValidationError.
 */
export function parseOneCardNotification(
  keys: NotificationKeys,
  input: NotificationInput,
  now: Date = new Date(),
): RechargeNotification {
  const received = noticeFields(input, ['sign', 'request']);
  if (!received.sign) throw new SignatureError('missing_signature', 'notification: no sign field');
  const accepted = asList(keys.platformPublicKey);
  let keyIndex = -1;
  const verifies = (f: Record<string, string>) => {
    const text = signString(f);
    keyIndex = f.sign === undefined ? -1 : accepted.findIndex((k) => rsaSha1Verify(text, f.sign!, k));
    return keyIndex >= 0;
  };
  // The bytes as received first; then with `+` restored in base64 fields a form decoder turned into
  // spaces (a plain-JSON `request` keeps its spaces: it is not base64); then, for a front-end notice
  // that arrives on a return_url with the merchant's own query parameters, the documented fields alone.
  const documented = Object.fromEntries(
    Object.entries(received).filter(([k]) => NOTICE_FIELDS.has(k)),
  ) as Record<string, string>;
  const fields = [received, documented]
    .flatMap((f) => [f, base64Repaired(f, ['sign', 'request'])])
    .find((f): f is Record<string, string> => f !== undefined && verifies(f));
  if (!fields) {
    throw new SignatureError(
      'mismatch',
      'notification: sign does not verify with platformPublicKey (not from the gateway, or altered)',
    );
  }
  if (fields.method !== undefined && fields.method !== NOTIFY_METHOD) {
    throw new SignatureError('malformed', `notification: method is not ${NOTIFY_METHOD}`);
  }
  if (keys.maxAgeMs !== undefined) {
    const at = fields.timestamp ? parseGatewayTime(fields.timestamp, keys.timeZone) : undefined;
    if (!at)
      throw new SignatureError('malformed', 'notification: timestamp is missing or not yyyy-MM-dd HH:mm:ss');
    if (now.getTime() - at.getTime() > keys.maxAgeMs) {
      throw new SignatureError(
        'stale_timestamp',
        `notification: older than maxNoticeAgeMs (${keys.maxAgeMs} ms); the gateway repeats notices, so this refuses a real one`,
      );
    }
  }
  if (!fields.request) throw new DecryptionError('notification: no request field');
  const data = decryptJson(fields.request, keys.desKey, 'notification');
  const body = (data[wrapperOf(NOTIFY_METHOD)] ?? data) as unknown;
  const notice = validate(Schema, body, 'parseNotification', 'notification');
  keys.verified?.(keyIndex);
  return notice;
}

/** @deprecated since 0.2.0: parseOneCardNotification. */
export const parseRechargeNotification = parseOneCardNotification;

export interface BuildNoticeOptions {
  /** `yyyy-MM-dd HH:mm:ss`; default now, in `timeZone`. */
  timestamp?: string;
  timeZone?: string;
  /** The `partner` system field (default `sandbox`). */
  partner?: string;
}

/**
 * Builds a recharge notice the way the gateway sends it: form fields, `request` 3DES-encrypted under the
 * `paygw_notify_result` wrapper, signed with the platform's private key. For tests and the sandbox;
 * only the holder of the platform key can make one that verifies.
 */
export function buildOneCardNotification(
  keys: { desKey: string; platformPrivateKey: KeyObject },
  notice: Record<string, unknown>,
  options: BuildNoticeOptions = {},
): string {
  const fields: Record<string, string> = {
    method: NOTIFY_METHOD,
    timestamp: options.timestamp ?? formatGatewayTime(new Date(), options.timeZone),
    format: 'json',
    partner: options.partner ?? 'sandbox',
    v: '2.0',
    sign_method: 'rsa',
    request: tripleDesEncrypt(JSON.stringify({ [wrapperOf(NOTIFY_METHOD)]: notice }), keys.desKey),
  };
  return encodeForm({ ...fields, sign: rsaSha1Sign(signString(fields), keys.platformPrivateKey) });
}

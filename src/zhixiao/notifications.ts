/** 2.5 支付通知: verifying, decrypting and acknowledging Zhixiao payment notifications. */
import { DecryptionError, SignatureError } from '../core/errors.js';
import { base64Repaired, type NotificationInput, noticeFields } from '../core/notice.js';
import { validate } from '../core/schema.js';
import {
  acceptedSecret,
  decryptContent,
  encodeRequest,
  requestSign,
  type ZhixiaoCredentials,
} from './envelope.js';
import { PaymentNotification } from './schemas.js';

/** The gateway's acknowledgement words: `success` stops the retries. */
export const ZHIXIAO_ACKS = { ok: 'success', fail: 'fail' } as const;

/**
 * Verifies and decrypts a notification. Throws SignatureError with a `reason` (missing_signature,
 * mismatch, wrong_app_id, parsed_body, malformed) rather than returning false.
 */
export function parseZhixiaoNotification(
  c: ZhixiaoCredentials,
  input: NotificationInput,
  /** Told which accepted appsecret (its index) verified the notice. */
  verified?: (keyIndex: number) => void,
): PaymentNotification {
  const received = noticeFields(input, ['param', 'sign']);
  if (!received.sign) throw new SignatureError('missing_signature', 'notification: no sign field');
  if (!received.param) throw new SignatureError('malformed', 'notification: no param field');
  // Some deployments omit id; when present it must be ours. The sign is always checked with our appId.
  if (received.id !== undefined && received.id !== c.appId) {
    throw new SignatureError('wrong_app_id', 'notification: id is another appid than the configured one');
  }
  let keyIndex = -1;
  const verifies = (f: Record<string, string>) => {
    keyIndex = acceptedSecret(c, f.sign ?? '', (k) => requestSign(k, f.param ?? ''));
    return keyIndex >= 0;
  };
  // As received first; then with `+` restored where a form decoder turned it into a space.
  const fields = verifies(received) ? received : base64Repaired(received, ['param']);
  if (fields === undefined || (fields !== received && !verifies(fields))) {
    throw new SignatureError(
      'mismatch',
      'notification: sign does not match (not from the gateway, or altered)',
    );
  }
  const data = decryptContent(c, fields.param!);
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new DecryptionError('notification: param is not a JSON object');
  const notice = validate(PaymentNotification, data, 'parseNotification', 'notification');
  verified?.(keyIndex);
  return notice;
}

/**
 * Builds a correctly signed notification body (`application/x-www-form-urlencoded`), for your own tests.
 * Amount-free by spec; pass whatever fields your handler expects.
 */
export function buildZhixiaoNotification(c: ZhixiaoCredentials, notice: Record<string, unknown>): string {
  const fields = encodeRequest(c, notice);
  return new URLSearchParams(fields).toString();
}

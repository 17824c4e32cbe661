/**
 * Signed notices for a merchant's tests: the one the gateway would send about an order (its fields from
 * the sandbox's ledger), the same fields signed with a key that is not the gateway's, and the exact body
 * the gateway already delivered, to replay it; and a delivery made as the gateway makes it.
 */
import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { buildOneCardNotification, ONECARD_ACKS } from '../onecard/notifications.js';
import type { Sandbox } from '../sandbox/index.js';
import { type NoticeAnswer, postNotice } from '../sandbox/notifier.js';
import { rechargeNotice } from '../sandbox/onecard/settlement.js';
import { zhixiaoNotice } from '../sandbox/zhixiao/settlement.js';
import { buildZhixiaoNotification, ZHIXIAO_ACKS } from '../zhixiao/notifications.js';
import {
  describeKey,
  type OneCardOrderKey,
  type OrderKey,
  type TestLedger,
  type ZhixiaoOrderKey,
} from './ledger.js';

export type { NoticeAnswer } from '../sandbox/notifier.js';

/** Notice bodies (`application/x-www-form-urlencoded`) of one gateway, and their delivery. */
export interface NoticeKit<Key extends OrderKey> {
  /**
   * The notice the gateway sends about this order, signed as the gateway signs it: its fields from the
   * sandbox's ledger (the order need not be paid), then `fields` over them. For an order the sandbox does
   * not hold, `fields` must carry the rest of the notice.
   */
  valid(key: Key, fields?: Record<string, unknown>): string;
  /** The same notice signed with a key that is not the gateway's: an endpoint must refuse it. */
  forged(key: Key, fields?: Record<string, unknown>): string;
  /** The exact body the sandbox last delivered (or dropped) about this order: a replay, byte for byte. */
  replayed(key: Key): string;
  /** POSTs a body to your endpoint as the gateway does; acknowledged only by HTTP 200 and the gateway's word. */
  deliver(url: string, body: string): Promise<NoticeAnswer>;
}

export interface TestNotices {
  /** Recharge notices (paygw.notify.result, 2.2.4.4), answered `ok`. */
  onecard: NoticeKit<OneCardOrderKey>;
  /** Payment notices (2.5), answered `success`. */
  zhixiao: NoticeKit<ZhixiaoOrderKey>;
}

export function testNotices(sandbox: Sandbox, ledger: TestLedger): TestNotices {
  // One notifier delivers both gateways' notices.
  const replayed = (key: OrderKey) => {
    const body = ledger
      .notices(key)
      .map((n) => sandbox.zhixiaoGateway.notifier.bodyOf(n))
      .filter((b) => b !== undefined)
      .at(-1);
    if (body === undefined)
      throw new Error(`the sandbox has sent no notice about ${describeKey(key)}: nothing to replay`);
    return body;
  };

  const zx = sandbox.zhixiaoGateway.credentials;
  const zhixiaoFields = (key: ZhixiaoOrderKey, fields: Record<string, unknown> = {}) => {
    const order = ledger.order(key);
    return { ...(order ? zhixiaoNotice(order) : key), ...fields };
  };
  // Another appSecret: the notice decrypts with the merchant's AES key, but its sign does not match.
  const strangerSecret = randomBytes(16).toString('hex');

  // The sandbox's own `partner`, so a NotificationRouter routing by partner takes these notices too.
  const { desKey, platformPrivateKey } = sandbox.onecardGateway.keys;
  const { partner } = sandbox.onecardGateway;
  const oneCardFields = (key: OneCardOrderKey, fields: Record<string, unknown> = {}) => {
    const recharge = ledger.recharge(key);
    return { ...(recharge ? rechargeNotice(recharge) : key), ...fields };
  };
  // A key pair of a stranger, made when first needed (RSA generation takes a moment).
  let stranger: KeyObject | undefined;
  const strangerKey = () => {
    stranger ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    return stranger;
  };

  return {
    zhixiao: {
      valid: (key, fields) => buildZhixiaoNotification(zx, zhixiaoFields(key, fields)),
      forged: (key, fields) =>
        buildZhixiaoNotification({ ...zx, appSecret: strangerSecret }, zhixiaoFields(key, fields)),
      replayed,
      deliver: (url, body) => postNotice(url, body, ZHIXIAO_ACKS.ok),
    },
    onecard: {
      valid: (key, fields) =>
        buildOneCardNotification({ desKey, platformPrivateKey }, oneCardFields(key, fields), { partner }),
      forged: (key, fields) =>
        buildOneCardNotification({ desKey, platformPrivateKey: strangerKey() }, oneCardFields(key, fields), {
          partner,
        }),
      replayed,
      deliver: (url, body) => postNotice(url, body, ONECARD_ACKS.ok),
    },
  };
}

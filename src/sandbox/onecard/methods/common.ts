/**
 * What the OneCard sandbox's method records share: their context, the lookups that refuse with the
 * gateway's business codes, and the field formats more than one method uses. Formats come from the
 * v2.41 field tables (String(n) byte limits, 不可空 / 可空, the listed values) and, for the deployed
 * methods, from deployed code; a field that breaks its rule is refused with 60002 参数输入错误.
 */

import { ONECARD_BUSINESS_CODES } from '../../../onecard/codes.js';
import type { oneCardMethods } from '../../../onecard/methods.js';
import { refuse } from '../../business-error.js';
import { digits, type SandboxMethods, text } from '../../formats.js';
import type { OneCardTokens } from '../front.js';
import type { Cardholder, OneCardLedger } from '../ledger.js';
import type { OneCardSettlement } from '../settlement.js';

/**
 * One record per table method: its field formats and its handler, which gets the request's fields by
 * name (as text off the wire) and the caller's app key, and answers the reply.
 */
export type OneCardSandboxMethods = SandboxMethods<typeof oneCardMethods, [appKey: string]>;

export interface OneCardMethodContext {
  ledger: OneCardLedger;
  tokens: OneCardTokens;
  settlement: OneCardSettlement;
  /** Seconds a payment code lives. */
  barcodeTtlSeconds: number;
  /** The sandbox's own URL, for the pay page a recharge points at. */
  publicUrl: () => string;
}

export const fail = (retcode: keyof typeof ONECARD_BUSINESS_CODES, message?: string): never =>
  refuse(retcode, message ?? ONECARD_BUSINESS_CODES[retcode].zh);

export const account = text(10);
export const acctype = text(3);
/**
 * 二维码 (2.2.3.4): digits. The table says String(20), but 2.2.3.3 issues 22-digit codes, which the
 * gateway must take back.
 */
export const barcode = digits(1, 22);

/** The ledger's lookups, each refusing as the gateway does when what it names is not there or not usable. */
export function lookups({ ledger }: OneCardMethodContext) {
  const card = (account: unknown): Cardholder =>
    ledger.cardholders.find((x) => x.account === account) ?? fail('60003');
  const usable = (c: Cardholder): Cardholder => {
    if (c.lostflag === '1') fail('60007');
    if (c.freezeflag === '1') fail('60013');
    return c;
  };
  const eacc = (c: Cardholder, type: unknown) =>
    c.accounts.find((a) => a.type === type) ?? fail('60003', `电子账户 ${String(type)} 不存在`);
  /** A payment code that was issued and has not expired. */
  const liveBarcode = (code: unknown) => {
    const found = ledger.barcodes.get(String(code));
    return found && Date.now() <= found.expiresAt ? found : fail('60062');
  };
  return { card, usable, eacc, liveBarcode };
}

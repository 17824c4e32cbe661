/**
 * The OneCard gateway of the sandbox (`sandbox.onecardGateway`), in three rooms this class wires: the
 * front (`front.ts`: envelope, tokens, system codes), the methods (`methods/`: one record per method,
 * its field formats and its handler) and settlement (`settlement.ts`: recharge orders, crediting, notices).
 */
import type { ApiFront } from '../api.js';
import type { Notifier } from '../notifier.js';
import type { PayPageModel } from '../pages.js';
import type { ReplyStyle } from '../reply-style.js';
import { OneCardFront, type OneCardReply, type OneCardSandboxKeys, OneCardTokens } from './front.js';
import { OneCardLedger, type RechargeOrder } from './ledger.js';
import { oneCardSandboxMethods } from './methods/index.js';
import { OneCardSettlement } from './settlement.js';

export type { OneCardReply, OneCardSandboxKeys } from './front.js';

export interface OneCardSandboxOptions {
  /** More app keys the gateway accepts (same keys, separate tokens), e.g. one per business line. */
  extraAppKeys?: string[];
  /** Token lifetime in seconds (default 7200). */
  tokenTtlSeconds?: number;
  /** Minimum interval between token fetches (default 120000, as the real gateway). */
  tokenMinIntervalMs?: number;
  /** Seconds a payment code lives (default 60). */
  barcodeTtlSeconds?: number;
  /**
   * How long a paid recharge stays in 40 (paid) and then 50 (crediting) before it is credited (60) and
   * notified, so a test can watch the statuses go by (default 0: credited at once).
   */
  creditDelayMs?: number;
}

const STATUS_WORDS: Record<string, string> = {
  '10': '已下单 awaiting payment',
  '60': '已入账 paid and credited',
  '77': '支付失败 failed',
};

export class OneCardSandbox {
  readonly ledger = new OneCardLedger();
  /** How empty optional reply fields are written ("" by default; null or left out, as real gateways do). */
  replyStyle: ReplyStyle = 'empty';
  readonly #settlement: OneCardSettlement;
  readonly #tokens: OneCardTokens;
  readonly #front: OneCardFront;

  constructor(
    readonly keys: OneCardSandboxKeys,
    readonly notifier: Notifier,
    readonly publicUrl: () => string,
    options: OneCardSandboxOptions = {},
  ) {
    const o = { tokenTtlSeconds: 7200, tokenMinIntervalMs: 120_000, barcodeTtlSeconds: 60, ...options };
    this.#tokens = new OneCardTokens(o.tokenTtlSeconds, o.tokenMinIntervalMs);
    // The keys themselves, not a copy: notices follow a rotation (sandbox.rotateKeys).
    this.#settlement = new OneCardSettlement(this.ledger, notifier, keys, o.creditDelayMs ?? 0);
    const methods = oneCardSandboxMethods({
      ledger: this.ledger,
      tokens: this.#tokens,
      settlement: this.#settlement,
      barcodeTtlSeconds: o.barcodeTtlSeconds,
      publicUrl,
    });
    const appKeys = new Set([keys.appKey, ...(o.extraAppKeys ?? [])]);
    this.#front = new OneCardFront(keys, appKeys, this.#tokens, methods);
  }

  /** Token fetches served, for tests. */
  get tokenFetches(): number {
    return this.#tokens.fetches;
  }

  /** Invalidates an app key's current token, as a fetch by another party would. */
  revokeToken(appKey = this.keys.appKey) {
    this.#tokens.revoke(appKey);
  }

  /** Handles one POST to the gateway URL. */
  handle(form: URLSearchParams): OneCardReply {
    return this.#front.handle(form);
  }

  /** Serialises a reply, signed with the platform key (or deliberately not, for the bad-signature fault). */
  encode(reply: OneCardReply, badSignature = false): string {
    return this.#front.encode(reply, this.replyStyle, badSignature);
  }

  /** The face the HTTP layer talks to; calls go through `handle`, so a wrapper around it sees them all. */
  readonly api: ApiFront = {
    contentType: 'text/plain; charset=utf-8',
    describe: (_path, form) => this.#front.describe(form),
    process: (_path, form) => {
      const reply = this.handle(form);
      return { committed: this.#front.committed(reply), body: (bad) => this.encode(reply, bad) };
    },
    busy: (_path, form) => this.encode(this.#front.busy(form)),
  };

  /** The payer's choice on the pay page: pay (credit the card, notify) or fail. */
  settle(outId: string, paid: boolean): RechargeOrder {
    return this.#settlement.settle(outId, paid);
  }

  /** @deprecated since 0.2.0: settle, as on the Zhixiao sandbox. */
  settleRecharge(outId: string, paid: boolean): RechargeOrder {
    return this.settle(outId, paid);
  }

  /** Moves a paid recharge to 80 (订单转入退款 refund started), as the payment system does on a refund. */
  refund(outId: string): RechargeOrder {
    return this.#settlement.refund(outId);
  }

  /** A paygw.notify.result notice as form fields, signed with the platform key. */
  notificationBody(o: RechargeOrder, timestamp?: string): string {
    return this.#settlement.notificationBody(o, timestamp);
  }

  /** What the pay page shows of a recharge. */
  payPage(outId: string): PayPageModel | undefined {
    const r = this.ledger.recharges.get(outId);
    if (!r) return undefined;
    return {
      gateway: 'onecard',
      ref: outId,
      title: `Recharge ${r.order_no}`,
      amount: r.order_amount,
      rows: [
        ['Card account 一卡通账号', r.account],
        ['order_no', r.order_no],
        ['out_id', r.out_id],
      ],
      state: STATUS_WORDS[r.order_status] ?? r.order_status,
      payable: r.order_status === '10',
    };
  }

  /**
   * The payer pays or fails on the pay page. The browser then goes back to return_url with the signed
   * front-end notice as its query (a GET, 2.2.4.4); no return_url (null or left out), no return.
   */
  payOrFail(outId: string, paid: boolean): { state: string; return_to?: string | undefined } {
    const o = this.settle(outId, paid);
    const sep = o.return_url.includes('?') ? '&' : '?';
    const return_to = o.return_url ? `${o.return_url}${sep}${this.notificationBody(o)}` : undefined;
    return { state: STATUS_WORDS[o.order_status] ?? o.order_status, return_to };
  }
}

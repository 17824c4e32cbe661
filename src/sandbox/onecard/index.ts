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

/** Whether the sandbox enforces the gateway's 2-minute interval between token fetches. */
export type SandboxTokenRule = 'relaxed' | 'strict';
/** The real gateway's interval between token fetches (2.2.1.1). */
const GATEWAY_TOKEN_INTERVAL_MS = 120_000;

export interface OneCardSandboxOptions {
  /** More app keys the gateway accepts (same keys, separate tokens), e.g. one per business line. */
  extraAppKeys?: string[];
  /** Token lifetime in seconds (default 7200). */
  tokenTtlSeconds?: number;
  /**
   * The real gateway refuses a token fetch within 2 minutes of the last one for the app key (60048,
   * 2.2.1.1). In development that bites: a service restarted within 2 minutes, or an example run right
   * after the CLI, gets 60048 on every call. So the sandbox relaxes it by default (`'relaxed'`: every fetch
   * is served); each fetch still invalidates the previous token, as on the gateway, so processes sharing
   * an app key still need one shared token store. `'strict'` keeps the 2-minute rule, for tests of it.
   */
  tokenRule?: SandboxTokenRule;
  /** Minimum interval between token fetches, in ms; overrides `tokenRule` (relaxed: 0, strict: 120000). */
  tokenMinIntervalMs?: number;
  /** Seconds a payment code lives (default 60). */
  barcodeTtlSeconds?: number;
  /**
   * How long a paid recharge stays in 40 (paid) and then 50 (crediting) before it is credited (60) and
   * notified, so a test can watch the statuses go by (default 0: credited at once).
   */
  creditDelayMs?: number;
  /** The `partner` field of its notices (2.2.4.4; default `sandbox`), as a real gateway sets it per merchant. */
  partner?: string;
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
  /** The `partner` its notices carry. */
  readonly partner: string;
  readonly #tokens: OneCardTokens;
  readonly #front: OneCardFront;

  constructor(
    readonly keys: OneCardSandboxKeys,
    readonly notifier: Notifier,
    readonly publicUrl: () => string,
    options: OneCardSandboxOptions = {},
  ) {
    const o = { tokenTtlSeconds: 7200, barcodeTtlSeconds: 60, ...options };
    const interval = o.tokenMinIntervalMs ?? (o.tokenRule === 'strict' ? GATEWAY_TOKEN_INTERVAL_MS : 0);
    this.#tokens = new OneCardTokens(o.tokenTtlSeconds, interval);
    this.partner = o.partner ?? 'sandbox';
    // The keys themselves, not a copy: notices follow a rotation (sandbox.rotateKeys).
    this.#settlement = new OneCardSettlement(this.ledger, notifier, keys, this.partner, o.creditDelayMs ?? 0);
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

  /** The minimum interval between token fetches this sandbox enforces (0 when relaxed). */
  get tokenMinIntervalMs(): number {
    return this.#tokens.minIntervalMs;
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
    gateway: 'onecard',
    contentType: 'text/plain; charset=utf-8',
    describe: (_path, form) => this.#front.describe(form),
    process: (_path, form) => {
      const reply = this.handle(form);
      return {
        committed: this.#front.committed(reply),
        code: this.#front.code(reply),
        body: (bad) => this.encode(reply, bad),
      };
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

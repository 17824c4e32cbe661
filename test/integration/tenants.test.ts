/**
 * Tenants that never cross (issue 24, item 1): two schools (OneCard) and two merchants (Zhixiao), each on
 * a sandbox of its own, in one process, sharing one token store, one dedupe store and
 * one journal, and one notification endpoint (a NotificationRouter). Both run at once with the same order
 * numbers, the same journal key and the same card number, over real HTTP; each tenant's amounts differ, so
 * anything that crossed would show up under the wrong tenant or with the wrong amount. The two schools even
 * share their app key (only the gateway URL tells them apart); the merchants have appids of their own.
 * Run with the memory stores and with Redis, each with and without a journal.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DedupeStore,
  deduplicate,
  type JournalEntry,
  type JournalStore,
  MemoryDedupeStore,
  MemoryJournalStore,
  MemoryTokenStore,
  NotificationRouter,
  OneCardClient,
  type SettlementEvent,
  type TokenStore,
  ZhixiaoPayClient,
} from '../../src/index.js';
import { RedisDedupeStore, RedisJournalStore, RedisTokenStore } from '../../src/redis/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { startMerchant } from '../helpers/merchant.js';
import { RedisServer, redisAvailable } from '../helpers/redis-server.js';
import { TIMEOUTS } from '../helpers/timeouts.js';

interface Stores {
  tokenStore: TokenStore;
  dedupeStore: DedupeStore;
  journal?: JournalStore;
}

/** What both tenants use, word for word. */
const SAME = { card: '10001', orderNo: 'R-SAME-1', tradeNo: 'Z-SAME-1', journalKey: 'T-SAME-1' };
/** What tells them apart: their amounts in fen. */
const AMOUNTS = {
  a: { recharge: 700, transfer: 7, order: 1_900 },
  b: { recharge: 900, transfer: 9, order: 2_900 },
};
type Name = keyof typeof AMOUNTS;

interface Tenant {
  name: Name;
  sb: Sandbox;
  card: OneCardClient;
  pay: ZhixiaoPayClient;
  /** The tenants as written independently of the SDK: the sandbox's URL (already in normal form) and key. */
  cardTenant: string;
  payTenant: string;
  events: SettlementEvent[];
  notices: Array<Record<string, unknown>>;
  journaled: boolean;
}

async function startTenant(name: Name, stores: Stores): Promise<Tenant> {
  const sb = await startSandbox({
    onecard: { appKey: 'school', partner: `P-${name}` },
    zhixiao: { appId: `shop-${name}` },
    notifications: { retryDelaysMs: [0, 30] },
  });
  const events: SettlementEvent[] = [];
  const settlement = {
    dedupeStore: stores.dedupeStore,
    ...(stores.journal ? { journal: stores.journal } : {}),
    onSettled: (e: SettlementEvent) => void events.push(e),
  };
  return {
    name,
    sb,
    card: new OneCardClient({ ...sb.onecard, tokenStore: stores.tokenStore, ...settlement }),
    pay: new ZhixiaoPayClient({ ...sb.zhixiao, ...settlement }),
    cardTenant: `${sb.url}/onecard/uap/gateway.action#school`,
    payTenant: `${sb.url}#shop-${name}`,
    events,
    notices: [],
    journaled: stores.journal !== undefined,
  };
}

/** One endpoint for the four tenants; each callback deduplicated in the shared store, keyed by its tenant. */
function router(tenants: Tenant[], dedupeStore: DedupeStore) {
  const seen = (t: Tenant, tenant: string) =>
    deduplicate<{ order_no?: string; out_trade_no?: string }>({
      store: dedupeStore,
      key: (n) => `${tenant}|${n.order_no ?? n.out_trade_no}`,
      onNotification: (n) => void t.notices.push(n),
    });
  return new NotificationRouter({
    routes: tenants.flatMap((t) => [
      t.card.notificationRoute({ partner: `P-${t.name}`, onNotification: seen(t, t.card.tenant) }),
      t.pay.notificationRoute({ onNotification: seen(t, t.pay.tenant) }),
    ]),
  });
}

/** Everything one tenant does, started at the same moment as the other's. */
async function business(t: Tenant, notifyUrl: string) {
  const amount = AMOUNTS[t.name];
  await t.card.queryCard({ idtype: 'acc', id: SAME.card });
  await Promise.all([
    t.card.recharge({
      client_type: 'web',
      pay_type: 'alipay',
      account: SAME.card,
      acctype: '###',
      order_no: SAME.orderNo,
      order_amount: amount.recharge,
      return_url: 'https://merchant.test/r',
      notify_url: notifyUrl,
    }),
    t.card.transfer(
      { account: SAME.card, tranamt: amount.transfer, src_acctype: '###', dst_acctype: '001' },
      // Without a journal a journal key is refused; each event then gets a fresh key.
      t.journaled ? { journalKey: SAME.journalKey } : {},
    ),
    t.pay.createOrder({
      body: '学费',
      out_trade_no: SAME.tradeNo,
      total_fee: amount.order,
      notify_url: notifyUrl,
    }),
  ]);
  // The payer pays both orders on this tenant's gateway.
  const recharge = [...t.sb.onecardGateway.ledger.recharges.values()].find(
    (r) => r.order_no === SAME.orderNo,
  )!;
  t.sb.onecardGateway.settle(recharge.out_id, true);
  const order = [...t.sb.zhixiaoGateway.orders.values()].find((o) => o.out_trade_no === SAME.tradeNo)!;
  t.sb.zhixiaoGateway.settle(order.order_id, true);
  await t.sb.waitForNotifications();
}

async function journalEntries(journal: JournalStore): Promise<JournalEntry[]> {
  const all: JournalEntry[] = [];
  for await (const e of journal.list({ states: ['succeeded', 'failed', 'pending', 'unknown', 'intent'] }))
    all.push(e);
  return all;
}

/**
 * The two tenants run at once; then every store, ledger and callback is checked tenant by tenant. Returns
 * the token key each tenant's gateway URL and app key name, written out here.
 */
async function runTwoTenants(stores: Stores): Promise<string[]> {
  const tenants = await Promise.all((['a', 'b'] as const).map((n) => startTenant(n, stores)));
  const shop = await startMerchant(router(tenants, stores.dedupeStore).nodeNotificationHandler());
  try {
    await Promise.all(tenants.map((t) => business(t, `${shop.url}/notify`)));
    for (const t of tenants) {
      const amount = AMOUNTS[t.name];
      // Tokens: each gateway issued one, to its own tenant, and took every call with it.
      expect(t.sb.onecardGateway.tokenFetches, t.name).toBe(1);
      expect(t.card.tokenFetches, t.name).toBe(1);
      // Notices: every notice reached its own gateway's acknowledgement, and its own tenant's callback.
      expect(t.sb.notifications.map((n) => [n.gateway, n.acknowledged]).sort(), t.name).toEqual([
        ['onecard', true],
        ['zhixiao', true],
      ]);
      expect(t.notices, t.name).toHaveLength(2);
      expect(t.notices, t.name).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ order_no: SAME.orderNo, order_amount: amount.recharge }),
          expect.objectContaining({ out_trade_no: SAME.tradeNo }),
        ]),
      );
      const transferKey = t.journaled ? SAME.journalKey : expect.stringMatching(/^[0-9a-f-]{36}$/);
      // Settlement: three events, each once, of this tenant, with this tenant's amounts (no dedupe hit).
      const said = t.events.map((e) => [e.tenant, e.method, e.orderKey, e.amount, e.state, e.source]);
      expect(said.sort(), t.name).toEqual(
        [
          [t.cardTenant, 'recharge', SAME.orderNo, amount.recharge, 'succeeded', 'notice'],
          [t.cardTenant, 'transfer', transferKey, amount.transfer, 'succeeded', 'reply'],
          // A Zhixiao notice names no amount (2.5): without a journal the event says 0.
          [t.payTenant, 'createOrder', SAME.tradeNo, t.journaled ? amount.order : 0, 'succeeded', 'notice'],
        ].sort(),
      );
      // The gateways' ledgers: one recharge and one order each, of this tenant's amount; the same card
      // number moved by this tenant's amounts only.
      expect([...t.sb.onecardGateway.ledger.recharges.values()].map((r) => r.order_amount)).toEqual([
        amount.recharge,
      ]);
      expect([...t.sb.zhixiaoGateway.orders.values()].map((o) => o.total_fee)).toEqual([amount.order]);
      const balances = await t.card.queryAccInfo({ account: SAME.card, acctype: '###' });
      expect(balances.accinfo[0]?.balance, t.name).toBe(10_000 + amount.recharge - amount.transfer);
    }
    if (stores.journal) {
      const entries = await journalEntries(stores.journal);
      const rows = entries.map((e) => [e.id, e.tenant, e.amount, e.state]);
      const expected = tenants.flatMap((t) => {
        const amount = AMOUNTS[t.name];
        return [
          [`${t.cardTenant}|recharge|${SAME.orderNo}`, t.cardTenant, amount.recharge, 'succeeded'],
          [`${t.cardTenant}|transfer|${SAME.journalKey}`, t.cardTenant, amount.transfer, 'succeeded'],
          [`${t.payTenant}|createOrder|${SAME.tradeNo}`, t.payTenant, amount.order, 'succeeded'],
        ];
      });
      expect(rows.sort()).toEqual(expected.sort());
    }
    return tenants.map((t) => `campus-pay:onecard:token:${t.sb.url}/onecard/uap/gateway.action:school`);
  } finally {
    await shop.close();
    await Promise.all(tenants.map((t) => t.sb.close()));
  }
}

describe('two tenants sharing the memory stores never cross', () => {
  it('without a journal: tokens, notices, dedupe claims and ledgers stay apart', async () => {
    await runTwoTenants({ tokenStore: new MemoryTokenStore(), dedupeStore: new MemoryDedupeStore() });
  });

  it('with one journal: the same, and each tenant has its own entries', async () => {
    await runTwoTenants({
      tokenStore: new MemoryTokenStore(),
      dedupeStore: new MemoryDedupeStore(),
      journal: new MemoryJournalStore(),
    });
  });
});

describe('two clients of one tenant stay legal', () => {
  it('they share one token, however the gateway URL is spelt', async () => {
    const sb = await startSandbox();
    try {
      const tokenStore = new MemoryTokenStore();
      const spelt = sb.onecard.gatewayUrl.replace('http://', 'HTTP://');
      const clients = [
        new OneCardClient({ ...sb.onecard, tokenStore }),
        new OneCardClient({ ...sb.onecard, gatewayUrl: `${spelt}#second`, tokenStore }),
      ];
      expect(clients[0]!.tenant).toBe(clients[1]!.tenant);
      for (const c of clients) await c.queryCard({ idtype: 'acc', id: SAME.card });
      // The gateway allows one fetch per 2 minutes (the sandbox too): a second fetch would have failed.
      expect(sb.onecardGateway.tokenFetches).toBe(1);
      // Each client's count is of its store and key: the one fetch, shared.
      expect(clients.map((c) => c.tokenFetches)).toEqual([1, 1]);
    } finally {
      await sb.close();
    }
  });
});

describe.runIf(redisAvailable())('two tenants sharing one Redis never cross', () => {
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await RedisServer.start();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  }, TIMEOUTS.slow);
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  const redisStores = (journal: boolean): Stores => ({
    tokenStore: new RedisTokenStore(redis),
    dedupeStore: new RedisDedupeStore(redis),
    ...(journal ? { journal: new RedisJournalStore(redis) } : {}),
  });

  it('without a journal', async () => {
    await redis.flushall();
    const tokenKeys = await runTwoTenants(redisStores(false));
    // Two tokens under two keys, each named by its tenant's gateway and app key (the locks are released).
    expect((await redis.keys('campus-pay:onecard:token:*')).sort()).toEqual(tokenKeys.sort());
  });

  it('with one journal', async () => {
    await redis.flushall();
    await runTwoTenants(redisStores(true));
  });
});

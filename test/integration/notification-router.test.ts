/**
 * One notification endpoint for several tenants (issue 24, item 2), over real HTTP, behind the Node handler
 * and behind the web (Fetch API) handler: a notice reaches the handler of the merchant it names, or of the
 * path it was sent to; a notice no route takes is refused 400 with the gateway's failure word and logged,
 * and no handler runs; a forged merchant id picks a handler whose keys then refuse the notice.
 * Each tenant's keys come from a sandbox of its own, so a notice handed to the wrong tenant cannot verify.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildOneCardNotification,
  type Logger,
  NotificationRouter,
  type NotificationRouterOptions,
  OneCardClient,
  type RouteLog,
  ZhixiaoPayClient,
} from '../../src/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { startMerchant, startWebMerchant } from '../helpers/merchant.js';

type Name = 'a' | 'b' | 'c';
interface Tenant {
  sb: Sandbox;
  card: OneCardClient;
  pay: ZhixiaoPayClient;
}
const tenants = {} as Record<Name, Tenant>;

beforeAll(async () => {
  for (const n of ['a', 'b', 'c'] as const) {
    const sb = await startSandbox({ onecard: { appKey: `school-${n}` }, zhixiao: { appId: `shop-${n}` } });
    tenants[n] = { sb, card: new OneCardClient(sb.onecard), pay: new ZhixiaoPayClient(sb.zhixiao) };
  }
});
afterAll(() => Promise.all(Object.values(tenants).map((t) => t.sb.close())));

/** A recharge notice as tenant `n`'s gateway signs it, naming `partner`. */
function oneCardNotice(n: Name, partner: string, order_no: string): string {
  const { desKey, platformPrivateKey } = tenants[n].sb.onecardGateway.keys;
  const notice = {
    account: '10001',
    acctype: '###',
    order_no,
    order_amount: '700',
    out_id: `OUT-${order_no}`,
    pay_time: '20261201080000',
    sttl_date: '20261201',
    order_status: '0',
  };
  return buildOneCardNotification({ desKey, platformPrivateKey }, notice, { partner });
}

/** A payment notice as tenant `n`'s gateway signs it (its form carries `id`, the appid). */
const zhixiaoNotice = (n: Name, out_trade_no: string) =>
  new URLSearchParams(
    tenants[n].pay.buildNotification({
      out_trade_no,
      order_id: `ORD-${out_trade_no}`,
      time_end: '2026-12-01 08:00:00',
      uid: 'u1',
      pay_type: '2',
    }),
  );

/** The same notice without `id`, as deployments that leave it out send it (the sign covers the appid anyway). */
function withoutId(form: URLSearchParams): string {
  form.delete('id');
  return form.toString();
}

/** Every callback of every route, and what the router logged and reported. */
function recorder() {
  const calls: string[] = [];
  const logs: RouteLog[] = [];
  const errors: unknown[] = [];
  const onError = (e: unknown) => void errors.push(e);
  const on = (who: string) => ({
    onNotification: (n: { order_no?: string; out_trade_no?: string }) =>
      void calls.push(`${who}:${n.order_no ?? n.out_trade_no}`),
    onError,
  });
  const lines: string[] = [];
  const logger: Logger = {
    info: (line, fields) => {
      lines.push(line);
      logs.push(fields as RouteLog);
    },
  };
  return { calls, logs, lines, errors, on, logger, onError };
}

/**
 * Schools a and b by partner, merchants a and b by appid; school c by path only (its partner is not
 * configured), merchant c by path (its gateway leaves `id` out).
 */
function routes(r: ReturnType<typeof recorder>): NotificationRouterOptions {
  const { a, b, c } = tenants;
  return {
    routes: [
      a.card.notificationRoute({ partner: 'P-A', ...r.on('card-a') }),
      b.card.notificationRoute({ partner: 'P-B', ...r.on('card-b') }),
      c.card.notificationRoute({ path: '/notify/c', ...r.on('card-c') }),
      a.pay.notificationRoute(r.on('pay-a')),
      b.pay.notificationRoute(r.on('pay-b')),
      c.pay.notificationRoute({ path: '/notify/c', ...r.on('pay-c') }),
    ],
    logger: r.logger,
    onError: r.onError,
  };
}

const carriers = [
  ['Node handler', (router: NotificationRouter) => startMerchant(router.nodeNotificationHandler())],
  ['web handler', (router: NotificationRouter) => startWebMerchant(router.webNotificationHandler())],
] as const;

describe.each(carriers)('NotificationRouter behind the %s', (_name, serve) => {
  async function withRouter(test: (post: Post, r: ReturnType<typeof recorder>) => Promise<void>) {
    const r = recorder();
    const shop = await serve(new NotificationRouter(routes(r)));
    const post: Post = async (path, body, method = 'POST') => {
      const res =
        method === 'GET'
          ? await fetch(`${shop.url}${path}?${body}`)
          : await fetch(`${shop.url}${path}`, {
              method,
              headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
              body,
            });
      return [res.status, await res.text()];
    };
    try {
      await test(post, r);
    } finally {
      await shop.close();
    }
  }

  it('each notice reaches the tenant it names, verified by that tenant, and gets its gateway word', () =>
    withRouter(async (post, r) => {
      expect(await post('/notify', oneCardNotice('b', 'P-B', 'R1'))).toEqual([200, 'ok']);
      expect(await post('/notify', oneCardNotice('a', 'P-A', 'R1'))).toEqual([200, 'ok']);
      expect(await post('/notify', zhixiaoNotice('b', 'Z1').toString())).toEqual([200, 'success']);
      expect(await post('/notify', zhixiaoNotice('a', 'Z1').toString())).toEqual([200, 'success']);
      // The front-end notice: the payer's browser brings it as a query string.
      expect(await post('/notify', oneCardNotice('a', 'P-A', 'R2'), 'GET')).toEqual([200, 'ok']);
      expect(r.calls).toEqual(['card-b:R1', 'card-a:R1', 'pay-b:Z1', 'pay-a:Z1', 'card-a:R2']);
      expect([r.logs, r.errors]).toEqual([[], []]);
    }));

  it('a notice naming no merchant, or a merchant not configured, goes by its path', () =>
    withRouter(async (post, r) => {
      expect(await post('/notify/c', oneCardNotice('c', 'P-C', 'R3'))).toEqual([200, 'ok']);
      expect(await post('/notify/c', withoutId(zhixiaoNotice('c', 'Z3')))).toEqual([200, 'success']);
      expect(await post('/notify/c', zhixiaoNotice('c', 'Z4').toString())).toEqual([200, 'success']);
      // A configured partner still wins over the path it happens to be sent to.
      expect(await post('/notify/c', oneCardNotice('a', 'P-A', 'R4'))).toEqual([200, 'ok']);
      expect(r.calls).toEqual(['card-c:R3', 'pay-c:Z3', 'pay-c:Z4', 'card-a:R4']);
    }));

  it('an unknown tenant: 400 with the failure word, a log line, onError, and no handler called', () =>
    withRouter(async (post, r) => {
      // School c's notice at the shared path: its partner names no route, and the path names none either.
      expect(await post('/notify', oneCardNotice('c', 'P-C', 'R5'))).toEqual([400, 'fail']);
      // A merchant no route names, and a notice naming none sent where no path route listens.
      const unknown = new URLSearchParams(zhixiaoNotice('a', 'Z5'));
      unknown.set('id', 'shop-x');
      expect(await post('/notify', unknown.toString())).toEqual([400, 'fail']);
      expect(await post('/notify', withoutId(zhixiaoNotice('c', 'Z6')))).toEqual([400, 'fail']);
      // Nothing a gateway sends at all.
      expect(await post('/notify', 'hello=1')).toEqual([400, 'fail']);
      expect(r.calls).toEqual([]);
      expect(r.logs).toEqual([
        { outcome: 'unrouted', gateway: 'onecard', field: 'partner', merchantId: 'P-C', path: '/notify' },
        { outcome: 'unrouted', gateway: 'zhixiao', field: 'id', merchantId: 'shop-x', path: '/notify' },
        { outcome: 'unrouted', gateway: 'zhixiao', path: '/notify' },
        { outcome: 'unrouted', path: '/notify' },
      ]);
      expect(r.lines[0]).toBe('campus-pay notice unrouted onecard partner="P-C" path=/notify');
      expect(r.errors).toHaveLength(4);
      expect(String(r.errors[0])).toMatch(/no route takes this notice.*partner "P-C".*\/notify/);
    }));

  it("a body over the router's maxBodyBytes is answered 413 before any route is chosen", async () => {
    const r = recorder();
    const shop = await serve(new NotificationRouter({ ...routes(r), maxBodyBytes: 64 }));
    try {
      const res = await fetch(`${shop.url}/notify`, {
        method: 'POST',
        body: oneCardNotice('a', 'P-A', 'R8'),
      });
      expect(res.status).toBe(413);
      expect(await res.text()).toBe('fail');
      expect([r.calls, r.logs]).toEqual([[], []]);
      expect(r.errors).toHaveLength(1);
    } finally {
      await shop.close();
    }
  });

  it('a forged merchant id only picks a handler: that tenant verifies and refuses it', () =>
    withRouter(async (post, r) => {
      // Merchant b's genuine notice relabelled as merchant a's: a's keys do not verify it.
      const relabelled = zhixiaoNotice('b', 'Z7');
      relabelled.set('id', 'shop-a');
      expect(await post('/notify', relabelled.toString())).toEqual([400, 'fail']);
      // School b's gateway signed a notice naming school a's partner: a's platform key refuses it.
      expect(await post('/notify', oneCardNotice('b', 'P-A', 'R7'))).toEqual([400, 'fail']);
      expect(r.calls).toEqual([]);
      expect(r.errors.map((e) => (e as { reason?: string }).reason)).toEqual(['mismatch', 'mismatch']);
      expect(r.logs).toEqual([]);
    }));
});

type Post = (path: string, body: string, method?: 'POST' | 'GET') => Promise<[number, string]>;

/**
 * What every framework recipe shares: its options, a Node listener on a free port, and the run that
 * `npx tsx examples/recipes/<framework>.ts` does — an order and a recharge against the embedded sandbox
 * (or your gateways, see ../connect.ts), paid, and their notices received by the recipe's routes.
 */
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { OneCardClient, type OneCardSchemas, ZhixiaoPayClient, type ZhixiaoSchemas } from 'campus-pay';
import { connect, run, yuan } from '../connect.js';

/** A verified notice, tagged with the gateway it came from. */
export type Notice =
  | { gateway: 'onecard'; notice: OneCardSchemas.RechargeNotification }
  | { gateway: 'zhixiao'; notice: ZhixiaoSchemas.PaymentNotification };

export interface RecipeOptions {
  onecard: OneCardClient;
  zhixiao: ZhixiaoPayClient;
  /**
   * Store the notice durably, idempotently on its order key (the gateways repeat notices), then resolve.
   * A throw answers `fail`, and the gateway tries again later.
   */
  onNotification: (n: Notice) => unknown | Promise<unknown>;
  /** Refused notices and failed callbacks, for your logs (never carries a secret). */
  onError?: (err: unknown) => void;
}

/** The paths every recipe serves. */
export const ONECARD_PATH = '/notify/onecard';
export const ZHIXIAO_PATH = '/notify/zhixiao';

/** Both gateways' handlers for the options, shared by the Node-style recipes. */
export function nodeHandlers({ onecard, zhixiao, onNotification, onError }: RecipeOptions) {
  const logged = onError ? { onError } : {};
  return {
    onecard: onecard.nodeNotificationHandler({
      onNotification: (notice) => onNotification({ gateway: 'onecard', notice }),
      ...logged,
    }),
    zhixiao: zhixiao.nodeNotificationHandler({
      onNotification: (notice) => onNotification({ gateway: 'zhixiao', notice }),
      ...logged,
    }),
  };
}

/** Both gateways' web handlers (`Request → Response`), for Hono and Next.js-style routes. */
export function webHandlers({ onecard, zhixiao, onNotification, onError }: RecipeOptions) {
  const logged = onError ? { onError } : {};
  return {
    onecard: onecard.webNotificationHandler({
      onNotification: (notice) => onNotification({ gateway: 'onecard', notice }),
      ...logged,
    }),
    zhixiao: zhixiao.webNotificationHandler({
      onNotification: (notice) => onNotification({ gateway: 'zhixiao', notice }),
      ...logged,
    }),
  };
}

export interface Listening {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  close(): Promise<void>;
}

/** Serves a Node request listener on 127.0.0.1 (port 0: a free one). */
export async function listenNode(listener: RequestListener, port = 0): Promise<Listening> {
  const server = createServer(listener);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** True when `moduleUrl` is the file node or tsx was asked to run. */
export const isMain = (moduleUrl: string) =>
  process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;

/**
 * The run of `npx tsx examples/recipes/<framework>.ts`: listens the recipe, creates a Zhixiao order and
 * a OneCard recharge whose notify_url point at it, pays both (in the sandbox, by pressing its Pay button)
 * and waits for the two verified notices.
 */
export function runRecipe(
  name: string,
  listen: (options: RecipeOptions, port?: number) => Promise<Listening>,
) {
  run(async () => {
    const gw = await connect();
    const onecard = new OneCardClient(gw.onecard);
    const zhixiao = new ZhixiaoPayClient(gw.zhixiao);
    const wanted = new Set(['onecard', 'zhixiao']);
    let done: () => void = () => {};
    const both = new Promise<void>((r) => {
      done = r;
    });
    const server = await listen(
      {
        onecard,
        zhixiao,
        onNotification: ({ gateway, notice }) => {
          if (gateway === 'onecard')
            console.log(`${name}: OneCard notice ${notice.order_no}, ${yuan(notice.order_amount)}`);
          else console.log(`${name}: Zhixiao notice ${notice.out_trade_no} (${notice.order_id}) paid`);
          wanted.delete(gateway);
          if (wanted.size === 0) done();
        },
        onError: (err) => console.error(`${name}: refused a notice: ${(err as Error).message}`),
      },
      Number(process.env.EXAMPLE_NOTIFY_PORT ?? 0),
    );
    const base = process.env.EXAMPLE_NOTIFY_URL ?? server.url;
    try {
      const stamp = Date.now();
      const order = await zhixiao.createOrder({
        body: '2026 秋季学费 autumn tuition',
        out_trade_no: `ZX${stamp}`,
        total_fee: 19_800,
        notify_url: `${base}${ZHIXIAO_PATH}`,
        user_no: '2023000001',
      });
      const recharge = await onecard.recharge({
        client_type: 'web',
        pay_type: 'alipay',
        account: process.env.EXAMPLE_ACCOUNT ?? '10001',
        acctype: '###',
        order_no: `RC${stamp}`,
        order_amount: 5_000,
        return_url: 'https://example.edu.cn/recharge/done',
        notify_url: `${base}${ONECARD_PATH}`,
      });
      console.log(`${name}: listening on ${server.url}; pay ${order.url} and ${recharge.post_url}`);
      if (gw.sandbox) {
        await fetch(`${order.url}/pay`, { method: 'POST' });
        await fetch(`${recharge.post_url}/pay`, { method: 'POST' });
      } else console.log('open both pages, pay, and wait for the notices…');
      await both;
      if (gw.sandbox) {
        await gw.sandbox.waitForNotifications();
        const acks = gw.sandbox.notifications.map((n) => `${n.gateway} ${n.attempts.at(-1)?.answer}`);
        console.log(`${name}: the gateways read ${acks.join(', ')}`);
      }
    } finally {
      await server.close();
      await gw.close();
    }
  });
}

/**
 * A tiny merchant service, written as a school's backend would use campus-pay, for the sample test suite
 * next to it (service.test.ts). It takes tuition orders (Zhixiao), card top-ups (OneCard), and both
 * gateways' notices; `recover()` is its reconciliation job: it settles, by query, the orders whose
 * creation had an unknown outcome and the paid orders whose notice never came.
 *
 *   POST /orders         {"student":"2023000001","amount_fen":19800} → 201 {out_trade_no, pay_url}
 *   POST /topups         {"account":"10001","amount_fen":5000}        → 201 {order_no, post_url}
 *   POST /notify/zhixiao the gateway's payment notice   (answers `success`)
 *   POST /notify/onecard the gateway's recharge notice  (answers `ok`)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GatewayError,
  OneCardClient,
  type OneCardClientOptions,
  OutcomeUnknownError,
  ZhixiaoPayClient,
  type ZhixiaoPayClientOptions,
} from 'campus-pay';

export interface TuitionOrder {
  out_trade_no: string;
  student: string;
  amount_fen: number;
  /** `unknown`: the gateway may or may not have the order (its reply was lost); `recover()` finds out. */
  state: 'pending' | 'unknown' | 'paid' | 'void';
  order_id?: string;
}

export interface TopUp {
  order_no: string;
  account: string;
  amount_fen: number;
  state: 'pending' | 'credited' | 'failed';
}

/**
 * The service's database, in memory here. `outage` makes the next that many writes fail, as a database
 * that is briefly down does; `history` lists every change of state, to show each happens once.
 */
export class Store {
  readonly orders = new Map<string, TuitionOrder>();
  readonly topups = new Map<string, TopUp>();
  readonly history: string[] = [];
  outage = 0;

  /** Moves a record to a state, once: a repeated notice changes nothing. */
  move<T extends { state: string }>(record: T, key: string, state: T['state']) {
    if (this.outage > 0) {
      this.outage -= 1;
      throw new Error('database unavailable');
    }
    if (record.state === state) return;
    this.history.push(`${key}: ${record.state} → ${state}`);
    record.state = state;
  }
}

export interface Merchant {
  url: string;
  store: Store;
  /** Settles by query what the notices have not: orders of unknown outcome, and pending ones. */
  recover(): Promise<void>;
  close(): Promise<void>;
}

export async function startMerchant(config: {
  onecard: OneCardClientOptions;
  zhixiao: ZhixiaoPayClientOptions;
}): Promise<Merchant> {
  const onecard = new OneCardClient(config.onecard);
  const zhixiao = new ZhixiaoPayClient(config.zhixiao);
  const store = new Store();
  let url = '';
  let seq = 0;
  const nextKey = (prefix: string) => {
    seq += 1;
    return `${prefix}${Date.now()}${seq}`;
  };

  async function createOrder(input: { student: string; amount_fen: number }) {
    const order: TuitionOrder = { out_trade_no: nextKey('T'), ...input, state: 'pending' };
    store.orders.set(order.out_trade_no, order);
    try {
      const created = await zhixiao.createOrder({
        body: '学费 tuition',
        out_trade_no: order.out_trade_no,
        total_fee: order.amount_fen,
        user_no: order.student,
        notify_url: `${url}/notify/zhixiao`,
      });
      order.order_id = created.order_id;
      return { status: 201, body: { out_trade_no: order.out_trade_no, pay_url: created.url } };
    } catch (err) {
      // Never create it again blindly: the gateway may hold it. The reconciliation job will ask.
      if (err instanceof OutcomeUnknownError) {
        order.state = 'unknown';
        return { status: 202, body: { out_trade_no: order.out_trade_no, state: 'unknown' } };
      }
      order.state = 'void';
      throw err;
    }
  }

  async function createTopUp(input: { account: string; amount_fen: number }) {
    const topup: TopUp = { order_no: nextKey('R'), ...input, state: 'pending' };
    store.topups.set(topup.order_no, topup);
    const r = await onecard.recharge({
      client_type: 'web',
      pay_type: 'alipay',
      account: topup.account,
      acctype: '###',
      order_no: topup.order_no,
      order_amount: topup.amount_fen,
      return_url: `${url}/topups/done`,
      notify_url: `${url}/notify/onecard`,
    });
    return { status: 201, body: { order_no: topup.order_no, post_url: r.post_url } };
  }

  const onZhixiao = zhixiao.nodeNotificationHandler({
    onNotification: (n) => {
      const order = store.orders.get(n.out_trade_no);
      if (!order) throw new Error(`no order ${n.out_trade_no}`);
      store.move(order, n.out_trade_no, 'paid');
    },
  });
  const onOneCard = onecard.nodeNotificationHandler({
    onNotification: (n) => {
      const topup = store.topups.get(n.order_no);
      if (!topup || topup.amount_fen !== n.order_amount)
        throw new Error(`no top-up ${n.order_no} of that amount`);
      store.move(topup, n.order_no, n.order_status === '0' ? 'credited' : 'failed');
    },
  });

  async function route(req: IncomingMessage, res: ServerResponse) {
    if (req.method === 'POST' && req.url === '/notify/zhixiao') return onZhixiao(req, res);
    if (req.method === 'POST' && req.url === '/notify/onecard') return onOneCard(req, res);
    const make = req.method === 'POST' && { '/orders': createOrder, '/topups': createTopUp }[req.url ?? ''];
    if (!make) return answer(res, 404, { error: 'not found' });
    try {
      const { status, body } = await make(JSON.parse(await readText(req)));
      answer(res, status, body);
    } catch (err) {
      // The SDK's errors carry no secret; their code says what kind of failure it was.
      answer(res, 502, { error: (err as { code?: string }).code ?? 'internal' });
    }
  }

  async function recover() {
    for (const order of store.orders.values()) {
      if (order.state !== 'unknown' && order.state !== 'pending') continue;
      try {
        const q = await zhixiao.queryOrder({ out_trade_no: order.out_trade_no });
        order.order_id = q.order_id;
        store.move(
          order,
          order.out_trade_no,
          q.state === 'paid' ? 'paid' : q.state === 'failed' ? 'void' : 'pending',
        );
      } catch (err) {
        // -1 订单不存在: the lost creation never reached the gateway; a new order is safe.
        if (err instanceof GatewayError && err.gatewayCode === '-1')
          store.move(order, order.out_trade_no, 'void');
        else throw err;
      }
    }
  }

  const server = createServer((req, res) => void route(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    store,
    recover,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function answer(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

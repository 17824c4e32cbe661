/** Zhixiao: create an order → the payer pays → notification → query → partial refund. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ZhixiaoPayClient, type ZhixiaoSchemas } from 'campus-pay';
import { connect, run, yuan } from './connect.js';

run(async () => {
  const gw = await connect();
  const client = new ZhixiaoPayClient(gw.zhixiao);
  let resolveNotice: (n: ZhixiaoSchemas.PaymentNotification) => void = () => {};
  const noticed = new Promise<ZhixiaoSchemas.PaymentNotification>((r) => {
    resolveNotice = r;
  });
  const server = createServer(client.nodeNotificationHandler({ onNotification: (n) => resolveNotice(n) }));
  await new Promise<void>((r) => server.listen(Number(process.env.EXAMPLE_NOTIFY_PORT ?? 0), r));
  const notify_url =
    process.env.EXAMPLE_NOTIFY_URL ?? `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
  try {
    const out_trade_no = `ZX${Date.now()}`;
    const order = await client.createOrder({
      body: '2026 秋季学费 autumn tuition',
      out_trade_no,
      total_fee: 19_800,
      notify_url,
      user_no: '2023000001',
    });
    console.log(`order ${out_trade_no} (${order.order_id}) for ${yuan(19_800)}: pay at ${order.url}`);
    if (gw.sandbox) await fetch(`${order.url}/pay`, { method: 'POST' });
    else console.log('open the URL, pay, and wait for the notification…');
    const notice = await noticed;
    console.log(
      `notification: ${notice.out_trade_no} paid at ${notice.time_end} (pay_type ${notice.pay_type})`,
    );
    const q = await client.queryOrder({ out_trade_no });
    console.log(`queryOrder: status ${q.status} (${q.state})`);
    await client.refundOrder({ out_trade_no, refund_fee: 9_800 });
    console.log(`refunded ${yuan(9_800)}`);
  } finally {
    server.close();
    await gw.close();
  }
});

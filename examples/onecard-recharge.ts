/**
 * Recharge a campus card through the payment gateway, and receive the gateway's notification on a real
 * HTTP endpoint built with the SDK's handler (it answers `ok` only after your callback has succeeded).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OneCardClient, type OneCardSchemas, rechargeToHtmlForm } from 'campus-pay';
import { connect, run, yuan } from './connect.js';

run(async () => {
  const gw = await connect();
  const client = new OneCardClient(gw.onecard);
  let resolveNotice: (n: OneCardSchemas.RechargeNotification) => void = () => {};
  const noticed = new Promise<OneCardSchemas.RechargeNotification>((r) => {
    resolveNotice = r;
  });
  const server = createServer(
    client.nodeRechargeNotificationHandler({
      onNotification: async (notice) => {
        // Store the notice durably here (idempotently: the gateway may deliver it more than once).
        resolveNotice(notice);
      },
      onError: (err) => console.error('refused a notification:', (err as Error).message),
    }),
  );
  await new Promise<void>((r) => server.listen(Number(process.env.EXAMPLE_NOTIFY_PORT ?? 0), r));
  const notifyUrl =
    process.env.EXAMPLE_NOTIFY_URL ?? `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
  try {
    const order_no = `RC${Date.now()}`;
    const r = await client.recharge({
      client_type: 'web',
      pay_type: 'alipay',
      account: process.env.EXAMPLE_ACCOUNT ?? '10001',
      acctype: '###',
      order_no,
      order_amount: 5_000,
      order_time: new Date(),
      order_note: '校园卡充值 card top-up',
      return_url: 'https://example.edu.cn/recharge/done',
      notify_url: notifyUrl,
    });
    console.log(
      `recharge ${order_no} for ${yuan(5_000)} created (out_id ${r.out_id}); the payer goes to ${r.post_url}`,
    );
    console.log(`HTML that sends the payer there: ${rechargeToHtmlForm(r).length} bytes`);
    if (gw.sandbox) {
      // In the sandbox the payer is simulated: this is the Pay button of the sandbox pay page.
      await fetch(`${r.post_url}/pay`, { method: 'POST' });
    } else {
      console.log('open the page above, pay, and wait for the notification…');
    }
    const notice = await noticed;
    console.log(
      `notification: order ${notice.order_no} status ${notice.order_status === '0' ? 'paid' : notice.order_status}, ${yuan(notice.order_amount)}`,
    );
    const q = await client.queryRechargeOrder({ order_no, order_amount: 5_000 });
    console.log(`queryRechargeOrder: ${q.order_status} (${q.order_state})`);
  } finally {
    server.close();
    await gw.close();
  }
});

/**
 * `npm run demo`: one end-to-end run of both gateways against the embedded sandbox, printed as a
 * transcript — each call and its reply, the ledger moving, notifications arriving.
 */
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryJournalStore, OneCardClient, OutcomeUnknownError, ZhixiaoPayClient } from 'campus-pay';
import { startSandbox } from 'campus-pay/sandbox';
import { yuan } from './connect.js';

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const step = (title: string) => console.log(`\n${bold(`▸ ${title}`)}`);
const show = (label: string, value: unknown) => {
  const json = JSON.stringify(value);
  console.log(`  ${label.padEnd(10)} ${dim(json.length > 200 ? `${json.slice(0, 197)}…` : json)}`);
};

async function call<T>(label: string, input: unknown, fn: () => Promise<T>): Promise<T> {
  show('→ call', { [label]: input });
  const out = await fn();
  show('← reply', out);
  return out;
}

async function listen(handler: RequestListener) {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`,
    close: () => server.close(),
  };
}

/** `--stay` keeps the sandbox and its console up after the run, for a look in a browser. */
const STAY = process.argv.includes('--stay');

async function main() {
  const sb = await startSandbox({ notifications: { retryDelaysMs: [0, 200, 400] } });
  const balance = (account: string, type = '###') =>
    sb.onecardGateway.ledger.cardholders
      .find((c) => c.account === account)!
      .accounts.find((a) => a.type === type)!.balance;
  const onecard = new OneCardClient(sb.onecard);
  const zhixiao = new ZhixiaoPayClient(sb.zhixiao);
  const merchant = await listen(
    onecard.nodeRechargeNotificationHandler({
      onNotification: (n) =>
        console.log(
          `  ${bold('✉ notice')}   OneCard recharge ${n.order_no}: status ${n.order_status}, ${yuan(n.order_amount)} — answered "ok"`,
        ),
    }),
  );
  const shop = await listen(
    zhixiao.nodeNotificationHandler({
      onNotification: (n) =>
        console.log(
          `  ${bold('✉ notice')}   Zhixiao order ${n.out_trade_no} paid at ${n.time_end} — answered "success"`,
        ),
    }),
  );
  const stop = async () => {
    merchant.close();
    shop.close();
    await sb.close();
  };
  console.log(bold('campus-pay demo — both gateways against the embedded sandbox'));
  console.log(
    dim(`sandbox ${sb.url} (its console: ${STAY ? 'open it in a browser' : 'npm run demo -- --stay'})`),
  );
  try {
    step('OneCard 一卡通: who is student 2023000001?');
    const { card } = await call('queryCard', { idtype: 'sno', id: '2023000001' }, () =>
      onecard.queryCard({ idtype: 'sno', id: '2023000001' }),
    );
    const account = card[0]!.account;
    console.log(
      `  ledger     card account ${account}: ${yuan(balance(account))}, subsidy e-account 001: ${yuan(balance(account, '001'))}`,
    );
    console.log(dim(`  (the client fetched its access token first: ${onecard.tokenFetches} fetch)`));

    step('Move ¥20 from the subsidy e-account to the card account');
    await call('transfer', { account, tranamt: 2000 }, () =>
      onecard.transfer({
        account,
        tranamt: 2_000,
        src_acctype: '001',
        dst_acctype: '###',
        remark: '补助转入',
      }),
    );
    console.log(`  ledger     card ${yuan(balance(account))}, subsidy ${yuan(balance(account, '001'))}`);

    step('Canteen: the student shows a payment code, the POS charges ¥12.50 once');
    const code = await call('getBarcode', { account }, () =>
      onecard.getBarcode({ account, paytype: '1', payacc: '###' }),
    );
    await call('payByBarcode', { barcode: code.barcode, tranamt: 1250 }, () =>
      onecard.payByBarcode({ barcode: code.barcode, mercacc: '1000060', tranamt: 1_250, dineseq: '2' }),
    );
    console.log(
      `  ledger     card ${yuan(balance(account))}, canteen takings ${yuan(sb.onecardGateway.ledger.merchants.get('1000060')!)}`,
    );
    const again = await onecard
      .payByBarcode({ barcode: code.barcode, mercacc: '1000060', tranamt: 1_250, dineseq: '2' })
      .catch((e: Error) => e);
    console.log(`  replayed   the same code again → ${(again as Error).message}`);

    step('A lost reply: the sandbox charges, then drops the connection');
    const code2 = await onecard.getBarcode({ account, paytype: '1' });
    sb.faults.next('dropAfterProcess');
    const lost = await onecard
      .payByBarcode({ barcode: code2.barcode, mercacc: '1000060', tranamt: 300, dineseq: '3' })
      .catch((e: Error) => e);
    if (lost instanceof OutcomeUnknownError) console.log(`  ${bold('! outcome unknown')} ${lost.message}`);
    console.log(`  ledger     card ${yuan(balance(account))} — charged exactly once`);

    step('Recharge ¥50 through the payment gateway; the payer pays on the sandbox page');
    const order_no = `RC${Date.now()}`;
    const r = await call('recharge', { order_no, order_amount: 5000 }, () =>
      onecard.recharge({
        client_type: 'web',
        pay_type: 'alipay',
        account,
        acctype: '###',
        order_no,
        order_amount: 5_000,
        return_url: 'https://example.edu.cn/done',
        notify_url: merchant.url,
      }),
    );
    await fetch(`${r.post_url}/pay`, { method: 'POST' });
    await sb.waitForNotifications();
    await call('queryRechargeOrder', { order_no }, () =>
      onecard.queryRechargeOrder({ order_no, order_amount: 5_000 }),
    );
    console.log(`  ledger     card ${yuan(balance(account))}`);

    step('Zhixiao 知校: tuition order → payment → notification → query → partial refund');
    const out_trade_no = `ZX${Date.now()}`;
    const order = await call('createOrder', { out_trade_no, total_fee: 19800 }, () =>
      zhixiao.createOrder({
        body: '2026 秋季学费 autumn tuition',
        out_trade_no,
        total_fee: 19_800,
        notify_url: shop.url,
        user_no: '2023000001',
      }),
    );
    await fetch(`${order.url}/pay`, { method: 'POST' });
    await sb.waitForNotifications();
    await call('queryOrder', { out_trade_no }, () => zhixiao.queryOrder({ out_trade_no }));
    await call('refundOrder', { out_trade_no, refund_fee: 9800 }, () =>
      zhixiao.refundOrder({ out_trade_no, refund_fee: 9_800 }),
    );
    const over = await zhixiao.refundOrder({ out_trade_no, refund_fee: 10_001 }).catch((e: Error) => e);
    console.log(`  over-refund ${yuan(10_001)} → ${(over as Error).message}`);

    step('A lost reply settled by a sweep: the payment journal remembers what was sent');
    const journal = new MemoryJournalStore();
    const books = new ZhixiaoPayClient({
      ...sb.zhixiao,
      journal,
      onSettled: (e) =>
        console.log(
          `  ${bold('✓ onSettled')} ${e.orderKey}: ${e.state} ${yuan(e.amount)} (learned by the ${e.source})`,
        ),
    });
    const lostNo = `ZX${Date.now()}L`;
    sb.faults.next('commitThenDrop');
    const unknown = await books
      .createOrder({
        body: '2026 秋季住宿费 housing',
        out_trade_no: lostNo,
        total_fee: 120_000,
        notify_url: shop.url,
      })
      .catch((e: Error) => e);
    if (unknown instanceof OutcomeUnknownError) {
      console.log(`  ${bold('! outcome unknown')} ${unknown.message}`);
      const entry = await journal.get(unknown.journalId!);
      console.log(`  journal    ${lostNo}: ${entry?.state}`);
    }
    // The gateway booked it; the payer pays on its page, and the gateway's notice is lost as well.
    const booked = [...sb.zhixiaoGateway.orders.values()].find((o) => o.out_trade_no === lostNo)!;
    sb.faults.next('dropNotice');
    await fetch(`${sb.url}/pay/zhixiao/${booked.order_id}/pay`, { method: 'POST' });
    console.log(`  gateway    ${lostNo} paid ${yuan(booked.total_fee)}; its notice never arrives`);
    const swept = await books.sweep({ olderThanMs: 0 });
    console.log(
      `  sweep      ${swept.total} unsettled entry → ${JSON.stringify(swept.states)}, ${swept.announced} event`,
    );

    step('Bad input never leaves the process');
    const bad = await zhixiao
      .createOrder({ body: 'x', out_trade_no: 'B1', total_fee: 0.5, notify_url: shop.url })
      .catch((e: Error) => e);
    console.log(`  ${(bad as Error).message}`);

    console.log(
      `\n${bold('✓ done')} — ${sb.notifications.filter((n) => n.acknowledged).length} notifications delivered and acknowledged; ${onecard.tokenFetches} token fetch.`,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  if (!STAY) return stop();
  // The console shows the orders, notices and calls above; it stays until Ctrl+C.
  console.log(`\n${bold('console')}    ${sb.url}/ — open it in a browser; Ctrl+C stops the sandbox`);
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: Error) => {
  console.error(err);
  process.exitCode = 1;
});

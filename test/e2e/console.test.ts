/**
 * The sandbox console in headless Chromium: every button is clicked and its effect checked through the
 * SDK's clients, real merchant endpoints and the sandbox's ledger: orders paid, failed, expired and
 * refunded; notices replayed, duplicated, delayed and dropped; a fault armed for one method hitting the
 * next call of that method and not the token fetch; the faults cleared. The page and the console's
 * state are scanned for secrets. With CAMPUS_PAY_WRITE_SCREENSHOT=1 the last test writes
 * docs/images/console.png (the READMEs show it).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MemoryTokenStore,
  OneCardClient,
  type OneCardSchemas,
  ZhixiaoPayClient,
  type ZhixiaoSchemas,
} from '../../src/index.js';
import { type CallEvent, type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { chromiumAvailable, launchChromium } from '../helpers/chromium.js';
import { startMerchant } from '../helpers/merchant.js';
import { scanText } from '../helpers/secret-scan.js';
import { scaled, TIMEOUTS, waitFor } from '../helpers/timeouts.js';

const available = chromiumAvailable('console e2e');

let sb: Sandbox;
let browser: Browser;
let page: Page;
let zx: ZhixiaoPayClient;
let oc: OneCardClient;
const zxNotices: ZhixiaoSchemas.PaymentNotification[] = [];
const ocNotices: OneCardSchemas.RechargeNotification[] = [];
const closers: Array<() => Promise<void>> = [];
let zxMerchant: string;
let ocMerchant: string;
/** A merchant endpoint that answers every notice `fail`: its notices keep a next attempt waiting. */
const refused: string[] = [];
let refusingMerchant: string;

let n = 0;
const tag = (t: string) => `C${Date.now()}${t}${++n}`;
const click = (post: string) => page.locator(`button[data-post="${post}"]`).click();

describe.runIf(available)('the sandbox console in headless Chromium', () => {
  beforeAll(async () => {
    // A refused notice is tried again only after a minute: long enough to Delay or Drop it by hand.
    sb = await startSandbox({
      onecard: { tokenMinIntervalMs: 0 },
      notifications: { retryDelaysMs: [0, scaled(60_000)] },
    });
    zx = new ZhixiaoPayClient(sb.zhixiao);
    oc = new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore() });
    const zm = await startMerchant(
      zx.nodeNotificationHandler({ onNotification: (x) => void zxNotices.push(x) }),
    );
    const om = await startMerchant(
      oc.nodeRechargeNotificationHandler({ onNotification: (x) => void ocNotices.push(x) }),
    );
    const refusing = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        refused.push(body);
        res.end('fail');
      });
    });
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    zxMerchant = zm.url;
    ocMerchant = om.url;
    refusingMerchant = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/`;
    closers.push(zm.close, om.close, () => new Promise((r) => refusing.close(() => r())));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(sb.url);
    await page.waitForSelector('#live.on');
  }, TIMEOUTS.slow);
  afterAll(async () => {
    await browser?.close();
    await sb?.close();
    for (const close of closers) await close();
  });

  it('Zhixiao orders: Pay notifies the merchant, Refund returns the rest, Fail and Expire end pending orders', async () => {
    const [a, b, c] = await Promise.all(
      ['A', 'B', 'C'].map(async (t) => {
        const out_trade_no = tag(t);
        const o = await zx.createOrder({
          body: '学费 tuition',
          out_trade_no,
          total_fee: 19_800,
          notify_url: zxMerchant,
        });
        return { out_trade_no, order_id: o.order_id };
      }),
    );
    await click(`/api/orders/zhixiao/${a!.order_id}/pay`);
    await waitFor('the notice of the paid order', () =>
      zxNotices.some((x) => x.out_trade_no === a!.out_trade_no),
    );
    await expect(zx.queryOrder({ out_trade_no: a!.out_trade_no })).resolves.toMatchObject({ status: 2 });
    await page.locator('#orders tr', { hasText: a!.order_id }).filter({ hasText: '支付成功' }).waitFor();

    await click(`/api/orders/zhixiao/${a!.order_id}/refund`);
    // Refunded in full: the gateway now refuses even one fen more.
    await waitFor('the refund', () => sb.zhixiaoGateway.orders.get(a!.order_id)!.refunded === 19_800);
    await expect(zx.refundOrder({ out_trade_no: a!.out_trade_no, refund_fee: 1 })).rejects.toMatchObject({
      gatewayCode: '-1',
    });

    await click(`/api/orders/zhixiao/${b!.order_id}/fail`);
    await click(`/api/orders/zhixiao/${c!.order_id}/expire`);
    for (const o of [b!, c!])
      await waitFor(
        `${o.out_trade_no} failed`,
        async () => (await zx.queryOrder({ out_trade_no: o.out_trade_no })).status === 3,
      );
    // No notice for a failed order (the gateway notifies payments only).
    expect(zxNotices.filter((x) => [b!, c!].some((o) => o.out_trade_no === x.out_trade_no))).toEqual([]);
  });

  it('OneCard recharges: Pay credits the card and notifies, Refund starts a refund, Fail and Expire fail', async () => {
    const balance = () =>
      sb.onecardGateway.ledger.cardholders
        .find((h) => h.account === '10002')!
        .accounts.find((x) => x.type === '###')!.balance;
    const before = balance();
    const orders = [];
    const web = { client_type: 'web', pay_type: 'alipay', return_url: 'http://r' } as const;
    for (const t of ['P', 'Q', 'R']) {
      const order_no = tag(t);
      const card = { account: '10002', acctype: '###', order_amount: 300 };
      const r = await oc.recharge({ ...web, ...card, order_no, notify_url: ocMerchant });
      orders.push({ order_no, out_id: r.out_id, order_amount: 300 });
    }
    const [p, q, r] = orders as [(typeof orders)[0], (typeof orders)[0], (typeof orders)[0]];
    const state = async (o: typeof p) =>
      (await oc.queryRechargeOrder({ order_no: o.order_no, order_amount: 300 })).order_state;

    await click(`/api/orders/onecard/${p.out_id}/pay`);
    await waitFor('the credit notice', () => ocNotices.some((x) => x.order_no === p.order_no));
    expect(await state(p)).toBe('credited');
    expect(balance()).toBe(before + 300);
    await click(`/api/orders/onecard/${p.out_id}/refund`);
    await waitFor('the refund', async () => (await state(p)) === 'refunding');

    await click(`/api/orders/onecard/${q.out_id}/fail`);
    await click(`/api/orders/onecard/${r.out_id}/expire`);
    for (const o of [q, r]) await waitFor(`${o.order_no} failed`, async () => (await state(o)) === 'failed');
    expect(ocNotices.filter((x) => x.order_no === q.order_no)).toEqual([
      expect.objectContaining({ order_status: '77' }),
    ]);
    expect(balance()).toBe(before + 300);
  });

  it('notices: Replay and Duplicate reach the merchant again; Delay brings a waiting attempt forward, Drop ends it', async () => {
    const out_trade_no = tag('D');
    const d = await zx.createOrder({ body: 'x', out_trade_no, total_fee: 100, notify_url: zxMerchant });
    await click(`/api/orders/zhixiao/${d.order_id}/pay`);
    const received = () => zxNotices.filter((x) => x.out_trade_no === out_trade_no).length;
    await waitFor('the first notice', () => received() === 1);
    const id = sb.notifications.find((r) => r.ref === d.order_id)!.id;
    await click(`/api/notices/${id}/replay`);
    await waitFor('the replayed notice', () => received() === 2);
    await click(`/api/notices/${id}/duplicate`);
    await waitFor('the two duplicates', () => received() === 4);
    expect(new Set(zxNotices.filter((x) => x.out_trade_no === out_trade_no).map((x) => x.order_id))).toEqual(
      new Set([d.order_id]),
    );

    const e = await zx.createOrder({
      body: 'x',
      out_trade_no: tag('E'),
      total_fee: 100,
      notify_url: refusingMerchant,
    });
    await click(`/api/orders/zhixiao/${e.order_id}/pay`);
    await waitFor('the first refused attempt', () => refused.length === 1);
    const waiting = sb.notifications.find((r) => r.ref === e.order_id)!;
    const row = page.locator('#notices tr', { hasText: e.order_id });
    await row.filter({ hasText: 'next attempt' }).waitFor();
    await page.fill('#delay-ms', '0');
    await click(`/api/notices/${waiting.id}/delay`);
    await waitFor('the second attempt, a minute early', () => refused.length === 2);
    await row.filter({ hasText: '2. ' }).waitFor();
    await click(`/api/notices/${waiting.id}/drop`);
    await row.filter({ hasText: 'dropped' }).waitFor();
    expect(waiting).toMatchObject({ dropped: true, acknowledged: false });
    expect(waiting.nextAttemptAt).toBeUndefined();
    expect(await page.locator(`button[data-post="/api/notices/${waiting.id}/drop"]`).isDisabled()).toBe(true);
  });

  it('faults: one armed for queryCard hits that call, not the token fetch before it; Clear all empties the list', async () => {
    const client = new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore(), retryBaseMs: 1 });
    await page.selectOption('#kind', 'serverError');
    await page.selectOption('#method', 'queryCard');
    await page.fill('#count', '1');
    await page.click('#arm button[type=submit]');
    await page.locator('#armed tr', { hasText: 'queryCard' }).waitFor();
    expect(sb.faults.armed()).toEqual([{ kind: 'serverError', method: 'queryCard', remaining: 1 }]);

    const calls: CallEvent[] = [];
    const stop = sb.events.subscribe((ev) => void (ev.type === 'call' && calls.push(ev)));
    const fetches = sb.onecardGateway.tokenFetches;
    try {
      await client.queryCard({ idtype: 'acc', id: '10001' }); // a query is retried after a 502
    } finally {
      stop();
    }
    expect(sb.onecardGateway.tokenFetches).toBe(fetches + 1);
    expect(calls.map((c) => [c.method, c.status, c.faults])).toEqual([
      ['getAccessToken', 200, []],
      ['queryCard', 502, ['serverError']],
      ['queryCard', 200, []],
    ]);
    await page.locator('#armed', { hasText: 'none' }).waitFor();
    await page.locator('#calls tr', { hasText: 'serverError' }).first().waitFor();
    await page.locator('#tokens tr').first().waitFor();

    await page.selectOption('#kind', 'busy');
    await page.selectOption('#method', '');
    await page.click('#arm button[type=submit]');
    await page.locator('#armed tr', { hasText: 'busy' }).waitFor();
    await page.click('#clear-faults');
    await page.locator('#armed', { hasText: 'none' }).waitFor();
    expect(sb.faults.armed()).toEqual([]);
  });

  it('shows no secret: the page and the console state are scanned', async () => {
    await page.locator('#feed div').first().waitFor();
    scanText('console page', await page.content());
    scanText('console state', await (await fetch(`${sb.url}/api/console/state`)).text());
    expect(await page.textContent('#cards')).toContain('张三');
    if (process.env.CAMPUS_PAY_WRITE_SCREENSHOT) {
      const shot = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
      await shot.goto(sb.url);
      await shot.locator('#orders tr').first().waitFor();
      await shot.screenshot({ path: join(import.meta.dirname, '..', '..', 'docs', 'images', 'console.png') });
    }
  });
});

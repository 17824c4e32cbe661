import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OneCardClient,
  type OneCardSchemas,
  ZhixiaoPayClient,
  type ZhixiaoSchemas,
} from '../../src/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { chromiumAvailable, launchChromium } from '../helpers/chromium.js';
import { startMerchant } from '../helpers/merchant.js';
import { TIMEOUTS } from '../helpers/timeouts.js';

const available = chromiumAvailable('pay-page e2e');

let sb: Sandbox;
let browser: Browser;

describe.runIf(available)('the sandbox pay page in headless Chromium', () => {
  beforeAll(async () => {
    sb = await startSandbox({ notifications: { retryDelaysMs: [0, 100] } });
    browser = await launchChromium();
  }, TIMEOUTS.slow);
  afterAll(async () => {
    await browser?.close();
    await sb?.close();
  });

  it('Zhixiao: click Pay → the merchant handler receives the notice, the page shows it acknowledged', async () => {
    const client = new ZhixiaoPayClient(sb.zhixiao);
    const notices: ZhixiaoSchemas.PaymentNotification[] = [];
    const merchant = await startMerchant(
      client.nodeNotificationHandler({ onNotification: (n) => void notices.push(n) }),
    );
    try {
      const out_trade_no = `E2E${Date.now()}`;
      const order = await client.createOrder({
        body: '学费 tuition',
        out_trade_no,
        total_fee: 19_800,
        notify_url: merchant.url,
      });
      const page = await browser.newPage();
      await page.goto(order.url!);
      expect(await page.textContent('body')).toContain('¥198.00');
      await page.click('#pay');
      await page.waitForSelector('#attempts >> text=success ✓');
      expect(await page.textContent('#status')).toContain('paid');
      expect(notices).toEqual([expect.objectContaining({ out_trade_no, order_id: order.order_id })]);
      await expect(client.queryOrder({ out_trade_no })).resolves.toMatchObject({ status: 2 });
    } finally {
      await merchant.close();
    }
  });

  it('OneCard recharge: the auto-submitting form leads to the pay page; Fail is notified too', async () => {
    const client = new OneCardClient(sb.onecard);
    const notices: OneCardSchemas.RechargeNotification[] = [];
    const merchant = await startMerchant(
      client.nodeRechargeNotificationHandler({ onNotification: (n) => void notices.push(n) }),
    );
    try {
      const order_no = `E2E${Date.now()}`;
      const r = await client.recharge({
        client_type: 'web',
        pay_type: 'alipay',
        account: '10002',
        acctype: '###',
        order_no,
        order_amount: 300,
        return_url: 'http://r',
        notify_url: merchant.url,
      });
      const { rechargeToHtmlForm } = await import('../../src/index.js');
      const page = await browser.newPage();
      await page.setContent(rechargeToHtmlForm(r));
      await page.waitForURL(`${r.post_url}`);
      await page.click('#fail');
      await page.waitForSelector('#attempts >> text=ok ✓');
      expect(notices).toEqual([expect.objectContaining({ order_no, order_status: '77' })]);
      await expect(client.queryRechargeOrder({ order_no, order_amount: 300 })).resolves.toMatchObject({
        order_state: 'failed',
      });
    } finally {
      await merchant.close();
    }
  });
});

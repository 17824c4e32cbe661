/**
 * Every framework recipe in examples/recipes, as the README shows it, receiving real notices: a real
 * sandbox creates a Zhixiao order and a OneCard recharge whose notify_url point at the recipe, its pay
 * page pays them, and its notifier POSTs the signed notices over HTTP. A forged notice is refused, and a
 * body read away by earlier middleware is answered (never left hanging) with how to mount the handler.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { IncomingMessage, RequestListener } from 'node:http';
import { bodyParser } from '@koa/bodyparser';
import { buildOneCardNotification, OneCardClient, SignatureError, ZhixiaoPayClient } from 'campus-pay';
import { type Sandbox, startSandbox } from 'campus-pay/sandbox';
import express from 'express';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressApp, listenExpress } from '../../examples/recipes/express.js';
import { listenFastify } from '../../examples/recipes/fastify.js';
import { listenHono } from '../../examples/recipes/hono.js';
import { listenKoa } from '../../examples/recipes/koa.js';
import { listenNext } from '../../examples/recipes/next-route.js';
import {
  type Listening,
  listenNode,
  type Notice,
  ONECARD_PATH,
  type RecipeOptions,
  ZHIXIAO_PATH,
} from '../../examples/recipes/recipe.js';
import { scaled } from '../helpers/timeouts.js';

let sb: Sandbox;
let onecard: OneCardClient;
let zhixiao: ZhixiaoPayClient;

beforeAll(async () => {
  sb = await startSandbox({ notifications: { retryDelaysMs: [0, 50] } });
  onecard = new OneCardClient(sb.onecard);
  zhixiao = new ZhixiaoPayClient(sb.zhixiao);
});
afterAll(() => sb?.close());

const recipes: Array<[string, (o: RecipeOptions) => Promise<Listening>]> = [
  ['express', listenExpress],
  [
    // The README says an app-wide form parser before the recipe's routes works too: the handler uses its fields.
    'express behind an app-wide express.urlencoded()',
    (o) =>
      listenNode(
        express()
          .use(express.urlencoded({ extended: false }))
          .use(expressApp(o)),
      ),
  ],
  ['koa', listenKoa],
  ['fastify', listenFastify],
  ['hono', listenHono],
  ['next-route', listenNext],
];

/** A recipe listening with a callback and an onError that record what they get. */
async function start(listen: (o: RecipeOptions) => Promise<Listening>) {
  const notices: Notice[] = [];
  const errors: unknown[] = [];
  const server = await listen({
    onecard,
    zhixiao,
    onNotification: (n) => void notices.push(n),
    onError: (e) => void errors.push(e),
  });
  return { server, notices, errors };
}

let seq = 0;
const key = (prefix: string) => `${prefix}${Date.now()}${++seq}`;

/** POSTs a notice body as the gateways do, and reads the answer; a hang fails on the signal. */
async function post(url: string, body: string) {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' },
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, text: await res.text() };
}

describe.each(recipes)('%s recipe', (_name, listen) => {
  it('receives both gateways’ real notices, verified, and the gateways read their acknowledgement', async () => {
    const { server, notices, errors } = await start(listen);
    try {
      const out_trade_no = key('ZX');
      const order = await zhixiao.createOrder({
        body: '2026 秋季学费 tuition',
        out_trade_no,
        total_fee: 19_800,
        notify_url: `${server.url}${ZHIXIAO_PATH}`,
        user_no: '2023000001',
      });
      const order_no = key('RC');
      const recharge = await onecard.recharge({
        client_type: 'web',
        pay_type: 'alipay',
        account: '10001',
        acctype: '###',
        order_no,
        order_amount: 5_000,
        return_url: 'http://example.edu/return',
        notify_url: `${server.url}${ONECARD_PATH}`,
      });
      expect((await fetch(`${order.url}/pay`, { method: 'POST' })).status).toBe(200);
      expect((await fetch(`${recharge.post_url}/pay`, { method: 'POST' })).status).toBe(200);
      await sb.waitForNotifications(scaled(10_000));

      // Zhixiao's notice carries no amount (spec 2.5): its keys are the merchant's and the gateway's order numbers.
      expect(notices.filter((n) => n.gateway === 'zhixiao').map((n) => n.notice)).toEqual([
        expect.objectContaining({ out_trade_no, order_id: order.order_id, user_no: '2023000001' }),
      ]);
      expect(notices.filter((n) => n.gateway === 'onecard').map((n) => n.notice)).toEqual([
        expect.objectContaining({ order_no, order_amount: 5_000, order_status: '0' }),
      ]);
      const log = (ref: string) => sb.notifications.find((n) => n.ref === ref);
      expect(log(order.order_id)).toMatchObject({
        acknowledged: true,
        attempts: [{ status: 200, answer: 'success', acknowledged: true }],
      });
      expect(log(recharge.out_id)).toMatchObject({
        acknowledged: true,
        attempts: [{ status: 200, answer: 'ok', acknowledged: true }],
      });
      expect(errors).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('refuses forged notices (bad sign) and never passes them to the callback', async () => {
    const { server, notices, errors } = await start(listen);
    try {
      // Signed with another appSecret: everything right but the sign.
      const forger = new ZhixiaoPayClient({ ...sb.zhixiao, appSecret: 'not-the-merchant-secret' });
      const zx = await post(
        `${server.url}${ZHIXIAO_PATH}`,
        forger.buildNotification({
          out_trade_no: key('ZX'),
          order_id: '1',
          time_end: '2026-11-22 10:00:00',
          pay_type: '1',
        }),
      );
      // Encrypted with the right 3DES key but signed with a key that is not the platform's.
      const oc = await post(
        `${server.url}${ONECARD_PATH}`,
        buildOneCardNotification(
          {
            desKey: sb.onecard.desKey,
            platformPrivateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
          },
          { order_no: key('RC'), order_amount: '5000', order_status: '0', out_id: '1' },
        ),
      );
      expect([zx, oc]).toEqual([
        { status: 400, text: 'fail' },
        { status: 400, text: 'fail' },
      ]);
      expect(notices).toEqual([]);
      expect(errors).toHaveLength(2);
      for (const e of errors) expect(e).toMatchObject({ name: SignatureError.name, reason: 'mismatch' });
    } finally {
      await server.close();
    }
  });
});

describe.each(recipes)('%s recipe, notices not sent as a form', (_name, listen) => {
  it.each([
    ['text/plain', { 'Content-Type': 'text/plain' }],
    ['no content type', {}],
  ])('%s: still verified and acknowledged', async (_type, headers) => {
    const { server, notices, errors } = await start(listen);
    try {
      const out_trade_no = key('ZX');
      const body = zhixiao.buildNotification({
        out_trade_no,
        order_id: '7',
        time_end: '2026-11-22 10:00:00',
      });
      // Bytes, so that fetch adds no content type of its own.
      const res = await fetch(`${server.url}${ZHIXIAO_PATH}`, {
        method: 'POST',
        body: new TextEncoder().encode(body),
        headers,
        signal: AbortSignal.timeout(10_000),
      });
      expect([res.status, await res.text()]).toEqual([200, 'success']);
      expect(notices).toEqual([
        { gateway: 'zhixiao', notice: expect.objectContaining({ out_trade_no, order_id: '7' }) },
      ]);
      expect(errors).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

/** Earlier middleware that read the whole body and kept nothing (a logger, a hash check). */
const drained =
  (listener: RequestListener): RequestListener =>
  (req: IncomingMessage, res) => {
    req.on('data', () => {});
    req.on('end', () => listener(req, res));
  };

describe.each([
  ['express', (o: RecipeOptions) => drained(expressApp(o)), /express\.raw/],
  [
    // @koa/bodyparser app-wide, and the handler given Node's ctx.req, where the parser left nothing (the
    // README's Koa line before the recipes): the stream is read, the body is on ctx.request.
    'koa given ctx.req',
    (o: RecipeOptions) => {
      const handler = o.zhixiao.nodeNotificationHandler({
        onNotification: (notice) => o.onNotification({ gateway: 'zhixiao', notice }),
        ...(o.onError ? { onError: o.onError } : {}),
      });
      const app = new Koa();
      app.use(bodyParser());
      app.use(async (ctx) => {
        ctx.respond = false;
        await handler(ctx.req, ctx.res);
      });
      return app.callback();
    },
    /ctx\.request/,
  ],
] as const)('%s, behind a parser that consumed the body', (_name, build, howTo) => {
  it('answers 400 fail at once, never hangs, and onError says how to mount the handler', async () => {
    const notices: Notice[] = [];
    const errors: unknown[] = [];
    const server = await listenNode(
      build({
        onecard,
        zhixiao,
        onNotification: (n) => void notices.push(n),
        onError: (e) => void errors.push(e),
      }),
    );
    try {
      const body = zhixiao.buildNotification({
        out_trade_no: key('ZX'),
        order_id: '1',
        time_end: '2026-11-22 10:00:00',
      });
      expect(await post(`${server.url}${ZHIXIAO_PATH}`, body)).toEqual({ status: 400, text: 'fail' });
      expect(notices).toEqual([]);
      expect(errors).toHaveLength(1);
      expect((errors[0] as Error).message).toMatch(/already read by a body parser/);
      expect((errors[0] as Error).message).toMatch(howTo);
    } finally {
      await server.close();
    }
  });
});

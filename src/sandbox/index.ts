/**
 * A local emulation of both gateways on one HTTP server, for examples, demos and integration tests:
 * no credentials needed. It signs and checks exactly as the real gateways do, with their error codes.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type KeyInput, loadPrivateKey } from '../core/crypto.js';
import { FaultControls, type Faults } from './faults.js';
import { type NotificationRecord, Notifier, type NotifierOptions } from './notifier.js';
import { OneCardSandbox, type OneCardSandboxOptions } from './onecard.js';
import { dashboard, type PayPageModel, payPage } from './pages.js';
import type { ReplyStyle } from './reply-style.js';
import { ZHIXIAO_SANDBOX_PATHS, ZhixiaoSandbox } from './zhixiao.js';

export type { Faults } from './faults.js';
export type { NotificationAttempt, NotificationRecord, NotifierOptions } from './notifier.js';
export type { ReplyStyle } from './reply-style.js';
export { ZHIXIAO_SANDBOX_PATHS } from './zhixiao.js';

/** The Zhixiao test credentials printed in the v1.27 spec. */
export const ZHIXIAO_SPEC_TEST_CREDENTIALS = {
  appId: 'partner1',
  appSecret: 'weiweixiao',
  aesKey: 'AD42F6697B035B7580E4FEF93BE20B4D',
} as const;

export const ONECARD_GATEWAY_PATH = '/onecard/uap/gateway.action';

export interface SandboxOptions {
  /** Port to listen on (default 0: a free port). */
  port?: number;
  host?: string;
  onecard?: OneCardSandboxOptions & {
    appKey?: string;
    /** base64 of 24 bytes; generated when omitted. */
    desKey?: string;
    /** The merchant's key pair (the client signs with it); generated when omitted. */
    merchantPrivateKey?: KeyInput;
    /** The platform's key pair (the sandbox signs replies with it); generated when omitted. */
    platformPrivateKey?: KeyInput;
  };
  zhixiao?: {
    appId?: string;
    appSecret?: string;
    aesKey?: string;
    /** An unpaid order expires after this long (default one hour, as the spec says: 支付有效时间为 1 小时). */
    orderTtlMs?: number;
  };
  notifications?: NotifierOptions;
  faults?: Faults;
  /**
   * How empty optional reply fields are written: "" (default), null (as a Java gateway does) or left out.
   * Default from CAMPUS_PAY_SANDBOX_REPLY_STYLE.
   */
  replyStyle?: ReplyStyle;
  /** Serve HTTPS with this key and certificate (to test private-CA setups). */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface Sandbox {
  url: string;
  /** Spread into `new OneCardClient({...sandbox.onecard})`. PEM strings, generated per sandbox. */
  onecard: {
    gatewayUrl: string;
    appKey: string;
    desKey: string;
    privateKey: string;
    platformPublicKey: string;
    /** No proxy: a proxy variable meant for the internet must not catch calls to the local sandbox. */
    proxy: false;
  };
  /** Spread into `new ZhixiaoPayClient({...sandbox.zhixiao})`. */
  zhixiao: {
    baseUrl: string;
    appId: string;
    appSecret: string;
    aesKey: string;
    paths: { getIdentity: string; getUserCard: string; createInvoice: string };
    proxy: false;
  };
  faults: FaultControls;
  onecardGateway: OneCardSandbox;
  zhixiaoGateway: ZhixiaoSandbox;
  notifications: NotificationRecord[];
  /** Resolves when every notification sent so far has been acknowledged (or the timeout passes). */
  waitForNotifications(timeoutMs?: number): Promise<void>;
  /** Resolves when no gateway API call is being handled, e.g. a `slow` one its client stopped waiting for. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const pem = (k: KeyObject, type: 'pkcs8' | 'spki') => k.export({ format: 'pem', type }).toString();
const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readBody(req: IncomingMessage, limit = 1 << 20): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) req.destroy(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const oc = options.onecard ?? {};
  const merchant = oc.merchantPrivateKey
    ? loadPrivateKey(oc.merchantPrivateKey, { option: 'onecard.merchantPrivateKey' })
    : rsa().privateKey;
  const platform = oc.platformPrivateKey
    ? loadPrivateKey(oc.platformPrivateKey, { option: 'onecard.platformPrivateKey' })
    : rsa().privateKey;
  const appKey = oc.appKey ?? 'sandbox-app';
  const desKey = oc.desKey ?? randomBytes(24).toString('base64');
  const { orderTtlMs, ...zxCredentials } = options.zhixiao ?? {};
  const zx = { ...ZHIXIAO_SPEC_TEST_CREDENTIALS, ...zxCredentials };

  let url = '';
  const notifier = new Notifier(options.notifications);
  const faults = new FaultControls();
  if (options.faults) faults.set(options.faults);
  const onecard = new OneCardSandbox(
    { appKey, desKey, merchantPublicKey: publicOf(merchant), platformPrivateKey: platform },
    notifier,
    () => url,
    oc,
  );
  const zhixiao = new ZhixiaoSandbox(zx, notifier, () => url, orderTtlMs === undefined ? {} : { orderTtlMs });

  const apiPaths = new Set<string>(zhixiao.paths);
  const style = options.replyStyle ?? replyStyleFromEnv();
  onecard.replyStyle = style;
  zhixiao.replyStyle = style;

  /** Gateway API calls being handled now (a `slow` one included, after its client gave up). */
  let inFlight = 0;
  async function api(req: IncomingMessage, res: ServerResponse, path: string) {
    inFlight++;
    try {
      await apiCall(req, res, path);
    } finally {
      inFlight--;
    }
  }

  /** A gateway API call, with the fault knobs applied around the real processing. */
  async function apiCall(req: IncomingMessage, res: ServerResponse, path: string) {
    const form = new URLSearchParams(await readBody(req));
    const delay = faults.delayMs();
    if (delay) await sleep(delay);
    if (faults.roll('dropBeforeProcess')) return void req.socket.destroy();
    if (faults.roll('serverError')) {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      return void res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    }
    const isOneCard = path === ONECARD_GATEWAY_PATH;
    const bad = faults.roll('badSignature');
    const body = isOneCard
      ? onecard.encode(onecard.handle(form), bad)
      : zhixiao.encode(zhixiao.handle(path, form), bad);
    if (faults.roll('dropAfterProcess')) return void req.socket.destroy();
    const sent = faults.roll('emptyBody')
      ? ''
      : faults.roll('truncated')
        ? body.slice(0, Math.floor(body.length / 2))
        : body;
    res.writeHead(200, {
      'Content-Type': isOneCard ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    });
    res.end(sent);
  }

  function json(res: ServerResponse, status: number, value: unknown) {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(value));
  }

  function html(res: ServerResponse, body: string) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(body);
  }

  async function route(req: IncomingMessage, res: ServerResponse) {
    const { pathname } = new URL(req.url ?? '/', 'http://sandbox');
    if (req.method === 'POST' && (pathname === ONECARD_GATEWAY_PATH || apiPaths.has(pathname)))
      return api(req, res, pathname);
    const pay = /^\/pay\/(zhixiao|onecard)\/([^/]+)(?:\/(pay|fail))?$/.exec(pathname);
    if (pay) {
      const [, gw, ref, action] = pay as unknown as [
        string,
        'zhixiao' | 'onecard',
        string,
        'pay' | 'fail' | undefined,
      ];
      if (action && req.method === 'POST') {
        // After paying, the payer's browser goes back to the merchant's return_url: for OneCard with the
        // signed front-end notice as its query (a GET, 2.2.4.4), for Zhixiao as is.
        if (gw === 'zhixiao') {
          const o = zhixiao.settle(ref, action === 'pay');
          return json(res, 200, { state: describe(gw, o.status), return_to: o.return_url });
        }
        const o = onecard.settle(ref, action === 'pay');
        const returnTo = o.return_url ? withQuery(o.return_url, onecard.notificationBody(o)) : undefined;
        return json(res, 200, { state: describe(gw, o.order_status), return_to: returnTo });
      }
      if (req.method === 'POST') await readBody(req); // the recharge's post_data arrives here
      const model = payModel(gw, ref);
      return model ? html(res, payPage(model)) : json(res, 404, { error: `no such ${gw} order` });
    }
    const notes = /^\/api\/notifications\/(zhixiao|onecard)\/([^/]+)$/.exec(pathname);
    if (notes) {
      const rec = notifier.log
        .filter((n) => n.gateway === notes[1] && n.ref === decodeURIComponent(notes[2]!))
        .at(-1);
      return json(res, 200, rec ?? { attempts: [], acknowledged: false });
    }
    if (pathname === '/api/state') return json(res, 200, state());
    if (pathname === '/') return html(res, dashboard(state()));
    json(res, 404, { error: 'not found' });
  }

  function payModel(gw: 'zhixiao' | 'onecard', ref: string): PayPageModel | undefined {
    if (gw === 'zhixiao') {
      const o = zhixiao.orders.get(ref);
      if (!o) return undefined;
      const rows: PayPageModel['rows'] = [
        ['Order 订单', o.body],
        ['out_trade_no', o.out_trade_no],
        ['order_id', o.order_id],
      ];
      return {
        gateway: gw,
        ref,
        title: o.body,
        amount: o.total_fee,
        rows,
        state: describe(gw, o.status),
        payable: o.status === 1,
      };
    }
    const r = onecard.ledger.recharges.get(ref);
    if (!r) return undefined;
    const rows: PayPageModel['rows'] = [
      ['Card account 一卡通账号', r.account],
      ['order_no', r.order_no],
      ['out_id', r.out_id],
    ];
    return {
      gateway: gw,
      ref,
      title: `Recharge ${r.order_no}`,
      amount: r.order_amount,
      rows,
      state: describe(gw, r.order_status),
      payable: r.order_status === '10',
    };
  }

  function state() {
    return {
      cards: onecard.ledger.cardholders.map((c) => ({
        account: c.account,
        name: c.name,
        sno: c.sno,
        accounts: c.accounts,
      })),
      merchants: [...onecard.ledger.merchants],
      recharges: [...onecard.ledger.recharges.values()],
      orders: [...zhixiao.orders.values()],
      notifications: notifier.log.map((n) => ({
        gateway: n.gateway,
        ref: n.ref,
        url: n.url,
        attempts: n.attempts.length,
        acknowledged: n.acknowledged,
      })),
    };
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((err: Error) => {
      if (!res.headersSent) json(res, 500, { error: err.message });
      else res.destroy();
    });
  };
  const server = options.tls ? createHttpsServer(options.tls, handler) : createServer(handler);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const addr = server.address() as AddressInfo;
  url = `${options.tls ? 'https' : 'http'}://${addr.address === '::' ? 'localhost' : addr.address}:${addr.port}`;

  return {
    url,
    onecard: {
      gatewayUrl: url + ONECARD_GATEWAY_PATH,
      appKey,
      desKey,
      privateKey: pem(merchant, 'pkcs8'),
      platformPublicKey: pem(publicOf(platform), 'spki'),
      proxy: false,
    },
    zhixiao: { baseUrl: url, ...zx, paths: { ...ZHIXIAO_SANDBOX_PATHS }, proxy: false },
    faults,
    onecardGateway: onecard,
    zhixiaoGateway: zhixiao,
    notifications: notifier.log,
    async idle() {
      while (inFlight > 0) await sleep(5);
    },
    async waitForNotifications(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (notifier.log.some((n) => !n.acknowledged) && Date.now() < deadline) await sleep(20);
    },
    close: () =>
      new Promise<void>((resolve) => {
        notifier.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function withQuery(url: string, query: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

/** CAMPUS_PAY_SANDBOX_REPLY_STYLE=null|omit runs any suite against a sandbox that writes empty fields that way. */
function replyStyleFromEnv(): ReplyStyle {
  const v = process.env.CAMPUS_PAY_SANDBOX_REPLY_STYLE;
  return v === 'null' || v === 'omit' ? v : 'empty';
}

function publicOf(k: KeyObject): KeyObject {
  return createPublicKey(k);
}

function describe(gw: 'zhixiao' | 'onecard', state: number | string): string {
  if (gw === 'zhixiao')
    return (
      ({ 1: '待支付 pending', 2: '支付成功 paid', 3: '支付失败 failed' } as Record<string, string>)[
        String(state)
      ] ?? String(state)
    );
  return (
    (
      {
        '10': '已下单 awaiting payment',
        '60': '已入账 paid and credited',
        '77': '支付失败 failed',
      } as Record<string, string>
    )[String(state)] ?? String(state)
  );
}

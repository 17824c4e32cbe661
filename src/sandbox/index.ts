/**
 * A local emulation of both gateways on one HTTP server, for examples, demos and integration tests:
 * no credentials needed. It signs and checks exactly as the real gateways do, with their error codes.
 */
import { createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type KeyInput, loadPrivateKey } from '../core/crypto.js';
import type { ZhixiaoCredentials } from '../zhixiao/envelope.js';
import { ApiCalls, type ApiFront, readBody, sleep } from './api.js';
import { SandboxConsole } from './console/index.js';
import { SandboxEvents } from './events.js';
import { FaultControls, type Faults } from './faults.js';
import { KeyLease } from './key-pool.js';
import { type NotificationRecord, Notifier, type NotifierOptions } from './notifier.js';
import { OneCardSandbox, type OneCardSandboxKeys, type OneCardSandboxOptions } from './onecard/index.js';
import { payPage, sandboxState } from './pages.js';
import type { ReplyStyle } from './reply-style.js';
import { ZHIXIAO_SANDBOX_PATHS, ZhixiaoSandbox } from './zhixiao/index.js';

export type {
  CallEvent,
  FaultsEvent,
  NoticeEvent,
  OrderEvent,
  SandboxEvent,
  SandboxEvents,
  SandboxGateway,
  SandboxListener,
} from './events.js';
export type { ArmedFault, FaultKind, Faults, NextOptions } from './faults.js';
export type { NotificationAttempt, NotificationRecord, NotifierOptions } from './notifier.js';
export type { SandboxTokenRule } from './onecard/index.js';
export type { ReplyStyle } from './reply-style.js';
export { ZHIXIAO_SANDBOX_PATHS } from './zhixiao/index.js';

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
    /** More appids the gateway accepts (same appSecret and AES key), e.g. a second tenant. */
    extraAppIds?: string[];
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

/** New keys for `sandbox.rotateKeys`; whatever is left out is generated. */
export interface SandboxKeyRotation {
  onecard?: { desKey?: string; merchantPrivateKey?: KeyInput; platformPrivateKey?: KeyInput };
  zhixiao?: { appSecret?: string; aesKey?: string };
}

/** The merchant's side of the new keys (the platform's public half for OneCard), as the client takes them. */
export interface SandboxKeys {
  onecard: { desKey: string; privateKey: string; platformPublicKey: string };
  zhixiao: { appSecret: string; aesKey: string };
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
  /**
   * Everything that happens, as it happens: `sandbox.events.subscribe((e) => …)` hears each API call
   * handled, notice attempt, order moved by the payer or the console, and change of the faults. The
   * console's event stream and the CLI's lines are built on it.
   */
  events: SandboxEvents;
  onecardGateway: OneCardSandbox;
  zhixiaoGateway: ZhixiaoSandbox;
  notifications: NotificationRecord[];
  /** Resolves when every notification sent so far has been acknowledged (or the timeout passes). */
  waitForNotifications(timeoutMs?: number): Promise<void>;
  /** Resolves when no gateway API call is being handled, e.g. a `slow` one its client stopped waiting for. */
  idle(): Promise<void>;
  /**
   * Rolls every key over while running, as the gateway and the merchant do together: from now on
   * replies and notices are signed with the new platform key (and encrypted with the new 3DES key /
   * appSecret and aes_key), while requests made with the merchant's earlier keys are still accepted,
   * and answered with the keys they came with, until `retireKeys()`. Updates `sandbox.onecard` and
   * `sandbox.zhixiao`, and returns the new keys.
   */
  rotateKeys(next?: SandboxKeyRotation): SandboxKeys;
  /** Ends the overlap: only the current keys are accepted from now on. */
  retireKeys(): void;
  close(): Promise<void>;
}

const pem = (k: KeyObject, type: 'pkcs8' | 'spki') => k.export({ format: 'pem', type }).toString();

/** Wires the two gateways to one HTTP server: their API paths, the pay pages, the console. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const oc = options.onecard ?? {};
  const keys = new KeyLease();
  const merchant = oc.merchantPrivateKey
    ? loadPrivateKey(oc.merchantPrivateKey, { option: 'onecard.merchantPrivateKey' })
    : keys.take();
  const platform = oc.platformPrivateKey
    ? loadPrivateKey(oc.platformPrivateKey, { option: 'onecard.platformPrivateKey' })
    : keys.take();
  const appKey = oc.appKey ?? 'sandbox-app';
  const desKey = oc.desKey ?? randomBytes(24).toString('base64');
  const { orderTtlMs, extraAppIds, ...zxCredentials } = options.zhixiao ?? {};
  const zx: ZhixiaoCredentials = { ...ZHIXIAO_SPEC_TEST_CREDENTIALS, ...zxCredentials };

  let url = '';
  const events = new SandboxEvents();
  const faults = new FaultControls(() =>
    events.emit({ type: 'faults', armed: faults.armed(), shares: faults.shares }),
  );
  if (options.faults) faults.set(options.faults);
  const notifier = new Notifier(options.notifications, faults, events);
  const ocKeys: OneCardSandboxKeys = {
    appKey,
    desKey,
    merchantPublicKey: createPublicKey(merchant),
    platformPrivateKey: platform,
  };
  const onecard = new OneCardSandbox(ocKeys, notifier, () => url, oc);
  const zhixiao = new ZhixiaoSandbox(zx, notifier, () => url, {
    ...(orderTtlMs === undefined ? {} : { orderTtlMs }),
    ...(extraAppIds ? { extraAppIds } : {}),
  });
  const style = options.replyStyle ?? replyStyleFromEnv();
  onecard.replyStyle = style;
  zhixiao.replyStyle = style;

  const gateways = { onecard, zhixiao };
  const fronts = new Map<string, ApiFront>([
    [ONECARD_GATEWAY_PATH, onecard.api],
    ...zhixiao.paths.map((p): [string, ApiFront] => [p, zhixiao.api]),
  ]);
  const calls = new ApiCalls(faults, events);
  const sandboxConsole = new SandboxConsole({ onecard, zhixiao, notifier, faults, events });

  function fromAnotherSite(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return false;
    try {
      return new URL(origin).host !== req.headers.host;
    } catch {
      return true; // "null": a sandboxed frame or a file
    }
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
    // The console's and the pay page's actions come from the sandbox's own pages, curl or code: a browser
    // request sent by another site (its Origin another host) is refused, so a page the developer happens to
    // visit cannot pay orders or arm faults. The pay page itself still takes the merchant site's form POST.
    const acting = req.method !== 'GET' && req.method !== 'HEAD' && !fronts.has(pathname);
    if (acting && !/^\/pay\/[^/]+\/[^/]+$/.test(pathname) && fromAnotherSite(req))
      return json(res, 403, { error: 'a request from another site (Origin) may not act on the sandbox' });
    const front = fronts.get(pathname);
    if (req.method === 'POST' && front) return calls.serve(front, pathname, req, res);
    const pay = /^\/pay\/(zhixiao|onecard)\/([^/]+)(?:\/(pay|fail))?$/.exec(pathname);
    if (pay) {
      const [, name, ref, action] = pay as unknown as [string, 'zhixiao' | 'onecard', string, string?];
      // After paying, the payer's browser goes back to the merchant's return_url.
      if (action && req.method === 'POST') {
        const result = gateways[name].payOrFail(ref, action === 'pay');
        sandboxConsole.orders.told(name, ref, action as 'pay' | 'fail', 'pay-page');
        return json(res, 200, result);
      }
      if (req.method === 'POST') await readBody(req); // the recharge's post_data arrives here
      const model = gateways[name].payPage(ref);
      return model ? html(res, payPage(model)) : json(res, 404, { error: `no such ${name} order` });
    }
    const notes = /^\/api\/notifications\/(zhixiao|onecard)\/([^/]+)$/.exec(pathname);
    if (notes) {
      const rec = notifier.log
        .filter((n) => n.gateway === notes[1] && n.ref === decodeURIComponent(notes[2]!))
        .at(-1);
      return json(res, 200, rec ?? { attempts: [], acknowledged: false });
    }
    if (pathname === '/api/state') return json(res, 200, sandboxState(onecard, zhixiao, notifier.log));
    if (await sandboxConsole.route(req, res, pathname, (status, value) => json(res, status, value))) return;
    json(res, 404, { error: 'not found' });
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

  const sandboxOnecard = {
    gatewayUrl: url + ONECARD_GATEWAY_PATH,
    appKey,
    desKey,
    privateKey: pem(merchant, 'pkcs8'),
    platformPublicKey: pem(createPublicKey(platform), 'spki'),
    proxy: false as const,
  };
  const sandboxZhixiao = {
    baseUrl: url,
    appId: zx.appId,
    appSecret: zx.appSecret,
    aesKey: zx.aesKey,
    paths: { ...ZHIXIAO_SANDBOX_PATHS },
    proxy: false as const,
  };

  return {
    url,
    onecard: sandboxOnecard,
    zhixiao: sandboxZhixiao,
    faults,
    events,
    onecardGateway: onecard,
    zhixiaoGateway: zhixiao,
    notifications: notifier.log,
    idle: () => calls.idle(),
    rotateKeys(next = {}) {
      const o = next.onecard ?? {};
      const option = (name: string) => ({ option: `rotateKeys.onecard.${name}` });
      const merchantKey = o.merchantPrivateKey
        ? loadPrivateKey(o.merchantPrivateKey, option('merchantPrivateKey'))
        : keys.take();
      const platformKey = o.platformPrivateKey
        ? loadPrivateKey(o.platformPrivateKey, option('platformPrivateKey'))
        : keys.take();
      const earlier = { desKey: ocKeys.desKey, merchantPublicKey: ocKeys.merchantPublicKey };
      ocKeys.previous = [earlier, ...(ocKeys.previous ?? [])];
      ocKeys.desKey = o.desKey ?? randomBytes(24).toString('base64');
      ocKeys.merchantPublicKey = createPublicKey(merchantKey);
      ocKeys.platformPrivateKey = platformKey;
      sandboxOnecard.desKey = ocKeys.desKey;
      sandboxOnecard.privateKey = pem(merchantKey, 'pkcs8');
      sandboxOnecard.platformPublicKey = pem(createPublicKey(platformKey), 'spki');
      const z = next.zhixiao ?? {};
      zx.secrets = [z.appSecret ?? randomBytes(16).toString('hex'), ...(zx.secrets ?? [zx.appSecret])];
      zx.aesKeys = [z.aesKey ?? randomBytes(16).toString('hex'), ...(zx.aesKeys ?? [zx.aesKey])];
      zx.appSecret = sandboxZhixiao.appSecret = zx.secrets[0]!;
      zx.aesKey = sandboxZhixiao.aesKey = zx.aesKeys[0]!;
      const { desKey, privateKey, platformPublicKey } = sandboxOnecard;
      return {
        onecard: { desKey, privateKey, platformPublicKey },
        zhixiao: { appSecret: zx.appSecret, aesKey: zx.aesKey },
      };
    },
    retireKeys() {
      ocKeys.previous = [];
      zx.secrets = [zx.appSecret];
      zx.aesKeys = [zx.aesKey];
    },
    async waitForNotifications(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      // A dropped notice (the dropNotice fault) will never be acknowledged: not worth waiting for.
      const waiting = () => notifier.log.some((n) => !n.acknowledged && !n.dropped);
      while (waiting() && Date.now() < deadline) await sleep(20);
    },
    close: () =>
      new Promise<void>((resolve) => {
        keys.release();
        notifier.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** CAMPUS_PAY_SANDBOX_REPLY_STYLE=null|omit runs any suite against a sandbox that writes empty fields that way. */
function replyStyleFromEnv(): ReplyStyle {
  const v = process.env.CAMPUS_PAY_SANDBOX_REPLY_STYLE;
  return v === 'null' || v === 'omit' ? v : 'empty';
}

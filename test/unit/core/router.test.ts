/**
 * A NotificationRouter's configuration, checked when it is built: every notice must have at most one
 * route, so a tenant given twice, or two routes taking the same notices, is a ConfigurationError naming
 * both; a route's own options are checked when the client makes it. Below, which route a notice reaches
 * and how a notice no route takes is refused, through the handlers without a server; the same over real
 * HTTP, with each tenant's own keys, is in test/integration/notification-router.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  buildOneCardNotification,
  ConfigurationError,
  type Logger,
  type NotificationRoute,
  NotificationRouter,
  type NotificationRouterOptions,
  OneCardClient,
  type RouteLog,
  ValidationError,
  ZhixiaoPayClient,
} from '../../../src/index.js';
import { DES_KEY, ONECARD_NOTICE, oneCardOptions, platformPrivate, ZX, ZX_BASE } from '../../helpers/keys.js';

const onNotification = () => undefined;
const school = (gatewayUrl = oneCardOptions.gatewayUrl, appKey = oneCardOptions.appKey) =>
  new OneCardClient({ ...oneCardOptions, gatewayUrl, appKey });
const shop = (baseUrl = ZX_BASE, appId = ZX.appId) => new ZhixiaoPayClient({ ...ZX, baseUrl, appId });

const refusal = (routes: NotificationRoute[]) => {
  try {
    new NotificationRouter({ routes });
  } catch (err) {
    return err;
  }
  return undefined;
};

describe('NotificationRouter refuses routes that could take the same notice', () => {
  it('one tenant twice, however its gateway URL is spelt: both routes named', () => {
    const a = school('http://card.test:8899/onecard/uap/gateway.action');
    const again = school('http://CARD.test:8899/onecard/uap/gateway.action?x=1');
    const err = refusal([
      shop().notificationRoute({ onNotification }),
      a.notificationRoute({ partner: 'P1', onNotification }),
      again.notificationRoute({ partner: 'P2', onNotification }),
    ]);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as ConfigurationError).option).toBe('routes[2]');
    expect((err as Error).message).toMatch(
      /routes\[2\].*same tenant.*card\.test:8899.*unit-app.*routes\[1\]/,
    );
  });

  it('two Zhixiao tenants of one appid need a path each; two routes on one path are refused', () => {
    const one = shop('http://zx-1.test');
    const two = shop('http://zx-2.test');
    expect(
      refusal([one.notificationRoute({ onNotification }), two.notificationRoute({ onNotification })]),
    ).toMatchObject({
      option: 'routes[1]',
      message: expect.stringMatching(/same notices as routes\[0\].*id "partner1"/),
    });
    expect(
      refusal([
        one.notificationRoute({ onNotification, path: '/z' }),
        two.notificationRoute({ onNotification }),
      ]),
    ).toBeInstanceOf(ConfigurationError);
    expect(
      refusal([
        school().notificationRoute({ path: '/n', onNotification }),
        school('http://other.test/gw').notificationRoute({ partner: 'P9', path: '/n', onNotification }),
      ]),
    ).toMatchObject({
      option: 'routes[1]',
      message: expect.stringMatching(/on \/n.*routes\[0\]|routes\[0\].*on \/n/),
    });
    // Each on its own path: legal.
    expect(
      refusal([
        one.notificationRoute({ onNotification, path: '/z1' }),
        two.notificationRoute({ onNotification, path: '/z2' }),
      ]),
    ).toBeUndefined();
  });

  it('two schools sharing a partner need a path each', () => {
    const a = school('http://a.test/gw');
    const b = school('http://b.test/gw');
    expect(
      refusal([
        a.notificationRoute({ partner: 'P', onNotification }),
        b.notificationRoute({ partner: 'P', onNotification }),
      ]),
    ).toBeInstanceOf(ConfigurationError);
    expect(
      refusal([
        a.notificationRoute({ partner: 'P', path: '/a', onNotification }),
        b.notificationRoute({ partner: 'P', path: '/b', onNotification }),
      ]),
    ).toBeUndefined();
  });

  it('the same app key on two gateways, and two clients of one tenant, are legal', () => {
    expect(
      refusal([
        school('http://a.test/gw').notificationRoute({ partner: 'PA', onNotification }),
        school('http://b.test/gw').notificationRoute({ partner: 'PB', onNotification }),
        shop().notificationRoute({ onNotification }),
      ]),
    ).toBeUndefined();
    expect(() => [school(), school()]).not.toThrow();
  });
});

describe('bad route and router options, before any notice', () => {
  it.each([
    [
      'a OneCard route without partner or path',
      () => school().notificationRoute({ onNotification }),
      'partner',
    ],
    ['an empty partner', () => school().notificationRoute({ partner: '', onNotification }), 'partner'],
    ['a path with a query', () => shop().notificationRoute({ path: '/n?x=1', onNotification }), 'path'],
    ['a relative path', () => shop().notificationRoute({ path: 'n', onNotification }), 'path'],
    [
      "a route's own body limit",
      () => shop().notificationRoute({ onNotification, maxBodyBytes: 10 } as never),
      'maxBodyBytes',
    ],
    ['no routes', () => new NotificationRouter({ routes: [] }), 'routes'],
    [
      'a route not made by a client',
      () => new NotificationRouter({ routes: [{} as NotificationRoute] }),
      'routes[0]',
    ],
    [
      'a logger without info',
      () =>
        new NotificationRouter({
          routes: [shop().notificationRoute({ onNotification })],
          logger: {} as never,
        }),
      'logger',
    ],
    [
      'a body limit that is not a positive integer',
      () =>
        new NotificationRouter({ routes: [shop().notificationRoute({ onNotification })], maxBodyBytes: 0 }),
      'maxBodyBytes',
    ],
  ])('%s', (_name, make, option) => {
    expect(make).toThrow(ConfigurationError);
    try {
      make();
    } catch (err) {
      expect((err as ConfigurationError).option).toBe(option);
    }
  });

  it("a route's callback is checked as a handler's is", () => {
    expect(() => shop().notificationRoute({ onNotification: 'x' as never })).toThrow(
      /onNotification: must be a function/,
    );
  });
});

/** The error `make` throws, or undefined. */
const thrown = (make: () => unknown): unknown => {
  try {
    make();
  } catch (err) {
    return err;
  }
  return undefined;
};

describe('each ConfigurationError names its option and says what is wrong', () => {
  const zhixiaoRoute = () => shop().notificationRoute({ onNotification });
  it.each([
    [
      "a route's own body limit",
      () => shop().notificationRoute({ onNotification, maxBodyBytes: 10 } as never),
      "maxBodyBytes: is the router's option, not a route's",
    ],
    [
      'a path that does not start with /',
      () => shop().notificationRoute({ path: 'notify/c', onNotification }),
      'path: must be a path starting with / (no query, fragment or spaces)',
    ],
    [
      'a path that is not a string, even one that reads as a path',
      () => shop().notificationRoute({ path: ['/notify'] as never, onNotification }),
      'path: must be a path starting with / (no query, fragment or spaces)',
    ],
    [
      'a path with characters a request carries percent-encoded',
      () => shop().notificationRoute({ path: '/通知', onNotification }),
      'path: must be written as a request\'s path arrives: "/%E9%80%9A%E7%9F%A5"',
    ],
    [
      'a path with a dot segment, which a request never keeps',
      () => shop().notificationRoute({ path: '/a/./b', onNotification }),
      'path: must be written as a request\'s path arrives: "/a/b"',
    ],
    [
      'a partner that is not a string',
      () => school().notificationRoute({ partner: 7 as never, onNotification }),
      'partner: must be a non-empty string',
    ],
    [
      'an empty partner',
      () => school().notificationRoute({ partner: '', onNotification }),
      'partner: must be a non-empty string',
    ],
    [
      'a OneCard route without partner or path',
      () => school().notificationRoute({ onNotification }),
      'partner: a onecard route needs the partner its notices carry, or a path',
    ],
    [
      'no options at all',
      () => new NotificationRouter(undefined as never),
      'routes: must be a non-empty array of client.notificationRoute() results',
    ],
    [
      'no routes',
      () => new NotificationRouter({ routes: [] }),
      'routes: must be a non-empty array of client.notificationRoute() results',
    ],
    [
      'a route not made by a client',
      () => new NotificationRouter({ routes: [zhixiaoRoute(), { ...zhixiaoRoute() }] }),
      'routes[1]: must be made by client.notificationRoute()',
    ],
    [
      'a null logger',
      () => new NotificationRouter({ routes: [zhixiaoRoute()], logger: null as never }),
      'logger: must have an info(message, fields) method, as console does',
    ],
    [
      'a logger without info',
      () => new NotificationRouter({ routes: [zhixiaoRoute()], logger: {} as never }),
      'logger: must have an info(message, fields) method, as console does',
    ],
    [
      'a body limit that is not a positive integer',
      () => new NotificationRouter({ routes: [zhixiaoRoute()], maxBodyBytes: 1.5 }),
      'maxBodyBytes: must be a positive integer number of bytes',
    ],
    [
      'an onError that is not a function',
      () => new NotificationRouter({ routes: [zhixiaoRoute()], onError: 'log' as never }),
      'onError: must be a function',
    ],
  ])('%s', (_name, make, message) => {
    const err = thrown(make);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as ConfigurationError).message).toBe(message);
    expect((err as ConfigurationError).option).toBe(message.slice(0, message.indexOf(':')));
  });

  it('a nested path, and the root path, are legal', () => {
    expect(thrown(() => school().notificationRoute({ path: '/pay/notify/school-b', onNotification }))).toBe(
      undefined,
    );
    expect(thrown(() => shop().notificationRoute({ path: '/', onNotification }))).toBe(undefined);
  });

  it('the refusal of two routes names what each takes', () => {
    expect(
      (refusal([zhixiaoRoute(), shop('http://zx-2.test').notificationRoute({ onNotification })]) as Error)
        .message,
    ).toBe(
      'routes[1]: takes the same notices as routes[0] (id "partner1" on any path; id "partner1" on any path): give each its own path',
    );
    expect(
      (
        refusal([
          school().notificationRoute({ path: '/n', onNotification }),
          school('http://other.test/gw').notificationRoute({ partner: 'P9', path: '/n', onNotification }),
        ]) as Error
      ).message,
    ).toBe(
      'routes[1]: takes the same notices as routes[0] (partner "P9" on /n; any partner on /n): give each its own path',
    );
  });

  it('a partner on any path and the same partner on one path take the same notices', () => {
    const err = refusal([
      school('http://a.test/gw').notificationRoute({ partner: 'P', onNotification }),
      school('http://b.test/gw').notificationRoute({ partner: 'P', path: '/b', onNotification }),
    ]);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toBe(
      'routes[1]: takes the same notices as routes[0] (partner "P" on /b; partner "P" on any path): give each its own path',
    );
  });

  it('a school and a merchant of the same URL and key are two tenants', () => {
    // Both tenants read `http://zx.test#partner1`, but one is a OneCard school and the other a Zhixiao shop.
    const sameKey = school(ZX_BASE, ZX.appId);
    expect(sameKey.tenant).toBe(shop().tenant);
    expect(
      refusal([sameKey.notificationRoute({ partner: 'P1', onNotification }), zhixiaoRoute()]),
    ).toBeUndefined();
  });
});

/**
 * Which route a notice reaches. Each route's callbacks record its name: in `notified` when its client's keys
 * accept the notice, in `reached` when its handler refuses it (its onError). The router only chooses the
 * handler, so an unsigned notice still tells which handler it reached. The router's own logger and onError
 * (`logs`, `lines`, `errors`) see the notices no route takes.
 */
function recorder() {
  const reached: string[] = [];
  const notified: string[] = [];
  const errors: unknown[] = [];
  const logs: RouteLog[] = [];
  const lines: string[] = [];
  const on = (who: string) => ({
    onNotification: () => void notified.push(who),
    onError: () => void reached.push(who),
  });
  const logger: Logger = {
    info: (line, fields) => {
      lines.push(line);
      logs.push(fields as RouteLog);
    },
  };
  return { reached, notified, errors, logs, lines, on, logger, onError: (e: unknown) => void errors.push(e) };
}
type Recorder = ReturnType<typeof recorder>;

/** A POST of `body` to `path`, through the router's web handler. */
async function post(router: NotificationRouter, path: string, body: string): Promise<[number, string]> {
  const res = await router.webNotificationHandler()(
    new Request(`http://shop.test${path}`, { method: 'POST', body }),
  );
  return [res.status, await res.text()];
}

/** Fields a framework's body parser already made (not all strings), through the router's Node handler. */
async function postParsed(
  router: NotificationRouter,
  path: string,
  body: Record<string, unknown>,
): Promise<[number, string]> {
  const res = {
    headersSent: false,
    writableEnded: false,
    statusCode: 0,
    text: '',
    setHeader: () => undefined,
    end(text: string) {
      this.text = text;
    },
  };
  const req = { on: () => undefined, method: 'POST', url: path, body };
  await router.nodeNotificationHandler()(req as never, res as never);
  return [res.statusCode, res.text];
}

/** A recharge notice signed as the unit fixtures' gateway signs it, naming `partner`. */
const signedOneCard = (partner: string) =>
  buildOneCardNotification({ desKey: DES_KEY, platformPrivateKey: platformPrivate }, ONECARD_NOTICE, {
    partner,
  });

/** Schools A and B on one gateway's keys by partner, school C by its path (and its own partner there). */
function schools(r: Recorder, extra: Partial<NotificationRouterOptions> = {}) {
  return new NotificationRouter({
    routes: [
      school('http://a.test/gw').notificationRoute({ partner: 'P-A', ...r.on('a') }),
      school('http://b.test/gw').notificationRoute({ partner: 'P-B', ...r.on('b') }),
      school('http://c.test/gw').notificationRoute({ partner: 'P-C', path: '/c', ...r.on('c') }),
      shop().notificationRoute(r.on('shop')),
    ],
    logger: r.logger,
    onError: r.onError,
    ...extra,
  });
}

describe('NotificationRouter hands each notice to the route of the merchant it names, else of its path', () => {
  it('a signed notice reaches the school it names, on any path, and only that school', async () => {
    const r = recorder();
    const router = schools(r);
    expect(await post(router, '/notify', signedOneCard('P-B'))).toEqual([200, 'ok']);
    expect(await post(router, '/c', signedOneCard('P-A'))).toEqual([200, 'ok']);
    expect(await post(router, '/c', signedOneCard('P-C'))).toEqual([200, 'ok']);
    const paid = {
      out_trade_no: 'Z1',
      order_id: 'ORD-Z1',
      time_end: '2026-12-01 08:00:00',
      uid: 'u1',
      pay_type: '2',
    };
    expect(await post(router, '/notify', shop().buildNotification(paid))).toEqual([200, 'success']);
    expect([r.notified, r.reached, r.logs, r.errors]).toEqual([['b', 'a', 'c', 'shop'], [], [], []]);
  });

  it('a notice naming no merchant, or an empty one, goes to the route of its path', async () => {
    const r = recorder();
    const router = schools(r);
    await post(router, '/c', 'request=x');
    await post(router, '/c', 'request=x&partner=');
    expect(r.reached).toEqual(['c', 'c']);
    expect([r.logs, r.errors]).toEqual([[], []]);
  });

  it('a merchant id that is not a string (a parsed body) names no merchant', async () => {
    const r = recorder();
    const router = schools(r);
    await postParsed(router, '/c', { request: 'x', partner: 7 });
    await postParsed(router, '/c', { request: 'x', partner: ['P-A'] });
    expect(r.reached).toEqual(['c', 'c']);
    expect([r.logs, r.errors]).toEqual([[], []]);
  });

  it("a path route configured with a partner does not take another partner's notice", async () => {
    const r = recorder();
    const router = schools(r);
    expect(await post(router, '/c', 'request=x&partner=P-X')).toEqual([400, 'fail']);
    expect(r.reached).toEqual([]);
    expect(r.logs).toStrictEqual([
      { outcome: 'unrouted', gateway: 'onecard', field: 'partner', merchantId: 'P-X', path: '/c' },
    ]);
    expect(r.lines).toEqual(['campus-pay notice unrouted onecard partner="P-X" path=/c']);
  });

  it('two schools of one partner, each on its path: the path tells them apart', async () => {
    const r = recorder();
    const router = new NotificationRouter({
      routes: [
        school('http://a.test/gw').notificationRoute({ partner: 'P', path: '/a', ...r.on('a') }),
        school('http://b.test/gw').notificationRoute({ partner: 'P', path: '/b', ...r.on('b') }),
      ],
      logger: r.logger,
      onError: r.onError,
    });
    await post(router, '/b', 'request=x&partner=P');
    await post(router, '/a', 'request=x&partner=P');
    expect(r.reached).toEqual(['b', 'a']);
    // Sent elsewhere, it is neither school's.
    expect(await post(router, '/elsewhere', 'request=x&partner=P')).toEqual([400, 'fail']);
    expect(r.reached).toEqual(['b', 'a']);
    expect(r.logs).toStrictEqual([
      { outcome: 'unrouted', gateway: 'onecard', field: 'partner', merchantId: 'P', path: '/elsewhere' },
    ]);
  });

  it('a notice that looks like both gateways looks like neither', async () => {
    const r = recorder();
    const router = schools(r);
    expect(await post(router, '/c', 'request=x&param=y&partner=P-C&id=partner1')).toEqual([400, 'fail']);
    expect(r.reached).toEqual([]);
    expect(r.logs).toStrictEqual([{ outcome: 'unrouted', path: '/c' }]);
  });

  it("a notice off every path route still logs the merchant it names, by its gateway's field", async () => {
    const r = recorder();
    // The Zhixiao route comes first: the OneCard notice's merchant is still its `partner`.
    const router = new NotificationRouter({
      routes: [
        shop().notificationRoute({ path: '/z', ...r.on('shop') }),
        school().notificationRoute({ path: '/c', ...r.on('c') }),
      ],
      logger: r.logger,
      onError: r.onError,
    });
    expect(await post(router, '/other', 'request=x&partner=P-X&id=partner1')).toEqual([400, 'fail']);
    expect(r.reached).toEqual([]);
    expect(r.logs).toStrictEqual([
      { outcome: 'unrouted', gateway: 'onecard', field: 'partner', merchantId: 'P-X', path: '/other' },
    ]);
  });

  it("a failure to write the answer reaches the router's onError", async () => {
    const r = recorder();
    const router = schools(r);
    const closed = new Error('socket closed');
    // A body a framework already read (as express.raw() keeps it), and a response that cannot be written.
    const req = { on: () => undefined, method: 'POST', url: '/notify', body: signedOneCard('P-A') };
    const res = {
      headersSent: false,
      writableEnded: false,
      statusCode: 0,
      setHeader: () => undefined,
      end: () => {
        throw closed;
      },
    };
    await router.nodeNotificationHandler()(req as never, res as never);
    expect(r.notified).toEqual(['a']);
    expect(r.errors).toEqual([closed]);
  });
});

describe('a notice no route takes: 400 and the failure word, a log line, a ValidationError to onError', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('naming a merchant no route has', async () => {
    const r = recorder();
    expect(await post(schools(r), '/notify', 'request=x&partner=P-X')).toEqual([400, 'fail']);
    expect(r.lines).toEqual(['campus-pay notice unrouted onecard partner="P-X" path=/notify']);
    expect(r.errors).toHaveLength(1);
    const err = r.errors[0] as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect([err.method, err.direction]).toEqual(['notificationRouter', 'notification']);
    expect(err.issues).toEqual([
      { path: 'partner', message: 'no route takes this notice (onecard partner "P-X", path /notify)' },
    ]);
    expect(err.message).toBe(
      'notificationRouter notification is invalid: partner: no route takes this notice (onecard partner "P-X", path /notify)',
    );
  });

  it('a logger that throws changes nothing: 400, and the refusal still reaches onError', async () => {
    const r = recorder();
    const logger: Logger = {
      info: () => {
        throw new Error('log sink down');
      },
    };
    expect(await post(schools(r, { logger }), '/notify', 'request=x&partner=P-X')).toEqual([400, 'fail']);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toBeInstanceOf(ValidationError);
  });

  // A route's path is compared as a request's path arrives: percent-encoded, or as it came where it makes no URL.
  it.each([
    ['/%E9%80%9A%E7%9F%A5', (r: NotificationRouter) => post(r, '/通知', 'param=x')],
    ['//', (r: NotificationRouter) => postParsed(r, '//', { param: 'x' })],
  ])('a route of the path %s takes the notices sent there', async (path, send) => {
    const r = recorder();
    await send(new NotificationRouter({ routes: [shop().notificationRoute({ path, ...r.on('shop') })] }));
    expect(r.reached).toEqual(['shop']);
  });

  it('naming no merchant, off every path route', async () => {
    const r = recorder();
    const router = new NotificationRouter({
      routes: [shop().notificationRoute({ path: '/z', ...r.on('shop') })],
      logger: r.logger,
      onError: r.onError,
    });
    expect(await post(router, '/notify', 'param=x')).toEqual([400, 'fail']);
    expect(r.logs).toStrictEqual([{ outcome: 'unrouted', gateway: 'zhixiao', path: '/notify' }]);
    expect(r.lines).toEqual(['campus-pay notice unrouted zhixiao merchant=none path=/notify']);
    expect((r.errors[0] as ValidationError).issues).toEqual([
      { path: 'path', message: 'no route takes this notice (zhixiao naming no merchant, path /notify)' },
    ]);
  });

  it('nothing a gateway sends, whatever fields it carries', async () => {
    const r = recorder();
    const router = schools(r);
    expect(await post(router, '/notify', 'hello=1')).toEqual([400, 'fail']);
    expect(await post(router, '/notify', 'undefined=P-A&partner=P-A&id=partner1')).toEqual([400, 'fail']);
    expect(r.reached).toEqual([]);
    expect(r.logs).toStrictEqual([
      { outcome: 'unrouted', path: '/notify' },
      { outcome: 'unrouted', path: '/notify' },
    ]);
    expect(r.lines).toEqual([
      'campus-pay notice unrouted gateway=unknown merchant=none path=/notify',
      'campus-pay notice unrouted gateway=unknown merchant=none path=/notify',
    ]);
    expect((r.errors[0] as ValidationError).issues).toEqual([
      { path: 'path', message: 'no route takes this notice (no gateway naming no merchant, path /notify)' },
    ]);
    expect(r.errors).toHaveLength(2);
  });

  it('without a logger (and DEBUG unset) it is refused all the same', async () => {
    vi.stubEnv('DEBUG', '');
    const r = recorder();
    const router = schools(r, { logger: undefined });
    expect(await post(router, '/notify', 'request=x&partner=P-X')).toEqual([400, 'fail']);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toBeInstanceOf(ValidationError);
  });
});

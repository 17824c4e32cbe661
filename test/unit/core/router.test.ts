/**
 * A NotificationRouter's configuration, checked when it is built: every notice must have at most one
 * route, so a tenant given twice, or two routes taking the same notices, is a ConfigurationError naming
 * both; a route's own options are checked when the client makes it. Routing itself is tested over real
 * HTTP in test/integration/notification-router.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  type NotificationRoute,
  NotificationRouter,
  OneCardClient,
  ZhixiaoPayClient,
} from '../../../src/index.js';
import { oneCardOptions, ZX, ZX_BASE } from '../../helpers/keys.js';

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

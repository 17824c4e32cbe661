import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { tripleDesDecrypt } from '../../../src/crypto.js';
import {
  ConfigurationError,
  MemoryTokenStore,
  OneCardClient,
  OutcomeUnknownError,
  TransportError,
  ValidationError,
} from '../../../src/index.js';
import { DES_KEY, GATEWAY, oneCardOptions } from '../../helpers/keys.js';
import { mockOneCard, mockRecharge, tokenAnswer } from '../../helpers/mock-onecard.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

const client = () => new OneCardClient({ ...oneCardOptions, tokenStore: new MemoryTokenStore() });

describe('configuration', () => {
  it('a missing platformPublicKey is refused unless verification is explicitly, dangerously off', () => {
    const { platformPublicKey: _, ...rest } = oneCardOptions;
    expect(() => new OneCardClient(rest)).toThrow(expect.objectContaining({ option: 'platformPublicKey' }));
    expect(() => new OneCardClient({ ...rest, dangerouslySkipReplyVerification: true })).not.toThrow();
  });
  it.each([
    ['gatewayUrl', { gatewayUrl: 'card.test/gw' }],
    ['desKey', { desKey: 'c2hvcnQ=' }],
    ['privateKey', { privateKey: 'not a key' }],
    ['timeZone', { timeZone: 'Mars/Olympus' }],
  ])('%s is checked at construction', (option, patch) => {
    const err = (() => {
      try {
        new OneCardClient({ ...oneCardOptions, ...patch });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as ConfigurationError).option).toBe(option);
  });
});

describe('the request envelope', () => {
  it('signs once per request with a single timestamp in Beijing time, token call with 128 zeros', async () => {
    const { seen } = mockOneCard((m) =>
      m.endsWith('access_token') ? tokenAnswer(1) : { data: { card: [] } },
    );
    const before = Date.now();
    await client().queryCard({ idtype: 'sno', id: '2015032718' });
    const [tokenCall, call] = seen;
    expect(tokenCall!.fields.access_token).toBe('0'.repeat(128));
    expect(tokenCall!.payload).toEqual({});
    expect(call!.fields).toMatchObject({
      method: 'synjones.onecard.query.card',
      format: 'json',
      v: '2.0',
      sign_method: 'rsa',
      access_token: 'token-1',
      app_key: 'unit-app',
    });
    expect(call!.payload).toEqual({ idtype: 'sno', id: '2015032718' });
    const beijing = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
    expect([beijing(before - 1000), beijing(before), beijing(Date.now())]).toContain(call!.fields.timestamp);
  });

  it('amounts go out as decimal strings; order_time from a Date in Beijing time', async () => {
    const { seen } = mockRecharge();
    await client().recharge({
      client_type: 'wap',
      pay_type: 'alipay',
      account: '98',
      acctype: '###',
      order_no: 'A1',
      order_amount: 100,
      order_time: new Date('2016-04-19T03:55:30Z'),
      return_url: 'http://r',
      notify_url: 'http://n',
    });
    expect(seen[1]!.payload).toMatchObject({ order_amount: '100', order_time: '20160419115530' });
  });

  it('notify_url / return_url null: no notice (2.2.4.3), sent as JSON null, the key kept', async () => {
    const { seen } = mockRecharge();
    const req = {
      client_type: 'wap',
      pay_type: 'alipay',
      account: '98',
      acctype: '###',
      order_no: 'A1',
      order_amount: 100,
      order_time: '20160419115530',
    } as const;
    await client().recharge({ ...req, return_url: null, notify_url: null });
    await client().recharge({ ...req, return_url: 'http://r', notify_url: null });
    const bodies = seen.filter((s) => s.fields.method!.endsWith('recharge.card'));
    expect(bodies.map((s) => [s.payload.return_url, s.payload.notify_url])).toEqual([
      [null, null],
      ['http://r', null],
    ]);
    // The decrypted JSON itself, not a re-serialisation: the keys are there with the value null.
    const json = JSON.parse(tripleDesDecrypt(bodies[0]!.fields.request!, DES_KEY)) as Record<string, object>;
    expect(Object.entries(json.paygw_recharge_card!).filter(([k]) => k.endsWith('_url'))).toEqual([
      ['return_url', null],
      ['notify_url', null],
    ]);
    // Leaving them out is still a mistake (the spec marks both 不可空): say null to mean "no notice".
    const err = await client()
      .recharge(req as never)
      .catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues.map((i: { path: string }) => i.path)).toEqual(['return_url', 'notify_url']);
  });

  it('order_time left out: now, as 14 digits of Beijing time, never an ISO string', async () => {
    const { seen } = mockRecharge();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      // 01:45:11 UTC is 09:45:11 in Beijing.
      vi.setSystemTime(new Date('2026-12-07T01:45:11.104Z'));
      await client().recharge({
        client_type: 'wap',
        pay_type: 'alipay',
        account: '98',
        acctype: '###',
        order_no: 'A1',
        order_amount: 100,
        return_url: 'http://r',
        notify_url: 'http://n',
      });
    } finally {
      vi.useRealTimers();
    }
    expect(seen[1]!.payload.order_time).toBe('20261207094511');
  });
});

describe('bad input never reaches the network', () => {
  it.each([
    ['queryCard', { idtype: 'email', id: 'x' }, 'idtype'],
    ['transfer', { account: '1', tranamt: 1.5, src_acctype: '###', dst_acctype: '001' }, 'tranamt'],
    ['transfer', { account: '1', tranamt: -1, src_acctype: '###', dst_acctype: '001' }, 'tranamt'],
    ['transfer', { account: '1', tranamt: '100', src_acctype: '###', dst_acctype: '001' }, 'tranamt'],
    ['transfer', { account: '12345678901', tranamt: 1, src_acctype: '###', dst_acctype: '001' }, 'account'],
    ['payByBarcode', { barcode: '123', mercacc: 'm', tranamt: 1, dineseq: '10' }, 'dineseq'],
    ['payByBarcode', { barcode: '12a', mercacc: 'm', tranamt: 1, dineseq: '1' }, 'barcode'],
    [
      'recharge',
      {
        client_type: 'nativejs',
        pay_type: 'weixin',
        account: '1',
        acctype: '###',
        order_no: 'o',
        order_amount: 1,
        return_url: 'r',
        notify_url: 'n',
      },
      'openid',
    ],
    [
      'recharge',
      {
        client_type: 'web',
        pay_type: 'alipay',
        account: '1',
        acctype: '###',
        order_amount: 1,
        return_url: 'r',
        notify_url: 'n',
      },
      'order_no',
    ],
    ['queryRechargeOrder', { order_amount: 1 }, 'order_no'],
    [
      'transfer',
      { account: '1', tranamt: 1, src_acctype: '###', dst_acctype: '001', remark: '备'.repeat(43) },
      'remark',
    ],
  ] as const)('%s %j → ValidationError on %s', async (method, input, field) => {
    const { seen } = mockOneCard(() => tokenAnswer(1));
    const c = client() as unknown as Record<string, (i: unknown) => Promise<unknown>>;
    const err = await c[method]!(input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.path)).toContain(field);
    expect((err as Error).message).toContain(field);
    expect(seen).toHaveLength(0);
  });
});

describe('transport failures', () => {
  it('a reset on a payment → OutcomeUnknownError, sent exactly once', async () => {
    let pays = 0;
    const url = new URL(GATEWAY);
    nock(url.origin)
      .persist()
      .post(url.pathname, (b) => {
        if (String(b.method) === 'synjones.onecard.barcode.pay') pays++;
        return true;
      })
      .reply(function (_u, body) {
        const method = new URLSearchParams(String(body)).get('method');
        if (method === 'synjones.onecard.barcode.pay') {
          this.req.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
          return [500, ''];
        }
        return [500, ''];
      });
    // Seed the store so that the only call on the wire is the payment.
    const store = new MemoryTokenStore();
    await store.set(`campus-pay:onecard:token:${GATEWAY}:unit-app`, {
      token: 't',
      fetchedAt: Date.now(),
      expiresAt: Date.now() + 3_600_000,
    });
    const c2 = new OneCardClient({ ...oneCardOptions, tokenStore: store });
    const err = await c2
      .payByBarcode({ barcode: '1234567890123456789012', mercacc: '1000060', tranamt: 100, dineseq: 1 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err.mayHaveReachedGateway).toBe(true);
    expect(pays).toBe(1);
  });

  it('connection refused on a payment is retried (nothing left the machine)', async () => {
    nock.enableNetConnect('127.0.0.1');
    const store = new MemoryTokenStore();
    const gw = 'http://127.0.0.1:9/onecard/uap/gateway.action';
    await store.set(`campus-pay:onecard:token:${gw}:unit-app`, {
      token: 't',
      fetchedAt: Date.now(),
      expiresAt: Date.now() + 3_600_000,
    });
    const attempts: string[] = [];
    const c = new OneCardClient({
      ...oneCardOptions,
      gatewayUrl: gw,
      tokenStore: store,
      retryBaseMs: 1,
      hooks: { onResponse: (r) => void attempts.push(`${r.error}:${r.willRetry}`) },
    });
    const err = await c
      .transfer({ account: '1', tranamt: 1, src_acctype: '###', dst_acctype: '001' })
      .catch((e) => e);
    // Provably unsent, so the payment is retried like a query: three attempts, not one.
    expect(attempts).toEqual(['ECONNREFUSED:true', 'ECONNREFUSED:true', 'ECONNREFUSED:false']);
    expect(err).toBeInstanceOf(TransportError);
    expect(err.message).toContain('127.0.0.1:9');
    expect(err.message).not.toContain('gateway.action');
    expect(err).not.toBeInstanceOf(OutcomeUnknownError);
    expect(err).toMatchObject({ mayHaveReachedGateway: false, causeCode: 'ECONNREFUSED' });
    nock.disableNetConnect();
  });
});

describe('token lifecycle', () => {
  it.each([
    [60_000, 1],
    [0, 2],
  ])(
    'inside the refresh window with a minimum interval of %i ms → %i token fetches',
    async (minFetchIntervalMs, fetches) => {
      let n = 0;
      mockOneCard((m) => (m.endsWith('access_token') ? tokenAnswer(++n, '10') : { data: { card: [] } }));
      const c = new OneCardClient({
        ...oneCardOptions,
        tokenStore: new MemoryTokenStore(),
        token: { minFetchIntervalMs },
      });
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        await c.queryCard({ idtype: 'acc', id: '1' });
        // A 10 s token is refreshed from 2 s before expiry (a fifth of its life): move into that window.
        vi.setSystemTime(Date.now() + 8_500);
        await c.queryCard({ idtype: 'acc', id: '1' });
        expect(c.tokenFetches).toBe(fetches);
      } finally {
        vi.useRealTimers();
      }
    },
  );
});

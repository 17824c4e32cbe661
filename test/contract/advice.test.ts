/**
 * Advice that goes somewhere: every money method of both clients, made to end in every ambiguous outcome
 * (a reset, forged or HTML reply) and every refusal code the tables know (and one they do not), and every
 * state call with its reply lost, must give advice whose every named method exists on the client that
 * made the call — and, where the outcome is not known, name at least one. The oracle is this file's own list of each client's methods, checked
 * against the client object, never the production advice table.
 */
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { md5Hex } from '../../src/crypto.js';
import {
  GatewayError,
  MemoryTokenStore,
  ONECARD_BUSINESS_CODES,
  ONECARD_SYSTEM_CODES,
  OneCardClient,
  OutcomeUnknownError,
  ZHIXIAO_CODES,
  ZhixiaoPayClient,
} from '../../src/index.js';
import { GATEWAY, oneCardOptions, ZX, ZX_BASE } from '../helpers/keys.js';
import { ONECARD_CASES, ZHIXIAO_CASES } from '../helpers/method-cases.js';
import { answerOneCard, tokenAnswer } from '../helpers/mock-onecard.js';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

/** What each client offers, written out here (README "Methods", docs/settlement.md). */
const SETTLING = ['resolve', 'sweep', 'reconcile', 'runQuery', 'call'];
const ONECARD_METHODS = [
  ...SETTLING,
  'getAccessToken',
  'queryCard',
  'queryAccInfo',
  'checkPassword',
  'transfer',
  'getBarcode',
  'payByBarcode',
  'bindPayAccount',
  'unbindPayAccount',
  'recharge',
  'queryRechargeOrder',
  'queryAccInfoTotal',
  'querySnoNameFromBarcode',
  'modifyPassword',
  'lostCard',
  'unlostCard',
  'freezeCard',
  'unfreezeCard',
  'openAccount',
  'modifyAccount',
];
const ZHIXIAO_METHODS = [
  ...SETTLING,
  'createOrder',
  'queryOrder',
  'cancelOrder',
  'refundOrder',
  'getIdentity',
  'getUserCard',
  'createInvoice',
];
/** The calls that move money (docs/reliability.md). */
const ONECARD_MONEY = ['transfer', 'payByBarcode', 'recharge'] as const;
const ZHIXIAO_MONEY = ['createOrder', 'refundOrder', 'createInvoice'] as const;
/** The calls that change state, never resent either: their lost replies are advised too. */
const ONECARD_STATE = [
  'checkPassword',
  'getBarcode',
  'bindPayAccount',
  'unbindPayAccount',
  'modifyPassword',
  'lostCard',
  'unlostCard',
  'freezeCard',
  'unfreezeCard',
  'openAccount',
  'modifyAccount',
] as const;
const ZHIXIAO_STATE = ['cancelOrder'] as const;

/**
 * Refusals that prove the money stayed (docs/reliability.md, "Payment journal"): a OneCard business code
 * the tables know whose action is not `query`; Zhixiao -2 and -3. Everything else leaves the outcome open.
 */
const ONECARD_FINAL = [
  '60002',
  '60003',
  '60005',
  '60007',
  '60010',
  '60013',
  '60022',
  '60024',
  '60048',
  '60055',
  '60062',
  '60066',
];

/** The methods a text names: as calls, `name(`, and any camelCase word. */
function named(text: string): string[] {
  const calls = [...text.matchAll(/([A-Za-z_$][\w$]*)\(/g)].map((m) => m[1]!);
  const camel = [...text.matchAll(/\b[a-z]+[A-Z][A-Za-z]*\b/g)].map((m) => m[0]);
  return [...new Set([...calls, ...camel])];
}

/** The advice of an error, checked against the client's methods; returns the names it used. */
function expectAdviceFor(err: unknown, methods: string[], ambiguous: boolean) {
  if (!ambiguous) {
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).advice).toBeUndefined();
    expect((err as GatewayError).query).toBeUndefined();
    return;
  }
  expect(err instanceof OutcomeUnknownError || err instanceof GatewayError).toBe(true);
  const { advice, query } = err as OutcomeUnknownError | GatewayError;
  expect(advice).toEqual(expect.any(String));
  const names = named(advice!);
  expect(names.length, advice).toBeGreaterThan(0);
  for (const n of names) expect(methods, `${n} in: ${advice}`).toContain(n);
  if (query) {
    expect(methods).toContain(query.method);
    expect(advice).toContain(`${query.method}(${JSON.stringify(query.params)})`);
  }
}

it("the test's lists name the clients' methods, every one of them", () => {
  const oc = new OneCardClient({ ...oneCardOptions, tokenStore: new MemoryTokenStore() });
  const zx = new ZhixiaoPayClient({ baseUrl: ZX_BASE, ...ZX });
  for (const m of ONECARD_METHODS)
    expect(typeof (oc as unknown as Record<string, unknown>)[m], m).toBe('function');
  for (const m of ZHIXIAO_METHODS)
    expect(typeof (zx as unknown as Record<string, unknown>)[m], m).toBe('function');
  expect(named('Query with queryOrder({"a":1}), then resolve() or cancelOrder and 系统(繁忙)')).toEqual([
    'queryOrder',
    'resolve',
    'cancelOrder',
  ]);
});

/** What a client method ends in: its error, or undefined. */
const errorOf = (client: object, method: string, input: unknown) =>
  (client as Record<string, (req: unknown) => Promise<unknown>>)[method]!(input).then(
    () => undefined,
    (e: unknown) => e,
  );

/** A connection reset after the request was written (an Error, as the socket gives it). */
const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

/** How a reply goes wrong after the bytes left: each makes the outcome unknown. */
const LOST = ['reset', 'html', 'forged'] as const;

describe('OneCard money and state calls', () => {
  const url = new URL(GATEWAY);
  let n = 0;
  const client = () =>
    new OneCardClient({
      ...oneCardOptions,
      tokenStore: new MemoryTokenStore(),
      token: { minFetchIntervalMs: 0 },
    });
  /** A gateway that answers the token call, then the money call with `answer`. */
  function gateway(
    answer: (method: string) => { errcode?: string; data?: Record<string, unknown> } | string,
  ) {
    nock(url.origin)
      .persist()
      .post(url.pathname)
      .reply((_u, body) => {
        const { reply } = answerOneCard(String(body), (m) =>
          m.endsWith('access_token') ? tokenAnswer(++n) : answer(m),
        );
        return [200, reply];
      });
  }

  const codes = [
    ...Object.keys(ONECARD_SYSTEM_CODES).map((c) => ['system', c] as const),
    ...Object.keys(ONECARD_BUSINESS_CODES).map((c) => ['business', c] as const),
    ['business', '69999'] as const, // no table knows it
  ];

  describe.each([...ONECARD_MONEY, ...ONECARD_STATE])('%s', (method) => {
    const call = (c: OneCardClient) => errorOf(c, method, ONECARD_CASES[method].input);

    it.each(LOST)('a %s reply: the advice names methods of OneCardClient', async (how) => {
      const c = client();
      if (how === 'reset') {
        // The token call is answered; the money call's connection is reset after it was sent.
        nock(url.origin)
          .post(url.pathname)
          .reply((_u, body) => [200, answerOneCard(String(body), () => tokenAnswer(++n)).reply])
          .post(url.pathname)
          .replyWithError(reset());
      } else {
        gateway(() =>
          how === 'html' ? '<html>502 Bad Gateway</html>' : '{"errcode":"0","request":"x","sign":"QUJD"}',
        );
      }
      const err = await call(c);
      expect(err).toBeInstanceOf(OutcomeUnknownError);
      expectAdviceFor(err, ONECARD_METHODS, true);
    });

    // Refusals of a state call carry no advice: only a money call's refusal can leave money open.
    if ((ONECARD_MONEY as readonly string[]).includes(method))
      it.each(codes)('refused with %s code %s', async (level, code) => {
        gateway(() => (level === 'system' ? { errcode: code } : { data: { retcode: code, errmsg: '拒绝' } }));
        const err = await call(client());
        expect(err).toBeInstanceOf(GatewayError);
        expectAdviceFor(err, ONECARD_METHODS, level === 'system' || !ONECARD_FINAL.includes(code));
      });
  });
});

describe('Zhixiao money and state calls', () => {
  const client = () =>
    new ZhixiaoPayClient({
      baseUrl: ZX_BASE,
      ...ZX,
      retryBaseMs: 1,
      paths: { createInvoice: '/pay_api/inv' },
    });
  /** A signed error reply with a plain-text message, as deployed gateways send one. */
  const refusal = (code: string, text: string) => ({
    ret_code: Number(code),
    ret_content: text,
    sign: md5Hex(`${code}${text}${ZX.appSecret}`),
  });
  /** Every wording of -1 docs/protocol.md names, and one it does not. */
  const codes = [
    ...['订单不存在', '商户订单号重复', 'appid 不存在', '系统繁忙', '退款金额超过可退款金额'].map((t) => [
      '-1',
      t,
    ]),
    ...Object.keys(ZHIXIAO_CODES)
      .filter((c) => c !== '-1')
      .map((c) => [c, '']),
    ['-99', ''],
  ];

  describe.each([...ZHIXIAO_MONEY, ...ZHIXIAO_STATE])('%s', (method) => {
    const call = (c: ZhixiaoPayClient) => errorOf(c, method, ZHIXIAO_CASES[method].input);

    it.each(LOST)('a %s reply: the advice names methods of ZhixiaoPayClient', async (how) => {
      const scope = nock(ZX_BASE).post(/.*/);
      if (how === 'reset') scope.replyWithError(reset());
      else if (how === 'html') scope.reply(502, '<html>502 Bad Gateway</html>');
      else scope.reply(200, { ret_code: 0, ret_content: 'eA==', sign: md5Hex('0eA==not-the-secret') });
      const err = await call(client());
      expect(err).toBeInstanceOf(OutcomeUnknownError);
      expectAdviceFor(err, ZHIXIAO_METHODS, true);
    });

    if ((ZHIXIAO_MONEY as readonly string[]).includes(method))
      it.each(codes)('refused with %s %s', async (code, text) => {
        nock(ZX_BASE).post(/.*/).reply(200, refusal(code!, text!));
        const err = await call(client());
        expect(err).toBeInstanceOf(GatewayError);
        // No Zhixiao refusal proves nothing moved: a reply's sign covers its code and content only (1.3),
        // so a signed -2 or -3 of another request could stand in for this one's. Each gets advice.
        expectAdviceFor(err, ZHIXIAO_METHODS, true);
      });
  });
});

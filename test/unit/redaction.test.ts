import { inspect } from 'node:util';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tripleDesEncrypt } from '../../src/crypto.js';
import { MemoryTokenStore, OneCardClient, ZhixiaoPayClient } from '../../src/index.js';
import { keyText } from '../helpers/fixtures.js';
import { DES_KEY, GATEWAY, oneCardOptions, ZX, ZX_BASE } from '../helpers/keys.js';
import { mockOneCard, tokenAnswer } from '../helpers/mock-onecard.js';

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.cleanAll());

const TOKEN = 'tok-0123456789abcdef0123456789abcdef';
const PASSWORD = 'pw-778899';
const pemBody = keyText('merchant.pkcs8.pem').split('\n')[3]!;
const b64Key = keyText('merchant.pkcs8.b64').slice(100, 160);
/** Every secret a message, a JSON dump or an inspect() must never show. */
const SECRETS = [DES_KEY, pemBody, b64Key, TOKEN, PASSWORD, ZX.appSecret, ZX.aesKey];

function assertClean(err: unknown) {
  expect(err).toBeInstanceOf(Error);
  const views = [
    String((err as Error).message),
    JSON.stringify(err),
    inspect(err, { depth: 10 }),
    String((err as Error).stack),
  ];
  for (const view of views) for (const secret of SECRETS) expect(view).not.toContain(secret);
}

async function errorOf(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

describe('no secret in any error', () => {
  it('configuration errors from bad keys', async () => {
    for (const patch of [
      { desKey: DES_KEY.slice(4) },
      { privateKey: b64Key },
      { platformPublicKey: keyText('merchant.pkcs8.pem') },
    ]) {
      assertClean(await errorOf(() => new OneCardClient({ ...oneCardOptions, ...patch })));
    }
    assertClean(
      await errorOf(() => new ZhixiaoPayClient({ baseUrl: ZX_BASE, ...ZX, aesKey: ZX.aesKey.slice(1) })),
    );
  });

  it('gateway, validation, signature, protocol and transport errors around a call with a password and a token', async () => {
    const store = new MemoryTokenStore();
    const c = new OneCardClient({ ...oneCardOptions, tokenStore: store, retryBaseMs: 1 });
    mockOneCard((m, p) => {
      if (m.endsWith('access_token')) return { data: { access_token: TOKEN, expires_in: '7200' } };
      if (p.pwd) return { data: { retcode: '60005', errmsg: '账户密码错误' } };
      return tokenAnswer(0);
    });
    assertClean(await errorOf(() => c.checkPassword({ idtype: 'sno', id: '1', pwd: PASSWORD })));
    assertClean(
      await errorOf(() => c.checkPassword({ idtype: 'sno', id: '1', pwd: `${PASSWORD}${'x'.repeat(40)}` })),
    );
    nock.cleanAll();

    const url = new URL(GATEWAY);
    // A reply that echoes secrets back: the excerpt must mask them.
    nock(url.origin)
      .post(url.pathname)
      .reply(200, `error: token ${TOKEN} key ${DES_KEY} ${tripleDesEncrypt('x', DES_KEY)}`);
    assertClean(await errorOf(() => c.checkPassword({ idtype: 'sno', id: '1', pwd: PASSWORD })));
    nock(url.origin)
      .post(url.pathname)
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    assertClean(
      await errorOf(() => c.transfer({ account: '1', tranamt: 1, src_acctype: '###', dst_acctype: '001' })),
    );
    nock(url.origin).post(url.pathname).reply(200, 'errcode=0&request=AAAA&sign=AAAA');
    assertClean(await errorOf(() => c.checkPassword({ idtype: 'sno', id: '1', pwd: PASSWORD })));
  });

  it('Zhixiao errors', async () => {
    const z = new ZhixiaoPayClient({ baseUrl: ZX_BASE, ...ZX, retryBaseMs: 1 });
    nock(ZX_BASE).post(/.*/).times(3).reply(500, `<html>${ZX.appSecret} ${ZX.aesKey}</html>`);
    assertClean(await errorOf(() => z.queryOrder({ out_trade_no: 'A' })));
    nock(ZX_BASE)
      .post(/.*/)
      .replyWithError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    assertClean(
      await errorOf(() =>
        z.createOrder({ body: 'b', out_trade_no: 'A', total_fee: 1, notify_url: 'http://n' }),
      ),
    );
    assertClean(await errorOf(() => z.parseNotification({ id: 'partner1', param: 'AAAA', sign: 'x' })));
  });
});

describe('the access token is masked by value, whatever its shape', () => {
  it.each([
    ['a UUID', 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff'],
    ['JWT-like', 'eyJhbGci.eyJzdWIiOiIx.c2ln'],
    ['dotted', 'tok.en.dotted.42'],
    ['short', 'T0k-9'],
  ])('%s token echoed in a gateway error page never reaches the error', async (_shape, token) => {
    const c = new OneCardClient({ ...oneCardOptions, tokenStore: new MemoryTokenStore(), retryBaseMs: 1 });
    mockOneCard((m, _p) => {
      if (m.endsWith('access_token')) return { data: { access_token: token, expires_in: '7200' } };
      // A proxy or gateway page that echoes the form it received, raw and percent-encoded.
      return `Bad request: access_token=${token} (${encodeURIComponent(token)}) app_key=unit-app`;
    });
    const err = await errorOf(() => c.queryCard({ idtype: 'sno', id: '1' }));
    const views = [String((err as Error).message), JSON.stringify(err), inspect(err, { depth: 10 })];
    for (const view of views) {
      expect(view).not.toContain(token);
      expect(view).not.toContain(encodeURIComponent(token));
    }
    expect(String((err as Error).message)).toContain('[redacted]');
    nock.cleanAll();
  });
});

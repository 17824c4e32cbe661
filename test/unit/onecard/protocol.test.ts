import { createVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GatewayError, ProtocolError } from '../../../src/core/errors.js';
import { KeyRing } from '../../../src/core/keyring.js';
import type { MethodKind, MethodSpec } from '../../../src/core/method.js';
import { MemoryTokenStore } from '../../../src/core/token-store.js';
import { loadPrivateKey, loadPublicKey, tripleDesDecrypt } from '../../../src/crypto.js';
import { NO_TOKEN } from '../../../src/onecard/envelope.js';
import type { OneCardKeySet } from '../../../src/onecard/keys.js';
import { type InvalidTokenPolicy, oneCardProtocol } from '../../../src/onecard/protocol.js';
import { TokenManager } from '../../../src/onecard/token.js';
import { keyText } from '../../helpers/fixtures.js';
import { DES_KEY, merchantKeyPem, platformPublicPem } from '../../helpers/keys.js';

const merchantPublic = loadPublicKey(keyText('merchant.spki.pem'));
let n = 0;
/** Static keys, as a client without a key provider has them. */
const keySet = (platform: boolean) => {
  const keys: OneCardKeySet = {
    desKeys: [DES_KEY],
    privateKey: loadPrivateKey(merchantKeyPem),
    platformKeys: platform ? [loadPublicKey(platformPublicPem)] : undefined,
  };
  return new KeyRing<OneCardKeySet>({ parse: () => keys, base: {} });
};
const KEYS = {
  version: 1,
  keys: { desKeys: [DES_KEY], privateKey: loadPrivateKey(merchantKeyPem), platformKeys: undefined },
};

function protocol(opts: { offload?: boolean | 'auto'; policy?: InvalidTokenPolicy } = {}) {
  let fetches = 0;
  const tokens = new TokenManager({
    store: new MemoryTokenStore(),
    key: `p${n++}`,
    minFetchIntervalMs: 0,
    fetch: async () => {
      fetches++;
      return { token: `tok${fetches}`, expiresInSeconds: 7200 };
    },
  });
  let tokenCalls = 0;
  const p = oneCardProtocol({
    gatewayUrl: 'http://gw.test/gateway.action',
    appKey: 'app1',
    keys: keySet(true),
    timeZone: 'UTC',
    offload: opts.offload ?? false,
    moneyOnInvalidToken: opts.policy ?? 'refresh-and-throw',
    tokens: () => {
      tokenCalls++;
      return tokens;
    },
  });
  return { p, fetches: () => fetches, tokenCalls: () => tokenCalls };
}
const spec = (kind: MethodKind): MethodSpec => ({
  wire: 'synjones.onecard.query.card',
  section: '2.1',
  kind,
  request: z.object({}),
  response: z.object({}),
});
const call = (kind: MethodKind, token = 'tok1', busy = false) => ({
  name: 'm',
  spec: spec(kind),
  payload: { id: '1' },
  session: { token, keys: KEYS },
  busy,
});
const tokenOf = async (session: Promise<{ token: string } | undefined> | { token: string } | undefined) =>
  (await session)?.token;
const invalid = (level: 'system' | 'business' = 'system', code = '40017') =>
  new GatewayError({ level, code, message: 'token invalid' });

describe('OneCard protocol: session', () => {
  it('the token call itself sends 128 zeros and fetches nothing; other calls take the managed token', async () => {
    const { p, fetches, tokenCalls } = protocol();
    expect(await tokenOf(p.begin(spec('token'), 'accessToken'))).toBe(NO_TOKEN);
    expect([fetches(), tokenCalls()]).toEqual([0, 0]);
    expect(await tokenOf(p.begin(spec('query'), 'queryCard'))).toBe('tok1');
    expect(fetches()).toBe(1);
  });
});

describe('OneCard protocol: seal', () => {
  it.each([
    [false, false],
    [true, false],
    ['auto', false],
    ['auto', true],
  ] as const)(
    'offload %s, busy %s: a form signed by the merchant key over the spec’s sign string',
    async (offload, busy) => {
      const { p } = protocol({ offload });
      const sealed = await p.seal(call('money', 'tok1', busy));
      expect(sealed.url).toBe('http://gw.test/gateway.action');
      const { sign, request, ...rest } = sealed.form;
      expect(rest).toMatchObject({
        method: 'synjones.onecard.query.card',
        app_key: 'app1',
        access_token: 'tok1',
        format: 'json',
        v: '2.0',
        sign_method: 'rsa',
      });
      expect(rest.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect(Math.abs(Date.parse(`${rest.timestamp!.replace(' ', 'T')}Z`) - Date.now())).toBeLessThan(60_000);
      expect(JSON.parse(tripleDesDecrypt(request!, DES_KEY))).toEqual({ query_card: { id: '1' } });
      const text = Object.keys(sealed.form)
        .filter((k) => k !== 'sign')
        .sort()
        .map((k) => k + sealed.form[k])
        .join('');
      expect(createVerify('RSA-SHA1').update(text, 'utf8').verify(merchantPublic, sign!, 'base64')).toBe(
        true,
      );
    },
  );
});

describe('OneCard protocol: open', () => {
  it('the access token in use is masked in a reply excerpt', async () => {
    const { p } = protocol();
    const c = call('query', 'secret-token-value-123');
    const e = (await Promise.resolve()
      .then(() => p.open(c, { status: 500, body: Buffer.from('error: token secret-token-value-123 bad') }))
      .catch((err: unknown) => err)) as ProtocolError;
    expect(e).toBeInstanceOf(ProtocolError);
    expect(e.message).not.toContain('secret-token-value-123');
    expect(e.excerpt).not.toContain('secret-token-value-123');
  });
});

describe('OneCard protocol: renewal after 40017', () => {
  it('only a system-level 40017 renews', async () => {
    const { p, fetches } = protocol();
    await p.begin(spec('query'), 'q');
    for (const err of [new Error('40017'), invalid('business'), invalid('system', '40004')]) {
      expect(await p.renew!(err, call('query'))).toBeUndefined();
    }
    expect(fetches()).toBe(1);
  });

  it('the token call is never renewed', async () => {
    const { p, fetches } = protocol();
    expect(await p.renew!(invalid(), call('token', NO_TOKEN))).toBeUndefined();
    expect(fetches()).toBe(0);
  });

  it.each(['query', 'state'] as const)('a %s call gets a fresh token to resend with', async (kind) => {
    const { p, fetches } = protocol();
    await p.begin(spec('query'), 'q');
    expect(await tokenOf(p.renew!(invalid(), call(kind)))).toBe('tok2');
    expect(fetches()).toBe(2);
  });

  // What to run before calling again is the method's own advice, added by the pipeline (test/contract/advice.test.ts).
  it('a money call under refresh-and-throw: a fresh token for next time, the error now, explained', async () => {
    const { p, fetches } = protocol();
    await p.begin(spec('query'), 'q');
    const err = invalid();
    const before = err.message;
    expect(await p.renew!(err, call('money'))).toBeUndefined();
    expect(fetches()).toBe(2);
    expect(err.message).toBe(
      `${before} Not resent (moneyOnInvalidToken: refresh-and-throw): the gateway reports it unprocessed, but a 40017 reply is not bound to its request. A fresh token is ready.`,
    );
    // The next call uses the fresh token.
    expect(await tokenOf(p.begin(spec('money'), 'pay'))).toBe('tok2');
  });

  it('a money call under refresh-and-throw whose token fetch fails still throws the 40017', async () => {
    let fail = false;
    const tokens = new TokenManager({
      store: new MemoryTokenStore(),
      key: `f${n++}`,
      fetch: async () => {
        if (fail) throw new Error('token endpoint down');
        return { token: 'tok1', expiresInSeconds: 7200 };
      },
    });
    const p = oneCardProtocol({
      gatewayUrl: 'http://gw.test/',
      appKey: 'a',
      keys: keySet(false),
      timeZone: 'UTC',
      offload: false,
      moneyOnInvalidToken: 'refresh-and-throw',
      tokens: () => tokens,
    });
    await p.begin(spec('query'), 'q');
    fail = true;
    await expect(p.renew!(invalid(), call('money'))).resolves.toBeUndefined();
  });

  it('a money call under resend: the fresh token, to resend once', async () => {
    const { p } = protocol({ policy: 'resend' });
    await p.begin(spec('query'), 'q');
    const err = invalid();
    const before = err.message;
    expect(await tokenOf(p.renew!(err, call('money')))).toBe('tok2');
    expect(err.message).toBe(before);
  });
});

/** OneCard key options: lists and the key provider's answers are checked like single keys, by name and index. */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildOneCardNotification, ConfigurationError, OneCardClient } from '../../../src/index.js';
import { keyPath, keyText } from '../../helpers/fixtures.js';
import {
  DES_KEY,
  merchantKeyPem,
  ONECARD_NOTICE,
  oneCardOptions,
  platformPrivate,
  platformPublicPem,
} from '../../helpers/keys.js';

/** Keys of other kinds than the gateway's RSA, made here (test keys only). */
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const ecPublicPem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const ecPrivatePem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const anotherRsaPublic = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;

const refusal = (options: Record<string, unknown>) => {
  try {
    new OneCardClient({ ...oneCardOptions, ...options });
  } catch (err) {
    return err as ConfigurationError;
  }
  throw new Error('the options were accepted');
};

describe('OneCard key lists', () => {
  it('several platform keys and 3DES keys are accepted', () => {
    expect(
      () =>
        new OneCardClient({
          ...oneCardOptions,
          desKey: [DES_KEY, DES_KEY],
          platformPublicKey: [platformPublicPem, anotherRsaPublic],
        }),
    ).not.toThrow();
  });

  it.each([
    ['an empty platformPublicKey list', { platformPublicKey: [] }, 'platformPublicKey', /the list is empty/],
    [
      'a private key in the platform list',
      { platformPublicKey: [platformPublicPem, merchantKeyPem] },
      'platformPublicKey[1]',
      /private key was given where the public key belongs/,
    ],
    [
      'a private key as bare base64 DER in the platform list',
      { platformPublicKey: [platformPublicPem, keyText('merchant.pkcs8.b64')] },
      'platformPublicKey[1]',
      /private key was given where the public key belongs/,
    ],
    [
      'a private key as a PKCS#1 DER file',
      { platformPublicKey: keyPath('merchant.pkcs1.der') },
      'platformPublicKey',
      /private key was given where the public key belongs/,
    ],
    [
      'an EC key in the platform list (it would verify ECDSA signatures)',
      { platformPublicKey: [platformPublicPem, ecPublicPem] },
      'platformPublicKey[1]',
      /an RSA key.*found an ec key/,
    ],
    [
      "the merchant's own public key in the platform list",
      { platformPublicKey: [platformPublicPem, createPublicKey(merchantKeyPem)] },
      'platformPublicKey[1]',
      /merchant's own key/,
    ],
    ['an EC private key', { privateKey: ecPrivatePem }, 'privateKey', /an RSA key.*found an ec key/],
    ['an empty desKey list', { desKey: [] }, 'desKey', /the list is empty/],
    ['a malformed second desKey', { desKey: [DES_KEY, 'c2hvcnQ='] }, 'desKey[1]', /24-byte 3DES key/],
    ['a desKey that is a number', { desKey: 42 }, 'desKey', /a value of type number/],
  ])('%s: a ConfigurationError naming the option', (_what, options, option, why) => {
    const err = refusal(options);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err.option).toBe(option);
    expect(err.message).toMatch(why);
    expect(err.message).not.toContain(DES_KEY);
  });
});

describe('OneCard notices under several keys', () => {
  it('the second platform key and the second 3DES key open a notice, and the log names key 1', () => {
    const lines: unknown[] = [];
    const otherDes = Buffer.alloc(24, 7).toString('base64');
    const client = new OneCardClient({
      ...oneCardOptions,
      desKey: [otherDes, DES_KEY],
      platformPublicKey: [anotherRsaPublic, platformPublicPem],
      logger: { info: (_m, f) => void lines.push(f) },
    });
    const keys = { desKey: DES_KEY, platformPrivateKey: platformPrivate };
    const body = buildOneCardNotification(keys, ONECARD_NOTICE);
    expect(client.parseNotification(body)).toMatchObject({ order_no: '111' });
    expect(lines).toEqual([{ method: 'parseNotification', outcome: 'verified', keyIndex: 1 }]);
  });
});

describe('OneCard key provider', () => {
  const { desKey: _d, privateKey: _p, ...noKeys } = oneCardOptions;

  it('a sync provider is read at construction; garbage fails there, naming keyProvider().option', () => {
    const err = refusal({
      ...noKeys,
      desKey: undefined,
      privateKey: undefined,
      keyProvider: () => ({ desKey: DES_KEY, privateKey: platformPublicPem }),
    });
    expect(err.option).toBe('keyProvider().privateKey');
    expect(err.message).not.toContain(platformPublicPem.slice(30, 60));
  });

  it('the provider answer completes the options: keys left out of both are required', () => {
    const err = refusal({
      desKey: undefined,
      privateKey: undefined,
      keyProvider: () => ({ desKey: DES_KEY }),
    });
    expect(err.option).toBe('privateKey');
    expect(err.message).toMatch(/is required/);
  });

  it('a provider that drops the platform key is refused even under dangerouslySkipReplyVerification', async () => {
    let answer: Record<string, unknown> = {
      desKey: DES_KEY,
      privateKey: merchantKeyPem,
      platformPublicKey: platformPublicPem,
    };
    const errors: ConfigurationError[] = [];
    const client = new OneCardClient({
      ...noKeys,
      platformPublicKey: undefined,
      dangerouslySkipReplyVerification: true,
      keyProvider: async () => answer,
      onKeyError: (e) => void errors.push(e),
    });
    await client.keysReady();
    answer = { desKey: DES_KEY, privateKey: merchantKeyPem };
    await expect(client.reloadKeys()).rejects.toThrow(/never drops reply verification/);
    expect(errors.map((e) => e.option)).toEqual(['platformPublicKey']);
  });

  it('a failed first read: keysReady rejects and a call fails with a ConfigurationError before any I/O', async () => {
    const client = new OneCardClient({
      ...noKeys,
      gatewayUrl: 'http://127.0.0.1:9/never',
      keyProvider: async () => {
        throw new Error('vault sealed');
      },
    });
    await expect(client.keysReady()).rejects.toThrow(ConfigurationError);
    const err = await client.queryCard({ idtype: 'sno', id: '1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as ConfigurationError).option).toBe('keyProvider');
    expect(() => client.parseNotification('sign=x&request=y')).toThrow(/no keys loaded yet/);
    // A notice meanwhile is answered 503, not 400: this end is not ready; the request is not at fault.
    const answer = await client.webNotificationHandler({ onNotification: () => undefined })(
      new Request('http://merchant/notify', { method: 'POST', body: 'sign=x&request=y' }),
    );
    expect([answer.status, await answer.text()]).toEqual([503, 'fail']);
  });
});

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, DecryptionError } from '../../../src/core/errors.js';
import {
  aesDecrypt,
  aesEncrypt,
  loadPrivateKey,
  loadPublicKey,
  md5Hex,
  rsaSha1Sign,
  rsaSha1SignAsync,
  rsaSha1Verify,
  safeEqual,
  tripleDesDecrypt,
  tripleDesEncrypt,
} from '../../../src/crypto.js';
import { keyPath, keyText, vectors as v } from '../../helpers/fixtures.js';

const merchant = loadPrivateKey(keyText('merchant.pkcs8.pem'));
const merchantPublic = loadPublicKey(keyText('merchant.spki.pem'));

describe('known-answer vectors made with the openssl CLI', () => {
  it('3DES-CBC with a zero IV', () => {
    expect(tripleDesEncrypt(v.plain!, v.desKey!)).toBe(v.des);
    expect(tripleDesDecrypt(v.des!, v.desKey!)).toBe(v.plain);
  });
  it('AES-256-CBC with the spec test key, IV = first 16 key bytes', () => {
    expect(aesEncrypt(v.plain!, v.aesKey!)).toBe(v.aes256);
    expect(aesDecrypt(v.aes256!, v.aesKey!)).toBe(v.plain);
  });
  it('AES-128-CBC with a 16-character key', () => {
    expect(aesEncrypt(v.plain!, v.aes128Key!)).toBe(v.aes128);
    expect(aesDecrypt(v.aes128!, v.aes128Key!)).toBe(v.plain);
  });
  it('RSA-SHA1 PKCS#1 v1.5, sync and on the thread pool', async () => {
    expect(rsaSha1Sign(v.signText!, merchant)).toBe(v.rsa);
    expect(await rsaSha1SignAsync(v.signText!, merchant)).toBe(v.rsa);
    expect(rsaSha1Verify(v.signText!, v.rsa!, merchantPublic)).toBe(true);
  });
  it('MD5 lowercase hex', () => {
    expect(md5Hex(v.plain!)).toBe(v.md5);
  });
});

describe('round trips over arbitrary Unicode', () => {
  it('3DES and AES', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => {
        expect(tripleDesDecrypt(tripleDesEncrypt(s, v.desKey!), v.desKey!)).toBe(s);
        expect(aesDecrypt(aesEncrypt(s, v.aesKey!), v.aesKey!)).toBe(s);
      }),
    );
  });
  it('RSA-SHA1 sign then verify; a different text fails', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), (s) => {
        const sig = rsaSha1Sign(s, merchant);
        expect(rsaSha1Verify(s, sig, merchantPublic)).toBe(true);
        expect(rsaSha1Verify(`${s}x`, sig, merchantPublic)).toBe(false);
      }),
      { numRuns: 30 },
    );
  });
});

describe('rsaSha1Verify never throws', () => {
  it.each(['', 'not base64!', 'AAAA', v.rsa!.slice(1)])('rejects %j', (sig) => {
    expect(rsaSha1Verify(v.signText!, sig, merchantPublic)).toBe(false);
  });
});

describe('symmetric key and ciphertext checks', () => {
  it('refuses a 3DES key that is not 24 bytes, without echoing it', () => {
    const bad = Buffer.alloc(16, 7).toString('base64');
    const err = catchError(() => tripleDesEncrypt('x', bad));
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err.message).toMatch(/24-byte/);
    expect(err.message).not.toContain(bad);
  });
  it('refuses an AES key of the wrong length, without echoing it', () => {
    const err = catchError(() => aesEncrypt('x', 'short-secret'));
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err.message).toMatch(/16, 24 or 32/);
    expect(err.message).not.toContain('short-secret');
  });
  it('wrong key or damaged ciphertext is a DecryptionError', () => {
    expect(() => aesDecrypt(v.aes256!, '0123456789abcdef0123456789abcdef')).toThrow(DecryptionError);
    expect(() => tripleDesDecrypt('%%%', v.desKey!)).toThrow(DecryptionError);
    expect(() => tripleDesDecrypt(v.des!.slice(0, 8), v.desKey!)).toThrow(DecryptionError);
  });
});

describe('safeEqual', () => {
  it('compares exactly, or case-insensitively for hex', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('ABCDEF', 'abcdef')).toBe(false);
    expect(safeEqual('ABCDEF', 'abcdef', { caseInsensitive: true })).toBe(true);
  });
});

describe('private key formats (fixtures made with openssl)', () => {
  const signs = (input: Parameters<typeof loadPrivateKey>[0], passphrase?: string) =>
    rsaSha1Sign(v.signText!, loadPrivateKey(input, passphrase ? { passphrase } : {}));
  const cases: Array<[string, () => Parameters<typeof loadPrivateKey>[0], string?]> = [
    ['PEM PKCS#8', () => keyText('merchant.pkcs8.pem')],
    ['PEM PKCS#1', () => keyText('merchant.pkcs1.pem')],
    ['encrypted PEM PKCS#8', () => keyText('merchant.pkcs8.encrypted.pem'), v.passphrase],
    ['bare base64 PKCS#8 (as Synjones hands out)', () => keyText('merchant.pkcs8.b64')],
    ['bare base64 PKCS#1', () => keyText('merchant.pkcs1.b64')],
    ['DER bytes PKCS#8', () => readFileSync(keyPath('merchant.pkcs8.der'))],
    ['DER bytes PKCS#1', () => readFileSync(keyPath('merchant.pkcs1.der'))],
    ['a file path', () => keyPath('merchant.pkcs1.pem')],
    ['PKCS#12, modern AES/PBKDF2 (path)', () => keyPath('merchant.modern.p12'), v.passphrase],
    ['PKCS#12, legacy 3DES (path)', () => keyPath('merchant.legacy.pfx'), v.passphrase],
    ['PKCS#12 bytes', () => readFileSync(keyPath('merchant.legacy.pfx')), v.passphrase],
    ['a Buffer of PEM', () => readFileSync(keyPath('merchant.pkcs8.pem'))],
  ];
  it.each(cases)('%s', (_name, input, passphrase) => {
    expect(signs(input(), passphrase)).toBe(v.rsa);
  });

  it.each([
    ['garbage text', 'not a key at all', /neither PEM, base64, nor an existing file/],
    ['a public key', keyText('merchant.spki.pem'), /not a readable private key/],
    ['an encrypted key without passphrase', keyText('merchant.pkcs8.encrypted.pem'), /no passphrase/],
    [
      'random base64 bytes',
      Buffer.alloc(200, 9).toString('base64'),
      /neither DER PKCS#8, PKCS#1 nor PKCS#12/,
    ],
  ])('refuses %s with the accepted formats, never echoing it', (_n, input, why) => {
    const err = catchError(() => loadPrivateKey(input));
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err.message).toMatch(why);
    expect(err.message).toMatch(/Accepted: PEM PKCS#8/);
    expect(err.message).not.toContain(input.length > 60 ? input.slice(30, 60) : input);
  });
  it('a wrong PKCS#12 passphrase', () => {
    expect(() => loadPrivateKey(keyPath('merchant.modern.p12'), { passphrase: 'nope' })).toThrow(
      /privateKeyPassphrase is wrong/,
    );
  });
});

describe('public key formats', () => {
  it.each([
    ['PEM SPKI', () => keyText('merchant.spki.pem')],
    ['PEM PKCS#1', () => keyText('merchant.pkcs1.pub.pem')],
    ['bare base64 SPKI', () => keyText('merchant.spki.b64')],
    ['PEM certificate', () => keyText('merchant.cert.pem')],
    ['DER certificate bytes', () => readFileSync(keyPath('merchant.cert.der'))],
    ['DER certificate path', () => keyPath('merchant.cert.der')],
  ])('%s', (_n, input) => {
    expect(rsaSha1Verify(v.signText!, v.rsa!, loadPublicKey(input()))).toBe(true);
  });
  it('refuses a private key where the public key belongs', () => {
    expect(() => loadPublicKey(keyText('merchant.pkcs8.pem'), { option: 'platformPublicKey' })).toThrow(
      /platformPublicKey: a private key was given/,
    );
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

/**
 * The crypto both gateways need, on node:crypto (OpenSSL). Keys are parsed once into KeyObjects by
 * `loadPrivateKey` / `loadPublicKey`; the hot-path functions take those, so nothing is re-parsed per call.
 * node-forge is loaded lazily, and only to read PKCS#12 files, which node:crypto cannot.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  timingSafeEqual,
  verify,
  X509Certificate,
} from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ConfigurationError, DecryptionError } from './errors.js';

const ZERO_IV_8 = Buffer.alloc(8);
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The 24 bytes of a base64 3DES key; a ConfigurationError naming `option` (without the key) otherwise. */
export function tripleDesKey(keyBase64: string, option = 'desKey'): Buffer {
  const key =
    typeof keyBase64 === 'string' && BASE64.test(keyBase64) ? Buffer.from(keyBase64, 'base64') : null;
  if (key?.length !== 24) {
    throw new ConfigurationError(
      option,
      `expected the base64 of a 24-byte 3DES key (32 base64 characters); found ${describeSecret(keyBase64)}`,
    );
  }
  return key;
}

/** The bytes of a Zhixiao AES key; a ConfigurationError naming `option` (without the key) otherwise. */
export function aesKeyBytes(aesKey: string, option = 'aesKey'): Buffer {
  const key = typeof aesKey === 'string' ? Buffer.from(aesKey, 'latin1') : null;
  if (!key || !/^[\x20-\x7e]*$/.test(aesKey) || ![16, 24, 32].includes(key.length)) {
    throw new ConfigurationError(
      option,
      `expected 16, 24 or 32 ASCII characters (AES-128/192/256); found ${describeSecret(aesKey)}`,
    );
  }
  return key;
}

/** What a bad secret looked like, without a single character of it. */
function describeSecret(value: unknown): string {
  if (typeof value !== 'string') return `a value of type ${value === null ? 'null' : typeof value}`;
  return `a string of ${value.length} characters`;
}

function decipher(kind: string, make: () => ReturnType<typeof createDecipheriv>, data: string): string {
  if (!BASE64.test(data) || data.length % 4 !== 0)
    throw new DecryptionError(`${kind}: the ciphertext is not base64`);
  try {
    const d = make();
    const plain = Buffer.concat([d.update(Buffer.from(data, 'base64')), d.final()]);
    return plain.toString('utf8');
  } catch {
    throw new DecryptionError(`${kind}: the ciphertext does not decrypt with the configured key`);
  }
}

/** DESede/CBC/PKCS5Padding with an all-zero IV, as Synjones OneCard uses. Returns base64. */
export function tripleDesEncrypt(plaintext: string, keyBase64: string): string {
  const c = createCipheriv('des-ede3-cbc', tripleDesKey(keyBase64), ZERO_IV_8);
  return Buffer.concat([c.update(plaintext, 'utf8'), c.final()]).toString('base64');
}

/** Inverse of {@link tripleDesEncrypt}. Throws DecryptionError on bad base64, padding or key. */
export function tripleDesDecrypt(ciphertextBase64: string, keyBase64: string): string {
  const key = tripleDesKey(keyBase64);
  return decipher('3DES', () => createDecipheriv('des-ede3-cbc', key, ZERO_IV_8), ciphertextBase64);
}

function aesAlgorithm(key: Buffer): 'aes-128-cbc' | 'aes-192-cbc' | 'aes-256-cbc' {
  return `aes-${key.length * 8}-cbc` as 'aes-128-cbc';
}

/** AES-CBC/PKCS#7 as Zhixiao uses: key = ASCII bytes of `aesKey`, IV = its first 16 bytes. Returns base64. */
export function aesEncrypt(plaintext: string, aesKey: string): string {
  const key = aesKeyBytes(aesKey);
  const c = createCipheriv(aesAlgorithm(key), key, key.subarray(0, 16));
  return Buffer.concat([c.update(plaintext, 'utf8'), c.final()]).toString('base64');
}

/** Inverse of {@link aesEncrypt}. Throws DecryptionError on bad base64, padding or key. */
export function aesDecrypt(ciphertextBase64: string, aesKey: string): string {
  const key = aesKeyBytes(aesKey);
  return decipher(
    'AES',
    () => createDecipheriv(aesAlgorithm(key), key, key.subarray(0, 16)),
    ciphertextBase64,
  );
}

/** RSA-SHA1, PKCS#1 v1.5, base64 output. Pass a KeyObject from {@link loadPrivateKey}. */
export function rsaSha1Sign(text: string, privateKey: KeyObject): string {
  return sign('sha1', Buffer.from(text, 'utf8'), privateKey).toString('base64');
}

/**
 * Same as {@link rsaSha1Sign}, computed on libuv's thread pool so a busy service's event loop keeps
 * serving other requests while the RSA operation runs.
 */
export function rsaSha1SignAsync(text: string, privateKey: KeyObject): Promise<string> {
  return new Promise((resolve, reject) => {
    sign('sha1', Buffer.from(text, 'utf8'), privateKey, (err, sig) => {
      if (err) reject(err);
      else resolve(sig.toString('base64'));
    });
  });
}

/** The signature bytes, or undefined for malformed or non-canonical base64 (two spellings of one value). */
function signatureBytes(signatureBase64: string): Buffer | undefined {
  if (typeof signatureBase64 !== 'string' || !BASE64.test(signatureBase64)) return undefined;
  const signature = Buffer.from(signatureBase64, 'base64');
  return signature.toString('base64') === signatureBase64 ? signature : undefined;
}

/**
 * Verifies an RSA-SHA1 PKCS#1 v1.5 signature. Malformed or non-canonical base64 (unused trailing bits
 * set, so that two spellings decode to one signature) and wrong-length signatures → false.
 */
export function rsaSha1Verify(text: string, signatureBase64: string, publicKey: KeyObject): boolean {
  const signature = signatureBytes(signatureBase64);
  if (!signature) return false;
  try {
    return verify('sha1', Buffer.from(text, 'utf8'), publicKey, signature);
  } catch {
    return false;
  }
}

/** Same as {@link rsaSha1Verify}, on libuv's thread pool. */
export function rsaSha1VerifyAsync(
  text: string,
  signatureBase64: string,
  publicKey: KeyObject,
): Promise<boolean> {
  const signature = signatureBytes(signatureBase64);
  if (!signature) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      verify('sha1', Buffer.from(text, 'utf8'), publicKey, signature, (err, ok) => resolve(!err && ok));
    } catch {
      resolve(false);
    }
  });
}

/**
 * Which of the accepted keys verifies the signature (the first that does), or -1 when none does. Several
 * keys are accepted while the gateway rolls its key over; the index says which one verified.
 */
export async function rsaSha1VerifyAny(
  text: string,
  signatureBase64: string,
  publicKeys: readonly KeyObject[],
  offload = false,
): Promise<number> {
  for (const [i, key] of publicKeys.entries()) {
    const ok = offload
      ? await rsaSha1VerifyAsync(text, signatureBase64, key)
      : rsaSha1Verify(text, signatureBase64, key);
    if (ok) return i;
  }
  return -1;
}

/** Lowercase hex MD5 of the UTF-8 bytes. */
export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/**
 * Constant-time string comparison. Both sides are hashed first, so neither the content nor the length
 * of the expected value leaks through timing. `caseInsensitive` is for hex digests.
 */
export function safeEqual(a: string, b: string, options: { caseInsensitive?: boolean } = {}): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const x = options.caseInsensitive ? a.toLowerCase() : a;
  const y = options.caseInsensitive ? b.toLowerCase() : b;
  const hx = createHash('sha256').update(x).digest();
  const hy = createHash('sha256').update(y).digest();
  return timingSafeEqual(hx, hy) && x.length === y.length;
}

// ---------------------------------------------------------------------------------------------------------
// Key loading

/** Anything a key may arrive as: PEM or bare base64 text, DER or PKCS#12 bytes, a file path, a KeyObject. */
export type KeyInput = string | Buffer | Uint8Array | KeyObject;

export interface LoadPrivateKeyOptions {
  /** For encrypted PKCS#8 PEM and PKCS#12 files. */
  passphrase?: string;
  /** Names the option in error messages (default `privateKey`). */
  option?: string;
}

const PRIVATE_FORMATS =
  'PEM PKCS#8 (plain or encrypted), PEM PKCS#1, bare base64 DER (PKCS#8 or PKCS#1), ' +
  'DER bytes, a PKCS#12 .pfx/.p12 file or bytes with its passphrase, or a path to any of these';
const PUBLIC_FORMATS =
  'PEM SPKI ("PUBLIC KEY"), PEM PKCS#1 ("RSA PUBLIC KEY"), bare base64 SPKI, ' +
  'an X.509 certificate (PEM or DER), DER bytes, or a path to any of these';

/** Whether a value is a node:crypto KeyObject (not a string or bytes to parse). */
export function isKeyObject(v: unknown): v is KeyObject {
  return typeof v === 'object' && v !== null && 'asymmetricKeyType' in v && 'export' in v;
}

/** Reads a path or passes bytes through; returns what kind of input it was for error messages. */
function resolveInput(input: string | Buffer | Uint8Array): {
  data: Buffer | string | null;
  found: string;
  path?: string;
} {
  if (typeof input !== 'string') return { data: Buffer.from(input), found: `${input.length} bytes` };
  let text = input.trim();
  // Environment variables often hold a PEM with literal "\n" escapes: read them as line breaks.
  if (text.includes('-----BEGIN') && !text.includes('\n') && text.includes('\\n'))
    text = text.replaceAll('\\n', '\n');
  if (text.includes('-----BEGIN')) return { data: text, found: 'PEM text' };
  if (text.length < 4096 && !text.includes('\n') && existsSync(text)) {
    if (!statSync(text).isFile()) return { data: null, found: `the path ${text}, which is not a file` };
    return { data: readFileSync(text), found: `the file ${text}`, path: text };
  }
  const bare = text.replace(/\s+/g, '');
  if (bare.length >= 64 && BASE64.test(bare))
    return { data: Buffer.from(bare, 'base64'), found: 'base64 text' };
  return { data: null, found: `${describeSecret(input)} that is neither PEM, base64, nor an existing file` };
}

function pemLabel(pem: string): string | undefined {
  return /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
}

function firstOf<T>(attempts: Array<() => T>): T | undefined {
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch {
      // try the next format
    }
  }
  return undefined;
}

interface Prepared {
  /** The input as PEM text, when it is PEM. */
  pem: string | undefined;
  /** The input as bytes, when it is not PEM. */
  der: Buffer;
  path: string | undefined;
  fail: (why: string) => ConfigurationError;
}

/** The shared first half of key loading: type check, path or base64 resolution, PEM detection. */
function prepare(input: string | Buffer | Uint8Array, option: string, formats: string): Prepared {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    throw new ConfigurationError(option, `expected ${formats}; found ${describeSecret(input)}`);
  }
  const { data, found, path } = resolveInput(input);
  const fail = (why: string) =>
    new ConfigurationError(option, `${why}. Accepted: ${formats}; found ${found}`);
  if (data === null) throw fail('unrecognised input');
  const isPemBytes = typeof data !== 'string' && data.subarray(0, 11).toString('latin1') === '-----BEGIN ';
  const pem = typeof data === 'string' ? data : isPemBytes ? data.toString('latin1') : undefined;
  return { pem, der: typeof data === 'string' ? Buffer.alloc(0) : data, path, fail };
}

/**
 * Parses a merchant private key once, from any format Synjones and CAs hand out. Throws
 * ConfigurationError naming the accepted formats and what was found — never the key itself.
 */
export function loadPrivateKey(input: KeyInput, options: LoadPrivateKeyOptions = {}): KeyObject {
  const option = options.option ?? 'privateKey';
  return rsaOnly(readPrivateKey(input, option, options.passphrase), option);
}

/**
 * Both gateways' keys are RSA (PKCS#1 v1.5 with SHA-1): a key of another kind (EC, DSA, RSA-PSS) would
 * sign or verify another scheme under the same call, so it is refused when loaded.
 */
function rsaOnly(key: KeyObject, option: string): KeyObject {
  if (key.asymmetricKeyType !== 'rsa')
    throw new ConfigurationError(
      option,
      `expected an RSA key (the gateway signs with RSA-SHA1); found an ${key.asymmetricKeyType ?? 'unknown'} key`,
    );
  return key;
}

function readPrivateKey(input: KeyInput, option: string, passphrase: string | undefined): KeyObject {
  if (isKeyObject(input)) {
    if (input.type !== 'private')
      throw new ConfigurationError(option, `expected a private key; found a ${input.type} key`);
    return input;
  }
  const { pem, der, path, fail } = prepare(input, option, PRIVATE_FORMATS);
  if (pem !== undefined) {
    const label = pemLabel(pem);
    if (!label) throw fail('not a key');
    if (label === 'ENCRYPTED PRIVATE KEY' && !passphrase)
      throw fail('the PEM key is encrypted and no passphrase was given (set privateKeyPassphrase)');
    const key = firstOf([() => createPrivateKey({ key: pem, format: 'pem', passphrase })]);
    if (key) return key;
    throw fail(
      label === 'ENCRYPTED PRIVATE KEY'
        ? 'privateKeyPassphrase does not decrypt the key'
        : `the PEM block (${label}) is not a readable private key`,
    );
  }
  if (!path || !/\.(pfx|p12)$/i.test(path)) {
    const key = firstOf([
      () => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
      () => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }),
    ]);
    if (key) return key;
  }
  return loadPkcs12(der, passphrase ?? '', fail);
}

type Forge = typeof import('node-forge');
let forge: Forge | undefined;

/** node:crypto cannot open PKCS#12, so node-forge does — once, at configuration time. */
function loadPkcs12(der: Buffer, passphrase: string, fail: (why: string) => ConfigurationError): KeyObject {
  forge ??= createRequire(import.meta.url)('node-forge') as Forge;
  let asn1: ReturnType<Forge['asn1']['fromDer']>;
  try {
    asn1 = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
  } catch {
    throw fail('the bytes are neither DER PKCS#8, PKCS#1 nor PKCS#12');
  }
  let p12: ReturnType<Forge['pkcs12']['pkcs12FromAsn1']>;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, passphrase);
  } catch {
    throw fail(
      passphrase
        ? 'privateKeyPassphrase is wrong for this PKCS#12 file, or the file is damaged'
        : 'the PKCS#12 file needs a passphrase (set privateKeyPassphrase)',
    );
  }
  const oids = forge.pki.oids;
  const bags = [
    ...(p12.getBags({ bagType: oids.pkcs8ShroudedKeyBag })[oids.pkcs8ShroudedKeyBag!] ?? []),
    ...(p12.getBags({ bagType: oids.keyBag })[oids.keyBag!] ?? []),
  ];
  const forgeKey = bags.find((b) => b.key)?.key;
  if (!forgeKey) throw fail('the PKCS#12 file holds no private key this SDK can read');
  return createPrivateKey(forge.pki.privateKeyToPem(forgeKey));
}

/** Parses the gateway's (platform's) public key once. Certificates yield their subject key. */
export function loadPublicKey(input: KeyInput, options: { option?: string } = {}): KeyObject {
  const option = options.option ?? 'publicKey';
  return rsaOnly(readPublicKey(input, option), option);
}

function readPublicKey(input: KeyInput, option: string): KeyObject {
  if (isKeyObject(input)) {
    if (input.type !== 'public')
      throw new ConfigurationError(option, `expected a public key; found a ${input.type} key`);
    return input;
  }
  const { pem, der, fail } = prepare(input, option, PUBLIC_FORMATS);
  const misplaced = () => fail('a private key was given where the public key belongs');
  if (pem !== undefined) {
    const label = pemLabel(pem);
    if (label?.includes('PRIVATE')) throw misplaced();
    const key = firstOf([
      () => new X509Certificate(pem).publicKey,
      () => createPublicKey({ key: pem, format: 'pem' }),
    ]);
    if (!key) throw fail(label ? `the PEM block (${label}) is not a readable public key` : 'not a key');
    return key;
  }
  // createPublicKey reads a DER private key too (and returns its public half): refused, as its PEM is.
  const priv = firstOf([
    () => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
    () => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }),
  ]);
  if (priv) throw misplaced();
  const key = firstOf([
    () => createPublicKey({ key: der, format: 'der', type: 'spki' }),
    () => createPublicKey({ key: der, format: 'der', type: 'pkcs1' }),
    () => new X509Certificate(der).publicKey,
  ]);
  if (!key) throw fail('the bytes are neither SPKI, PKCS#1 nor an X.509 certificate');
  return key;
}

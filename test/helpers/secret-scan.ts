/**
 * The suite-wide secret scan (issue #14: no secret of the fixtures in any error, log, hook payload or CLI
 * output, scanned by value). Registered as a `setupFiles` entry for every vitest project, so it runs in
 * every test file; see docs/testing.md.
 *
 * Secrets are known by value, learned three ways:
 * - the fixtures: private key files, the 3DES/AES keys, the Zhixiao appSecret, the passwords the tests use;
 * - node:crypto observed in this process: every private key created or generated, every symmetric key a
 *   cipher is made with, every RSA signature and MD5 sign with the text it was computed over;
 * - the wire: every `access_token` and `sign` the SDK sends, every token a sandbox issues.
 * A few shape rules catch what a child process (the CLI) made on its own: a PEM private key, the DER
 * prefix of an RSA private key, a sandbox-shaped token (64 hex), a value next to `sign` or `access_token`.
 *
 * Channels: every Error created by the project's code (a stack frame in src/ or dist/, or a
 * CampusPayError) — message, stack, JSON, util.inspect and its causes; console.*, process.emitWarning,
 * process.stdout/stderr writes; the transport hook payloads; every payment journal entry and transition
 * a journal store is given (`scanJournalStore`); and child-process output handed to `scanChildOutput`. A finding fails the test it happened in, naming the secret by label, never by value.
 */

import type { KeyObject } from 'node:crypto';
import * as cryptoNs from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, inspect } from 'node:util';
import { afterAll, afterEach, beforeAll } from 'vitest';

export interface Finding {
  /** Which secret: a label such as `fixture vectors.desKey`, never the value. */
  secret: string;
  /** Which channel: `console.warn`, `Error (ProtocolError): message, util.inspect`, `CLI stdout (…)`. */
  where: string;
}

const ROOT = resolve(import.meta.dirname, '..', '..');
const SELF = join(ROOT, 'test', 'helpers', 'secret-scan.ts');
const KEYS = join(ROOT, 'test', 'fixtures', 'keys');

// ---------------------------------------------------------------------------------------------------
// What outlives one evaluation of this file: a worker that runs several test files in one process
// without isolation evaluates it again for each, over globals it already patched and modules (the SDK's
// error classes, the helpers' keys) it already loaded. Kept here, once per process: the unpatched
// functions, the Error trap, and the keys (the fixtures' and every key parsed, generated or used for a
// cipher, often at module load). What a file's tests learn (signatures, sign strings, tokens, the
// secrets a test registers) is that file's own, as when every file had its own process.

/**
 * Values indexed by a rolling hash of a short anchor taken from their middle; `seen` has one bit per
 * hash (modulo its size), so a text is read at a few nanoseconds a character and the map is asked only
 * where a bit is set.
 */
interface Registry {
  byAnchor: Map<number, Entry[]>;
  known: Set<string>;
  seen: Uint32Array;
}
interface Entry {
  value: string;
  label: string;
  offset: number;
}
interface ProcessState {
  originals: WeakMap<object, Map<PropertyKey, unknown>>;
  keys: Registry;
  fixturesLoaded: boolean;
  /** Private keys already learned, by the text or bytes they were parsed from. */
  keyInputs: Set<string>;
  /** The Error trap, installed once; it hands each error to the file being run. */
  errorTrap?: ErrorConstructor;
  onError: (err: Error, sites: NodeJS.CallSite[] | undefined) => void;
}
const SEEN_BITS = 18;
const registry = (): Registry => ({
  byAnchor: new Map(),
  known: new Set(),
  seen: new Uint32Array(1 << (SEEN_BITS - 5)),
});
const SEEN_MASK = (1 << SEEN_BITS) - 1;
const isSeen = (r: Registry, h: number) => (r.seen[(h & SEEN_MASK) >>> 5]! & (1 << (h & 31))) !== 0;
const STATE = Symbol.for('campus-pay.secret-scan.state');
const store = globalThis as { [STATE]?: ProcessState };
store[STATE] ??= {
  originals: new WeakMap(),
  keys: registry(),
  fixturesLoaded: false,
  keyInputs: new Set(),
  onError: () => {},
};
const state = store[STATE];
/** This file's values. */
const values = registry();

// ---------------------------------------------------------------------------------------------------
// The registries: one pass over a text finds every registered value in it however many are registered
// (and sign strings, which share long prefixes, do not share a bucket).

const ANCHOR = 6;
const MIN_LENGTH = 6;
// A polynomial hash modulo 2^32, in integer arithmetic; a bucket hit is confirmed by comparing the text.
const BASE = 131;
/** BASE^(ANCHOR-1): the weight of the character that leaves the window. */
const TOP = Array.from({ length: ANCHOR - 1 }).reduce<number>((p) => Math.imul(p, BASE), 1);

function anchorHash(text: string, at: number): number {
  let h = 0;
  for (let i = at; i < at + ANCHOR; i++) h = (Math.imul(h, BASE) + text.charCodeAt(i)) | 0;
  return h;
}

function add(into: Registry, label: string, value: string): void {
  for (const v of new Set([value, encodeURIComponent(value)])) {
    if (v.length < MIN_LENGTH || into.known.has(v)) continue;
    into.known.add(v);
    const offset = Math.floor((v.length - ANCHOR) / 2);
    const anchor = anchorHash(v, offset);
    const bucket = into.byAnchor.get(anchor);
    const entry = { value: v, label, offset };
    into.seen[(anchor & SEEN_MASK) >>> 5]! |= 1 << (anchor & 31);
    if (bucket) bucket.push(entry);
    else into.byAnchor.set(anchor, [entry]);
  }
}

/** Adds a secret by value (and its percent-encoded form). Values shorter than 6 characters are ignored. */
export function registerSecret(label: string, value: string): void {
  add(values, label, value);
}

/** A key or a fixture secret: known to every file this process runs. */
function registerKeySecret(label: string, value: string): void {
  add(state.keys, label, value);
}

/**
 * Overlapping windows of a long encoding, from character `from` on: any leaked run of 1.5 windows
 * contains one whole window.
 */
function registerWindows(label: string, text: string, size: number, from = 0) {
  if (text.length - from <= size) return registerKeySecret(label, text.slice(from));
  for (let i = from; i + size <= text.length; i += size / 2)
    registerKeySecret(label, text.slice(i, i + size));
  registerKeySecret(label, text.slice(-size));
}

/**
 * A key's DER as every text form a leak could take: base64 (PEM lines are substrings) and hex, from byte
 * `from` on. An RSA private key starts with its modulus and public exponent, which its public key and
 * certificate print too: only what follows (the private exponent, the primes) is secret.
 */
function registerDer(label: string, der: Buffer, from = 0) {
  registerWindows(`${label} (base64)`, der.toString('base64'), 32, Math.ceil(from / 3) * 4);
  registerWindows(`${label} (hex)`, der.toString('hex'), 48, from * 2);
}

/** Reads one DER header at `at`: where its content starts and where the next element starts. */
function tlv(der: Buffer, at: number): { content: number; next: number } {
  const first = der[at + 1] ?? 0;
  if (first < 0x80) return { content: at + 2, next: at + 2 + first };
  const n = first & 0x7f;
  const length = der.subarray(at + 2, at + 2 + n).reduce((acc, b) => acc * 256 + b, 0);
  return { content: at + 2 + n, next: at + 2 + n + length };
}

/** Where the private exponent starts in PKCS#1 RSAPrivateKey: after version, modulus, public exponent. */
function pkcs1PrivatePart(der: Buffer, at = 0): number {
  let p = tlv(der, at).content;
  for (let i = 0; i < 3; i++) p = tlv(der, p).next;
  return p;
}

/** The same in PKCS#8: version, algorithm, then the OCTET STRING holding the PKCS#1 key. */
function pkcs8PrivatePart(der: Buffer): number {
  let p = tlv(der, 0).content;
  for (let i = 0; i < 2; i++) p = tlv(der, p).next;
  return pkcs1PrivatePart(der, tlv(der, p).content);
}

function registerKey(label: string, key: KeyObject) {
  const pkcs8 = key.export({ format: 'der', type: 'pkcs8' }) as Buffer;
  if (key.asymmetricKeyType !== 'rsa') return registerDer(label, pkcs8);
  registerDer(label, pkcs8, pkcs8PrivatePart(pkcs8));
  const pkcs1 = key.export({ format: 'der', type: 'pkcs1' }) as Buffer;
  registerDer(`${label}, PKCS#1`, pkcs1, pkcs1PrivatePart(pkcs1));
}

/** Shape rules: what a secret looks like when this process never saw its value (a child made it). */
const SHAPES: Array<[label: string, re: RegExp]> = [
  ['a PEM private key', /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/],
  // version 0 + rsaEncryption + OCTET STRING: the start of every PKCS#8 RSA private key, base64 and hex.
  ['an RSA private key (PKCS#8 DER, base64)', /BADANBgkqhkiG9w0BAQEFAASC/],
  ['an RSA private key (PKCS#8 DER, hex)', /020100300d06092a864886f70d0101010500048/i],
  // version 0 + the 2048-bit modulus' length: the start of a PKCS#1 RSA private key.
  ['an RSA private key (PKCS#1 DER, base64)', /MIIE[A-Za-z0-9+/]{2}IBAAKCAQEA/],
  ['an access token in the sandbox shape (64 hex)', /(?:^|[^0-9A-Za-z])[0-9a-f]{64}(?![0-9A-Za-z])/],
  [
    'a signature next to a sign field',
    /\bsign(?:["']?\s*[:=]\s*["']?|%3D)(?:[A-Za-z0-9+/]|%2B|%2F){40,}|\bsign(?:["']?\s*[:=]\s*["']?)[0-9a-fA-F]{32}\b/,
  ],
  // The sandbox cardholders' passwords (src/sandbox/onecard/ledger.ts) the tests send, as whole numbers
  // only: as parts of longer digit runs they are account numbers, amounts or times. (000000 is left out.)
  ['a sandbox cardholder password', /(?<![0-9A-Za-z])(?:123456|654321)(?![0-9A-Za-z])/],
  // `000` is OneCard's "no token yet"; masks (<secret>, [redacted]) start with a bracket.
  [
    'a token next to an access_token field',
    /\baccess_token(?:["']?\s*[:=]\s*["']?)(?!000\b)[^\s"'&<[\]]{6,}/,
  ],
];

/** Labels of every secret found in `text` (by value, then by shape). */
export function secretsIn(text: string): string[] {
  const found = new Set<string>();
  const { keys } = state;
  const match = (bucket: Entry[] | undefined, at: number) => {
    for (const e of bucket ?? []) if (text.startsWith(e.value, at - e.offset)) found.add(e.label);
  };
  if (text.length >= ANCHOR) {
    let h = anchorHash(text, 0);
    for (let i = 0; ; i++) {
      if (isSeen(keys, h)) match(keys.byAnchor.get(h), i);
      if (isSeen(values, h)) match(values.byAnchor.get(h), i);
      if (i + ANCHOR >= text.length) break;
      h = (Math.imul(h - Math.imul(text.charCodeAt(i), TOP), BASE) + text.charCodeAt(i + ANCHOR)) | 0;
    }
  }
  for (const [label, re] of SHAPES) if (re.test(text)) found.add(label);
  return [...found];
}

// ---------------------------------------------------------------------------------------------------
// Findings: recorded by the channels, failing the current test in afterEach.

let findings: Finding[] = [];
let scanning = false;

/** Scans one text seen on a channel; findings are recorded (and fail the test). */
export function scanText(where: string, text: string): void {
  for (const secret of guarded(() => secretsIn(text))) record(secret, where);
}

/** The scan itself must not feed the channels it watches (a console call inside it, say). */
function guarded(find: () => string[]): string[] {
  if (scanning) return [];
  scanning = true;
  try {
    return find();
  } finally {
    scanning = false;
  }
}

function record(secret: string, where: string) {
  if (!findings.some((f) => f.secret === secret && f.where === where)) findings.push({ secret, where });
}

/** Scans what a child process printed; `command` names it in findings (never its arguments' values). */
export function scanChildOutput(command: string, output: { stdout?: unknown; stderr?: unknown }): void {
  if (output.stdout) scanText(`CLI stdout (${command})`, String(output.stdout));
  if (output.stderr) scanText(`CLI stderr (${command})`, String(output.stderr));
}

function safely(view: () => string): string {
  try {
    return view();
  } catch {
    return '';
  }
}

/** Every view a logger or a caller may take of an error, its causes included. */
export function scanError(err: unknown, where = 'Error'): void {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e instanceof Object && !seen.has(e)) {
    seen.add(e);
    const x = e as Error;
    const views: Array<[string, () => string]> = [
      ['message', () => String(x.message)],
      ['stack', () => stackOf(x)],
      ['JSON.stringify', () => JSON.stringify(x) ?? ''],
      ['util.inspect', () => inspect(standIn(x), { depth: 10 })],
    ];
    // util.inspect prints the stack, which starts with the message: those two are read only to say
    // where a secret showed (scanning is the costly part on error-heavy tests).
    const inspected = safely(views[3]![1]);
    const json = safely(views[2]![1]);
    const hit = guarded(() => secretsIn(`${inspected}\n${json}`)).length > 0;
    // One finding per secret and error, listing the views that show it.
    const shown = new Map<string, string[]>();
    for (const [view, text] of hit ? views : [])
      for (const secret of guarded(() => secretsIn(safely(text))))
        shown.set(secret, [...(shown.get(secret) ?? []), view]);
    const at = `${where} (${safely(() => x.constructor.name)})`;
    for (const [secret, list] of shown) record(secret, `${at}: ${list.join(', ')}`);
    const members = (x as { errors?: unknown }).errors;
    for (const inner of Array.isArray(members) ? members : []) scanError(inner, `${where} → errors[]`);
    e = x.cause;
    where = `${where} → cause`;
  }
}

/** Runs `fn` and returns the findings it produced instead of failing the test (for the canary). */
export async function captureFindings(fn: () => unknown): Promise<Finding[]> {
  const before = findings;
  const trackedBefore = tracked;
  findings = [];
  tracked = [];
  try {
    await fn();
    flushErrors();
    return findings;
  } finally {
    findings = before;
    tracked = trackedBefore;
  }
}

// ---------------------------------------------------------------------------------------------------
// Channel (a): errors. The global Error becomes a Proxy whose construct trap records each instance;
// `class X extends Error` evaluated after this file inherits the trap. The project's errors are checked
// after each test, when the message and fields are final.
//
// What makes this cheap: the trap keeps each error's call sites as V8 hands them over, unformatted. Whose
// error it is (the first frame's file) is read from them at once, so no other error is looked at again;
// and the scan renders a project error's stack from them, as V8 prints a frame (`at fn (file:line:col)`)
// but without the source-map lookup the test runner's stack formatter does. A frame holds a function name
// and a place, never a value, so the text scanned is the same for every secret; `err.stack` itself is
// left unread, to be formatted as usual when a test or a reporter asks for it.

let tracked: Error[] = [];
const sitesOf = new WeakMap<object, NodeJS.CallSite[]>();

/** The first frame that is neither this file nor native code decides: src/ or dist/, not node_modules. */
function projectFrame(stack: string): boolean {
  for (const line of stack.split('\n')) {
    const at = /^\s+at /.test(line) ? line : '';
    if (!at || at.includes(SELF) || /\(<anonymous>\)|new Error \(|Reflect\.construct/.test(at)) continue;
    if (/\/node_modules\//.test(at)) return false;
    return at.includes(`${ROOT}/src/`) || at.includes(`${ROOT}/dist/`);
  }
  return false;
}

/** The same rule on call sites (native frames have no file name). */
function projectSite(sites: readonly NodeJS.CallSite[]): boolean {
  for (const site of sites) {
    const file = site.getFileName() ?? site.getScriptNameOrSourceURL();
    if (!file || file === SELF) continue;
    const path = file.startsWith('file://') ? fileURLToPath(file) : file;
    if (path.includes('/node_modules/')) return false;
    return path.startsWith(`${ROOT}/src/`) || path.startsWith(`${ROOT}/dist/`);
  }
  return false;
}

/** Whether an error is the project's output: a CampusPayError, or built by a frame in src/ or dist/. */
export function fromProject(err: Error): boolean {
  if (isCampusPayError(err)) return true;
  const sites = sitesOf.get(err);
  return sites ? projectSite(sites) : projectFrame(safely(() => String(err.stack)));
}

function isCampusPayError(err: Error): boolean {
  for (let p = Object.getPrototypeOf(err); p; p = Object.getPrototypeOf(p))
    if (p.constructor?.name === 'CampusPayError') return true;
  return false;
}

/** The header V8 gives a stack (`name: message`), then the recorded frames; `err.stack` if none. */
function stackOf(err: Error): string {
  const sites = sitesOf.get(err);
  if (!sites) return String(err.stack);
  const name = err.name === undefined ? 'Error' : String(err.name);
  const message = err.message === undefined ? '' : String(err.message);
  const head = !name ? message : !message ? name : `${name}: ${message}`;
  return [head, ...sites.map((s) => `    at ${s}`)].join('\n');
}

const standIns = new WeakMap<object, object>();
/**
 * What util.inspect is given in place of an error: the same prototype and own properties, with the stack
 * from `stackOf` and its causes and members (AggregateError) stood in for likewise.
 */
function standIn(err: Error): object {
  if (!sitesOf.has(err)) return err;
  const cached = standIns.get(err);
  if (cached) return cached;
  const copy = Object.create(Object.getPrototypeOf(err)) as Record<PropertyKey, unknown>;
  standIns.set(err, copy);
  for (const key of Reflect.ownKeys(err)) {
    if (key === 'stack') continue;
    const d = Object.getOwnPropertyDescriptor(err, key)!;
    if ('value' in d && key === 'cause' && d.value instanceof Error) d.value = standIn(d.value);
    if ('value' in d && key === 'errors' && Array.isArray(d.value))
      d.value = d.value.map((m: unknown) => (m instanceof Error ? standIn(m) : m));
    Object.defineProperty(copy, key, d);
  }
  Object.defineProperty(copy, 'stack', { value: stackOf(err), writable: true, configurable: true });
  return copy;
}

/** Errors a test builds on purpose (to plant a secret) are not the SDK's output: only the project's count. */
function flushErrors() {
  const list = tracked;
  tracked = [];
  for (const err of list) scanError(err, 'Error');
}

/** What the trap calls: every error's frames are kept; the project's errors wait for the next check. */
function onError(err: Error, sites: NodeJS.CallSite[] | undefined) {
  if (sites) sitesOf.set(err, sites);
  if (fromProject(err)) tracked.push(err);
}

// ---------------------------------------------------------------------------------------------------
// Learning secrets from node:crypto and from the wire.

type AnyFn = (...args: never[]) => unknown;
const cryptoMod = createRequire(import.meta.url)('node:crypto') as typeof cryptoNs;
const learnedKeys = new WeakSet<KeyObject>();

function learnPrivateKey(key: unknown, label: string) {
  if (!(key instanceof cryptoNs.KeyObject) || key.type !== 'private' || learnedKeys.has(key)) return;
  learnedKeys.add(key);
  registerKey(label, key);
}

/** What a private key was parsed from, as one string (undefined for a KeyObject or anything else). */
function keyInput(input: unknown): string | undefined {
  const text = (v: unknown) =>
    typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('base64') : undefined;
  if (typeof input !== 'object' || input === null || Buffer.isBuffer(input)) return text(input);
  const o = input as { key?: unknown; format?: unknown; type?: unknown; passphrase?: unknown };
  const key = text(o.key);
  return key === undefined ? undefined : JSON.stringify([key, o.format, o.type, text(o.passphrase)]);
}

function learnSymmetric(algorithm: unknown, key: unknown) {
  if (!Buffer.isBuffer(key) || !/^(des|aes)/i.test(String(algorithm))) return;
  const label = `${String(algorithm).startsWith('des') ? '3DES' : 'AES'} key used in this process`;
  registerKeySecret(label, key.toString('base64'));
  registerKeySecret(label, key.toString('hex'));
  const text = key.toString('latin1');
  if (/^[\x21-\x7e]+$/.test(text)) registerKeySecret(label, text);
}

function learnSignature(data: unknown, signature: unknown) {
  if (typeof data === 'string' || Buffer.isBuffer(data))
    registerSecret('a sign string signed in this process', String(data));
  if (Buffer.isBuffer(signature)) {
    registerSecret('an RSA signature made in this process', signature.toString('base64'));
    registerSecret('an RSA signature made in this process', signature.toString('hex'));
  }
}

/** The unpatched functions, kept across evaluations of this file (see ProcessState). */
const { originals } = state;

function original<T extends object>(target: T, name: keyof T): unknown {
  let map = originals.get(target);
  if (!map) {
    map = new Map();
    originals.set(target, map);
  }
  if (!map.has(name)) map.set(name, target[name]);
  return map.get(name);
}

function patch<T extends object>(target: T, name: keyof T, wrap: (orig: AnyFn) => AnyFn) {
  const orig = original(target, name);
  if (typeof orig !== 'function')
    throw new Error(
      `secret scan: ${String(name)} is no longer a function; update test/helpers/secret-scan.ts`,
    );
  (target as Record<keyof T, unknown>)[name] = wrap(orig as AnyFn);
}

function patchCrypto() {
  const c = cryptoMod as unknown as Record<string, AnyFn>;
  patch(c, 'createPrivateKey', (orig) => (...a) => {
    const key = orig(...a);
    // The same key parsed again (every client parses its keys) is the same secret: learned once.
    const input = keyInput(a[0]);
    if (input === undefined || !state.keyInputs.has(input)) {
      learnPrivateKey(key, 'a private key loaded in this process');
      if (input !== undefined) state.keyInputs.add(input);
    }
    return key;
  });
  patch(c, 'generateKeyPairSync', (orig) => (...a) => {
    const pair = orig(...a) as { privateKey: unknown };
    learnPrivateKey(pair.privateKey, 'a private key generated in this process');
    return pair;
  });
  for (const name of ['createCipheriv', 'createDecipheriv'])
    patch(c, name, (orig) => (...a) => {
      learnSymmetric(a[0], a[1]);
      return orig(...a);
    });
  patch(c, 'sign', (orig) => (...a: unknown[]) => {
    const callback = a[3];
    if (typeof callback === 'function') {
      a[3] = (err: unknown, sig: unknown) => {
        if (!err) learnSignature(a[1], sig);
        return callback(err, sig);
      };
      return orig(...(a as never[]));
    }
    const sig = orig(...(a as never[]));
    learnSignature(a[1], sig);
    return sig;
  });
  patch(c, 'createHash', (orig) => (...a: unknown[]) => {
    const hash = orig(...(a as never[])) as cryptoNs.Hash;
    if (String(a[0]).toLowerCase() !== 'md5') return hash;
    // Zhixiao's sign: MD5 over a text that holds the appSecret; both the text and the digest are secret.
    const input: string[] = [];
    const update = hash.update.bind(hash);
    const digest = hash.digest.bind(hash);
    hash.update = ((data: unknown, enc?: BufferEncoding) => {
      input.push(typeof data === 'string' ? data : Buffer.from(data as Buffer).toString('utf8'));
      return enc ? update(data as string, enc) : update(data as string);
    }) as typeof hash.update;
    hash.digest = ((enc?: cryptoNs.BinaryToTextEncoding) => {
      const out = enc ? digest(enc) : digest();
      registerSecret('an MD5 sign string hashed in this process', input.join(''));
      const bytes = Buffer.isBuffer(out) ? out : Buffer.from(out, enc === 'base64' ? 'base64' : 'hex');
      registerSecret('an MD5 sign made in this process', bytes.toString('hex'));
      registerSecret('an MD5 sign made in this process', bytes.toString('hex').toUpperCase());
      return out;
    }) as typeof hash.digest;
    return hash;
  });
  // The SDK imports node:crypto by name; named ESM imports of builtins follow their CJS object only after this.
  syncBuiltinESMExports();
}

/**
 * Channel (d): what a journal store is given to write — the entry of `create`, the transition of `advance`
 * — whoever calls it (the pipeline, a resolver, a test). Applied to every store class of the project.
 */
export function scanJournalStore(proto: object, label: string): void {
  const p = proto as Record<'create' | 'advance', AnyFn>;
  for (const [op, arg] of [
    ['create', 0],
    ['advance', 1],
  ] as const)
    patch(
      p,
      op,
      (orig) =>
        function (this: unknown, ...a: unknown[]) {
          scanText(
            `${label}.${op} ${op === 'create' ? 'entry' : 'transition'}`,
            safely(() => JSON.stringify(a[arg])),
          );
          return orig.apply(this, a as never[]);
        },
    );
}

async function patchProject() {
  const { MemoryJournalStore } = await import('../../src/core/journal.js');
  const { FileJournalStore } = await import('../../src/core/journal-file.js');
  scanJournalStore(MemoryJournalStore.prototype, 'MemoryJournalStore');
  scanJournalStore(FileJournalStore.prototype, 'FileJournalStore');
  const { RedisJournalStore } = await import('../../src/redis/journal.js');
  scanJournalStore(RedisJournalStore.prototype, 'RedisJournalStore');
  const { Transport } = await import('../../src/core/transport.js');
  const { OneCardSandbox } = await import('../../src/sandbox/onecard/index.js');
  const { ZhixiaoSandbox } = await import('../../src/sandbox/zhixiao/index.js');
  const proto = Transport.prototype as unknown as Record<'hook' | 'once', AnyFn>;
  // Channel (c): what the hooks receive is documented as safe to log as is; hold it to that.
  patch(
    proto,
    'hook',
    (orig) =>
      function (this: unknown, ...a: unknown[]) {
        const [name, event] = a;
        scanText(
          `transport ${String(name)} hook payload`,
          safely(() => JSON.stringify(event)),
        );
        scanText(
          `transport ${String(name)} hook payload`,
          safely(() => inspect(event, { depth: 10 })),
        );
        return orig.apply(this, a as never[]);
      },
  );
  // The token and sign of every attempt, whatever their shape (tests also mock gateways with their own).
  patch(
    proto,
    'once',
    (orig) =>
      function (this: unknown, ...a: unknown[]) {
        const form = (a[0] as { form?: Record<string, string> }).form ?? {};
        if (form.access_token) registerSecret('an access token sent by the SDK', form.access_token);
        if (form.sign) registerSecret('a signature sent by the SDK', form.sign);
        return orig.apply(this, a as never[]);
      },
  );
  patch(
    OneCardSandbox.prototype as unknown as Record<'handle', AnyFn>,
    'handle',
    (orig) =>
      function (this: { keys: { desKey: string } }, ...a: unknown[]) {
        registerSecret('a sandbox 3DES key', this.keys.desKey);
        const reply = orig.apply(this, a as never[]) as { data?: { access_token?: unknown } };
        const token = reply.data?.access_token;
        if (typeof token === 'string') registerSecret('an access token issued by a sandbox', token);
        return reply;
      },
  );
  patch(
    ZhixiaoSandbox.prototype as unknown as Record<'handle', AnyFn>,
    'handle',
    (orig) =>
      function (this: { credentials: { appSecret: string; aesKey: string } }, ...a: unknown[]) {
        registerSecret('a sandbox Zhixiao appSecret', this.credentials.appSecret);
        registerSecret('a sandbox Zhixiao aesKey', this.credentials.aesKey);
        return orig.apply(this, a as never[]);
      },
  );
}

// ---------------------------------------------------------------------------------------------------
// The fixtures, by value.

function registerFixtures() {
  for (const file of readdirSync(KEYS)) {
    const bytes = readFileSync(join(KEYS, file));
    const text = bytes.toString('utf8');
    // The merchant key comes in many files: one label per key, whichever file registers it first.
    const label = `fixture ${file.split('.')[0]} private key`;
    if (/ENCRYPTED PRIVATE KEY-----/.test(text)) {
      const body = text.replace(/-----[^-]+-----|\s/g, '');
      registerWindows(`${label} (encrypted PEM body)`, body, 32);
      registerKey(label, cryptoMod.createPrivateKey({ key: text, passphrase: 'fixture-pass' }));
    } else if (/PRIVATE KEY-----/.test(text)) {
      registerKey(label, cryptoMod.createPrivateKey(text));
    } else if (/^merchant\.pkcs(1|8)\.(der|b64)$/.test(file)) {
      const der = file.endsWith('.b64') ? Buffer.from(text.trim(), 'base64') : bytes;
      const type = file.includes('pkcs1') ? 'pkcs1' : 'pkcs8';
      registerKey(label, cryptoMod.createPrivateKey({ key: der, format: 'der', type }));
    } else if (/\.(pfx|p12)$/.test(file)) {
      registerWindows(`fixture key store ${file}`, bytes.toString('base64'), 32);
    }
  }
  // The TLS fixtures' keys (test/fixtures/make-tls-fixtures.sh): the sandbox's HTTPS server and its CA.
  const tls = join(ROOT, 'test', 'fixtures', 'tls');
  for (const file of readdirSync(tls).filter((f) => f.endsWith('.key')))
    registerKey(`fixture TLS key ${file}`, cryptoMod.createPrivateKey(readFileSync(join(tls, file))));
  const vectors = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'vectors.json'), 'utf8'));
  for (const name of ['desKey', 'aesKey', 'aes128Key', 'passphrase'])
    registerKeySecret(`fixture vectors.${name}`, vectors[name]);
  // Zhixiao's spec test credentials (test/helpers/keys.ts, the sandbox's defaults).
  registerKeySecret('Zhixiao appSecret (fixture)', 'weiweixiao');
  // Passwords the tests send (pwd fields, key passphrases); the all-digit ones are a shape rule above.
  for (const pw of ['pw-778899', 'n3wpass', 'abc123', 'fixture-pass'])
    registerKeySecret('a password used by the tests', pw);
}

// ---------------------------------------------------------------------------------------------------
// Installation, once per test file.

function installErrorTrap() {
  state.onError = onError;
  state.errorTrap ??= errorTrap(original(globalThis, 'Error') as ErrorConstructor);
  globalThis.Error = state.errorTrap;
}

function errorTrap(Native: ErrorConstructor): ErrorConstructor {
  /** The call sites above `cut`, unformatted: V8 hands them to prepareStackTrace when it is a function. */
  const sites = (cut: AnyFn): NodeJS.CallSite[] | undefined => {
    const holder: { stack?: unknown } = {};
    const format = Native.prepareStackTrace;
    Native.prepareStackTrace = (_err, callSites) => callSites;
    try {
      Native.captureStackTrace(holder, cut);
      return Array.isArray(holder.stack) ? (holder.stack as NodeJS.CallSite[]) : undefined;
    } finally {
      Native.prepareStackTrace = format;
    }
  };
  // Each trap leaves itself out of the stack, so a failure's stack (and code frame) is what it was.
  const traps: ProxyHandler<ErrorConstructor> = {
    construct(target, args, newTarget) {
      const err = Reflect.construct(target, args, newTarget) as Error;
      Native.captureStackTrace(err, traps.construct);
      state.onError(err, sites(traps.construct as AnyFn));
      return err;
    },
    apply(target, self, args) {
      const err = Reflect.apply(target, self, args) as Error;
      Native.captureStackTrace(err, traps.apply);
      state.onError(err, sites(traps.apply as AnyFn));
      return err;
    },
  };
  return new Proxy(Native, traps);
}

function installOutputTaps() {
  const con = console as unknown as Record<string, AnyFn>;
  for (const name of ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'table'])
    patch(con, name, (orig) => (...a: unknown[]) => {
      scanText(
        `console.${name}`,
        safely(() => format(...a)),
      );
      return orig(...(a as never[]));
    });
  for (const stream of ['stdout', 'stderr'] as const) {
    const s = process[stream] as unknown as Record<'write', AnyFn>;
    const write = (original(s, 'write') as AnyFn).bind(s);
    s.write = (...a: unknown[]) => {
      const chunk = a[0];
      scanText(`process.${stream}.write`, Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
      return write(...(a as never[]));
    };
  }
  patch(process as unknown as Record<'emitWarning', AnyFn>, 'emitWarning', (orig) => (...a: unknown[]) => {
    scanText(
      'process.emitWarning',
      safely(() => a.map((x) => (typeof x === 'string' ? x : inspect(x))).join(' ')),
    );
    return orig(...(a as never[]));
  });
}

function report(when: string) {
  flushErrors();
  if (findings.length === 0) return;
  const list = findings.map((f) => `  - ${f.secret} in ${f.where}`).join('\n');
  findings = [];
  throw new Error(`secret scan: a secret reached an output ${when}:\n${list}`);
}

if (!state.fixturesLoaded) registerFixtures();
state.fixturesLoaded = true;
patchCrypto();
installErrorTrap();
installOutputTaps();
// Only once the test file's own imports ran: importing src/ here would load node:http before nock patches it.
beforeAll(patchProject);
afterEach(() => report('during this test'));
afterAll(() => report('outside a test (hooks, module load)'));

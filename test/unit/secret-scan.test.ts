/**
 * The canary of the suite-wide secret scan (test/helpers/secret-scan.ts): a secret planted in each channel
 * is found, named by its label. `captureFindings` hands the findings back instead of failing this test, so
 * the canary proves the scan without failing the suite. The planted value is a fresh random canary, so
 * what the console channels print here is no real secret.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runInThisContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CampusPayError, ConfigurationError } from '../../src/core/errors.js';
import { MemoryJournalStore } from '../../src/core/journal.js';
import { Transport } from '../../src/core/transport.js';
import { keyText, vectors } from '../helpers/fixtures.js';
import {
  captureFindings,
  fromProject,
  registerSecret,
  scanChildOutput,
  scanError,
  secretsIn,
} from '../helpers/secret-scan.js';
import { TIMEOUTS } from '../helpers/timeouts.js';

const run = promisify(execFile);
const CANARY = `canary-${randomBytes(12).toString('base64url')}`;
registerSecret('the canary', CANARY);
const planted = (where: string) => ({ secret: 'the canary', where });
/** Port 9 (discard) on loopback: nothing listens, so a post fails at once with ECONNREFUSED. */
const CLOSED = 'http://127.0.0.1:9/gateway';

describe('the secret scan flags a planted secret in every channel', () => {
  it('an error built by the SDK: message, stack, JSON and inspect', async () => {
    const found = await captureFindings(() => {
      new ConfigurationError('desKey', `found ${CANARY}`);
    });
    expect(found).toEqual([
      planted('Error (ConfigurationError): message, stack, JSON.stringify, util.inspect'),
    ]);
  });

  it("an SDK error's cause chain", async () => {
    const found = await captureFindings(() => {
      new CampusPayError('transport', 'clean', new RangeError(`deep ${CANARY}`));
    });
    expect(found).toContainEqual(planted('Error → cause (RangeError): message, stack, util.inspect'));
  });

  it('an error thrown inside the SDK, and not one the test builds on purpose', async () => {
    const transport = new Transport({ maxRetries: 0 });
    const found = await captureFindings(async () => {
      new Error(`a test's own error may hold ${CANARY}`);
      await transport
        .post({ method: `m-${CANARY}`, url: CLOSED, form: {}, retry: 'never-after-send' })
        .catch(() => undefined);
    });
    expect(found.some((f) => f.where.startsWith('Error (TransportError)'))).toBe(true);
    expect(found.some((f) => f.where.startsWith('Error (Error)'))).toBe(false);
  });

  it('a plain Error counts when the frame that built it is in src/ or dist/', async () => {
    const root = join(import.meta.dirname, '..', '..');
    // Built by code that V8 records as being in `file`: the scan reads the frame from the call sites.
    const builtIn = (file: string) =>
      runInThisContext(`new Error(${JSON.stringify(`built ${CANARY}`)})`, { filename: join(root, file) });
    for (const [file, counts] of [
      ['src/core/http.ts', true],
      ['dist/index.js', true],
      ['test/unit/x.test.ts', false],
      ['node_modules/zod/index.js', false],
    ] as const) {
      let err: Error | undefined;
      const found = await captureFindings(() => {
        err = builtIn(file);
      });
      expect([file, fromProject(err!), found]).toEqual([
        file,
        counts,
        counts ? [planted('Error (Error): message, stack, util.inspect')] : [],
      ]);
    }
    // An error the trap never saw (built before it, or by Node itself) is judged by its stack text.
    const unseen = (file: string) =>
      Object.assign(Object.create(Error.prototype), {
        stack: `Error: x\n    at build (${join(root, file)}:1:1)\n    at t (${join(root, 'test/a.test.ts')}:2:2)`,
      }) as Error;
    expect(fromProject(unseen('src/core/http.ts'))).toBe(true);
    expect(fromProject(unseen('node_modules/zod/index.js'))).toBe(false);
  });

  it('console, process.stdout/stderr and process.emitWarning', async () => {
    const found = await captureFindings(async () => {
      console.info('planted', CANARY);
      process.stderr.write(`planted ${CANARY}\n`);
      process.emitWarning(`planted ${CANARY}`, 'SecretScanCanary');
      // Node prints a warning on a later tick: wait for it, or it lands in whichever test runs next.
      await new Promise((r) => setImmediate(r));
    });
    expect(found).toEqual(
      expect.arrayContaining([
        planted('console.info'),
        planted('process.stderr.write'),
        planted('process.emitWarning'),
      ]),
    );
  });

  it('transport hook payloads (onRequest and onResponse)', async () => {
    const transport = new Transport({ maxRetries: 0, hooks: { onRequest() {}, onResponse() {} } });
    const found = await captureFindings(() =>
      transport
        .post({ method: 'queryCard', url: `${CLOSED}?k=${CANARY}`, form: {}, retry: 'safe' })
        .catch(() => undefined),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        planted('transport onRequest hook payload'),
        planted('transport onResponse hook payload'),
      ]),
    );
  });

  it('a payment journal entry and transition given to a journal store', async () => {
    const store = new MemoryJournalStore();
    const entry = {
      id: 't|transfer|k',
      gateway: 'onecard',
      tenant: 't',
      method: 'transfer',
      orderKey: 'k',
      amount: 1,
      state: 'intent',
      createdAt: 1,
      updatedAt: 1,
    } as const;
    const found = await captureFindings(async () => {
      await store.create({ ...entry, context: { remark: CANARY } });
      await store.advance(entry.id, { state: 'failed', at: 2, note: `planted ${CANARY}` });
    });
    expect(found).toEqual([
      planted('MemoryJournalStore.create entry'),
      planted('MemoryJournalStore.advance transition'),
    ]);
  });

  it("a child process' output (the CLI helper passes it on)", async () => {
    const child = await run(process.execPath, ['-e', 'process.stdout.write(process.argv[1])', CANARY]);
    const found = await captureFindings(() => scanChildOutput('node -e', child));
    expect(found).toEqual([planted('CLI stdout (node -e)')]);
  });
});

describe('a finding fails the test it happened in', () => {
  it(
    'a vitest run with a planted leak fails that test, naming the secret by label and not by value',
    async () => {
      const root = join(import.meta.dirname, '..', '..');
      const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
      const config = join(root, 'test', 'fixtures', 'secret-scan', 'vitest.config.ts');
      const r = await run(process.execPath, [vitest, 'run', '--config', config, '--reporter', 'verbose'], {
        cwd: root,
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      }).then(
        (ok) => ({ code: 0, out: ok.stdout + ok.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
      );
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/×.*leaks the 3DES key into an error/);
      expect(r.out).toMatch(/✓.*leaks nothing/);
      expect(r.out).toContain('fixture vectors.desKey in Error (ConfigurationError): message');
      expect(r.out).not.toContain(vectors.desKey!);
    },
    TIMEOUTS.slow,
  );
});

describe('what the scan knows by value and by shape', () => {
  it('every line of each fixture private key past its public part, and the fixture secrets', () => {
    for (const file of [
      'merchant.pkcs1.pem',
      'merchant.pkcs8.pem',
      'platform.pkcs8.pem',
      '../tls/server.key',
    ]) {
      // The first ~360 base64 characters hold the modulus and public exponent, which any public key or
      // certificate prints too; from the 8th body line on it is the private exponent and the primes.
      const lines = keyText(file)
        .split('\n')
        .filter((l) => l.length === 64)
        .slice(7);
      expect(lines.length).toBeGreaterThan(15);
      for (const line of lines) expect(secretsIn(`x ${line} y`)).not.toEqual([]);
    }
    // Any 48 characters of the key, wherever they start (not only a whole PEM line).
    const b64 = keyText('merchant.pkcs8.b64');
    for (let at = 600; at < 1400; at += 37) expect(secretsIn(b64.slice(at, at + 48))).not.toEqual([]);
    for (const v of [vectors.desKey!, vectors.aesKey!, vectors.aes128Key!, vectors.passphrase!, 'weiweixiao'])
      expect(secretsIn(`"${v}"`)).not.toEqual([]);
  });

  it('a key generated, a signature and the text it signed in this process', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pemLine = (privateKey.export({ format: 'pem', type: 'pkcs8' }) as string).split('\n')[5]!;
    expect(secretsIn(pemLine)).toContain('a private key generated in this process (base64)');
    const text = `sign-me-${CANARY}`;
    const signature = sign('sha1', Buffer.from(text), privateKey).toString('base64');
    expect(secretsIn(`[${signature}]`)).toContain('an RSA signature made in this process');
    expect(secretsIn(text)).toContain('a sign string signed in this process');
  });

  it('the access token and sign the SDK sends, whatever their shape', async () => {
    const token = `T.${randomBytes(6).toString('hex')}`;
    const form = { access_token: token, sign: `S-${randomBytes(6).toString('hex')}` };
    await new Transport({ maxRetries: 0 })
      .post({ method: 'm', url: CLOSED, form, retry: 'safe' })
      .catch(() => undefined);
    expect(secretsIn(`token ${token}`)).toContain('an access token sent by the SDK');
    expect(secretsIn(`sign ${form.sign}`)).toContain('a signature sent by the SDK');
  });

  it('shapes a child process may print: PEM private keys, sandbox tokens, sign and token fields', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const child = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    expect(secretsIn('-----BEGIN PRIVATE KEY-----')).toContain('a PEM private key');
    expect(secretsIn(child.slice(0, 40))).toContain('an RSA private key (PKCS#8 DER, base64)');
    expect(secretsIn(`"access_token":"${randomBytes(32).toString('hex')}"`)).toEqual(
      expect.arrayContaining(['an access token in the sandbox shape (64 hex)']),
    );
    expect(secretsIn(`sign=${randomBytes(60).toString('base64')}`)).toContain(
      'a signature next to a sign field',
    );
    expect(secretsIn('access_token=eyJhbGciOi.x')).toContain('a token next to an access_token field');
    expect(secretsIn('{"pwd":"123456"}')).toContain('a sandbox cardholder password');
    expect(secretsIn('{"sno":"2023123456","tranamt":"1234.56"}')).toEqual([]);
  });

  it('no finding on what may be shown: public keys, certificates, masks, order numbers', () => {
    for (const file of ['merchant.spki.pem', 'platform.spki.pem', 'merchant.cert.pem'])
      expect(secretsIn(keyText(file))).toEqual([]);
    expect(secretsIn('access_token<secret>app_key unit-app sign=<secret> access_token=000')).toEqual([]);
    expect(secretsIn('{"out_trade_no":"CLI1764656400000","account":"10001","tranamt":"12.50"}')).toEqual([]);
  });

  it('scanError walks causes and AggregateError members', async () => {
    const found = await captureFindings(() =>
      scanError(new AggregateError([new Error('a'), new Error(CANARY)]), 'planted'),
    );
    expect(found).toContainEqual(planted('planted → errors[] (Error): message, stack, util.inspect'));
  });
});

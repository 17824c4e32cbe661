/** Over real HTTP: a call finishes with the keys it started with; several accepted keys, and which one verified. */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttemptLog, OneCardClient, SignatureError } from '../../src/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { scaled } from '../helpers/timeouts.js';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 } });
});
afterAll(() => sb.close());

const otherPublic = () =>
  generateKeyPairSync('rsa', { modulusLength: 2048 })
    .publicKey.export({ format: 'pem', type: 'spki' })
    .toString();
const query = { idtype: 'sno', id: '2023000001' } as const;

describe('one key snapshot per call', () => {
  it('keys reloaded while a call is in flight: it finishes with its own, the next call uses the new ones', async () => {
    const { gatewayUrl, appKey, desKey, privateKey, platformPublicKey } = sb.onecard;
    // Keys the sandbox does not have: a call that used them for its reply would fail.
    let keys = { desKey, privateKey, platformPublicKey };
    const order: string[] = [];
    let armed = false;
    const client = new OneCardClient({
      gatewayUrl,
      appKey,
      proxy: false,
      keyProvider: async () => keys,
      hooks: {
        onRequest: (e) => {
          if (!armed || e.method !== 'queryCard') return;
          armed = false;
          keys = { ...keys, desKey: randomBytes(24).toString('base64'), platformPublicKey: otherPublic() };
          void client.reloadKeys().then(() => order.push('reloaded'));
        },
        onResponse: (e) => void (e.method === 'queryCard' && order.push('replied')),
      },
    });
    await client.queryCard(query); // the token, and a first call, with version 1
    order.length = 0;
    sb.faults.set({ latencyMs: scaled(200) });
    armed = true;
    await expect(client.queryCard(query)).resolves.toMatchObject({ card: expect.any(Array) });
    expect(order).toEqual(['reloaded', 'replied']);
    sb.faults.set({ latencyMs: 0 });
    await expect(client.queryCard(query)).rejects.toThrow(SignatureError);
  });

  it('several platform keys: any one verifies, and the log line and span say which (an index, no key)', async () => {
    const lines: Array<[string, AttemptLog]> = [];
    const client = new OneCardClient({
      ...sb.onecard,
      platformPublicKey: [otherPublic(), sb.onecard.platformPublicKey],
      logger: { info: (m, f) => void lines.push([m, f as AttemptLog]) },
    });
    await client.queryCard(query);
    const [line, fields] = lines.at(-1)!;
    expect(fields).toMatchObject({ method: 'queryCard', keyIndex: 1, outcome: 'ok' });
    expect(fields).not.toHaveProperty('keyVersion');
    expect(line).toMatch(/^campus-pay queryCard attempt=0 status=200 key=1 ok \d+ms$/);
  });

  it('one platform key and no provider: the log stays as it was', async () => {
    const lines: AttemptLog[] = [];
    const client = new OneCardClient({
      ...sb.onecard,
      logger: { info: (_m, f) => void lines.push(f as AttemptLog) },
    });
    await client.queryCard(query);
    expect(lines.at(-1)).not.toHaveProperty('keyIndex');
  });
});

describe('a key provider that hangs on its first read', () => {
  it('ends the call at its deadline with a ConfigurationError, and nothing reaches the gateway', async () => {
    const { gatewayUrl, appKey } = sb.onecard;
    const sent: string[] = [];
    const client = new OneCardClient({
      gatewayUrl,
      appKey,
      proxy: false,
      keyProvider: () => new Promise<never>(() => {}),
      hooks: { onRequest: (e) => void sent.push(e.method) },
    });
    const err = await client
      .transfer(
        { account: '10001', tranamt: 100, src_acctype: '001', dst_acctype: '###' },
        { deadlineMs: scaled(50) },
      )
      .catch((e) => e);
    expect(err).toMatchObject({ name: 'ConfigurationError', option: 'keyProvider' });
    expect(sent).toEqual([]);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTokenStore, OneCardClient, OutcomeUnknownError, TransportError } from '../../src/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';

const tls = (f: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'tls', f));
let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({
    tls: { key: tls('server.key'), cert: tls('server.pem') },
    onecard: { tokenMinIntervalMs: 0 },
  });
});
afterAll(() => sb.close());

describe('a gateway behind a private CA', () => {
  it('is refused without the CA — before anything is sent, so even a payment is not outcome-unknown', async () => {
    expect(sb.url).toMatch(/^https:/);
    const client = new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore(), retryBaseMs: 1 });
    const err = await client
      .transfer({ account: '10001', tranamt: 1, src_acctype: '###', dst_acctype: '001' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).not.toBeInstanceOf(OutcomeUnknownError);
    expect(err.mayHaveReachedGateway).toBe(false);
  });

  it('works with `ca`, certificate checks still on', async () => {
    const client = new OneCardClient({
      ...sb.onecard,
      ca: tls('ca.pem'),
      tokenStore: new MemoryTokenStore(),
    });
    await expect(client.queryCard({ idtype: 'sno', id: '2023000001' })).resolves.toMatchObject({
      card: [{ account: '10001' }],
    });
  });
});

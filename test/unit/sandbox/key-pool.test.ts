import { createHash, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../../src/sandbox/index.js';

/** The RSA key pairs a sandbox uses (merchant's and platform's), each as a digest of its public half. */
const keysOf = (sb: Sandbox) =>
  [sb.onecard.privateKey, sb.onecard.platformPublicKey].map((pem) =>
    createHash('sha256')
      .update(createPublicKey(pem).export({ format: 'der', type: 'spki' }))
      .digest('hex'),
  );
const shared = (a: string[], b: string[]) => a.filter((k) => b.includes(k));

describe('sandbox keys: lent, never shared while open', () => {
  it('two sandboxes open at once hold no key in common, rotated keys included', async () => {
    const a = await startSandbox();
    const b = await startSandbox();
    try {
      expect(shared(keysOf(a), keysOf(b))).toEqual([]);
      const before = keysOf(a);
      a.rotateKeys();
      expect(shared(keysOf(a), [...before, ...keysOf(b)])).toEqual([]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("a closed sandbox's keys serve the next one (no new key to generate)", async () => {
    const a = await startSandbox();
    const first = keysOf(a);
    await a.close();
    const c = await startSandbox();
    try {
      expect(keysOf(c).sort()).toEqual(first.sort());
    } finally {
      await c.close();
    }
  });

  it('closing twice gives the keys back once: the next two sandboxes still hold none in common', async () => {
    const a = await startSandbox();
    await a.close();
    await a.close();
    const c = await startSandbox();
    const d = await startSandbox();
    try {
      expect(shared(keysOf(c), keysOf(d))).toEqual([]);
    } finally {
      await c.close();
      await d.close();
    }
  });
});

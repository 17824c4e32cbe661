/**
 * RSA key pairs for sandboxes started without keys of their own. A 2048-bit pair costs 100–300 ms of CPU
 * to generate, and a test suite starts a sandbox per file or per test: generated pairs are lent, and a
 * closed sandbox's pairs go back for the next one. Two sandboxes open at once never share a pair, so
 * tenants on two sandboxes stay as apart as with fresh keys.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';

const free: KeyObject[] = [];

/** The pairs one sandbox holds until it closes (the ones `rotateKeys()` adds included). */
export class KeyLease {
  #held: KeyObject[] = [];
  #returned = false;

  /** A private key no other open sandbox holds. */
  take(): KeyObject {
    const key = free.pop() ?? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    this.#held.push(key);
    return key;
  }

  /** Gives every pair back, once (a second `close()` gives nothing twice). */
  release(): void {
    if (this.#returned) return;
    this.#returned = true;
    free.push(...this.#held);
  }
}

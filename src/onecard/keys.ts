/** OneCard's keys, parsed once per version (README, "Rotating keys"): what the client and its protocol use. */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { type KeyInput, loadPrivateKey, loadPublicKey, tripleDesKey } from '../core/crypto.js';
import { ConfigurationError } from '../core/errors.js';
import { type KeyRing, keyList, listed } from '../core/keyring.js';

/** The key options, as given to the client or returned by its `keyProvider`. */
export interface OneCardKeys {
  /**
   * The 3DES app secret, base64 of 24 bytes. A list while the key rolls over: the first encrypts what
   * you send; replies and notices are decrypted with the first that works.
   */
  desKey: string | string[];
  /** Your RSA private key, in any format `loadPrivateKey` reads (PEM, bare base64, DER, PKCS#12, a path). */
  privateKey: KeyInput;
  /** Passphrase for an encrypted PEM or a PKCS#12 private key. */
  privateKeyPassphrase?: string;
  /**
   * The platform's RSA public key (PEM, base64, certificate, a path): verifies every reply and notice.
   * A list while the gateway rolls its key over: any one of them verifies, and logs say which (its index).
   */
  platformPublicKey?: KeyInput | KeyInput[];
}

/** One version of the keys, parsed. */
export interface OneCardKeySet {
  /** The accepted 3DES keys; the first encrypts. */
  desKeys: readonly string[];
  privateKey: KeyObject;
  /** undefined only under dangerouslySkipReplyVerification. */
  platformKeys: readonly KeyObject[] | undefined;
}

export type OneCardKeyRing = KeyRing<OneCardKeySet>;

/**
 * Parses one version of the keys; a ConfigurationError names the option (and index), never the key.
 * `name` spells an option where the value came from (`keyProvider().desKey` or `desKey`).
 */
export function parseOneCardKeys(
  raw: Partial<Record<keyof OneCardKeys, unknown>>,
  name: (option: string) => string,
  previous: OneCardKeySet | undefined,
  skipVerification: boolean,
): OneCardKeySet {
  const required = (option: keyof OneCardKeys) => {
    if (raw[option] === undefined) throw new ConfigurationError(name(option), 'is required');
    return raw[option];
  };
  const des = required('desKey');
  const desKeys = keyList(des as string | string[], name('desKey')).map((k, i) => {
    tripleDesKey(k, listed(name('desKey'), des, i)); // refuses a malformed key now, not on a call
    return k;
  });
  const passphrase = raw.privateKeyPassphrase;
  if (passphrase !== undefined && typeof passphrase !== 'string')
    throw new ConfigurationError(name('privateKeyPassphrase'), 'must be a string');
  const privateKey = loadPrivateKey(required('privateKey') as KeyInput, {
    option: name('privateKey'),
    ...(passphrase ? { passphrase } : {}),
  });
  const pub = raw.platformPublicKey as KeyInput | KeyInput[] | undefined;
  const own = createPublicKey(privateKey);
  const platformKeys =
    pub === undefined
      ? undefined
      : keyList(pub, name('platformPublicKey')).map((k, i) => {
          const option = listed(name('platformPublicKey'), pub, i);
          const key = loadPublicKey(k, { option });
          // It would accept what this client signs (its own requests) as the gateway's word.
          if (key.equals(own))
            throw new ConfigurationError(
              option,
              "is the merchant's own key (the public half of privateKey), not the platform's: ask the gateway's operator for theirs",
            );
          return key;
        });
  if (!platformKeys && previous?.platformKeys) {
    throw new ConfigurationError(
      name('platformPublicKey'),
      'is missing now but was given before: the client never drops reply verification',
    );
  }
  if (!platformKeys && !skipVerification) {
    throw new ConfigurationError(
      'platformPublicKey',
      'is required to verify replies; set dangerouslySkipReplyVerification: true only for a first connection test',
    );
  }
  return { desKeys, privateKey, platformKeys };
}

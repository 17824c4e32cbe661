/** Zhixiao's keys, parsed once per version (README, "Rotating keys"): what the client and its protocol use. */
import { aesKeyBytes } from '../core/crypto.js';
import { ConfigurationError } from '../core/errors.js';
import { type KeyRing, keyList, listed } from '../core/keyring.js';
import type { ZhixiaoCredentials } from './envelope.js';

/** The key options, as given to the client or returned by its `keyProvider`. */
export interface ZhixiaoKeys {
  /**
   * appsecret, the MD5 signing secret. A list while it rolls over: the first signs what you send; any
   * one of them verifies a reply or notice, and logs say which (its index).
   */
  appSecret: string | string[];
  /** aes_key: 16, 24 or 32 ASCII characters. A list while it rolls over: the first encrypts. */
  aesKey: string | string[];
}

export type ZhixiaoKeyRing = KeyRing<Required<ZhixiaoCredentials>>;

/** Parses one version of the keys; a ConfigurationError names the option (and index), never the key. */
export function parseZhixiaoKeys(
  appId: string,
  raw: Partial<Record<keyof ZhixiaoKeys, unknown>>,
  name: (option: string) => string,
): Required<ZhixiaoCredentials> {
  const list = (option: keyof ZhixiaoKeys, check: (key: string, option: string) => void) => {
    const value = raw[option];
    if (value === undefined) throw new ConfigurationError(name(option), 'is required (a non-empty string)');
    return keyList(value as string | string[], name(option)).map((k, i) => {
      check(k, listed(name(option), value, i));
      return k;
    });
  };
  const secrets = list('appSecret', (k, option) => {
    if (typeof k !== 'string' || k === '') throw new ConfigurationError(option, 'must be a non-empty string');
  });
  const aesKeys = list('aesKey', (k, option) => void aesKeyBytes(k, option));
  return { appId, appSecret: secrets[0]!, aesKey: aesKeys[0]!, secrets, aesKeys };
}

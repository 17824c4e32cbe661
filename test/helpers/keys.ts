import { loadPrivateKey } from '../../src/crypto.js';
import { keyText, vectors } from './fixtures.js';

/** Fixture credentials for unit tests (test keys only). */
export const merchantKeyPem = keyText('merchant.pkcs8.pem');
export const platformPrivate = loadPrivateKey(keyText('platform.pkcs8.pem'));
export const platformPublicPem = keyText('platform.spki.pem');
export const DES_KEY = vectors.desKey!;
export const GATEWAY = 'http://card.test:8899/onecard/uap/gateway.action';

export const oneCardOptions = {
  gatewayUrl: GATEWAY,
  appKey: 'unit-app',
  desKey: DES_KEY,
  privateKey: merchantKeyPem,
  platformPublicKey: platformPublicPem,
  retryBaseMs: 1,
};

export const ZX = { appId: 'partner1', appSecret: 'weiweixiao', aesKey: 'AD42F6697B035B7580E4FEF93BE20B4D' };
export const ZX_BASE = 'http://zx.test';

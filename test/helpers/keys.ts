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

/** A paid recharge notice's fields (2.2.4.4), as the spec's example gives them. */
export const ONECARD_NOTICE = {
  account: '98',
  acctype: '###',
  order_no: '111',
  order_amount: '100.0',
  out_id: '1234567890',
  pay_time: '20160419115530',
  sttl_date: '20160419',
  order_status: '0',
};

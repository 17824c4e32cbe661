/** Keys and a request payload shared by every benchmark, generated once per run. */
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export function benchKeys() {
  const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = (k: import('node:crypto').KeyObject, type: 'pkcs8' | 'spki') =>
    k.export({ format: 'pem', type }).toString();
  return {
    desKey: randomBytes(24).toString('base64'),
    merchantPrivatePem: pem(merchant.privateKey, 'pkcs8'),
    merchantPublicPem: pem(merchant.publicKey, 'spki'),
    platformPrivatePem: pem(platform.privateKey, 'pkcs8'),
    platformPublicPem: pem(platform.publicKey, 'spki'),
  };
}
export type BenchKeys = ReturnType<typeof benchKeys>;

export const METHOD = 'synjones.onecard.query.card';
export const PAYLOAD = { idtype: 'sno', id: '2023000001' };
/** A realistic reply: one card with the spec's fields. */
export const REPLY = {
  retcode: '0',
  errmsg: '',
  card: [
    {
      account: '10001',
      name: '张三',
      unsettle_amount: '0',
      db_balance: '10000',
      lostflag: '0',
      freezeflag: '0',
      idflag: '1',
      barflag: '1',
      createdate: '20230901',
      expdate: '20270701',
      cardtype: '01',
      cardname: '学生卡',
      bankacc: '',
      sno: '2023000001',
      phone: '13800000001',
      certtype: '001',
      cert: '110101200001010011',
      autotrans_limite: '0',
      autotrans_amt: '0',
      autotrans_flag: '1',
      mscard: '0',
      scard_num: '0',
    },
  ],
};

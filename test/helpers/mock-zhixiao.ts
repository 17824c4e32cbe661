import { aesEncrypt, md5Hex } from '../../src/crypto.js';
import { ZX } from './keys.js';

/** A Zhixiao reply as the gateway makes it: md5(ret_code + ret_content + secret), written out here. */
export function zxReply(retCode: number | string, content: unknown) {
  const ret_content = aesEncrypt(JSON.stringify(content), ZX.aesKey);
  return { ret_code: retCode, ret_content, sign: md5Hex(`${retCode}${ret_content}${ZX.appSecret}`) };
}

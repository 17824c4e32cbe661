/** Zhixiao's part of the call pipeline: sealing (AES + MD5) and opening replies. */
import { ConfigurationError } from '../core/errors.js';
import type { KeyVersion } from '../core/keyring.js';
import type { GatewayProtocol } from '../core/pipeline.js';
import { decodeReply, encodeRequest, type ZhixiaoCredentials } from './envelope.js';
import type { ZhixiaoKeyRing } from './keys.js';

/** One call's session: the keys it started with, which sign the request and verify the reply. */
export type ZhixiaoSession = KeyVersion<Required<ZhixiaoCredentials>>;

export interface ZhixiaoProtocolOptions {
  baseUrl: string;
  keys: ZhixiaoKeyRing;
  /** Path per SDK method name, overriding the table's. */
  paths: Readonly<Record<string, string>>;
}

export function zhixiaoProtocol(o: ZhixiaoProtocolOptions): GatewayProtocol<ZhixiaoSession> {
  return {
    begin: (_spec, _name, bounds) => o.keys.current(bounds),
    seal(call) {
      const path = o.paths[call.name] ?? call.spec.wire;
      if (!path) {
        throw new ConfigurationError(
          `paths.${call.name}`,
          `interface ${call.spec.section} has no documented path; set paths.${call.name} to the path your vendor gave you`,
        );
      }
      return { url: o.baseUrl + path, form: encodeRequest(call.session.keys, call.payload) };
    },
    open(call, reply) {
      const { version, keys } = call.session;
      const verified = o.keys.whichKey(version, keys.secrets.length, (by) => {
        call.verifiedBy = by;
      });
      const content = decodeReply(keys, reply.status, reply.body, verified);
      // 2.8 answers with a message (开票成功) rather than JSON.
      return typeof content === 'string' ? { message: content } : content;
    },
  };
}

/** Zhixiao's part of the call pipeline: sealing (AES + MD5) and opening replies. */
import { ConfigurationError } from '../core/errors.js';
import type { GatewayProtocol } from '../core/pipeline.js';
import { decodeReply, encodeRequest, type ZhixiaoCredentials } from './envelope.js';

export interface ZhixiaoProtocolOptions {
  baseUrl: string;
  credentials: ZhixiaoCredentials;
  /** Path per SDK method name, overriding the table's. */
  paths: Readonly<Record<string, string>>;
}

export function zhixiaoProtocol(o: ZhixiaoProtocolOptions): GatewayProtocol<undefined> {
  return {
    begin: () => undefined,
    seal(call) {
      const path = o.paths[call.name] ?? call.spec.wire;
      if (!path) {
        throw new ConfigurationError(
          `paths.${call.name}`,
          `interface ${call.spec.section} has no documented path; set paths.${call.name} to the path your vendor gave you`,
        );
      }
      return { url: o.baseUrl + path, form: encodeRequest(o.credentials, call.payload) };
    },
    open(_call, reply) {
      const content = decodeReply(o.credentials, reply.status, reply.body);
      // 2.8 answers with a message (开票成功) rather than JSON.
      return typeof content === 'string' ? { message: content } : content;
    },
  };
}

import nock from 'nock';
import { tripleDesDecrypt } from '../../src/crypto.js';
import { encodeReply, wrapperOf } from '../../src/onecard/envelope.js';
import { DES_KEY, GATEWAY, platformPrivate } from './keys.js';

export interface SeenRequest {
  fields: Record<string, string>;
  payload: Record<string, unknown>;
}

/**
 * A nock gateway that decodes each request and answers with `answer(method, payload)`, signed with the
 * platform fixture key — so the client's verification runs for real.
 */
export function mockOneCard(
  answer: (
    method: string,
    payload: Record<string, unknown>,
  ) => { errcode?: string; data?: Record<string, unknown> } | string,
) {
  const seen: SeenRequest[] = [];
  const url = new URL(GATEWAY);
  const scope = nock(url.origin)
    .persist()
    .post(url.pathname)
    .reply((_uri, body) => {
      const fields = Object.fromEntries(new URLSearchParams(String(body)));
      const method = fields.method!;
      const payload = JSON.parse(tripleDesDecrypt(fields.request!, DES_KEY))[wrapperOf(method)];
      seen.push({ fields, payload });
      const a = answer(method, payload);
      if (typeof a === 'string') return [200, a];
      const errcode = a.errcode ?? '0';
      return [
        200,
        encodeReply(
          { desKey: DES_KEY, platformPrivateKey: platformPrivate },
          method,
          errcode,
          errcode === '0' ? { retcode: '0', errmsg: '', ...a.data } : undefined,
        ),
      ];
    });
  return { seen, scope };
}

export const tokenAnswer = (n: number, expires = '7200') => ({
  data: { access_token: `token-${n}`, expires_in: expires },
});

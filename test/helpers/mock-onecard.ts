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

/**
 * A gateway that answers the token call and every recharge with a sound 2.2.4.3 reply: the fields its
 * table marks 不可空 echoed from what was sent, and a pay page. `patch` changes fields, or removes them
 * when undefined (JSON leaves them out).
 */
export function mockRecharge(patch: Record<string, unknown> = {}) {
  return mockOneCard((m, p) =>
    m.endsWith('access_token')
      ? tokenAnswer(1)
      : {
          data: {
            account: p.account,
            acctype: p.acctype,
            order_no: p.order_no,
            order_amount: p.order_amount,
            out_id: '1',
            post_type: 'get',
            post_url: 'https://p.test',
            post_data: '',
            ...patch,
          },
        },
  );
}

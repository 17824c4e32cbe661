import nock from 'nock';
import { tripleDesDecrypt } from '../../src/crypto.js';
import { encodeReply, wrapperOf } from '../../src/onecard/envelope.js';
import { DES_KEY, GATEWAY, platformPrivate } from './keys.js';

export interface SeenRequest {
  fields: Record<string, string>;
  payload: Record<string, unknown>;
}

export type OneCardAnswer = (
  method: string,
  payload: Record<string, unknown>,
) => { errcode?: string; data?: Record<string, unknown> } | string;

/**
 * One exchange with a stand-in gateway: decodes the request body, and answers with `answer(method,
 * payload)`, signed with the platform fixture key — so the client's verification runs for real.
 */
export function answerOneCard(body: string, answer: OneCardAnswer): { seen: SeenRequest; reply: string } {
  const fields = Object.fromEntries(new URLSearchParams(body));
  const method = fields.method!;
  const payload = JSON.parse(tripleDesDecrypt(fields.request!, DES_KEY))[wrapperOf(method)];
  const seen = { fields, payload };
  const a = answer(method, payload);
  if (typeof a === 'string') return { seen, reply: a };
  const errcode = a.errcode ?? '0';
  const data = errcode === '0' ? { retcode: '0', errmsg: '', ...a.data } : undefined;
  const reply = encodeReply({ desKey: DES_KEY, platformPrivateKey: platformPrivate }, method, errcode, data);
  return { seen, reply };
}

/** A nock gateway answering every request through `answerOneCard`. */
export function mockOneCard(answer: OneCardAnswer) {
  const seen: SeenRequest[] = [];
  const url = new URL(GATEWAY);
  const scope = nock(url.origin)
    .persist()
    .post(url.pathname)
    .reply((_uri, body) => {
      const exchange = answerOneCard(String(body), answer);
      seen.push(exchange.seen);
      return [200, exchange.reply];
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

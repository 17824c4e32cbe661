/**
 * Both gateways over real HTTP, as far as the contract test needs them: every request is decoded and
 * recorded as it arrived, and answered with a signed reply the test chooses. (The sandbox keeps a
 * ledger and would refuse made-up accounts; this records the bytes and answers whatever fields a table
 * lists.)
 */
import { aesDecrypt } from '../../src/crypto.js';
import { ONECARD_GATEWAY_PATH } from '../../src/sandbox/index.js';
import { ZX } from '../helpers/keys.js';
import { startMerchant } from '../helpers/merchant.js';
import { answerOneCard, type OneCardAnswer, type SeenRequest } from '../helpers/mock-onecard.js';
import { zxReply } from '../helpers/mock-zhixiao.js';

export interface Recorded extends SeenRequest {
  /** The OneCard `method`, or the Zhixiao path. */
  wire: string;
}

export interface Answers {
  /** OneCard: an errcode, or the reply's data (retcode 0 is added unless given). */
  onecard: OneCardAnswer;
  /** Zhixiao: a ret_code (default 0) and the content to encrypt. */
  zhixiao(path: string, payload: Record<string, unknown>): { retCode?: number; content: unknown };
}

export async function startStandIn(answer: Answers) {
  const seen: Recorded[] = [];
  const server = await startMerchant((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url === ONECARD_GATEWAY_PATH) {
        const x = answerOneCard(body, answer.onecard);
        seen.push({ wire: x.seen.fields.method!, ...x.seen });
        return void res.end(x.reply);
      }
      const fields = Object.fromEntries(new URLSearchParams(body));
      const payload = JSON.parse(aesDecrypt(fields.param!, ZX.aesKey)) as Record<string, unknown>;
      seen.push({ wire: req.url!, fields, payload });
      res.setHeader('Content-Type', 'application/json');
      const a = answer.zhixiao(req.url!, payload);
      res.end(JSON.stringify(zxReply(a.retCode ?? 0, a.content)));
    });
  });
  return { ...server, seen, onecardUrl: server.url + ONECARD_GATEWAY_PATH };
}

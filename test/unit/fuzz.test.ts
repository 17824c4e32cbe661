import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CampusPayError } from '../../src/core/errors.js';
import { encodeForm } from '../../src/core/form.js';
import { loadPublicKey } from '../../src/crypto.js';
import { decodeReply as decodeOneCard, encodeReply as encodeOneCard } from '../../src/onecard/envelope.js';
import { parseRechargeNotification } from '../../src/onecard/notifications.js';
import { decodeReply as decodeZhixiao, encodeReply as encodeZhixiao } from '../../src/zhixiao/envelope.js';
import { parseZhixiaoNotification } from '../../src/zhixiao/notifications.js';
import { DES_KEY, platformPrivate, platformPublicPem, ZX } from '../helpers/keys.js';

const ocKeys = { desKey: DES_KEY, platformPublicKey: loadPublicKey(platformPublicPem) };
const M = 'synjones.onecard.query.card';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Runs `fn` and fails if it throws (or rejects with) anything but one of the SDK's own errors. */
async function onlyOwnErrors(fn: () => unknown) {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof CampusPayError)) throw new Error(`threw a foreign error: ${String(e)}`);
  }
}

const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
  fc.string({ maxLength: 300 }).map((s) => Buffer.from(s)),
  fc
    .record({
      errcode: fc.oneof(fc.constant('0'), fc.string()),
      request: fc.base64String(),
      sign: fc.base64String(),
    })
    .map((r) => Buffer.from(encodeForm(r))),
  fc.json().map((s) => Buffer.from(s)),
  fc
    .record({
      ret_code: fc.jsonValue(),
      ret_content: fc.oneof(fc.base64String(), fc.jsonValue()),
      sign: fc.jsonValue(),
    })
    .map((r) => Buffer.from(JSON.stringify(r))),
);

describe('parsers fed arbitrary bytes throw only the SDK’s own errors', () => {
  it('OneCard and Zhixiao reply decoders', async () => {
    await fc.assert(
      fc.asyncProperty(bytes, fc.integer({ min: 100, max: 599 }), async (body, status) => {
        await onlyOwnErrors(() => decodeOneCard(ocKeys, M, status, body));
        await onlyOwnErrors(() => decodeZhixiao(ZX, status, body));
      }),
      { numRuns: 400 },
    );
  });

  it('notification parsers, from bytes and from arbitrary objects', async () => {
    const inputs = fc.oneof(
      bytes,
      fc.string(),
      fc.dictionary(fc.string(), fc.jsonValue()),
      fc.record({ id: fc.string(), param: fc.base64String(), sign: fc.string() }),
      fc.record({
        method: fc.string(),
        timestamp: fc.string(),
        request: fc.base64String(),
        sign: fc.base64String(),
      }),
    );
    await fc.assert(
      fc.asyncProperty(inputs, async (input) => {
        await onlyOwnErrors(() => parseZhixiaoNotification(ZX, input as never));
        await onlyOwnErrors(() => parseRechargeNotification(ocKeys, input as never));
      }),
      { numRuns: 400 },
    );
  });
});

describe('any single-character change to a signed reply is rejected', () => {
  it('OneCard: errcode, request or sign', async () => {
    const body = encodeOneCard({ desKey: DES_KEY, platformPrivateKey: platformPrivate }, M, '0', {
      retcode: '0',
      card: [{ account: '1' }],
    });
    const fields = Object.fromEntries(new URLSearchParams(body)) as Record<
      'errcode' | 'request' | 'sign',
      string
    >;
    await expect(decodeOneCard(ocKeys, M, 200, Buffer.from(body))).resolves.toMatchObject({
      card: [{ account: '1' }],
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('errcode', 'request', 'sign' as const),
        fc.nat(),
        fc.nat(),
        async (field, pos, pick) => {
          const value = fields[field];
          const i = pos % value.length;
          const alphabet = field === 'errcode' ? '0123456789' : B64;
          const choices = alphabet.replace(value[i]!, '');
          if (value[i] === '=') return; // padding: changing it changes the length, covered by other positions
          const changed = {
            ...fields,
            [field]: value.slice(0, i) + choices[pick % choices.length] + value.slice(i + 1),
          };
          await expect(decodeOneCard(ocKeys, M, 200, Buffer.from(encodeForm(changed)))).rejects.toThrow(
            CampusPayError,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('Zhixiao: ret_code, ret_content or sign (a hex case change is not a change)', () => {
    const reply = encodeZhixiao(ZX, 0, { out_trade_no: 'A', order_id: '1', status: '2' });
    fc.assert(
      fc.property(
        fc.constantFrom('ret_content', 'sign', 'ret_code' as const),
        fc.nat(),
        fc.nat(),
        (field, pos, pick) => {
          if (field === 'ret_code') {
            const changed = { ...reply, ret_code: 1 + (pick % 9) };
            expect(() => decodeZhixiao(ZX, 200, Buffer.from(JSON.stringify(changed)))).toThrow(
              CampusPayError,
            );
            return;
          }
          const value = reply[field];
          const i = pos % value.length;
          if (value[i] === '=') return;
          const alphabet = (field === 'sign' ? '0123456789abcdef' : B64).replace(value[i]!, '');
          const changed = {
            ...reply,
            [field]: value.slice(0, i) + alphabet[pick % alphabet.length] + value.slice(i + 1),
          };
          expect(() => decodeZhixiao(ZX, 200, Buffer.from(JSON.stringify(changed)))).toThrow(CampusPayError);
        },
      ),
      { numRuns: 300 },
    );
  });
});

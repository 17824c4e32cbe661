/**
 * Every kind of key rolled over three times mid-traffic, on both sides, over real HTTP: 1,000 calls at
 * concurrency 16 and the notices they cause, while the sandbox (the gateway) and the clients' key
 * providers move from one key set to the next the way a real rollover goes (README, "Rotating keys"):
 * 1. the clients accept the gateway's next keys as well; 2. the gateway signs with its new key and accepts
 * the merchant's old and new keys; 3. the clients send with their new keys; 4. once nothing started
 * before step 3 is in flight and every notice is acknowledged, both sides drop the old keys.
 * Every call and notice must verify, none may fail or reach the gateway twice.
 */
import {
  createDecipheriv,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptLog, Logger } from '../../src/index.js';
import { OneCardClient, ZhixiaoPayClient } from '../../src/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { startMerchant } from '../helpers/merchant.js';
import { scaled, TIMEOUTS } from '../helpers/timeouts.js';

const CALLS = 1_000;
const CONCURRENCY = 16;
/** Completed calls at which each rollover starts. */
const ROTATE_AT = [150, 400, 650];
/** Calls a rollover may take: later ones wait for it to end (it needs about 100). */
const GATE = 200;

let sb: Sandbox;
let merchant: { url: string; close: () => Promise<void> };
let onecard: OneCardClient;
let zhixiao: ZhixiaoPayClient;
const keyErrors: unknown[] = [];
const noticeErrors: unknown[] = [];
const lines: Array<{ method: string; outcome: string; keyIndex?: number; keyVersion?: number }> = [];
const logger: Logger = { info: (_m, f) => void lines.push(f as AttemptLog) };

/** What each client's key provider returns now; the test changes it between reads. */
let ocKeys: { desKey: string[]; privateKey: string; platformPublicKey: string[] };
let zxKeys: { appSecret: string[]; aesKey: string[] };

/** Every symmetric key the gateway ever had, for the test's own decryption of what reached it. */
const desKeys: string[] = [];
const aesKeys: string[] = [];
/** Requests the gateway received, per method and order key. */
const received = new Map<string, number>();

const pem = (k: KeyObject, type: 'pkcs8' | 'spki') => k.export({ format: 'pem', type }).toString();
const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });

/** The test's own decryption (not the SDK's): 3DES-CBC zero IV, AES-CBC with the key's first 16 bytes as IV. */
function decryptAny(data: string, keys: string[], cipher: 'des' | 'aes'): Record<string, unknown> {
  for (const key of keys) {
    try {
      const k = cipher === 'des' ? Buffer.from(key, 'base64') : Buffer.from(key, 'latin1');
      const d =
        cipher === 'des'
          ? createDecipheriv('des-ede3-cbc', k, Buffer.alloc(8))
          : createDecipheriv(`aes-${k.length * 8}-cbc`, k, k.subarray(0, 16));
      const text = Buffer.concat([d.update(Buffer.from(data, 'base64')), d.final()]).toString('utf8');
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      // the next key
    }
  }
  throw new Error('the test could not decrypt a request with any key the gateway had');
}

function count(method: string, body: Record<string, unknown>) {
  const key = String(body.order_no ?? body.out_trade_no ?? body.idno ?? body.id ?? '');
  const k = `${method} ${key}`;
  received.set(k, (received.get(k) ?? 0) + 1);
}

beforeAll(async () => {
  sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 }, notifications: { retryDelaysMs: [0, 20] } });
  desKeys.push(sb.onecard.desKey);
  aesKeys.push(sb.zhixiao.aesKey);
  // Count every request the gateways process, by its order key, decrypted independently.
  const ocHandle = sb.onecardGateway.handle.bind(sb.onecardGateway);
  sb.onecardGateway.handle = (form) => {
    const method = form.get('method') ?? '';
    const wrapper = method.replace(/^synjones\.(onecard\.)?/, '').replaceAll('.', '_');
    const inner = decryptAny(form.get('request') ?? '', desKeys, 'des')[wrapper];
    count(method, inner as Record<string, unknown>);
    return ocHandle(form);
  };
  const zxHandle = sb.zhixiaoGateway.handle.bind(sb.zhixiaoGateway);
  sb.zhixiaoGateway.handle = (path, form) => {
    count(path, decryptAny((form.get('param') ?? '').replaceAll(' ', '+'), aesKeys, 'aes'));
    return zxHandle(path, form);
  };

  ocKeys = {
    desKey: [sb.onecard.desKey],
    privateKey: sb.onecard.privateKey,
    platformPublicKey: [sb.onecard.platformPublicKey],
  };
  zxKeys = { appSecret: [sb.zhixiao.appSecret], aesKey: [sb.zhixiao.aesKey] };
  const common = { logger, onKeyError: (e: unknown) => void keyErrors.push(e), keyTtlMs: 3_600_000 };
  onecard = new OneCardClient({
    gatewayUrl: sb.onecard.gatewayUrl,
    appKey: sb.onecard.appKey,
    proxy: false,
    keyProvider: async () => structuredClone(ocKeys),
    ...common,
  });
  zhixiao = new ZhixiaoPayClient({
    baseUrl: sb.zhixiao.baseUrl,
    appId: sb.zhixiao.appId,
    paths: sb.zhixiao.paths,
    proxy: false,
    keyProvider: async () => structuredClone(zxKeys),
    ...common,
  });
  await Promise.all([onecard.keysReady(), zhixiao.keysReady()]);

  const onError = (e: unknown) => void noticeErrors.push(e);
  const oc = onecard.nodeNotificationHandler({ onNotification: () => undefined, onError });
  const zx = zhixiao.nodeNotificationHandler({ onNotification: () => undefined, onError });
  merchant = await startMerchant((req: IncomingMessage, res: ServerResponse) =>
    req.url?.startsWith('/onecard') ? oc(req, res) : zx(req, res),
  );
});

afterAll(async () => {
  await merchant?.close();
  await sb?.close();
});

/** The keys of one rollover, made before the traffic starts (RSA key generation blocks the loop). */
const nextKeys = () => ({
  desKey: randomBytes(24).toString('base64'),
  merchant: rsa().privateKey,
  platform: rsa().privateKey,
  appSecret: randomBytes(16).toString('hex'),
  aesKey: randomBytes(16).toString('hex'),
});
type NextKeys = ReturnType<typeof nextKeys>;

/** One rollover of every key, in the four steps of a real one. */
async function rollOver(
  next: NextKeys,
  startedBefore: () => Promise<unknown>,
  moreCalls: (n: number) => Promise<void>,
) {
  const [oldDes, oldPlatform] = [ocKeys.desKey[0]!, ocKeys.platformPublicKey[0]!];
  const [oldSecret, oldAes] = [zxKeys.appSecret[0]!, zxKeys.aesKey[0]!];
  const nextPlatform = pem(createPublicKey(next.platform), 'spki');
  // 1. The clients accept the gateway's next keys too (listed second: what they send is unchanged).
  ocKeys = { ...ocKeys, desKey: [oldDes, next.desKey], platformPublicKey: [oldPlatform, nextPlatform] };
  zxKeys = { appSecret: [oldSecret, next.appSecret], aesKey: [oldAes, next.aesKey] };
  await Promise.all([onecard.reloadKeys(), zhixiao.reloadKeys()]);
  await startedBefore(); // no call still holds keys without the gateway's next ones
  // 2. The gateway moves: it signs with its new key and accepts the merchant's old and new keys.
  desKeys.push(next.desKey);
  aesKeys.push(next.aesKey);
  const given = sb.rotateKeys({
    onecard: {
      desKey: next.desKey,
      merchantPrivateKey: pem(next.merchant, 'pkcs8'),
      platformPrivateKey: pem(next.platform, 'pkcs8'),
    },
    zhixiao: { appSecret: next.appSecret, aesKey: next.aesKey },
  });
  expect(given.onecard.platformPublicKey).toBe(nextPlatform);
  // Calls made now hold the old keys first and meet the gateway's new ones (the second of each list).
  await moreCalls(CONCURRENCY * 2);
  // 3. The clients send with their new keys.
  ocKeys = {
    desKey: [next.desKey, oldDes],
    privateKey: given.onecard.privateKey,
    platformPublicKey: [nextPlatform, oldPlatform],
  };
  zxKeys = { appSecret: [next.appSecret, oldSecret], aesKey: [next.aesKey, oldAes] };
  await Promise.all([onecard.reloadKeys(), zhixiao.reloadKeys()]);
  return async (sentBefore: () => Promise<unknown>) => {
    // 4. Nothing sent with the old keys is in flight, every notice is acknowledged: both drop them.
    await sentBefore();
    await sb.waitForNotifications(scaled(10_000));
    ocKeys = { ...ocKeys, desKey: [next.desKey], platformPublicKey: [nextPlatform] };
    zxKeys = { appSecret: [next.appSecret], aesKey: [next.aesKey] };
    await Promise.all([onecard.reloadKeys(), zhixiao.reloadKeys()]);
    sb.retireKeys();
  };
}

describe('key rotation without a restart', () => {
  it(
    `${CALLS} calls at concurrency ${CONCURRENCY}, every key rolled over ${ROTATE_AT.length} times on both sides`,
    async () => {
      const run = Date.now().toString(36).slice(-5);
      const keys = ROTATE_AT.map(nextKeys);
      const inFlight = new Set<Promise<unknown>>();
      const settled: string[] = [];
      let done = 0;
      let nextIndex = 0;
      const failures: unknown[] = [];

      async function one(i: number) {
        const tag = `${run}${i}`;
        switch (i % 4) {
          case 0: {
            const r = await onecard.recharge({
              client_type: 'web',
              pay_type: 'alipay',
              account: '10001',
              acctype: '###',
              order_no: `R${tag}`,
              order_amount: 1,
              return_url: 'http://r',
              notify_url: `${merchant.url}/onecard`,
            });
            sb.onecardGateway.settle(r.out_id, true);
            settled.push(`onecard ${r.out_id}`);
            return;
          }
          case 1:
            await onecard.queryCard({ idtype: 'sno', id: '2023000001' });
            return;
          case 2: {
            const o = await zhixiao.createOrder({
              body: 'rotation',
              out_trade_no: `Z${tag}`,
              total_fee: 1,
              notify_url: `${merchant.url}/zhixiao`,
            });
            sb.zhixiaoGateway.settle(o.order_id, true);
            settled.push(`zhixiao ${o.order_id}`);
            return;
          }
          default:
            await zhixiao.queryOrder({ out_trade_no: seed });
        }
      }

      const moreCalls = async (n: number) => {
        const until = done + n;
        while (done < until && nextIndex < CALLS) await new Promise((r) => setTimeout(r, 5));
      };
      const seed = `Z${run}seed`;
      await zhixiao.createOrder({
        body: 'seed',
        out_trade_no: seed,
        total_fee: 1,
        notify_url: `${merchant.url}/zhixiao`,
      });

      /** Waits for the calls in flight now (those started later do not count). */
      const inFlightNow = () => {
        const now = [...inFlight];
        return () => Promise.allSettled(now);
      };

      // Calls past a rollover's gate wait until it is over, so every rollover happens mid-traffic.
      const gates = ROTATE_AT.map((at) => {
        let resolve = () => {};
        const promise = new Promise<void>((r) => {
          resolve = r;
        });
        return { at: at + GATE, open: { promise, resolve } };
      });
      async function worker() {
        while (nextIndex < CALLS) {
          const i = nextIndex++;
          for (const g of gates) if (i >= g.at) await g.open.promise;
          const p = one(i).catch((e: unknown) => void failures.push(e));
          inFlight.add(p);
          await p;
          inFlight.delete(p);
          done++;
        }
      }

      async function rotations() {
        for (const [k, at] of ROTATE_AT.entries()) {
          while (done < at) await new Promise((r) => setTimeout(r, 5));
          const finish = await rollOver(keys[k]!, () => inFlightNow()(), moreCalls);
          const sentWithOld = inFlightNow();
          await moreCalls(CONCURRENCY * 4);
          await finish(sentWithOld);
          gates[k]!.open.resolve();
        }
      }

      await Promise.all([...Array.from({ length: CONCURRENCY }, worker), rotations()]);
      await sb.waitForNotifications(scaled(10_000));

      expect(failures).toEqual([]);
      expect(done).toBe(CALLS);
      expect(keyErrors).toEqual([]);
      expect(noticeErrors).toEqual([]);

      // Each money call reached the gateway exactly once.
      const money = [...received].filter(([k]) =>
        /^(synjones\.onecard\.paygw\.recharge\.card|\/pay_api\/order_create) /.test(k),
      );
      expect(money).toHaveLength(CALLS / 2 + 1); // and the seed order
      expect(money.filter(([, n]) => n !== 1)).toEqual([]);

      // Every notice verified on its first delivery.
      expect(sb.notifications.map((n) => `${n.gateway} ${n.ref}`).sort()).toEqual([...settled].sort());
      expect(sb.notifications.filter((n) => !n.acknowledged || n.attempts.length !== 1)).toEqual([]);

      // The logs say which key verified: both list positions were used, up to version 10 (1 + 3 × 3).
      const replies = lines.filter((l) => l.outcome === 'ok');
      expect(replies).toHaveLength(CALLS + 2); // and the seed order and the one token fetch
      expect(new Set(replies.map((l) => l.keyIndex))).toEqual(new Set([0, 1]));
      expect(Math.max(...replies.map((l) => l.keyVersion ?? 0))).toBe(1 + 3 * ROTATE_AT.length);
      const notices = lines.filter((l) => l.outcome === 'verified');
      expect(notices).toHaveLength(settled.length);
      expect(notices.every((l) => l.keyIndex === 0 || l.keyIndex === 1)).toBe(true);
    },
    TIMEOUTS.slow,
  );
});

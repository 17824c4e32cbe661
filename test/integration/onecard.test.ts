import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeForm } from '../../src/core/form.js';
import { formatGatewayTime } from '../../src/core/time.js';
import { loadPrivateKey, rsaSha1Sign } from '../../src/crypto.js';
import {
  GatewayError,
  MemoryTokenStore,
  OneCardClient,
  type OneCardSchemas,
  OutcomeUnknownError,
  ProtocolError,
  rechargeToHtmlForm,
  SignatureError,
} from '../../src/index.js';
import { requestFields, signString } from '../../src/onecard/envelope.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { startMerchant } from '../helpers/merchant.js';
import { scaled } from '../helpers/timeouts.js';

let sb: Sandbox;
let client: OneCardClient;
const balance = (account: string, type = '###') =>
  sb.onecardGateway.ledger.cardholders
    .find((c) => c.account === account)!
    .accounts.find((a) => a.type === type)!.balance;

beforeAll(async () => {
  sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 }, notifications: { retryDelaysMs: [0, 30] } });
  client = new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore(), retryBaseMs: 1 });
});
afterAll(() => sb.close());

describe('OneCard over real HTTP against the sandbox', () => {
  it('queryCard by student number keeps fields the spec does not list', async () => {
    const r = await client.queryCard({ idtype: 'sno', id: '2023000001' });
    expect(r.card).toHaveLength(1);
    expect(r.card[0]).toMatchObject({
      account: '10001',
      name: '张三',
      db_balance: 10_000,
      extra: { cardid: '900001' },
    });
  });

  it('queryAccInfo returns balances as integer fen', async () => {
    const r = await client.queryAccInfo({ account: '10001', acctype: '###' });
    expect(r.accinfo[0]).toMatchObject({ type: '###', balance: balance('10001') });
    const all = await client.queryAccInfo({ account: '10001' });
    expect(all.accinfo.map((a) => a.type)).toEqual(['001']);
  });

  it('checkPassword: right and wrong', async () => {
    await expect(
      client.checkPassword({ idtype: 'sno', id: '2023000001', pwd: '123456' }),
    ).resolves.toMatchObject({ account: '10001' });
    const err = await client.checkPassword({ idtype: 'sno', id: '2023000001', pwd: 'nope' }).catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ level: 'business', gatewayCode: '60005', gatewayMessage: '账户密码错误' });
  });

  it('transfer moves money between e-accounts, and refuses overdrafts and frozen cards', async () => {
    const before = [balance('10001'), balance('10001', '001')];
    await client.transfer({
      account: '10001',
      tranamt: 300,
      src_acctype: '001',
      dst_acctype: '###',
      remark: '补助转卡',
    });
    expect([balance('10001'), balance('10001', '001')]).toEqual([before[0]! + 300, before[1]! - 300]);
    await expect(
      client.transfer({ account: '10001', tranamt: 40_000, src_acctype: '001', dst_acctype: '###' }),
    ).rejects.toMatchObject({ gatewayCode: '60010' });
    await expect(
      client.transfer({ account: '10003', tranamt: 1, src_acctype: '###', dst_acctype: '###' }),
    ).rejects.toMatchObject({ gatewayCode: '60013' });
    await expect(
      client.transfer({ account: '10002', tranamt: 1, src_acctype: '###', dst_acctype: '001' }),
    ).rejects.toMatchObject({ gatewayCode: '60002' });
  });

  it('barcode: get, pay once, second pay refused', async () => {
    const code = await client.getBarcode({ account: '10002', paytype: '1', payacc: '###' });
    expect(code.barcode).toMatch(/^\d{22}$/);
    expect(code.expires).toBe(60);
    const before = balance('10002');
    const paid = await client.payByBarcode({
      barcode: code.barcode,
      mercacc: '1000060',
      tranamt: 150,
      dineseq: '1',
    });
    expect(paid).toMatchObject({ account: '10002', tranamt: 150 });
    expect(balance('10002')).toBe(before - 150);
    await expect(
      client.payByBarcode({ barcode: code.barcode, mercacc: '1000060', tranamt: 150, dineseq: 1 }),
    ).rejects.toMatchObject({ gatewayCode: '60062' });
    expect(balance('10002')).toBe(before - 150);
  });

  it('bind and unbind a payment account', async () => {
    await expect(
      client.bindPayAccount({ pay_type: 'weixin', openid: 'o-1', account: '10001' }),
    ).resolves.toMatchObject({ account: '10001' });
    await expect(client.unbindPayAccount({ pay_type: 'weixin', openid: 'o-1' })).resolves.toMatchObject({
      pay_type: 'weixin',
    });
    await expect(client.unbindPayAccount({ pay_type: 'weixin', openid: 'o-1' })).rejects.toBeInstanceOf(
      GatewayError,
    );
  });

  it('recharge → pay page → signed notification to a real handler → query says credited', async () => {
    const notices: OneCardSchemas.RechargeNotification[] = [];
    const merchant = await startMerchant(
      client.nodeRechargeNotificationHandler({ onNotification: (n) => void notices.push(n) }),
    );
    try {
      const order_no = `R${Date.now()}`;
      const r = await client.recharge({
        client_type: 'web',
        pay_type: 'alipay',
        account: '10001',
        acctype: '###',
        order_no,
        order_amount: 2_000,
        order_time: new Date(),
        return_url: 'http://example.edu/return',
        notify_url: `${merchant.url}/notify`,
      });
      expect(r.post_type).toBe('post');
      expect(rechargeToHtmlForm(r)).toContain(`value="${order_no}"`);
      await expect(client.queryRechargeOrder({ order_no, order_amount: 2_000 })).resolves.toMatchObject({
        order_status: '10',
        order_state: 'pending',
      });
      const before = balance('10001');
      const pay = await fetch(`${r.post_url}/pay`, { method: 'POST' });
      expect(pay.status).toBe(200);
      await sb.waitForNotifications(scaled(10_000));
      expect(notices).toEqual([
        expect.objectContaining({ order_no, order_amount: 2_000, order_status: '0' }),
      ]);
      expect(balance('10001')).toBe(before + 2_000);
      await expect(client.queryRechargeOrder({ order_no, order_amount: 2_000 })).resolves.toMatchObject({
        order_status: '60',
        order_state: 'credited',
      });
      await expect(client.queryRechargeOrder({ order_no: 'nope', order_amount: 1 })).resolves.toMatchObject({
        order_state: 'not_found',
      });
    } finally {
      await merchant.close();
    }
  });

  it('recharge without order_time: the client stamps one in the format the sandbox checks (14 digits, Beijing)', async () => {
    const order_no = `R${Date.now()}t`;
    await expect(
      client.recharge({
        client_type: 'web',
        pay_type: 'alipay',
        account: '10001',
        acctype: '###',
        order_no,
        order_amount: 100,
        return_url: 'http://example.edu/return',
        notify_url: 'http://127.0.0.1:9/none',
      }),
    ).resolves.toMatchObject({ order_no, order_amount: 100 });
  });

  it('the notifier repeats until the merchant answers ok', async () => {
    let calls = 0;
    const merchant = await startMerchant(
      client.nodeRechargeNotificationHandler({
        onNotification: () => {
          calls += 1;
          if (calls < 3) throw new Error('database down');
        },
      }),
    );
    try {
      const order_no = `R${Date.now()}b`;
      const r = await client.recharge({
        client_type: 'native',
        pay_type: 'weixin',
        account: '10002',
        acctype: '###',
        order_no,
        order_amount: 100,
        return_url: 'http://example.edu/return',
        notify_url: merchant.url,
      });
      sb.onecardGateway.settleRecharge(r.out_id, true);
      await sb.waitForNotifications(scaled(10_000));
      const rec = sb.notifications.find((n) => n.ref === r.out_id)!;
      expect(rec.attempts.map((a) => a.answer)).toEqual(['fail', 'fail', 'ok']);
    } finally {
      await merchant.close();
    }
  });

  it('generic call() for a method outside the spec reaches the gateway envelope', async () => {
    const err = await client.call('synjones.onecard.query.unknown', { a: 1 }).catch((e) => e);
    expect(err).toMatchObject({ level: 'system', gatewayCode: '40012' });
  });
});

describe('tokens', () => {
  it('N concurrent calls at a cold start → exactly one token request', async () => {
    const fresh = new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore() });
    const before = sb.onecardGateway.tokenFetches;
    await Promise.all(Array.from({ length: 25 }, () => fresh.queryCard({ idtype: 'acc', id: '10001' })));
    expect(sb.onecardGateway.tokenFetches - before).toBe(1);
    expect(fresh.tokenFetches).toBe(1);
  });

  it('40017 on a payment: a fresh token, and the 40017 thrown, unless moneyOnInvalidToken is resend', async () => {
    const c = new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore() });
    const code = await c.getBarcode({ account: '10002', paytype: '1' });
    sb.onecardGateway.revokeToken();
    const before = balance('10002');
    const pay = () =>
      c.payByBarcode({ barcode: code.barcode, mercacc: '1000060', tranamt: 10, dineseq: '2' });
    await expect(pay()).rejects.toMatchObject({ gatewayCode: '40017', message: /Not resent/ });
    expect(balance('10002')).toBe(before);
    expect(c.tokenFetches).toBe(2);
    await pay(); // the fresh token was fetched for the next call
    expect(balance('10002')).toBe(before - 10);
    expect(c.tokenFetches).toBe(2);
  });

  it('40017 → one refresh and one resend, for a payment too under moneyOnInvalidToken: resend', async () => {
    const store = new MemoryTokenStore();
    const c = new OneCardClient({ ...sb.onecard, tokenStore: store, moneyOnInvalidToken: 'resend' });
    await c.queryCard({ idtype: 'acc', id: '10002' });
    sb.onecardGateway.revokeToken();
    const code = await c.getBarcode({ account: '10002', paytype: '1' });
    sb.onecardGateway.revokeToken();
    const before = balance('10002');
    await Promise.all([
      c.payByBarcode({ barcode: code.barcode, mercacc: '1000060', tranamt: 10, dineseq: '2' }),
      c.queryCard({ idtype: 'acc', id: '10002' }),
      c.queryCard({ idtype: 'acc', id: '10002' }),
    ]);
    expect(balance('10002')).toBe(before - 10);
    expect(c.tokenFetches).toBe(3);
  });

  it('two credential sets in one process keep separate tokens in one store', async () => {
    const store = new MemoryTokenStore();
    const a = new OneCardClient({ ...sb.onecard, tokenStore: store });
    const b = new OneCardClient({ ...sb.onecard, appKey: 'other-app', tokenStore: store });
    await a.queryCard({ idtype: 'acc', id: '10001' });
    await expect(b.queryCard({ idtype: 'acc', id: '10001' })).rejects.toMatchObject({ gatewayCode: '40002' });
  });
});

describe('faults', () => {
  it('a payment whose reply is lost is not resent: OutcomeUnknownError says what to query', async () => {
    const code = await client.getBarcode({ account: '10001', paytype: '1' });
    const before = balance('10001');
    sb.faults.set({ dropAfterProcess: 1 });
    try {
      const err = await client
        .payByBarcode({ barcode: code.barcode, mercacc: '1000060', tranamt: 7, dineseq: '3' })
        .catch((e) => e);
      expect(err).toBeInstanceOf(OutcomeUnknownError);
      expect(err.code).toBe('outcome_unknown');
      expect(err.query).toBeUndefined();
      expect(err.message).toMatch(/not resent.*resolve\(\)/);
    } finally {
      sb.faults.clear();
    }
    expect(balance('10001')).toBe(before - 7); // charged exactly once
  });

  it('a query is retried through two 5xx; a third is a ProtocolError with the status', async () => {
    sb.faults.next('serverError', 2);
    await expect(client.queryCard({ idtype: 'acc', id: '10001' })).resolves.toMatchObject({
      card: [{ account: '10001' }],
    });
    sb.faults.next('serverError', 3);
    await expect(client.queryCard({ idtype: 'acc', id: '10001' })).rejects.toMatchObject({
      code: 'protocol',
      status: 502,
    });
  });

  it('a transfer meeting a 5xx is not resent', async () => {
    const before = balance('10001', '001');
    sb.faults.next('serverError', 1);
    const err = await client
      .transfer({ account: '10001', tranamt: 5, src_acctype: '###', dst_acctype: '001' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err.query).toBeUndefined();
    expect(err.advice).toMatch(/queryAccInfo/);
    expect(balance('10001', '001')).toBe(before);
  });

  it('a connection dropped before processing is retried for queries', async () => {
    sb.faults.next('dropBeforeProcess', 1);
    await expect(client.queryAccInfo({ account: '10001' })).resolves.toMatchObject({ account: '10001' });
  });

  it('a wrongly signed reply is refused', async () => {
    sb.faults.set({ badSignature: 1 });
    try {
      await expect(client.queryCard({ idtype: 'acc', id: '10001' })).rejects.toBeInstanceOf(SignatureError);
    } finally {
      sb.faults.clear();
    }
  });

  it('a truncated or empty reply is a ProtocolError or SignatureError, never a TypeError', async () => {
    for (const f of [{ truncated: 1 }, { emptyBody: 1 }]) {
      sb.faults.set(f);
      try {
        const err = await client.queryCard({ idtype: 'acc', id: '10001' }).catch((e) => e);
        expect([ProtocolError, SignatureError].some((C) => err instanceof C)).toBe(true);
      } finally {
        sb.faults.clear();
      }
    }
  });
});

describe('the sandbox is as strict as the gateway', () => {
  const send = async (patch: { key?: KeyObject; timestamp?: string; token?: string; appKey?: string }) => {
    const fields = requestFields({
      method: 'synjones.onecard.query.card',
      appKey: patch.appKey ?? sb.onecard.appKey,
      accessToken: patch.token ?? 'not-a-token',
      desKey: sb.onecard.desKey,
      payload: { idtype: 'sno', id: '2023000001' },
      timestamp: patch.timestamp ?? formatGatewayTime(),
    });
    const key = patch.key ?? loadPrivateKey(sb.onecard.privateKey);
    const body = encodeForm({ ...fields, sign: rsaSha1Sign(signString(fields), key) });
    const res = await fetch(sb.onecard.gatewayUrl, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    return new URLSearchParams(await res.text()).get('errcode');
  };

  it.each([
    ['another app key', { appKey: 'nobody' }, '40002'],
    [
      'a signature by another key',
      { key: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey },
      '40004',
    ],
    [
      'a timestamp 7 minutes old',
      { timestamp: formatGatewayTime(new Date(Date.now() - 7 * 60_000)) },
      '40018',
    ],
    [
      'a host-time-zone timestamp (UTC instead of Beijing)',
      { timestamp: formatGatewayTime(new Date(), 'UTC') },
      '40018',
    ],
    ['a bad token', { token: 'x' }, '40017'],
  ])('%s → %s', async (_name, patch, errcode) => {
    expect(await send(patch)).toBe(errcode);
  });
});

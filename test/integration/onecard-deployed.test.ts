import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GatewayError,
  MemoryTokenStore,
  OneCardClient,
  OutcomeUnknownError,
  ValidationError,
} from '../../src/index.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { SLOWDOWN, waitFor } from '../helpers/timeouts.js';

let sb: Sandbox;
let client: OneCardClient;
const card = (account: string) => sb.onecardGateway.ledger.cardholders.find((c) => c.account === account)!;

beforeAll(async () => {
  sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0, extraAppKeys: ['canteen-app'] } });
  client = new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore() });
});
afterAll(() => sb.close());

describe('methods seen in deployments, not in v2.41', () => {
  it('queryAccInfoTotal sums an e-account type', async () => {
    const r = await client.queryAccInfoTotal({ acctype: '###' });
    const expected = sb.onecardGateway.ledger.cardholders.reduce(
      (n, c) => n + c.accounts.find((a) => a.type === '###')!.balance,
      0,
    );
    expect(r).toMatchObject({ acctype: '###', total_amt: expected });
  });

  it('querySnoNameFromBarcode names the holder of a payment code', async () => {
    const code = await client.getBarcode({ account: '10001', paytype: '1' });
    await expect(client.querySnoNameFromBarcode({ barcode: code.barcode })).resolves.toMatchObject({
      sno: '2023000001',
      name: '张三',
      accname: '卡账户',
    });
  });

  it('modifyPassword changes what checkPassword accepts', async () => {
    await client.modifyPassword({ account: '10002', newpwd: 'n3wpass' });
    await expect(client.checkPassword({ idtype: 'acc', id: '10002', pwd: 'n3wpass' })).resolves.toMatchObject(
      { account: '10002' },
    );
  });

  it('lost / unlost and frozen / unfrozen change what payments may do', async () => {
    await client.lostCard({ account: '10001' });
    expect(card('10001').lostflag).toBe('1');
    await expect(
      client.transfer({ account: '10001', tranamt: 1, src_acctype: '###', dst_acctype: '001' }),
    ).rejects.toMatchObject({ gatewayCode: '60007' });
    await expect(client.lostCard({ account: '10001' })).rejects.toBeInstanceOf(GatewayError);
    await client.unlostCard({ account: '10001' });
    await client.freezeCard({ account: '10001' });
    await expect(client.getBarcode({ account: '10001', paytype: '1' })).rejects.toMatchObject({
      gatewayCode: '60013',
    });
    await client.unfreezeCard({ account: '10001' });
    expect([card('10001').lostflag, card('10001').freezeflag]).toEqual(['0', '0']);
  });

  it('a card-state change whose reply is lost is not resent', async () => {
    sb.faults.next('dropAfterProcess');
    await expect(client.freezeCard({ account: '10002' })).rejects.toBeInstanceOf(OutcomeUnknownError);
    expect(card('10002').freezeflag).toBe('1');
    await client.unfreezeCard({ account: '10002' });
  });

  it('openAccount (field depcode) and modifyAccount', async () => {
    const opened = await client.openAccount({
      sno: '2026999001',
      name: '赵六',
      depcode: '0301',
      cardtype: '801',
      indate: '20260901',
    });
    expect(card(opened.account)).toMatchObject({ sno: '2026999001', name: '赵六' });
    await client.modifyAccount({ account: opened.account, phone: '13900000000' });
    expect(card(opened.account).phone).toBe('13900000000');
    await expect(
      client.openAccount({ sno: '2026999002', name: 'x', indate: '2026-09-01' }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('several credential sets in one process', () => {
  it('two app keys share one store without mixing their tokens', async () => {
    const store = new MemoryTokenStore();
    const card = new OneCardClient({ ...sb.onecard, tokenStore: store });
    const canteen = new OneCardClient({ ...sb.onecard, appKey: 'canteen-app', tokenStore: store });
    const before = sb.onecardGateway.tokenFetches;
    for (let i = 0; i < 3; i++) {
      await Promise.all([
        card.queryCard({ idtype: 'acc', id: '10001' }),
        canteen.queryCard({ idtype: 'acc', id: '10001' }),
      ]);
    }
    expect([card.tokenFetches, canteen.tokenFetches]).toEqual([1, 1]);
    expect(sb.onecardGateway.tokenFetches - before).toBe(2);
    // Revoking one app key's token leaves the other's alone.
    sb.onecardGateway.revokeToken('canteen-app');
    await Promise.all([
      card.queryCard({ idtype: 'acc', id: '10001' }),
      canteen.queryCard({ idtype: 'acc', id: '10001' }),
    ]);
    expect([card.tokenFetches, canteen.tokenFetches]).toEqual([1, 2]);
  });
});

describe('a recharge moves through its statuses', () => {
  it('10 ordered → 40 paid → 50 crediting → 60 credited', async () => {
    const slow = await startSandbox({ onecard: { tokenMinIntervalMs: 0, creditDelayMs: 400 } });
    try {
      const c = new OneCardClient({ ...slow.onecard, tokenStore: new MemoryTokenStore() });
      const order_no = `S${Date.now()}`;
      const r = await c.recharge({
        client_type: 'web',
        pay_type: 'alipay',
        account: '10001',
        acctype: '###',
        order_no,
        order_amount: 10,
        return_url: 'http://r',
        notify_url: 'http://127.0.0.1:9/none',
      });
      const seen = new Set<string>();
      const poll = async () =>
        seen.add((await c.queryRechargeOrder({ order_no, order_amount: 10 })).order_status);
      await poll();
      slow.onecardGateway.settleRecharge(r.out_id, true);
      await waitFor('status 60', async () => (await poll()).has('60'), { everyMs: 20 });
      expect([...seen]).toEqual(['10', '40', '50', '60']);
    } finally {
      await slow.close();
    }
  });
});

describe('token expiry', () => {
  it('a short-lived token is refreshed ahead of expiry, without a single 40017', async () => {
    // A 1 s token on a quiet machine; longer under load, so that no call outlives the token it was given.
    const ttl = Math.ceil(SLOWDOWN);
    const short = await startSandbox({ onecard: { tokenMinIntervalMs: 0, tokenTtlSeconds: ttl } });
    try {
      const c = new OneCardClient({
        ...short.onecard,
        tokenStore: new MemoryTokenStore(),
        token: { minFetchIntervalMs: 0 },
      });
      const failures: unknown[] = [];
      const end = Date.now() + 2_500 * ttl;
      while (Date.now() < end) {
        await c.queryCard({ idtype: 'acc', id: '10001' }).catch((e) => failures.push(e));
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(failures).toEqual([]);
      expect(c.tokenFetches).toBeGreaterThanOrEqual(3);
      expect(short.onecardGateway.tokenFetches).toBe(c.tokenFetches);
    } finally {
      await short.close();
    }
  });
});

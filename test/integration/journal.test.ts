/**
 * The payment journal in the call path, over real HTTP to the sandbox: every money method writes its
 * intent before the sandbox sees the request and its outcome after; a journal that fails, hangs or already
 * holds the order stops the call with nothing sent. The expected entries are written out here from the
 * specs (which request fields name the order, the amount, the context), not read from the method tables.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { paymentJournal, prepareJournal } from '../../src/core/journal-hook.js';
import {
  type CallOptions,
  GatewayError,
  type JournalEntry,
  JournalError,
  type JournalState,
  type JournalTransition,
  MemoryJournalStore,
  MemoryTokenStore,
  OneCardClient,
  OutcomeUnknownError,
  StoreError,
  type TokenStore,
  TransportError,
  tokenKey,
  ValidationError,
  ZhixiaoPayClient,
} from '../../src/index.js';
import { oneCardMethods } from '../../src/onecard/methods.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';

let sb: Sandbox;
/** What happened, in order: journal writes (`create`, `advance`) and requests the sandbox received. */
let events: string[] = [];
let plainOneCard: OneCardClient;
let plainZhixiao: ZhixiaoPayClient;
let seq = 0;
const unique = (p: string) => `${p}${Date.now() % 1e6}${++seq}`;

const WIRE = {
  transfer: 'synjones.onecard.acctype.transfer',
  payByBarcode: 'synjones.onecard.barcode.pay',
  recharge: 'synjones.onecard.paygw.recharge.card',
  createOrder: '/pay_api/order_create',
  refundOrder: '/pay_api/order_refund',
} as const;
type Money = keyof typeof WIRE;

beforeAll(async () => {
  sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 } });
  const oc = sb.onecardGateway;
  const ocHandle = oc.handle.bind(oc);
  oc.handle = (form) => {
    events.push(`sandbox ${form.get('method')}`);
    return ocHandle(form);
  };
  const zx = sb.zhixiaoGateway;
  const zxHandle = zx.handle.bind(zx);
  zx.handle = (path, form) => {
    events.push(`sandbox ${path}`);
    return zxHandle(path, form);
  };
  // Every journaled client below fetches its own token, which invalidates this one's: it resends on 40017.
  plainOneCard = new OneCardClient({
    ...sb.onecard,
    tokenStore: new MemoryTokenStore(),
    retryBaseMs: 1,
    moneyOnInvalidToken: 'resend',
  });
  plainZhixiao = new ZhixiaoPayClient({ ...sb.zhixiao, retryBaseMs: 1 });
});
afterAll(() => sb.close());

/** A memory journal that logs its writes into `events`, with knobs to make it fail. */
class RecordingStore extends MemoryJournalStore {
  createFails?: 'throw' | 'hang' | 'false' | 'nonsense';
  advanceFails = false;
  /** Runs after a successful create, before the call goes on. */
  afterCreate?: () => void;
  override async create(entry: JournalEntry): Promise<boolean> {
    events.push('create');
    if (this.createFails === 'throw') throw new Error('disk full');
    if (this.createFails === 'hang') return new Promise<boolean>(() => {});
    if (this.createFails === 'false') return false;
    if (this.createFails === 'nonsense') return 'yes' as unknown as boolean;
    const ok = await super.create(entry);
    this.afterCreate?.();
    return ok;
  }
  override async advance(id: string, t: JournalTransition) {
    events.push('advance');
    if (this.advanceFails) throw new Error('connection lost');
    return super.advance(id, t);
  }
  async all(): Promise<JournalEntry[]> {
    const out: JournalEntry[] = [];
    for await (const e of this.list({
      states: ['intent', 'unknown', 'pending', 'needs-review', 'succeeded', 'failed'],
    }))
      out.push(e);
    return out;
  }
}

const tenantOf = (gw: 'onecard' | 'zhixiao') =>
  gw === 'onecard'
    ? `${sb.onecard.gatewayUrl}#${sb.onecard.appKey}`
    : `${sb.zhixiao.baseUrl}#${sb.zhixiao.appId}`;

function clients(store: RecordingStore, extra: object = {}) {
  return {
    onecard: new OneCardClient({
      ...sb.onecard,
      tokenStore: new MemoryTokenStore(),
      retryBaseMs: 1,
      journal: store,
      ...extra,
    }),
    zhixiao: new ZhixiaoPayClient({ ...sb.zhixiao, retryBaseMs: 1, journal: store, ...extra }),
  };
}

type AnyClient = Record<string, (req: unknown, opts?: CallOptions) => Promise<Record<string, unknown>>>;
interface Call {
  req: Record<string, unknown>;
  opts: CallOptions;
  /** The entry's expected fields, from the spec sections. */
  expected: Partial<JournalEntry> & { orderKey: string };
}

/** One money method: a call the gateway accepts, and one it refuses (not as a duplicate). */
interface Case {
  gateway: 'onecard' | 'zhixiao';
  onReply: JournalState;
  ok(): Promise<Call>;
  refused(): Promise<Call>;
  /** The refs a successful reply gives, read from the reply. */
  refs(reply: Record<string, unknown>): Record<string, string> | undefined;
}

async function paidZhixiaoOrder(fee: number) {
  const out_trade_no = unique('ZXP');
  const o = await plainZhixiao.createOrder({
    body: '学费',
    out_trade_no,
    total_fee: fee,
    notify_url: 'https://m.test/n',
  });
  sb.zhixiaoGateway.settle(o.order_id, true);
  return out_trade_no;
}

const transferCall = (tranamt: number): Call => {
  const key = unique('TR');
  const req = { account: '10001', tranamt, src_acctype: '001', dst_acctype: '###' };
  return {
    req,
    opts: { journalKey: key },
    expected: {
      orderKey: key,
      amount: tranamt,
      context: { account: '10001', src_acctype: '001', dst_acctype: '###' },
    },
  };
};
const barcodeCall = (barcode: string): Call => {
  const key = unique('BC');
  return {
    req: { barcode, mercacc: '1000060', tranamt: 12, dineseq: '1' },
    opts: { journalKey: key },
    // The scanned code is the payer's credential: never kept.
    expected: { orderKey: key, amount: 12, context: { mercacc: '1000060' } },
  };
};
const rechargeCall = (account: string): Call => {
  const order_no = unique('RC');
  return {
    req: {
      client_type: 'web',
      pay_type: 'alipay',
      account,
      acctype: '###',
      order_no,
      order_amount: 321,
      return_url: 'https://merchant.test/r',
      notify_url: 'https://merchant.test/n',
    },
    opts: {},
    expected: {
      orderKey: order_no,
      amount: 321,
      context: { account, acctype: '###' },
      query: { method: 'queryRechargeOrder', params: { order_no, order_amount: 321 } },
    },
  };
};
const createOrderCall = (): Call => {
  const out_trade_no = unique('ZX');
  return {
    req: { body: '学费', out_trade_no, total_fee: 500, notify_url: 'https://m.test/n' },
    opts: {},
    expected: {
      orderKey: out_trade_no,
      amount: 500,
      query: { method: 'queryOrder', params: { out_trade_no } },
    },
  };
};
const refundCall = (out_trade_no: string): Call => {
  const key = unique('RF');
  return {
    req: { out_trade_no, refund_fee: 100 },
    opts: { journalKey: key },
    expected: { orderKey: key, amount: 100, context: { out_trade_no } },
  };
};

const CASES: Record<Money, Case> = {
  transfer: {
    gateway: 'onecard',
    onReply: 'succeeded',
    ok: async () => transferCall(7),
    refused: async () => transferCall(40_000), // 60010 余额不足
    refs: () => undefined,
  },
  payByBarcode: {
    gateway: 'onecard',
    onReply: 'succeeded',
    ok: async () => barcodeCall((await plainOneCard.getBarcode({ account: '10001', paytype: '1' })).barcode),
    refused: async () => barcodeCall('1234567890123456789012'), // 60062 no such code
    refs: (r) => ({ account: String(r.account) }),
  },
  recharge: {
    gateway: 'onecard',
    onReply: 'pending',
    ok: async () => rechargeCall('10001'),
    refused: async () => rechargeCall('10003'), // 60013 frozen card
    refs: (r) => ({ out_id: String(r.out_id) }),
  },
  createOrder: {
    gateway: 'zhixiao',
    onReply: 'pending',
    ok: async () => createOrderCall(),
    refused: async () => {
      sb.zhixiaoGateway.frozen = true; // -3; cleared by the test
      return createOrderCall();
    },
    refs: (r) => ({ order_id: String(r.order_id) }),
  },
  refundOrder: {
    gateway: 'zhixiao',
    onReply: 'succeeded',
    ok: async () => refundCall(await paidZhixiaoOrder(900)),
    refused: async () => {
      sb.zhixiaoGateway.frozen = true; // -3; cleared by the test
      return refundCall(unique('ZXNONE'));
    },
    refs: (r) => ({ order_id: String(r.order_id) }),
  },
};

const METHODS = Object.keys(CASES) as Money[];

/** Sends `call` through a journaled client; returns the reply or the error, and the client's journal. */
async function run(method: Money, call: Call, store = new RecordingStore(), extra: object = {}) {
  const client = clients(store, extra)[CASES[method].gateway] as unknown as AnyClient;
  const out = await client[method]!(call.req, call.opts).then(
    (reply) => ({ reply, err: undefined }),
    (err: unknown) => ({ reply: undefined, err }),
  );
  return { ...out, store };
}

/** The journal writes and the requests for `method`, without the token fetch and setup calls. */
const seen = (method: Money) =>
  events.filter((e) => e === 'create' || e === 'advance' || e === `sandbox ${WIRE[method]}`);

function expectEntry(entry: JournalEntry | undefined, method: Money, call: Call, state: JournalState) {
  const gw = CASES[method].gateway;
  expect(entry).toMatchObject({
    id: `${tenantOf(gw)}|${method}|${call.expected.orderKey}`,
    gateway: gw,
    tenant: tenantOf(gw),
    method,
    state,
    ...call.expected,
  });
  // Exactly the expected context and query: nothing else of the request is kept.
  expect(entry!.context).toEqual(call.expected.context);
  expect(entry!.query).toEqual(call.expected.query);
}

describe.each(METHODS)('%s with a journal', (method) => {
  const c = CASES[method];

  it('writes the intent before the request reaches the gateway, and the outcome after', async () => {
    const call = await c.ok();
    events = [];
    const { reply, err, store } = await run(method, call);
    expect(err).toBeUndefined();
    expect(seen(method)).toEqual(['create', `sandbox ${WIRE[method]}`, 'advance']);
    const [entry] = await store.all();
    expectEntry(entry, method, call, c.onReply);
    expect(entry!.refs).toEqual(c.refs(reply!));
    expect(entry!.updatedAt).toBeGreaterThanOrEqual(entry!.createdAt);
  });

  // A OneCard business refusal the code tables know proves nothing moved; no Zhixiao refusal does (its
  // sign binds no request), so its entry stays open for the resolver.
  const refusedState = c.gateway === 'onecard' ? 'failed' : 'unknown';
  it(`a refusal by the gateway → ${refusedState}, with its code`, async () => {
    const call = await c.refused();
    try {
      events = [];
      const { err, store } = await run(method, call);
      expect(err).toBeInstanceOf(GatewayError);
      expect(seen(method)).toEqual(['create', `sandbox ${WIRE[method]}`, 'advance']);
      const [entry] = await store.all();
      expectEntry(entry, method, call, refusedState);
      expect(entry!.code).toBe(String((err as GatewayError).gatewayCode));
      expect((err as GatewayError).journalId).toBe(entry!.id);
    } finally {
      sb.zhixiaoGateway.frozen = false;
    }
  });

  it('a reply lost after processing → unknown; the error names the entry', async () => {
    const call = await c.ok();
    const store = new RecordingStore();
    const client = clients(store)[c.gateway] as unknown as AnyClient;
    // Its token first, so the drop hits the money call.
    if (c.gateway === 'onecard') await client.queryCard!({ idtype: 'acc', id: '10001' });
    sb.faults.next('dropAfterProcess');
    const err = await client[method]!(call.req, call.opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    const [entry] = await store.all();
    expectEntry(entry, method, call, 'unknown');
    expect((err as OutcomeUnknownError).journalId).toBe(entry!.id);
  });

  it('a request that provably never left (connection refused) → failed, not sent', async () => {
    const call = await c.ok();
    const store = new RecordingStore();
    // Nothing listens on port 9; the OneCard client gets a token for that gateway up front.
    const tokenStore = new MemoryTokenStore();
    const closed = {
      gatewayUrl: 'http://127.0.0.1:9/onecard/uap/gateway.action',
      baseUrl: 'http://127.0.0.1:9',
    };
    await tokenStore.set(tokenKey(closed.gatewayUrl, sb.onecard.appKey), {
      token: 'unused-token',
      expiresAt: Date.now() + 60_000,
      fetchedAt: Date.now(),
    });
    events = [];
    const { err } = await run(method, call, store, { ...closed, tokenStore });
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).mayHaveReachedGateway).toBe(false);
    expect(seen(method)).toEqual(['create', 'advance']);
    const [entry] = await store.all();
    const tenant =
      c.gateway === 'onecard'
        ? `${closed.gatewayUrl}#${sb.onecard.appKey}`
        : `${closed.baseUrl}#${sb.zhixiao.appId}`;
    expect(entry).toMatchObject({
      tenant,
      state: 'failed',
      note: 'not sent (ECONNREFUSED)',
      ...call.expected,
    });
    expect(entry!.id).toBe(`${tenant}|${method}|${call.expected.orderKey}`);
  });

  it('a second call for the same order is refused with nothing sent', async () => {
    const call = await c.ok();
    const store = new RecordingStore();
    const first = await run(method, call, store);
    expect(first.err).toBeUndefined();
    events = [];
    const again = await run(method, call, store);
    expect(again.err).toBeInstanceOf(JournalError);
    const err = again.err as JournalError;
    expect(err).toMatchObject({ code: 'journal', method, entryState: c.onReply });
    expect(err.entryId).toBe(`${tenantOf(c.gateway)}|${method}|${call.expected.orderKey}`);
    expect(err.journalId).toBe(err.entryId);
    expect(err.message).toContain(call.expected.orderKey);
    expect(seen(method)).toEqual(['create']);
    expect((await store.all()).map((e) => e.state)).toEqual([c.onReply]);
  });

  it.each([
    ['throws', 'throw', 'threw'],
    ['hangs', 'hang', 'timeout'],
    ['answers nonsense', 'nonsense', 'malformed'],
  ] as const)(
    'a journal that %s refuses the call with StoreError; the gateway saw nothing',
    async (_, how, reason) => {
      const call = await c.ok();
      const store = new RecordingStore();
      store.createFails = how;
      events = [];
      const { err } = await run(method, call, store, { journalTimeoutMs: 50 });
      expect(err).toBeInstanceOf(StoreError);
      expect(err).toMatchObject({ store: 'journal', operation: 'create', reason, method });
      expect(seen(method)).toEqual(['create']);
    },
  );
});

describe('journal details', () => {
  it('a journal that hangs past the call deadline or its abort stops it there; nothing is sent', async () => {
    const call = await c('transfer');
    const store = new RecordingStore();
    store.createFails = 'hang';
    events = [];
    // Long enough for this client's own token fetch under load: the deadline must end the hung write.
    const late = await run('transfer', { ...call, opts: { ...call.opts, deadlineMs: 3_000 } }, store);
    expect(late.err).toMatchObject({ name: 'StoreError', reason: 'timeout' });
    const controller = new AbortController();
    const pending = run('transfer', { ...call, opts: { ...call.opts, signal: controller.signal } }, store);
    await vi.waitFor(() => expect(events.filter((e) => e === 'create')).toHaveLength(2));
    controller.abort();
    expect((await pending).err).toMatchObject({ name: 'StoreError', reason: 'aborted' });
    expect(seen('transfer')).toEqual(['create', 'create']);
  });

  it('deadlineMs bounds the whole call: a journal write that uses it up leaves nothing to send', async () => {
    const call = await c('transfer');
    const store = new RecordingStore();
    const { onecard } = clients(store);
    await onecard.queryCard({ idtype: 'acc', id: '10001' }); // its token, so only the journal is slow
    // The journal answers in time, but by then the call's deadline has passed (the clock moves on
    // while it writes): the transport must not get a fresh deadlineMs of its own.
    store.afterCreate = () => {
      const now = Date.now();
      vi.spyOn(Date, 'now').mockImplementation(() => now + 60_000);
    };
    events = [];
    try {
      const err = await onecard
        .transfer(call.req as never, { ...call.opts, deadlineMs: 30_000 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportError);
      expect(err).toMatchObject({ mayHaveReachedGateway: false, timedOut: true });
    } finally {
      vi.restoreAllMocks();
    }
    expect(seen('transfer')).toEqual(['create', 'advance']);
    const [entry] = await store.all();
    expect(entry).toMatchObject({ state: 'failed', note: expect.stringMatching(/^not sent/) });
  });

  it('deadlineMs bounds the whole call: a token store that uses it up leaves nothing to send', async () => {
    const slow = await slowTokenStore();
    const client = new OneCardClient({ ...sb.onecard, tokenStore: slow, retryBaseMs: 1 });
    events = [];
    try {
      const err = await client
        .queryCard({ idtype: 'acc', id: '10001' }, { deadlineMs: 30_000 })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'TransportError', mayHaveReachedGateway: false, timedOut: true });
    } finally {
      vi.restoreAllMocks();
    }
    expect(events).toEqual([]);
  });

  it('a call past its deadline by the time its token is ready writes no intent and sends nothing', async () => {
    const call = await c('transfer');
    const late = await slowTokenStore();
    const store = new RecordingStore();
    events = [];
    try {
      const { err } = await run('transfer', { ...call, opts: { ...call.opts, deadlineMs: 30_000 } }, store, {
        tokenStore: late,
      });
      expect(err).toMatchObject({ name: 'StoreError', store: 'journal', reason: 'timeout' });
    } finally {
      vi.restoreAllMocks();
    }
    expect(seen('transfer')).toEqual([]);
    expect(await store.all()).toEqual([]);
  });

  it('an intent of a call aborted before it is written is never started', async () => {
    const store = new RecordingStore();
    const journal = paymentJournal({ journal: store }, 'onecard', 'http://gw.test/x#app', undefined);
    const controller = new AbortController();
    const call = transferCall(7);
    const j = prepareJournal(journal, 'transfer', oneCardMethods.transfer, call.req, {
      ...call.opts,
      signal: controller.signal,
    })!;
    controller.abort();
    events = [];
    await expect(j.intent()).rejects.toMatchObject({
      name: 'StoreError',
      store: 'journal',
      reason: 'aborted',
    });
    expect(events).toEqual([]);
    expect(await store.all()).toEqual([]);
  });

  it('an intent that lands after the call gave up is marked failed (it was never sent)', async () => {
    const call = await c('transfer');
    let land: (() => void) | undefined;
    const store = new RecordingStore();
    const create = store.create.bind(store);
    store.create = (entry) =>
      new Promise<boolean>((resolve) => {
        land = () => resolve(create(entry));
      });
    const { err } = await run('transfer', call, store, { journalTimeoutMs: 20 });
    expect(err).toMatchObject({ name: 'StoreError', reason: 'timeout' });
    land!();
    await vi.waitFor(async () => expect((await store.all()).map((e) => e.state)).toEqual(['failed']));
    expect((await store.all())[0]!.note).toMatch(/^not sent/);
  });

  it('an outcome that cannot be written leaves the caller’s result alone and is logged; the entry stays at intent', async () => {
    const call = await c('transfer');
    const store = new RecordingStore();
    store.advanceFails = true;
    const lines: Array<[string, unknown]> = [];
    const logger = { info: (m: string, f: unknown) => void lines.push([m, f]) };
    const { reply, err } = await run('transfer', call, store, { logger });
    expect(err).toBeUndefined();
    expect(reply).toMatchObject({ tranamt: 7 });
    const [entry] = await store.all();
    expect(entry!.state).toBe('intent');
    expect(lines.map(([, f]) => f)).toContainEqual({
      method: 'transfer',
      journalId: entry!.id,
      state: 'succeeded',
      outcome: 'journal',
      error: 'threw',
    });
  });

  it('the gateway saying the order exists already → unknown, not failed (the first attempt may be paid)', async () => {
    const store = new RecordingStore();
    const recharge = rechargeCall('10001');
    await plainOneCard.recharge(recharge.req as never); // an earlier attempt, outside this journal
    const r = await run('recharge', recharge, store);
    expect(r.err).toMatchObject({ gatewayCode: '60045' });
    const order = createOrderCall();
    await plainZhixiao.createOrder(order.req as never);
    const z = await run('createOrder', order, store);
    expect(z.err).toMatchObject({ gatewayCode: '-1' });
    const entries = await store.all();
    expect(entries.map((e) => [e.method, e.state, e.code])).toEqual([
      ['recharge', 'unknown', '60045'],
      ['createOrder', 'unknown', '-1'],
    ]);
  });

  it('a refusal that does not prove the money stayed → unknown: 40017 (refresh-and-throw), Zhixiao -1', async () => {
    const store = new RecordingStore();
    const { onecard, zhixiao } = clients(store);
    await onecard.queryCard({ idtype: 'acc', id: '10001' }); // its token
    // Another fetch for the app key makes that token invalid: the transfer is answered 40017.
    await new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore() }).queryCard({
      idtype: 'acc',
      id: '10001',
    });
    const transfer = transferCall(7);
    const t = await onecard.transfer(transfer.req as never, transfer.opts).catch((e: unknown) => e);
    expect(t).toMatchObject({ gatewayCode: '40017', level: 'system' });
    // -1 with a wording other than 订单号重复: a refund of an order Zhixiao does not know.
    const refund = refundCall(unique('ZXNONE'));
    const r = await zhixiao.refundOrder(refund.req as never, refund.opts).catch((e: unknown) => e);
    expect(r).toMatchObject({ gatewayCode: '-1' });
    expect((r as GatewayError).gatewayMessage).not.toMatch(/订单号重复/);
    const entries = await store.all();
    expect(entries.map((e) => [e.method, e.state, e.code])).toEqual([
      ['transfer', 'unknown', '40017'],
      ['refundOrder', 'unknown', '-1'],
    ]);
    for (const e of entries) expect(e.note).toMatch(/does not prove the money did not move/);
  });

  it('one gateway is one tenant however its URL is spelt; no credential or query reaches an entry', async () => {
    const appKey = sb.onecard.appKey;
    const spellings = [
      'http://GW.Campus.test:80/uap/gateway.action',
      'http://gw.campus.test/uap/gateway.action',
      'http://card:pa55word@gw.campus.test/uap/gateway.action?session=s3cr3t#top',
    ];
    const tenants = spellings.map((gatewayUrl) => new OneCardClient({ ...sb.onecard, gatewayUrl }).tenant);
    expect(new Set(tenants)).toEqual(new Set([`http://gw.campus.test/uap/gateway.action#${appKey}`]));
    const zx = ['HTTPS://ZX.test:443', 'https://zx.test', 'https://partner:pa55word@zx.test/'].map(
      (baseUrl) => new ZhixiaoPayClient({ ...sb.zhixiao, baseUrl }).tenant,
    );
    expect(new Set(zx)).toEqual(new Set([`https://zx.test#${sb.zhixiao.appId}`]));

    // Over HTTP: the URL the client posts to carries a password and a query string; the entry does not.
    const url = new URL(sb.onecard.gatewayUrl);
    url.username = 'card';
    url.password = 'pa55word';
    url.search = '?session=s3cr3t';
    const store = new RecordingStore();
    const call = transferCall(40_000);
    const { err } = await run('transfer', call, store, { gatewayUrl: url.href });
    expect(err).toBeInstanceOf(GatewayError);
    const [entry] = await store.all();
    expect(entry!.tenant).toBe(tenantOf('onecard'));
    expect(entry!.id).toBe(`${tenantOf('onecard')}|transfer|${call.expected.orderKey}`);
    expect((err as GatewayError).journalId).toBe(entry!.id);
    expect(JSON.stringify(entry)).not.toMatch(/pa55word|s3cr3t|card:/);
  });

  it('without a journalKey, a transfer gets a fresh id, given on its error', async () => {
    const store = new RecordingStore();
    const call = transferCall(40_000);
    const a = await run('transfer', { ...call, opts: {} }, store);
    const b = await run('transfer', { ...call, opts: {} }, store);
    const ids = [a.err, b.err].map((e) => (e as GatewayError).journalId);
    expect(ids[0]).not.toBe(ids[1]);
    for (const id of ids)
      expect(id).toMatch(new RegExp(`^${reEscape(tenantOf('onecard'))}\\|transfer\\|[0-9a-f-]{36}$`));
    expect((await store.all()).map((e) => e.id).sort()).toEqual([...ids].sort());
  });

  it('journalKey is checked before any I/O', async () => {
    const store = new RecordingStore();
    const { onecard, zhixiao } = clients(store);
    const transfer = transferCall(1).req;
    const cases: Array<[Promise<unknown>, RegExp]> = [
      [onecard.transfer(transfer as never, { journalKey: '' }), /1 to 128 characters/],
      [onecard.transfer(transfer as never, { journalKey: 'a\nb' }), /control characters/],
      [onecard.transfer(transfer as never, { journalKey: 5 as unknown as string }), /must be a string/],
      [
        onecard.recharge(rechargeCall('10001').req as never, { journalKey: 'x' }),
        /journaled by its order_no/,
      ],
      [
        zhixiao.createOrder(createOrderCall().req as never, { journalKey: 'x' }),
        /journaled by its out_trade_no/,
      ],
      [onecard.queryCard({ idtype: 'acc', id: '10001' }, { journalKey: 'x' }), /writes no journal entry/],
      [plainOneCard.transfer(transfer as never, { journalKey: 'x' }), /needs the client's journal option/],
    ];
    events = [];
    for (const [call, message] of cases) {
      const err = await call.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues).toEqual([
        { path: 'options.journalKey', message: expect.stringMatching(message) },
      ]);
    }
    expect(events).toEqual([]);
  });

  it('calls that move no money write nothing (createInvoice, queries, state changes)', async () => {
    const store = new RecordingStore();
    const { onecard, zhixiao } = clients(store);
    const out_trade_no = await paidZhixiaoOrder(300);
    await zhixiao.createInvoice({
      out_trade_no,
      payer_type: 1,
      payer_name: '张三',
      phone: '13000000000',
    } as never);
    await zhixiao.queryOrder({ out_trade_no });
    await onecard.queryCard({ idtype: 'acc', id: '10001' });
    await onecard.getBarcode({ account: '10001', paytype: '1' });
    expect(await store.all()).toEqual([]);
  });

  it('a journal that is not a store, or a bad journalTimeoutMs, is a ConfigurationError', () => {
    expect(() => new ZhixiaoPayClient({ ...sb.zhixiao, journal: {} as never })).toThrow(
      /journal: must be a JournalStore/,
    );
    expect(
      () => new OneCardClient({ ...sb.onecard, journal: new MemoryJournalStore(), journalTimeoutMs: 0 }),
    ).toThrow(/journalTimeoutMs/);
  });
});

/**
 * A token store holding a valid token, as another process's handle on it: it answers in time, but the
 * clock moves on a minute while it reads (past any deadline the test sets; `vi.restoreAllMocks` ends it).
 */
async function slowTokenStore(): Promise<TokenStore> {
  const tokenStore = new MemoryTokenStore();
  await new OneCardClient({ ...sb.onecard, tokenStore }).queryCard({ idtype: 'acc', id: '10001' });
  return {
    get: async (k) => {
      const out = await tokenStore.get(k);
      const now = Date.now();
      vi.spyOn(Date, 'now').mockImplementation(() => now + 60_000);
      return out;
    },
    set: (k, v) => tokenStore.set(k, v),
    delete: (k, t) => tokenStore.delete(k, t),
  };
}

async function c(method: Money) {
  return CASES[method].ok();
}

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

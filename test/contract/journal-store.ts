/**
 * The contract every JournalStore keeps (memory, file, Redis, the PostgreSQL recipe), as one function
 * taking a store factory; each store's test file calls it. The expected results are worked out here from
 * the rule as docs/reliability.md states it — the ranks are written out below, not read from the code.
 */
import { describe, expect, it } from 'vitest';
import type { JournalEntry, JournalFilter, JournalState, JournalStore } from '../../src/index.js';
import { StoreError, UnreadableEntriesError } from '../../src/index.js';

export interface StoreFactory {
  /** A fresh, empty store. */
  make(): Promise<JournalStore>;
  /** A second handle on the same storage, as another process would open it (stores that can be shared). */
  peer?(store: JournalStore): Promise<JournalStore>;
  /** Damages the stored record of `id` in the backing storage (stores that have one). */
  corrupt?(store: JournalStore, id: string): Promise<void>;
}

/** Forward-only, as documented: intent < unknown < pending < needs-review < succeeded = failed. */
const LADDER: JournalState[][] = [
  ['intent'],
  ['unknown'],
  ['pending'],
  ['needs-review'],
  ['succeeded', 'failed'],
];
const RANK = Object.fromEntries(LADDER.flatMap((step, i) => step.map((s) => [s, i]))) as Record<
  JournalState,
  number
>;
const STATES = Object.keys(RANK) as JournalState[];
const OPEN: JournalState[] = ['intent', 'unknown', 'pending', 'needs-review'];

let n = 0;
export function entry(over: Partial<JournalEntry> = {}): JournalEntry {
  const tenant = over.tenant ?? 'http://card.test/gw#app';
  const method = over.method ?? 'recharge';
  const orderKey = over.orderKey ?? `O${++n}-${Math.random().toString(36).slice(2, 8)}`;
  return {
    id: `${tenant}|${method}|${orderKey}`,
    gateway: 'onecard',
    tenant,
    method,
    orderKey,
    amount: 100,
    state: 'intent',
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    ...over,
  };
}

async function all(store: JournalStore, filter?: JournalFilter): Promise<JournalEntry[]> {
  const out: JournalEntry[] = [];
  for await (const e of store.list(filter)) out.push(e);
  return out;
}
const ids = (list: JournalEntry[]) => list.map((e) => e.id).sort();

export function journalStoreContract(name: string, factory: StoreFactory): void {
  describe(`${name} keeps the JournalStore contract`, () => {
    it('creates an entry once: a second create of the id writes nothing and says false', async () => {
      const store = await factory.make();
      const e = entry();
      expect(await store.create(e)).toBe(true);
      expect(await store.create({ ...e, amount: 999, state: 'succeeded' })).toBe(false);
      expect(await store.get(e.id)).toEqual(e);
      expect(await store.get(`${e.id}-other`)).toBeUndefined();
    });

    it('gives back every field as written: query, context, refs, code, note, evidence of any JSON', async () => {
      const store = await factory.make();
      const e = entry({
        state: 'needs-review',
        amount: 9_007_199_254_740_991,
        orderKey: '订单-"引号"\\|管道',
        query: { method: 'queryRechargeOrder', params: { order_no: 'R1', order_amount: 1234 } },
        context: { account: '10001', acctype: '###' },
        refs: { out_id: '000123' },
        code: '60045',
        note: 'line one\nline two 中文',
        evidence: {
          balances: [],
          nested: { empty: {}, list: [1, 'two', null, true] },
          big: 1_234_567_890_123,
        },
      });
      expect(await store.create(e)).toBe(true);
      expect(await store.get(e.id)).toEqual(e);
    });

    it('moves only forward, for every pair of states', async () => {
      const store = await factory.make();
      for (const from of STATES) {
        for (const to of STATES) {
          const e = entry({ state: from, code: 'old', note: 'old note', updatedAt: 2_000 });
          await store.create(e);
          const out = await store.advance(e.id, { state: to, at: 3_000, code: 'new', note: 'new note' });
          const applies = RANK[to] > RANK[from] || to === from;
          expect(out, `${from} → ${to}`).toEqual({
            moved: RANK[to] > RANK[from],
            entry: {
              ...e,
              state: applies ? to : from,
              updatedAt: applies ? 3_000 : 2_000,
              code: applies ? 'new' : 'old',
              note: applies ? 'new note' : 'old note',
            },
          });
          expect(await store.get(e.id), `${from} → ${to}`).toEqual(out!.entry);
        }
      }
    });

    it('at equal state merges refs and evidence (later keys win) and keeps code and note unless given', async () => {
      const store = await factory.make();
      const e = entry({ state: 'pending', refs: { out_id: '1' }, evidence: { a: 1 }, code: 'c0' });
      await store.create(e);
      const out = await store.advance(e.id, {
        state: 'pending',
        at: 1_000, // older than updatedAt: the time does not go back
        refs: { trade_no: 'T2' },
        evidence: { b: [2] },
      });
      expect(out).toEqual({
        moved: false,
        entry: { ...e, refs: { out_id: '1', trade_no: 'T2' }, evidence: { a: 1, b: [2] } },
      });
      const again = await store.advance(e.id, {
        state: 'pending',
        at: e.updatedAt + 5,
        refs: { out_id: '9' },
      });
      expect(again!.entry.refs).toEqual({ out_id: '9', trade_no: 'T2' });
      expect(again!.entry.updatedAt).toBe(e.updatedAt + 5);
      // A move that does not apply merges nothing.
      const lower = await store.advance(e.id, { state: 'unknown', at: e.updatedAt + 9, refs: { x: 'no' } });
      expect(lower).toEqual({ moved: false, entry: again!.entry });
    });

    it('an undefined evidence or refs value never makes an entry unreadable: refused, or kept readable', async () => {
      const store = await factory.make();
      const e = entry({ state: 'unknown' });
      await store.create(e);
      // A store may refuse them (every writer in the SDK cleans transitions first) or keep them as JSON would.
      await store
        .advance(e.id, {
          state: 'needs-review',
          at: e.updatedAt + 1,
          evidence: { balances: [1], queryError: undefined, nested: { a: undefined, b: 2 } },
        })
        .catch(() => undefined);
      await store
        .advance(e.id, {
          state: 'needs-review',
          at: e.updatedAt + 2,
          refs: { out_id: '7', order_id: undefined as unknown as string },
        })
        .catch(() => undefined);
      const fresh = (await factory.peer?.(store)) ?? store;
      for (const s of [store, fresh]) {
        const got = await s.get(e.id);
        expect(got?.id).toBe(e.id);
        expect(ids(await all(s, { states: STATES }))).toEqual([e.id]);
        if (got!.state === 'needs-review') {
          // Kept: as JSON keeps it, with no key holding undefined.
          if (got!.evidence)
            expect(JSON.parse(JSON.stringify(got!.evidence))).toEqual({ balances: [1], nested: { b: 2 } });
          if (got!.refs) expect(JSON.parse(JSON.stringify(got!.refs))).toEqual({ out_id: '7' });
        }
      }
    });

    it('an unknown id: advance gives undefined, markAnnounced creates nothing', async () => {
      const store = await factory.make();
      const e = entry();
      expect(await store.advance(e.id, { state: 'failed', at: 1 })).toBeUndefined();
      await store.markAnnounced(e.id, 5);
      expect(await store.get(e.id)).toBeUndefined();
      expect(await all(store, { states: STATES })).toEqual([]);
    });

    it('markAnnounced records the time; later moves keep it', async () => {
      const store = await factory.make();
      const e = entry({ state: 'succeeded' });
      await store.create(e);
      await store.markAnnounced(e.id, 1_700_000_000_500);
      expect(await store.get(e.id)).toEqual({ ...e, announcedAt: 1_700_000_000_500 });
      const merged = await store.advance(e.id, { state: 'succeeded', at: 1, refs: { r: '1' } });
      expect(merged!.entry.announcedAt).toBe(1_700_000_000_500);
      expect((await all(store, { states: ['succeeded'] }))[0]!.announcedAt).toBe(1_700_000_000_500);
    });

    it('a move to a new state clears announcedAt: the new state is due to be announced', async () => {
      const store = await factory.make();
      const e = entry({ state: 'needs-review' });
      await store.create(e);
      await store.markAnnounced(e.id, 1_700_000_000_500);
      const moved = await store.advance(e.id, { state: 'succeeded', at: 2 });
      expect(moved!.moved).toBe(true);
      expect(moved!.entry.announcedAt).toBeUndefined();
      expect((await store.get(e.id))!.announcedAt).toBeUndefined();
      expect((await all(store, { states: ['succeeded'] }))[0]!.announcedAt).toBeUndefined();
    });

    it('concurrent creates of one id: exactly one true', async () => {
      const store = await factory.make();
      const stores = [store, (await factory.peer?.(store)) ?? store];
      const e = entry();
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) => stores[i % 2]!.create({ ...e, amount: i + 1 })),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.get(e.id))!.amount).toBe(results.indexOf(true) + 1);
    });

    it('concurrent advances from many promises: exactly one moved:true, and its state stays', async () => {
      const store = await factory.make();
      const stores = [store, (await factory.peer?.(store)) ?? store];
      const e = entry({ state: 'unknown' });
      await store.create(e);
      const targets: JournalState[] = Array.from({ length: 24 }, (_, i) =>
        i % 3 === 0 ? 'failed' : i % 3 === 1 ? 'succeeded' : 'pending',
      );
      const results = await Promise.all(
        targets.map((state, i) => stores[i % 2]!.advance(e.id, { state, at: e.updatedAt + i })),
      );
      const final = results.filter(
        (r) => r!.moved && (r!.entry.state === 'failed' || r!.entry.state === 'succeeded'),
      );
      expect(final).toHaveLength(1);
      expect((await store.get(e.id))!.state).toBe(final[0]!.entry.state);
      // Every move that reported moved:true went up from what was there: at most intent→pending→final.
      expect(results.filter((r) => r!.moved).length).toBeLessThanOrEqual(2);
    });

    it('lists by state (unsettled by default), updatedBefore, gateway and tenant', async () => {
      const store = await factory.make();
      const made: JournalEntry[] = [];
      const tenants = ['http://a.test/gw#k1', 'https://zx.test#partner1'];
      for (const [i, state] of STATES.entries())
        for (const [j, tenant] of tenants.entries()) {
          const e = entry({
            state,
            tenant,
            gateway: j === 0 ? 'onecard' : 'zhixiao',
            updatedAt: 1_000 + i * 10 + j,
          });
          made.push(e);
          await store.create(e);
        }
      const expectList = async (filter: JournalFilter | undefined, want: (e: JournalEntry) => boolean) =>
        expect(ids(await all(store, filter)), JSON.stringify(filter)).toEqual(ids(made.filter(want)));
      await expectList(undefined, (e) => OPEN.includes(e.state));
      await expectList({ states: ['failed', 'intent'] }, (e) => e.state === 'failed' || e.state === 'intent');
      await expectList({ updatedBefore: 1_021 }, (e) => OPEN.includes(e.state) && e.updatedAt < 1_021);
      await expectList({ gateway: 'zhixiao', states: STATES }, (e) => e.gateway === 'zhixiao');
      await expectList(
        { tenant: tenants[0]!, states: ['succeeded', 'pending'] },
        (e) => e.tenant === tenants[0] && (e.state === 'succeeded' || e.state === 'pending'),
      );
      await expectList({ states: [] }, () => false);
    });

    it('lists every matching entry exactly once, many more than one page, and follows moves', async () => {
      const store = await factory.make();
      const made: JournalEntry[] = [];
      for (let i = 0; i < 60; i++) {
        const e = entry({ state: i % 4 === 0 ? 'succeeded' : 'intent', updatedAt: 5_000 + i });
        made.push(e);
        await store.create(e);
      }
      expect(ids(await all(store))).toEqual(ids(made.filter((e) => e.state === 'intent')));
      // Settled entries leave the unsettled list; the settled list gains them.
      const settle = made.filter((e) => e.state === 'intent').slice(0, 10);
      for (const e of settle) await store.advance(e.id, { state: 'failed', at: 9_000 });
      const open = made.filter((e) => e.state === 'intent' && !settle.includes(e));
      expect(ids(await all(store))).toEqual(ids(open));
      expect(ids(await all(store, { states: ['failed', 'succeeded'] }))).toEqual(
        ids(made.filter((e) => !open.includes(e))),
      );
    });

    // Only stores with storage outside the process can be shared, or damaged behind the store's back.
    const { peer: makePeer, corrupt } = factory;
    if (makePeer)
      it('a second handle on the same storage sees the first one’s writes', async () => {
        const store = await factory.make();
        const peer = await makePeer(store);
        const e = entry();
        await store.create(e);
        expect(await peer.get(e.id)).toEqual(e);
        expect(await peer.create(e)).toBe(false);
        expect((await peer.advance(e.id, { state: 'pending', at: e.updatedAt + 1 }))!.moved).toBe(true);
        expect((await store.get(e.id))!.state).toBe('pending');
      });

    if (corrupt)
      it('a malformed stored record is a StoreError (malformed), never an entry', async () => {
        const store = await factory.make();
        const good = entry({ state: 'pending' });
        const bad = entry({ state: 'pending' });
        await store.create(good);
        await store.create(bad);
        await corrupt(store, bad.id);
        const fresh = (await factory.peer?.(store)) ?? store;
        for (const s of [store, fresh]) {
          await expect(s.get(bad.id)).rejects.toSatisfy(
            (err) => err instanceof StoreError && err.reason === 'malformed' && err.store === 'journal',
          );
          // The listing goes on past it: every readable entry, then an error naming the damaged one.
          const listed: JournalEntry[] = [];
          const err = await (async () => {
            for await (const x of s.list()) listed.push(x);
          })().catch((e: unknown) => e);
          expect(ids(listed)).toEqual([good.id]);
          expect(err).toBeInstanceOf(UnreadableEntriesError);
          expect(err).toMatchObject({ reason: 'malformed', store: 'journal', entryIds: [bad.id] });
          expect(await s.get(good.id)).toEqual(good);
        }
      });
  });
}

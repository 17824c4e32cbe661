import { describe, expect, it } from 'vitest';
import {
  type ClaimState,
  deduplicate,
  MemoryDedupeStore,
  StoreError,
  ZhixiaoPayClient,
} from '../../../src/index.js';
import { ZX, ZX_BASE } from '../../helpers/keys.js';

const client = new ZhixiaoPayClient({ baseUrl: ZX_BASE, ...ZX });
const notice = {
  out_trade_no: 'D1',
  order_id: '9',
  time_end: '2026-11-22 10:00:00',
  uid: 'u',
  pay_type: '1',
};
const post = (handler: (r: Request) => Promise<Response>) =>
  handler(new Request('http://m/notify', { method: 'POST', body: client.buildNotification(notice) })).then(
    async (r) => `${r.status} ${await r.text()}`,
  );

describe('a notice delivered twice runs the callback once', () => {
  it('sequential duplicates: once, both acknowledged', async () => {
    let runs = 0;
    const handler = client.webNotificationHandler({
      onNotification: deduplicate({
        store: new MemoryDedupeStore(),
        key: (n) => n.out_trade_no,
        onNotification: () => void runs++,
      }),
    });
    expect([await post(handler), await post(handler)]).toEqual(['200 success', '200 success']);
    expect(runs).toBe(1);
  });

  it('concurrent duplicates: the second is refused while the first runs, then acknowledged', async () => {
    let runs = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const handler = client.webNotificationHandler({
      onNotification: deduplicate({
        store: new MemoryDedupeStore(),
        key: (n) => n.out_trade_no,
        onNotification: async () => {
          runs++;
          await gate;
        },
      }),
    });
    const first = post(handler);
    const second = await post(handler);
    release();
    expect([await first, second]).toEqual(['200 success', '500 fail']);
    expect(await post(handler)).toBe('200 success');
    expect(runs).toBe(1);
  });

  it('a failed callback releases the claim, so the gateway’s retry runs it again', async () => {
    let runs = 0;
    const handler = client.webNotificationHandler({
      onNotification: deduplicate({
        store: new MemoryDedupeStore(),
        key: (n) => n.out_trade_no,
        onNotification: () => {
          runs++;
          if (runs === 1) throw new Error('db down');
        },
      }),
    });
    expect([await post(handler), await post(handler), await post(handler)]).toEqual([
      '500 fail',
      '200 success',
      '200 success',
    ]);
    expect(runs).toBe(2);
  });
});

describe('the dedupe store is down or hangs: the handler still answers, with its failure word', () => {
  /** A shared store that can be broken and mended, as a Redis that stops answering and comes back. */
  class FlakyStore extends MemoryDedupeStore {
    mode: 'ok' | 'throw' | 'hang' = 'ok';
    override claim(key: string, ttlMs: number): Promise<ClaimState> {
      if (this.mode === 'throw') return Promise.reject(new Error('ECONNREFUSED 10.0.0.5:6379'));
      if (this.mode === 'hang') return new Promise<ClaimState>(() => {});
      return super.claim(key, ttlMs);
    }
  }

  it.each(['throw', 'hang'] as const)(
    'a store that does %s: 500 fail in bounded time, onError gets the StoreError; the retry is processed once the store is back',
    async (mode) => {
      const store = new FlakyStore();
      store.mode = mode;
      const errors: unknown[] = [];
      let runs = 0;
      const handler = client.webNotificationHandler({
        onNotification: deduplicate({
          store,
          key: (n) => n.out_trade_no,
          onNotification: () => void runs++,
          // Short, so a hanging store fails the delivery quickly; no duration is asserted.
          storeTimeoutMs: 30,
        }),
        onError: (e) => errors.push(e),
      });
      expect(await post(handler)).toBe('500 fail');
      expect(runs).toBe(0);
      expect(errors).toHaveLength(1);
      const e = errors[0] as StoreError;
      expect(e).toBeInstanceOf(StoreError);
      expect([e.store, e.operation, e.reason]).toEqual([
        'dedupe',
        'claim',
        mode === 'throw' ? 'threw' : 'timeout',
      ]);
      // What a log shows: the store, the operation, why; not the notice's fields.
      expect(JSON.stringify(e)).not.toContain(notice.out_trade_no);
      store.mode = 'ok';
      expect(await post(handler)).toBe('200 success');
      expect(runs).toBe(1);
    },
  );
});

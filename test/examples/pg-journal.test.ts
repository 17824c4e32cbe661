/**
 * The PostgreSQL journal recipe (examples/recipes/pg-journal.ts) against the shared store contract, on a
 * real PostgreSQL server started for the test, and behind a client over real HTTP to the sandbox.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgJournalStore } from '../../examples/recipes/pg-journal.js';
import { JournalError, type JournalStore, MemoryTokenStore, OneCardClient } from '../../src/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { journalStoreContract } from '../contract/journal-store.js';
import { PostgresServer, postgresAvailable } from '../helpers/postgres-server.js';
import { scanJournalStore } from '../helpers/secret-scan.js';

scanJournalStore(PgJournalStore.prototype, 'PgJournalStore');

let server: PostgresServer;
/** Two pools, as two service instances would have. */
let pools: [pg.Pool, pg.Pool];
let tables = 0;
const tableOf = new WeakMap<JournalStore, string>();

async function make(pool: pg.Pool, table: string) {
  const store = new PgJournalStore(pool, { table, pageSize: 7 });
  await store.migrate();
  tableOf.set(store, table);
  return store;
}

describe.runIf(postgresAvailable())('PgJournalStore on a real PostgreSQL server', () => {
  beforeAll(async () => {
    server = await PostgresServer.start();
    pools = [new pg.Pool(server.connection), new pg.Pool(server.connection)];
  }, 60_000);
  afterAll(async () => {
    for (const p of pools ?? []) await p.end();
    await server?.stop();
  });

  journalStoreContract('PgJournalStore', {
    make: () => make(pools[0], `journal_${++tables}`),
    peer: (store) => make(pools[1], tableOf.get(store)!),
    // A column the CHECK constraints do not cover, holding what no entry can hold.
    corrupt: async (store, id) =>
      void (await pools[0].query(`UPDATE ${tableOf.get(store)} SET context = '"flat"'::jsonb WHERE id = $1`, [
        id,
      ])),
  });

  it('behind a client: the recharge is written before it is sent, settled after, and not sent twice', async () => {
    const sb = await startSandbox({ onecard: { tokenMinIntervalMs: 0 } });
    try {
      const journal = await make(pools[0], 'journal_client');
      const client = new OneCardClient({ ...sb.onecard, tokenStore: new MemoryTokenStore(), journal });
      const order = {
        client_type: 'web',
        pay_type: 'alipay',
        account: '10001',
        acctype: '###',
        order_no: 'PG-REC-1',
        order_amount: 250,
        return_url: 'https://merchant.test/r',
        notify_url: 'https://merchant.test/n',
      } as const;
      const reply = await client.recharge(order);
      await expect(client.recharge(order)).rejects.toBeInstanceOf(JournalError);
      expect(sb.onecardGateway.ledger.recharges.size).toBe(1);
      const { rows } = await pools[1].query('SELECT state, refs, amount FROM journal_client');
      expect(rows).toEqual([{ state: 'pending', refs: { out_id: reply.out_id }, amount: '250' }]);
    } finally {
      await sb.close();
    }
  });
});

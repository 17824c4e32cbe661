/**
 * The payment journal in PostgreSQL: a JournalStore on one table, for a service that keeps its books in
 * SQL. Copy it into your code; it needs `pg` (npm install pg).
 *
 *   const journal = new PgJournalStore(pool);
 *   await journal.migrate(); // once: CREATE TABLE IF NOT EXISTS
 *   const onecard = new OneCardClient({ ...options, journal });
 *
 * Each operation is one statement, atomic however many processes share the table:
 * - create: INSERT … ON CONFLICT (id) DO NOTHING — the first writer of an id wins.
 * - advance: one UPDATE whose WHERE is the forward-only rule (a higher rank, or the same state to merge
 *   refs and evidence). Its SET reads the row it replaces, so `prev_state = state` keeps the state it
 *   moved from, and RETURNING tells the caller whether it moved the state: under concurrent updates
 *   PostgreSQL re-checks the WHERE against the newest row, so exactly one caller moves it.
 * - list: pages in id order (keyset pagination, `id > last`), so memory stays flat however long the table.
 */
import {
  isFinal,
  isJournalEntry,
  isJournalTransition,
  JOURNAL_RANK,
  type JournalEntry,
  type JournalFilter,
  type JournalState,
  type JournalStore,
  type JournalTransition,
  StoreError,
  UnreadableEntriesError,
} from 'campus-pay';
import type { Pool } from 'pg';

export interface PgJournalStoreOptions {
  /** Table name, optionally schema-qualified (default `campus_pay_journal`). */
  table?: string;
  /** Rows read per query by `list` (default 500). */
  pageSize?: number;
}

type Row = Record<string, unknown>;

export class PgJournalStore implements JournalStore {
  readonly #table: string;
  readonly #pageSize: number;

  constructor(
    private readonly pool: Pick<Pool, 'query'>,
    { table = 'campus_pay_journal', pageSize = 500 }: PgJournalStoreOptions = {},
  ) {
    // Interpolated into the SQL: only a plain identifier is accepted.
    if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(table))
      throw new Error('PgJournalStore: table must be a lower-case SQL identifier, optionally schema.table');
    this.#table = table;
    this.#pageSize = pageSize;
  }

  /** Creates the table and its index if they do not exist. */
  async migrate(): Promise<void> {
    const t = this.#table;
    const states = Object.keys(JOURNAL_RANK)
      .map((s) => `'${s}'`)
      .join(', ');
    await this.pool.query(`
      CREATE TABLE IF NOT EXISTS ${t} (
        id text PRIMARY KEY,
        gateway text NOT NULL,
        tenant text NOT NULL,
        method text NOT NULL,
        order_key text NOT NULL,
        amount bigint NOT NULL CHECK (amount >= 0),
        state text NOT NULL CHECK (state IN (${states})),
        rank smallint NOT NULL,
        prev_state text,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        announced_at bigint,
        query jsonb,
        context jsonb,
        refs jsonb,
        code text,
        note text,
        evidence jsonb
      )`);
    // The sweep's question: unsettled entries of a tenant, oldest first.
    const index = `${t.replace('.', '_')}_unsettled`;
    await this.pool.query(
      `CREATE INDEX IF NOT EXISTS ${index} ON ${t} (tenant, updated_at) WHERE rank < ${finalRank()}`,
    );
  }

  async create(e: JournalEntry): Promise<boolean> {
    if (!isJournalEntry(e)) throw new Error('PgJournalStore.create: not a journal entry');
    const { rows } = await this.pool.query(
      `INSERT INTO ${this.#table} (id, gateway, tenant, method, order_key, amount, state, rank, created_at,
         updated_at, announced_at, query, context, refs, code, note, evidence)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        e.id,
        e.gateway,
        e.tenant,
        e.method,
        e.orderKey,
        e.amount,
        e.state,
        JOURNAL_RANK[e.state],
        e.createdAt,
        e.updatedAt,
        e.announcedAt ?? null,
        json(e.query),
        json(e.context),
        json(e.refs),
        e.code ?? null,
        e.note ?? null,
        json(e.evidence),
      ],
    );
    return rows.length === 1;
  }

  async advance(id: string, t: JournalTransition) {
    if (!isJournalTransition(t)) throw new Error('PgJournalStore.advance: not a journal transition');
    const { rows } = await this.pool.query(
      `UPDATE ${this.#table} SET
         prev_state = state,
         state = $2,
         rank = $3,
         updated_at = GREATEST(updated_at, $4),
         refs = CASE WHEN $5::jsonb IS NULL THEN refs ELSE COALESCE(refs, '{}'::jsonb) || $5::jsonb END,
         code = COALESCE($6, code),
         note = COALESCE($7, note),
         evidence = CASE WHEN $8::jsonb IS NULL THEN evidence ELSE COALESCE(evidence, '{}'::jsonb) || $8::jsonb END,
         announced_at = CASE WHEN rank < $3 THEN NULL ELSE announced_at END
       WHERE id = $1 AND (rank < $3 OR state = $2)
       RETURNING *`,
      [
        id,
        t.state,
        JOURNAL_RANK[t.state],
        t.at,
        json(t.refs),
        t.code ?? null,
        t.note ?? null,
        json(t.evidence),
      ],
    );
    const moved = rows[0];
    if (moved) return { entry: toEntry(moved, 'advance'), moved: moved.prev_state !== moved.state };
    const entry = await this.get(id);
    return entry && { entry, moved: false };
  }

  async markAnnounced(id: string, at: number): Promise<void> {
    await this.pool.query(`UPDATE ${this.#table} SET announced_at = $2 WHERE id = $1`, [id, at]);
  }

  async get(id: string): Promise<JournalEntry | undefined> {
    const { rows } = await this.pool.query(`SELECT * FROM ${this.#table} WHERE id = $1`, [id]);
    return rows[0] && toEntry(rows[0], 'get');
  }

  async *list(filter: JournalFilter = {}): AsyncIterable<JournalEntry> {
    const states = filter.states ?? (Object.keys(JOURNAL_RANK) as JournalState[]).filter((s) => !isFinal(s));
    const where = ['id > $1', 'state = ANY($2::text[])'];
    const values: unknown[] = [states];
    const add = (sql: string, v: unknown) => {
      values.push(v);
      where.push(sql.replace('?', `$${values.length + 1}`));
    };
    if (filter.updatedBefore !== undefined) add('updated_at < ?', filter.updatedBefore);
    if (filter.gateway !== undefined) add('gateway = ?', filter.gateway);
    if (filter.tenant !== undefined) add('tenant = ?', filter.tenant);
    const sql = `SELECT * FROM ${this.#table} WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${this.#pageSize}`;
    const unreadable: string[] = [];
    for (let last = ''; ; ) {
      const { rows } = await this.pool.query(sql, [last, ...values]);
      for (const row of rows) {
        const e = readEntry(row);
        // A damaged row never stops the listing: it is named at the end.
        if (e) yield e;
        else unreadable.push(String(row.id));
      }
      if (rows.length < this.#pageSize) break;
      last = String(rows.at(-1)!.id);
    }
    if (unreadable.length > 0) throw new UnreadableEntriesError(unreadable);
  }
}

const finalRank = () => Math.max(...Object.values(JOURNAL_RANK));
const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

/** A row back into an entry; a row that does not make one is a malformed record, never used. */
function toEntry(r: Row, operation: string): JournalEntry {
  const e = readEntry(r);
  if (e) return e;
  throw new StoreError({
    store: 'journal',
    operation,
    reason: 'malformed',
    message: `returned a malformed entry (${String(r.id)})`,
  });
}

/** A row as an entry, or undefined when it does not make one. */
function readEntry(r: Row): JournalEntry | undefined {
  const num = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));
  const optional = (key: string, v: unknown) => (v === null || v === undefined ? {} : { [key]: v });
  const e = {
    id: r.id,
    gateway: r.gateway,
    tenant: r.tenant,
    method: r.method,
    orderKey: r.order_key,
    amount: num(r.amount),
    state: r.state,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    ...optional('announcedAt', num(r.announced_at)),
    ...optional('query', r.query),
    ...optional('context', r.context),
    ...optional('refs', r.refs),
    ...optional('code', r.code),
    ...optional('note', r.note),
    ...optional('evidence', r.evidence),
  };
  return isJournalEntry(e) ? e : undefined;
}

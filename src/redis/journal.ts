/**
 * RedisJournalStore: the payment journal in Redis, shared by every instance of a service.
 *
 * Layout, per tenant (the part of an entry id before its first `|`, hashed into a hash tag so that all of
 * a tenant's keys share one Redis Cluster slot and every script touches one slot):
 * - `campus-pay:journal:{tag}:e:<id>` — a hash: the entry's fixed fields as one JSON `base`, then `state`,
 *   `updatedAt`, `code`, `note`, `announcedAt`, one `r.<name>` field per ref and one `v.<name>` field
 *   (JSON) per evidence key. Values are only ever compared or copied in Lua, never re-encoded, so amounts
 *   and evidence come back exactly as written.
 * - `…:{tag}:open` and `…:{tag}:done` — the ids of unsettled and settled entries, in sorted sets read
 *   page by page in id order (ZRANGEBYLEX), so `list` never SCANs the key space and memory stays flat.
 * - `campus-pay:journal:tenants` — the tags, for a `list` across tenants.
 *
 * `create` is one script (EXISTS, HSET, ZADD); `advance` is one script implementing applyTransition's rule
 * (forward by rank, equal state merges refs and evidence, updatedAt never goes back).
 */
import { createHash } from 'node:crypto';
import { ConfigurationError } from '../core/errors.js';
import {
  isFinal,
  JOURNAL_RANK,
  type JournalEntry,
  JournalError,
  type JournalFilter,
  type JournalState,
  type JournalStore,
  type JournalTransition,
  matchesFilter,
  UnreadableEntriesError,
} from '../core/journal.js';
import { isJournalEntry, isJournalTransition } from '../core/journal-check.js';
import { malformedRecord } from '../core/store-call.js';
import type { RedisLike } from './index.js';

export interface RedisJournalStoreOptions {
  /** Key prefix (default `""`); it may not hold `{` or `}`, which would move the Cluster hash tag. */
  prefix?: string;
  /** Entries read per round trip by `list` (default 200). */
  pageSize?: number;
}

const RANKS = `local RANK = {${Object.entries(JOURNAL_RANK)
  .map(([s, r]) => `['${s}']=${r}`)
  .join(',')}}`;
const FINAL = Math.max(...Object.values(JOURNAL_RANK));

// KEYS: entry, open, done. ARGV: id, final (1/0), then field/value pairs.
const CREATE = `if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('ZADD', KEYS[ARGV[2] == '1' and 3 or 2], 0, ARGV[1])
return 1`;

// KEYS: entry, open, done. ARGV: id, state, at, code?, note?, refs marker, evidence marker, nRefs, ref
// pairs, evidence pairs. An empty marker or code/note string of "\0" means "not given".
const ADVANCE = `${RANKS}
local cur = redis.call('HGET', KEYS[1], 'state')
if not cur then return false end
local from, to = RANK[cur], RANK[ARGV[2]]
if not from then return {-1} end
if to < from or (to == from and ARGV[2] ~= cur) then return {0, redis.call('HGETALL', KEYS[1])} end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
if tonumber(ARGV[3]) > tonumber(redis.call('HGET', KEYS[1], 'updatedAt') or '0') then
  redis.call('HSET', KEYS[1], 'updatedAt', ARGV[3])
end
if ARGV[4] ~= '\\0' then redis.call('HSET', KEYS[1], 'code', ARGV[4]) end
if ARGV[5] ~= '\\0' then redis.call('HSET', KEYS[1], 'note', ARGV[5]) end
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'refs', '1') end
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'evidence', '1') end
local i = 9
for _ = 1, tonumber(ARGV[8]) do redis.call('HSET', KEYS[1], 'r.' .. ARGV[i], ARGV[i + 1]); i = i + 2 end
while i < #ARGV do redis.call('HSET', KEYS[1], 'v.' .. ARGV[i], ARGV[i + 1]); i = i + 2 end
local moved = to > from and 1 or 0
-- announcedAt belongs to the state it announced: a new state is due to be announced again.
if moved == 1 then redis.call('HDEL', KEYS[1], 'announcedAt') end
if moved == 1 and to == ${FINAL} then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZADD', KEYS[3], 0, ARGV[1])
end
return {moved, redis.call('HGETALL', KEYS[1])}`;

const ANNOUNCE = `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'announcedAt', ARGV[1]) end return 0`;
const HGETALL = `local out = {} for i, k in ipairs(KEYS) do out[i] = redis.call('HGETALL', k) end return out`;
const PAGE = `return redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], '+', 'LIMIT', 0, ARGV[2])`;
const ADD_TENANT = `return redis.call('SADD', KEYS[1], ARGV[1])`;
const TENANTS = `return redis.call('SMEMBERS', KEYS[1])`;
const NOT_GIVEN = '\0';

const BASE_FIELDS = [
  'id',
  'gateway',
  'tenant',
  'method',
  'orderKey',
  'amount',
  'createdAt',
  'query',
  'context',
];

export class RedisJournalStore implements JournalStore {
  readonly #redis: Pick<RedisLike, 'eval'>;
  readonly #prefix: string;
  readonly #pageSize: number;

  constructor(client: Pick<RedisLike, 'eval'>, options: RedisJournalStoreOptions = {}) {
    this.#redis = client;
    this.#prefix = options.prefix ?? '';
    if (/[{}]/.test(this.#prefix))
      throw new ConfigurationError(
        'prefix',
        'may not contain { or } (it would move the Redis Cluster hash tag)',
      );
    this.#pageSize = options.pageSize ?? 200;
    if (!Number.isInteger(this.#pageSize) || this.#pageSize < 1)
      throw new ConfigurationError('pageSize', 'must be a positive integer');
  }

  async create(entry: JournalEntry): Promise<boolean> {
    if (!isJournalEntry(entry)) throw new JournalError('RedisJournalStore.create: not a journal entry');
    const tag = tagOf(entry.id);
    await this.#redis.eval(ADD_TENANT, 1, this.#tenants(), tag);
    const base = Object.fromEntries(BASE_FIELDS.map((f) => [f, entry[f as keyof JournalEntry]]));
    const fields: string[] = [
      'base',
      JSON.stringify(base),
      'state',
      entry.state,
      'updatedAt',
      String(entry.updatedAt),
    ];
    if (entry.code !== undefined) fields.push('code', entry.code);
    if (entry.note !== undefined) fields.push('note', entry.note);
    if (entry.announcedAt !== undefined) fields.push('announcedAt', String(entry.announcedAt));
    fields.push(...outcomeFields(entry.refs, entry.evidence));
    const final = isFinal(entry.state) ? '1' : '0';
    const created = await this.#redis.eval(CREATE, 3, ...this.#keys(entry.id), entry.id, final, ...fields);
    return Number(created) === 1;
  }

  async advance(id: string, t: JournalTransition) {
    if (!isJournalTransition(t))
      throw new JournalError('RedisJournalStore.advance: not a journal transition');
    const refs = Object.entries(t.refs ?? {});
    const out = (await this.#redis.eval(
      ADVANCE,
      3,
      ...this.#keys(id),
      id,
      t.state,
      String(t.at),
      t.code ?? NOT_GIVEN,
      t.note ?? NOT_GIVEN,
      t.refs ? '1' : '',
      t.evidence ? '1' : '',
      String(refs.length),
      ...refs.flat(),
      ...Object.entries(t.evidence ?? {}).flatMap(([k, v]) => [k, JSON.stringify(v)]),
    )) as [number, string[]] | null;
    if (out === null) return undefined;
    if (!Array.isArray(out) || out[0] === -1) throw malformedRecord('journal', 'advance', `entry ${id}`);
    return { entry: fromHash(out[1], 'advance', id), moved: Number(out[0]) === 1 };
  }

  async markAnnounced(id: string, at: number): Promise<void> {
    await this.#redis.eval(ANNOUNCE, 1, this.#keys(id)[0], String(at));
  }

  async get(id: string): Promise<JournalEntry | undefined> {
    const [hash] = (await this.#redis.eval(HGETALL, 1, this.#keys(id)[0])) as string[][];
    return hash && hash.length > 0 ? fromHash(hash, 'get', id) : undefined;
  }

  async *list(filter: JournalFilter = {}): AsyncIterable<JournalEntry> {
    const wanted = filter.states ?? (Object.keys(JOURNAL_RANK) as JournalState[]).filter((s) => !isFinal(s));
    const indexes = [
      ...(wanted.some((s) => !isFinal(s)) ? ['open'] : []),
      ...(wanted.some(isFinal) ? ['done'] : []),
    ];
    const tags =
      filter.tenant !== undefined
        ? [tagOf(`${filter.tenant}|`)]
        : ((await this.#redis.eval(TENANTS, 1, this.#tenants())) as string[]);
    const unreadable: string[] = [];
    for (const tag of tags)
      for (const index of indexes) {
        for (let from = '-'; ; ) {
          const ids = (await this.#redis.eval(
            PAGE,
            1,
            this.#key(tag, index),
            from,
            this.#pageSize,
          )) as string[];
          if (ids.length === 0) break;
          const hashes = (await this.#redis.eval(
            HGETALL,
            ids.length,
            ...ids.map((id) => this.#key(tag, `e:${id}`)),
          )) as string[][];
          for (const [i, hash] of hashes.entries()) {
            if (hash.length === 0) continue; // removed between the two reads
            let e: JournalEntry;
            try {
              e = fromHash(hash, 'list', ids[i]!);
            } catch {
              // A damaged entry never stops the listing: it is named at the end.
              unreadable.push(ids[i]!);
              continue;
            }
            if (matchesFilter(e, { ...filter, states: wanted })) yield e;
          }
          from = `(${ids.at(-1)}`;
        }
      }
    if (unreadable.length > 0) throw new UnreadableEntriesError(unreadable);
  }

  #tenants() {
    return `${this.#prefix}campus-pay:journal:tenants`;
  }

  #key(tag: string, part: string) {
    return `${this.#prefix}campus-pay:journal:{${tag}}:${part}`;
  }

  /** The entry's hash and its tenant's two indexes: one slot. */
  #keys(id: string): [string, string, string] {
    const tag = tagOf(id);
    return [this.#key(tag, `e:${id}`), this.#key(tag, 'open'), this.#key(tag, 'done')];
  }
}

/** The hash tag of an id's tenant: what comes before the first `|` (journalId puts the tenant there). */
function tagOf(id: string): string {
  const cut = id.indexOf('|');
  return createHash('sha1')
    .update(cut === -1 ? id : id.slice(0, cut))
    .digest('hex')
    .slice(0, 16);
}

/** Refs and evidence as hash fields, with the markers that say the object was there (even empty). */
function outcomeFields(
  refs: Record<string, string> | undefined,
  evidence: Record<string, unknown> | undefined,
) {
  return [
    ...(refs ? ['refs', '1', ...Object.entries(refs).flatMap(([k, v]) => [`r.${k}`, v])] : []),
    ...(evidence
      ? ['evidence', '1', ...Object.entries(evidence).flatMap(([k, v]) => [`v.${k}`, JSON.stringify(v)])]
      : []),
  ];
}

/** A stored hash back into an entry; anything that does not make a journal entry is malformed. */
function fromHash(flat: string[], operation: string, id: string): JournalEntry {
  try {
    const h = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2) h.set(flat[i]!, flat[i + 1]!);
    const refs: Record<string, string> = {};
    const evidence: Record<string, unknown> = {};
    for (const [k, v] of h) {
      if (k.startsWith('r.')) refs[k.slice(2)] = v;
      else if (k.startsWith('v.')) evidence[k.slice(2)] = JSON.parse(v);
    }
    const num = (k: string) => (h.has(k) ? Number(h.get(k)) : undefined);
    const entry = {
      ...(JSON.parse(h.get('base') ?? '') as object),
      state: h.get('state'),
      updatedAt: num('updatedAt'),
      ...(h.has('code') ? { code: h.get('code') } : {}),
      ...(h.has('note') ? { note: h.get('note') } : {}),
      ...(h.has('announcedAt') ? { announcedAt: num('announcedAt') } : {}),
      ...(h.has('refs') ? { refs } : {}),
      ...(h.has('evidence') ? { evidence } : {}),
    };
    if (isJournalEntry(entry) && entry.id === id) return entry;
  } catch {
    // Not JSON where JSON belongs: malformed, below.
  }
  throw malformedRecord('journal', operation, `entry ${id}`);
}

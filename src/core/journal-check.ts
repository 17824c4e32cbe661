/**
 * The shape of a journal entry and of a transition, checked where they cross a boundary: what a caller
 * hands a store, and what a store reads back (a file line, a Redis hash, a SQL row). A record that fails
 * is reported as malformed, never used.
 */
import { JOURNAL_RANK, type JournalEntry, type JournalTransition } from './journal.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const optional = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v);
const recordOf = (check: (v: unknown) => boolean) => (v: unknown) =>
  isObject(v) && Object.values(v).every(check);
const scalar = (v: unknown) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
const isState = (v: unknown) => typeof v === 'string' && Object.hasOwn(JOURNAL_RANK, v);

/** What a transition and an entry share: state, refs, code, note, evidence. */
function outcomeFields(v: Record<string, unknown>): boolean {
  return (
    isState(v.state) &&
    optional(
      v.refs,
      recordOf((x) => typeof x === 'string'),
    ) &&
    optional(v.code, (x) => typeof x === 'string') &&
    optional(v.note, (x) => typeof x === 'string') &&
    optional(v.evidence, isObject)
  );
}

export function isJournalTransition(v: unknown): v is JournalTransition {
  return isObject(v) && isTime(v.at) && outcomeFields(v);
}

export function isJournalEntry(v: unknown): v is JournalEntry {
  return (
    isObject(v) &&
    [v.id, v.tenant, v.method, v.orderKey].every(isText) &&
    (v.gateway === 'onecard' || v.gateway === 'zhixiao') &&
    Number.isSafeInteger(v.amount) &&
    (v.amount as number) >= 0 &&
    isTime(v.createdAt) &&
    isTime(v.updatedAt) &&
    optional(v.announcedAt, isTime) &&
    optional(v.context, recordOf(scalar)) &&
    optional(v.query, (q) => isObject(q) && isText(q.method) && recordOf(scalar)(q.params)) &&
    outcomeFields(v)
  );
}

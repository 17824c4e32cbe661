/**
 * The shape of a journal entry and of a transition, checked where they cross a boundary: what a caller
 * hands a store, and what a store reads back (a file line, a Redis hash, a SQL row). A record that fails
 * is reported as malformed, never used.
 */
import { JOURNAL_RANK, type JournalEntry, JournalError, type JournalTransition } from './journal.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const optional = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v);
const recordOf = (check: (v: unknown) => boolean) => (v: unknown) =>
  isObject(v) && Object.values(v).every(check);
const scalar = (v: unknown) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
const isState = (v: unknown) => typeof v === 'string' && Object.hasOwn(JOURNAL_RANK, v);

const isPlain = (v: unknown): v is Record<string, unknown> =>
  isObject(v) && [Object.prototype, null].includes(Object.getPrototypeOf(v));

/**
 * A value every store keeps as it is: null, a string, a boolean, a finite number, or an array or plain
 * object of such values (no `undefined` anywhere: JSON would drop or change it, so stores would differ).
 */
function isJsonValue(v: unknown, depth = 0): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (depth > 32) return false;
  if (Array.isArray(v)) return v.every((x) => isJsonValue(x, depth + 1));
  return isPlain(v) && Object.values(v).every((x) => isJsonValue(x, depth + 1));
}

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
    optional(v.evidence, (x) => isPlain(x) && isJsonValue(x))
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

/**
 * A transition as every store is handed it: keys whose value is `undefined` are dropped (at any depth of
 * `evidence`, and in `refs`), as JSON would drop them; a value JSON cannot keep as it is (a function, a
 * bigint, NaN, a Date or another class instance, an `undefined` in an array) is refused with a
 * JournalError. Every writer of a transition calls it first, so no store ever sees an `undefined`.
 */
export function cleanTransition(t: JournalTransition): JournalTransition {
  const drop = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(drop)
      : isPlain(v)
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([, x]) => x !== undefined)
              .map(([k, x]) => [k, drop(x)]),
          )
        : v;
  const out = drop(t) as JournalTransition;
  if (!isJournalTransition(out))
    throw new JournalError(
      `a journal transition to ${String(t.state)} holds a value that is not JSON (refs are strings; evidence is JSON: no function, bigint, NaN, Date or undefined in an array)`,
    );
  return out;
}

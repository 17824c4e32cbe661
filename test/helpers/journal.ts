import type { JournalEntry } from '../../src/core/journal.js';

/**
 * A journal entry as the journal writes it, built field by field (the id as the journal plan defines it,
 * `tenant|method|orderKey`), for tests that put entries in a journal directly.
 */
export function journalEntry(
  tenant: string,
  gateway: JournalEntry['gateway'],
  method: string,
  orderKey: string,
  over: Partial<JournalEntry> = {},
): JournalEntry {
  const now = Date.now();
  return {
    id: `${tenant}|${method}|${orderKey}`,
    gateway,
    tenant,
    method,
    orderKey,
    amount: 1200,
    state: 'unknown',
    createdAt: now,
    updatedAt: now,
    ...over,
  };
}

/** MemoryJournalStore against the shared store contract (test/contract/journal-store.ts). */
import { MemoryJournalStore } from '../../../src/index.js';
import { journalStoreContract } from '../../contract/journal-store.js';

journalStoreContract('MemoryJournalStore', { make: async () => new MemoryJournalStore() });

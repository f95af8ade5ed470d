import { migrateToLatest, openDatabase } from '@clientele/database';
import { eventStoreContract } from '../testing/event-store.contract';
import { postgresAdapterCases } from './postgres-adapter.cases';
import { eventStoreMigrations } from './eventstore.migrations';
import { PostgresEventStore } from './postgres-event-store';

async function openPGliteStore(options: { pollIntervalMs?: number } = {}) {
  const db = await openDatabase({});
  await migrateToLatest(db, eventStoreMigrations);
  return { db, store: PostgresEventStore.forDatabase(db, { ...options, closeDatabase: true }) };
}

// PGlite is one connection: no independent sessions, so no holdOpenAppend (the late-commit
// cases run on PostgreSQL in postgres-event-store.spec.ts).
eventStoreContract({
  name: 'PostgresEventStore on PGlite (in memory)',
  open: async () => (await openPGliteStore()).store,
});

postgresAdapterCases('pglite', openPGliteStore);

import { migrateToLatest } from '@clientele/database';
import { openTestDatabase } from '../../../test/support/test-database';
import { eventStoreContract } from '../testing/event-store.contract';
import { postgresAdapterCases } from './postgres-adapter.cases';
import { eventStoreMigrations } from './eventstore.migrations';
import { PostgresEventStore } from './postgres-event-store';

async function openPGliteStore(options: { pollIntervalMs?: number } = {}) {
  const db = await openTestDatabase();
  await migrateToLatest(db, eventStoreMigrations);
  return { db, store: PostgresEventStore.forDatabase(db, { ...options, closeDatabase: true }) };
}

// These cases never touch the server: CI runs them in its PGlite pass, not again in the
// PostgreSQL pass (where DATABASE_URL is set).
const SKIPPED = 'PGlite event store suite skipped with DATABASE_URL set: it runs without it';

if (process.env.DATABASE_URL) {
  console.warn(SKIPPED);
  describe('PostgresEventStore on PGlite', () => {
    it.skip(SKIPPED, () => undefined);
  });
} else {
  // PGlite is one connection: no independent sessions, so no holdOpenAppend (the late-commit
  // cases run on PostgreSQL in postgres-event-store.spec.ts).
  eventStoreContract({
    name: 'PostgresEventStore on PGlite (in memory)',
    open: async () => (await openPGliteStore()).store,
  });

  postgresAdapterCases('pglite', openPGliteStore);
}

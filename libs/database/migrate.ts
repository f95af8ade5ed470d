import { Migrator, type Migration } from 'kysely';
import type { Database } from './database';

/**
 * Brings `db` to the latest version of every migration set given (a context's or the event
 * store's), in name order across sets. Names must be unique across sets.
 */
export async function migrateToLatest(
  db: Database,
  ...sets: Record<string, Migration>[]
): Promise<void> {
  const migrations: Record<string, Migration> = {};
  for (const set of sets) {
    for (const [name, migration] of Object.entries(set)) {
      if (name in migrations) throw new Error(`Migration ${name} is defined twice.`);
      migrations[name] = migration;
    }
  }
  // Kysely looks for its bookkeeping tables in every schema unless told which one: name ours, so
  // databases isolated by search_path (test suites, benchmarks) each keep their own.
  const [{ schema }] = await db.sql.query<{ schema: string }>('SELECT current_schema() AS schema');
  const migrator = new Migrator({
    db: db.kysely,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error');
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(
      failed ? `Migration ${failed.migrationName} failed: ${cause}` : `Migrations failed: ${cause}`,
      { cause: error },
    );
  }
}

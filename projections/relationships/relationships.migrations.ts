import { sql, type Kysely, type Migration } from 'kysely';

export const relationshipsMigrations: Record<string, Migration> = {
  '2026-11-26T1100_client_relationships': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      // A row per side: each profile reads its own relationships with one index lookup.
      await db.schema
        .createTable('client_relationships')
        .addColumn('client_id', 'uuid', (c) => c.notNull())
        .addColumn('other_client_id', 'uuid', (c) => c.notNull())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('since', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('client_relationships_pk', ['client_id', 'other_client_id'])
        .execute();
    },
  },
  '2026-11-27T1300_relationship_revisions': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      // An ended relationship keeps its rows, with the pair stream's revision: an older batch
      // delivered again cannot bring it back.
      await db.schema
        .alterTable('client_relationships')
        .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(-1))
        .addColumn('ended', 'boolean', (c) => c.notNull().defaultTo(false))
        .execute();
      await sql`TRUNCATE client_relationships`.execute(db);
      await sql`UPDATE projection_checkpoints SET checkpoint = NULL, events_applied = 0 WHERE name = 'client_relationships'`.execute(
        db,
      );
    },
  },
};

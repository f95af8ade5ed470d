import type { Kysely, Migration } from 'kysely';

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
};

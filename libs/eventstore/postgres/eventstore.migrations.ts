import { sql, type Kysely, type Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen in time: Kysely<any> */

/**
 * The event store's tables. `streams` holds each stream's revision (optimistic concurrency);
 * `events` is the log. `transaction_id` with `global_position` is a reader's checkpoint: see
 * docs/adr/0002-postgres-event-store-read-rule.md.
 */
export const eventStoreMigrations: Record<string, Migration> = Object.freeze({
  '2026-11-23T0900_eventstore_events': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('streams')
        .addColumn('stream_name', 'text', (column) => column.primaryKey())
        .addColumn('revision', 'bigint', (column) => column.notNull())
        .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
        .execute();
      // Every append rewrites its stream's row: leave room on the page for a HOT update.
      await sql`ALTER TABLE streams SET (fillfactor = 70)`.execute(db);

      await db.schema
        .createTable('events')
        .addColumn('global_position', 'bigserial', (column) => column.notNull())
        .addColumn('transaction_id', sql`xid8`, (column) =>
          column.notNull().defaultTo(sql`pg_current_xact_id()`),
        )
        .addColumn('stream_name', 'text', (column) => column.notNull())
        .addColumn('revision', 'bigint', (column) => column.notNull())
        .addColumn('event_id', 'uuid', (column) => column.notNull().unique())
        .addColumn('type', 'text', (column) => column.notNull())
        .addColumn('data', 'jsonb', (column) => column.notNull())
        .addColumn('metadata', 'jsonb', (column) => column.notNull())
        .addColumn('recorded_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('events_pkey', ['stream_name', 'revision'])
        .execute();
      await db.schema
        .createIndex('events_checkpoint_idx')
        .on('events')
        .columns(['transaction_id', 'global_position'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('events').execute();
      await db.schema.dropTable('streams').execute();
    },
  },
});

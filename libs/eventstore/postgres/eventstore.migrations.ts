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
  '2026-11-23T0902_eventstore_append_many': {
    // Several appends, to different streams, in one statement and one transaction: each is
    // decided as the single append decides it (same stream-row moves), and each reports its
    // own outcome — a NULL revision is that append's conflict, the others still commit.
    async up(db: Kysely<any>) {
      await sql`
        CREATE FUNCTION clientele_append_many(
          p_streams text[], p_kinds text[], p_expected bigint[], p_counts int[],
          p_ids uuid[], p_types text[], p_data jsonb[], p_metadata jsonb[])
        RETURNS TABLE (out_revision bigint, out_position bigint)
        LANGUAGE plpgsql AS $$
        DECLARE
          i int;
          first int := 1;
          n int;
          moved bigint;
        BEGIN
          FOR i IN 1 .. coalesce(array_length(p_streams, 1), 0) LOOP
            n := p_counts[i];
            moved := NULL;
            IF p_kinds[i] = 'exact' THEN
              UPDATE streams s SET revision = s.revision + n
                WHERE s.stream_name = p_streams[i] AND s.revision = p_expected[i]
                RETURNING s.revision INTO moved;
            ELSIF p_kinds[i] = 'no_stream' THEN
              INSERT INTO streams AS s (stream_name, revision) VALUES (p_streams[i], n - 1)
                ON CONFLICT (stream_name) DO NOTHING RETURNING s.revision INTO moved;
            ELSIF p_kinds[i] = 'stream_exists' THEN
              UPDATE streams s SET revision = s.revision + n WHERE s.stream_name = p_streams[i]
                RETURNING s.revision INTO moved;
            ELSE
              INSERT INTO streams AS s (stream_name, revision) VALUES (p_streams[i], n - 1)
                ON CONFLICT (stream_name) DO UPDATE SET revision = s.revision + n
                RETURNING s.revision INTO moved;
            END IF;
            out_revision := moved;
            out_position := NULL;
            IF moved IS NOT NULL THEN
              WITH appended AS (
                INSERT INTO events (stream_name, revision, event_id, type, data, metadata)
                SELECT p_streams[i], moved - n + e.ordinality, e.id, e.type, e.data, e.metadata
                FROM unnest(p_ids[first:first + n - 1], p_types[first:first + n - 1],
                            p_data[first:first + n - 1], p_metadata[first:first + n - 1])
                  WITH ORDINALITY AS e(id, type, data, metadata, ordinality)
                RETURNING global_position)
              SELECT max(global_position) INTO out_position FROM appended;
            END IF;
            RETURN NEXT;
            first := first + n;
          END LOOP;
        END $$`.execute(db);
    },
    async down(db: Kysely<any>) {
      await sql`DROP FUNCTION clientele_append_many`.execute(db);
    },
  },
  '2026-11-23T0903_eventstore_events_are_immutable': {
    // Invariant 5: an event, once appended, is never changed or deleted — by any code path,
    // ours or a hand-typed statement. Erasure forgets a key; it never rewrites the log.
    async up(db: Kysely<any>) {
      await sql`
        CREATE FUNCTION clientele_events_are_immutable() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'events are immutable: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
        END $$`.execute(db);
      await sql`
        CREATE TRIGGER events_are_immutable BEFORE UPDATE OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION clientele_events_are_immutable()`.execute(db);
      await sql`
        CREATE TRIGGER events_are_never_truncated BEFORE TRUNCATE ON events
        FOR EACH STATEMENT EXECUTE FUNCTION clientele_events_are_immutable()`.execute(db);
    },
    async down(db: Kysely<any>) {
      await sql`DROP TRIGGER events_are_never_truncated ON events`.execute(db);
      await sql`DROP TRIGGER events_are_immutable ON events`.execute(db);
      await sql`DROP FUNCTION clientele_events_are_immutable`.execute(db);
    },
  },
  '2026-11-28T0900_eventstore_outbox': {
    // The outbox (ADR 0014): messages written by the append of the events that cause them. Its
    // consumer keeps its delivery state here too: when a row is next due (also its claim's
    // lease), how often it was tried, what last went wrong.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('outbox')
        .addColumn('message_id', 'uuid', (column) => column.primaryKey())
        .addColumn('event_id', 'uuid', (column) => column.notNull())
        .addColumn('kind', 'text', (column) => column.notNull())
        .addColumn('studio_id', 'text', (column) => column.notNull())
        .addColumn('subject_id', 'text', (column) => column.notNull())
        .addColumn('payload', 'jsonb')
        .addColumn('status', 'text', (column) =>
          column
            .notNull()
            .defaultTo('pending')
            .check(sql`status IN ('pending', 'sent', 'failed')`),
        )
        .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'timestamptz', (column) =>
          column.notNull().defaultTo(sql`now()`),
        )
        .addColumn('sent_at', 'timestamptz')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createIndex('outbox_due_idx')
        .on('outbox')
        .column('next_attempt_at')
        .where(sql.ref('status'), '=', 'pending')
        .execute();
      await db.schema
        .createIndex('outbox_failed_idx')
        .on('outbox')
        .column('created_at')
        .where(sql.ref('status'), '=', 'failed')
        .execute();
      await db.schema
        .createIndex('outbox_subject_idx')
        .on('outbox')
        .columns(['studio_id', 'subject_id', 'created_at'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('outbox').execute();
    },
  },
  '2026-11-29T0901_outbox_cancelled': {
    // Erasing a client cancels what was still to be sent to them (ADR 0015).
    async up(db: Kysely<any>) {
      await sql`ALTER TABLE outbox DROP CONSTRAINT outbox_status_check`.execute(db);
      await sql`ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
        CHECK (status IN ('pending', 'sent', 'failed', 'cancelled'))`.execute(db);
    },
  },
  '2026-12-02T0900_eventstore_append_set': {
    // Combined appends are one set-based statement now (APPEND_SET in postgres-event-store.ts),
    // which appendMany shares: the per-append loop of clientele_append_many is no longer called.
    async up(db: Kysely<any>) {
      await sql`DROP FUNCTION IF EXISTS clientele_append_many`.execute(db);
    },
  },
});

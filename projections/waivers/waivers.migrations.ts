import { sql, type Kysely, type Migration } from 'kysely';

export const waiversMigrations: Record<string, Migration> = {
  '2026-11-26T1000_waivers': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('waivers')
        .addColumn('waiver_id', 'uuid', (c) => c.primaryKey())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('oldest_valid_version', 'integer', (c) => c.notNull())
        .addColumn('versions', 'jsonb', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .execute();
      await sql`CREATE INDEX waivers_by_studio ON waivers (studio_id, title)`.execute(db);
      // Every signature, as the desk's "See all signatures" lists it.
      await db.schema
        .createTable('waiver_signatures')
        .addColumn('client_id', 'uuid', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('waiver_id', 'uuid', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('signed_by', 'jsonb', (c) => c.notNull())
        .addColumn('signed_at', 'timestamptz', (c) => c.notNull())
        // The signature, IP and device: personal data, gone from here when the client is erased.
        .addColumn('personal', 'jsonb')
        .addPrimaryKeyConstraint('waiver_signatures_pk', ['client_id', 'revision'])
        .execute();
      await sql`CREATE INDEX waiver_signatures_by_waiver ON waiver_signatures (client_id, waiver_id, version DESC)`.execute(
        db,
      );
      // Asked and not yet signed.
      await db.schema
        .createTable('signature_requests')
        .addColumn('client_id', 'uuid', (c) => c.notNull())
        .addColumn('waiver_id', 'uuid', (c) => c.notNull())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('signature_requests_pk', ['client_id', 'waiver_id'])
        .execute();
    },
  },
  '2026-11-27T1300_signature_request_revisions': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      // A request fulfilled keeps its row, with the signatures stream's revision: an older
      // batch delivered again cannot open it again.
      await db.schema
        .alterTable('signature_requests')
        .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(-1))
        .addColumn('open', 'boolean', (c) => c.notNull().defaultTo(true))
        .execute();
      await sql`TRUNCATE waivers, waiver_signatures, signature_requests`.execute(db);
      await sql`UPDATE projection_checkpoints SET checkpoint = NULL, events_applied = 0 WHERE name = 'waivers'`.execute(
        db,
      );
    },
  },
  '2026-11-29T0903_waiver_erased_clients': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      // Erased clients, so a signature that arrives after its client's erasure keeps nothing
      // personal here (ADR 0015). No client was erased before: nothing to replay.
      await db.schema
        .createTable('waiver_erased_clients')
        .addColumn('client_id', 'uuid', (c) => c.primaryKey())
        .execute();
    },
  },
};

import { sql, type Kysely, type Migration } from 'kysely';

export const clientProfilesMigrations: Record<string, Migration> = {
  '2026-11-23T1000_client_profiles': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);
      await db.schema
        .createTable('client_profiles')
        .addColumn('client_id', 'uuid', (c) => c.primaryKey())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('first_name', 'text', (c) => c.notNull())
        .addColumn('last_name', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('phone', 'text')
        .addColumn('birthday', 'text')
        .addColumn('address', 'jsonb')
        .addColumn('username', 'text')
        .addColumn('registered_at', 'timestamptz', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        // Folded (lower case, no accents) copies, computed by the projector, for search.
        .addColumn('first_folded', 'text', (c) => c.notNull())
        .addColumn('last_folded', 'text', (c) => c.notNull())
        .addColumn('email_folded', 'text', (c) => c.notNull())
        .addColumn('search_text', 'text', (c) => c.notNull())
        .addColumn('sort_key', 'text', (c) => c.notNull())
        .execute();
      await sql`CREATE INDEX client_profiles_by_name ON client_profiles (studio_id, sort_key, client_id)`.execute(
        db,
      );
      await sql`CREATE INDEX client_profiles_search ON client_profiles USING gin (search_text gin_trgm_ops)`.execute(
        db,
      );
      for (const column of ['first_folded', 'last_folded', 'email_folded']) {
        await sql`CREATE INDEX ${sql.id(`client_profiles_prefix_${column}`)} ON client_profiles (studio_id, ${sql.id(column)} text_pattern_ops)`.execute(
          db,
        );
      }
    },
  },
  '2026-11-27T0900_client_memos': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      // Staff's internal memos about a client. A removed memo keeps its row (and its version, the
      // guard against a replay) but not its words.
      await db.schema
        .createTable('client_memos')
        .addColumn('memo_id', 'uuid', (c) => c.primaryKey())
        .addColumn('client_id', 'uuid', (c) => c.notNull())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('text', 'text')
        .addColumn('starred', 'boolean', (c) => c.notNull())
        .addColumn('removed', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('created_by', 'jsonb', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .addColumn('updated_by', 'jsonb', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      await sql`CREATE INDEX client_memos_by_client ON client_memos (client_id, starred DESC, created_at DESC) WHERE NOT removed`.execute(
        db,
      );
      // Memo events begin with this table: no earlier event needs a replay.
    },
  },
  '2026-11-27T1000_client_details': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      // Group, newsletter, sync toggles, custom fields and consents. Their events begin with
      // these columns: no earlier event needs a replay.
      await db.schema
        .alterTable('client_profiles')
        .addColumn('customer_group', 'text')
        .addColumn('newsletter', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('sync', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('custom_fields', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('consents', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .execute();
    },
  },
  '2026-11-27T1200_client_files': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      // The profile image's facts (the bytes are in client_files), and documents a row each.
      await db.schema.alterTable('client_profiles').addColumn('image', 'jsonb').execute();
      await db.schema
        .createTable('client_documents')
        .addColumn('document_id', 'uuid', (c) => c.primaryKey())
        .addColumn('client_id', 'uuid', (c) => c.notNull())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('uploaded_at', 'timestamptz', (c) => c.notNull())
        .addColumn('uploaded_by', 'jsonb', (c) => c.notNull())
        .execute();
      await sql`CREATE INDEX client_documents_by_client ON client_documents (client_id, uploaded_at DESC)`.execute(
        db,
      );
      // File events begin with these tables: no earlier event needs a replay.
    },
  },
  '2026-11-29T0902_client_profiles_erasure': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      // An erased client's names, email and documents' names are null (ADR 0015): null says
      // "erased", where an empty string would pass for a value someone typed. The folded search
      // columns stay NOT NULL and hold '' (never shown, and nothing matches them).
      await sql`ALTER TABLE client_profiles
        ALTER COLUMN first_name DROP NOT NULL,
        ALTER COLUMN last_name DROP NOT NULL,
        ALTER COLUMN email DROP NOT NULL,
        ADD COLUMN erased_at timestamptz`.execute(db);
      await sql`ALTER TABLE client_documents ALTER COLUMN name DROP NOT NULL`.execute(db);
      // No client was erased before this column: nothing to replay.
    },
  },
  '2026-12-02T0400_client_merges': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('client_profiles')
        .addColumn('merged_into', 'uuid')
        .addColumn('merged_at', 'timestamptz')
        .execute();
      await db.schema
        .createTable('client_merges')
        .addColumn('merge_id', 'uuid', (c) => c.primaryKey())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('survivor_id', 'uuid', (c) => c.notNull())
        .addColumn('duplicate_id', 'uuid', (c) => c.notNull())
        .addColumn('merged_at', 'timestamptz', (c) => c.notNull())
        .addColumn('merged_by', 'jsonb', (c) => c.notNull())
        .addColumn('unmerged_at', 'timestamptz')
        .addColumn('unmerged_by', 'jsonb')
        .execute();
      // A profile reads the duplicates merged into it now; a duplicate, where it went.
      await sql`CREATE INDEX client_merges_in_force ON client_merges (survivor_id) WHERE unmerged_at IS NULL`.execute(
        db,
      );
      await sql`CREATE INDEX client_merges_by_duplicate ON client_merges (duplicate_id, merged_at)`.execute(
        db,
      );
      // Merge events begin with these columns: no earlier event needs a replay.
    },
  },
  '2026-12-03T0800_client_profiles_merged': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      // A search also finds survivors by their duplicates' words: the few merged profiles are
      // read by this, not every profile the words match a second time.
      await sql`CREATE INDEX client_profiles_merged ON client_profiles (studio_id) WHERE merged_into IS NOT NULL`.execute(
        db,
      );
    },
  },
  '2026-12-03T1000_client_profiles_search_by_studio': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      // Every search is a studio's: with the studio in the same index (btree_gin), a short word
      // no longer fetches and rechecks the profiles of every other studio that it matches.
      await sql`CREATE EXTENSION IF NOT EXISTS btree_gin`.execute(db);
      await sql`CREATE INDEX client_profiles_studio_search ON client_profiles USING gin (studio_id, search_text gin_trgm_ops)`.execute(
        db,
      );
      await sql`DROP INDEX client_profiles_search`.execute(db);
    },
  },
};

import { sql, type Kysely, type Migration } from 'kysely';

export const staffDirectoryMigrations: Record<string, Migration> = {
  '2026-11-23T1001_staff_directory': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('studios')
        .addColumn('studio_id', 'uuid', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('timezone', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('staff_members')
        .addColumn('staff_id', 'uuid', (c) => c.primaryKey())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('added_at', 'timestamptz', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      await sql`CREATE INDEX staff_members_by_studio ON staff_members (studio_id, name)`.execute(
        db,
      );
      await db.schema
        .createTable('staff_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('token_id', 'uuid', (c) => c.notNull().unique())
        .addColumn('staff_id', 'uuid', (c) => c.notNull())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'timestamptz', (c) => c.notNull())
        .addColumn('revoked_at', 'timestamptz')
        .execute();
    },
  },
  '2026-11-24T0930_booking_policy': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('studios')
        .addColumn('late_cancel_minutes', 'integer', (c) => c.notNull().defaultTo(720))
        .execute();
    },
  },
};

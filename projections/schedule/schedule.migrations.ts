import { sql, type Kysely, type Migration } from 'kysely';

export const scheduleMigrations: Record<string, Migration> = {
  '2026-11-23T1600_schedule': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('class_types')
        .addColumn('class_type_id', 'uuid', (c) => c.primaryKey())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .execute();
      await sql`CREATE INDEX class_types_by_studio ON class_types (studio_id, name)`.execute(db);
      await db.schema
        .createTable('sessions')
        .addColumn('session_id', 'uuid', (c) => c.primaryKey())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('class_type_id', 'uuid', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
        .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
        .addColumn('duration_minutes', 'integer', (c) => c.notNull())
        .addColumn('capacity', 'integer', (c) => c.notNull())
        .addColumn('instructor_id', 'uuid')
        .addColumn('place', 'text')
        .addColumn('link', 'text')
        .addColumn('waiver_id', 'uuid')
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      await sql`CREATE INDEX sessions_by_time ON sessions (studio_id, starts_at, session_id)`.execute(
        db,
      );
    },
  },
};

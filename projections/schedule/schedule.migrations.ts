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
  '2026-11-23T1610_session_places': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      // A row per enrollment, not per client: a client who cancels and books again keeps both in
      // their booking history.
      await db.schema
        .createTable('session_places')
        .addColumn('enrollment_id', 'uuid', (c) => c.primaryKey())
        .addColumn('session_id', 'uuid', (c) => c.notNull())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('client_id', 'uuid', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('pay_with', 'text', (c) => c.notNull())
        .addColumn('payment', 'jsonb')
        .addColumn('held_until', 'timestamptz')
        // The session's revision when the place joined the line (held or waitlisted).
        .addColumn('arrival', 'integer', (c) => c.notNull())
        .addColumn('make_up', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('attendance', 'text')
        .addColumn('penalty', 'text')
        .addColumn('refunded', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('cancelled_late', 'boolean')
        .addColumn('waitlisted_at', 'timestamptz')
        .addColumn('booked_at', 'timestamptz', (c) => c.notNull())
        .addColumn('booked_by', 'jsonb', (c) => c.notNull())
        .addColumn('changed_at', 'timestamptz', (c) => c.notNull())
        .execute();
      await sql`CREATE INDEX session_places_by_session ON session_places (session_id, arrival)`.execute(
        db,
      );
      await sql`CREATE INDEX session_places_by_client ON session_places (client_id)`.execute(db);
      // Holds last minutes: the calendar counts the live ones through this small index.
      await sql`CREATE INDEX session_places_held ON session_places (session_id, held_until) WHERE status = 'held'`.execute(
        db,
      );
      await db.schema
        .alterTable('sessions')
        .addColumn('enrolled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('held', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('waitlisted', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // The projection now reads the enrollment events it skipped until now: replay it from 0.
      await sql`TRUNCATE class_types, sessions`.execute(db);
      await sql`UPDATE projection_checkpoints SET checkpoint = NULL, events_applied = 0 WHERE name = 'schedule'`.execute(
        db,
      );
    },
  },
  '2026-11-24T1100_recurring_registrations': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('recurring_registrations')
        .addColumn('registration_id', 'uuid', (c) => c.primaryKey())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('client_id', 'uuid', (c) => c.notNull())
        .addColumn('class_type_id', 'uuid', (c) => c.notNull())
        .addColumn('weekday', 'integer', (c) => c.notNull())
        .addColumn('local_time', 'text', (c) => c.notNull())
        .addColumn('until', 'date', (c) => c.notNull())
        .addColumn('pay_with', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_by', 'jsonb', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('ended_at', 'timestamptz')
        .execute();
      await sql`CREATE INDEX recurring_by_client ON recurring_registrations (client_id, created_at)`.execute(
        db,
      );
      await sql`CREATE INDEX recurring_active ON recurring_registrations (class_type_id) WHERE status = 'active'`.execute(
        db,
      );
      await db.schema
        .createTable('recurring_outcomes')
        .addColumn('registration_id', 'uuid', (c) => c.notNull())
        .addColumn('session_id', 'uuid', (c) => c.notNull())
        .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('enrollment_id', 'uuid')
        .addColumn('code', 'text')
        .addColumn('message', 'text')
        .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('recurring_outcomes_pk', ['registration_id', 'session_id'])
        .execute();
      // The booking upkeep: sessions of a class type in time order.
      await sql`CREATE INDEX sessions_by_class_type ON sessions (class_type_id, starts_at)`.execute(
        db,
      );
    },
  },
  '2026-11-24T1200_drop_in_prices': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      await db.schema.alterTable('class_types').addColumn('drop_in_price', 'jsonb').execute();
      await db.schema.alterTable('sessions').addColumn('drop_in_price', 'jsonb').execute();
      // Prices recorded before this column existed come back by replaying the projection from 0.
      await sql`TRUNCATE class_types, sessions, session_places`.execute(db);
      await sql`UPDATE projection_checkpoints SET checkpoint = NULL, events_applied = 0 WHERE name = 'schedule'`.execute(
        db,
      );
    },
  },
  '2026-11-24T1300_session_invitations': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('session_invitations')
        .addColumn('session_id', 'uuid', (c) => c.notNull())
        .addColumn('client_id', 'uuid', (c) => c.notNull())
        .addColumn('invitation_id', 'uuid', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('invited_at', 'timestamptz', (c) => c.notNull())
        .addColumn('invited_by', 'jsonb', (c) => c.notNull())
        .addColumn('changed_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('session_invitations_pk', ['session_id', 'client_id'])
        .execute();
      // Invitations already sent come back by replaying the projection from 0.
      await sql`TRUNCATE class_types, sessions, session_places`.execute(db);
      await sql`UPDATE projection_checkpoints SET checkpoint = NULL, events_applied = 0 WHERE name = 'schedule'`.execute(
        db,
      );
    },
  },
};

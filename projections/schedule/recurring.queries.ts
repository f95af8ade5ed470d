import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { DATABASE, type Database } from '@clientele/database';
import { answeredFor, assertProfileOfStudio } from '@projections/client-profiles';
import { sql } from 'kysely';

/** The calendar recurring registrations book from: sessions of a class type in [from, to). */
export function sessionCalendar(db: Database) {
  return {
    async sessionsOf(studioId: string, classTypeId: string, from: Date, to: Date) {
      const rows = await db.kysely
        .selectFrom('sessions')
        .select(['session_id', 'starts_at'])
        .where('studio_id', '=', studioId)
        .where('class_type_id', '=', classTypeId)
        .where('starts_at', '>=', from)
        .where('starts_at', '<', to)
        .orderBy('starts_at')
        .limit(500)
        .execute();
      return rows.map((row) => ({
        sessionId: row.session_id as string,
        startsAt: new Date(row.starts_at as Date).toISOString(),
      }));
    },
  };
}

/**
 * Active recurring registrations with a future session of their class type, on their weekday
 * and time in the studio's time zone, not tried yet: sessions scheduled after the registration.
 */
export async function recurringToBook(
  db: Database,
  now: Date,
  limit: number,
): Promise<{ studioId: string; registrationId: string }[]> {
  const { rows } = await sql<{ studio_id: string; registration_id: string }>`
    SELECT DISTINCT r.studio_id, r.registration_id
      FROM recurring_registrations r
      JOIN studios st ON st.studio_id = r.studio_id
      JOIN sessions s ON s.class_type_id = r.class_type_id AND s.starts_at > ${now}
     WHERE r.status = 'active'
       AND (s.starts_at AT TIME ZONE st.timezone)::date <= r.until
       AND extract(isodow FROM s.starts_at AT TIME ZONE st.timezone) = r.weekday
       AND to_char(s.starts_at AT TIME ZONE st.timezone, 'HH24:MI') = r.local_time
       AND NOT EXISTS (
         SELECT 1 FROM recurring_outcomes o
          WHERE o.registration_id = r.registration_id AND o.session_id = s.session_id)
     LIMIT ${limit}
  `.execute(db.kysely);
  return rows.map((row) => ({ studioId: row.studio_id, registrationId: row.registration_id }));
}

export interface RecurringView {
  id: string;
  classTypeId: string;
  title: string;
  weekday: number;
  time: string;
  until: string;
  payWith: string;
  channel: string;
  status: 'active' | 'ended';
  createdAt: string;
  booked: { sessionId: string; startsAt: string; enrollmentId: string }[];
  /** Sessions it could not book, with the reason: reported, never hidden. */
  failed: { sessionId: string; startsAt: string; code: string; message: string }[];
}

export class ListClientRecurring extends Query<{ items: RecurringView[] }> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
  ) {
    super();
  }
}

@QueryHandler(ListClientRecurring)
export class ListClientRecurringHandler implements IQueryHandler<ListClientRecurring> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, clientId }: ListClientRecurring) {
    await assertProfileOfStudio(this.db, studioId, clientId);
    const { rows } = await sql<Record<string, unknown>>`
      SELECT r.*, c.name AS title,
             coalesce(jsonb_agg(jsonb_build_object(
               'sessionId', o.session_id, 'startsAt', o.starts_at, 'outcome', o.outcome,
               'enrollmentId', o.enrollment_id, 'code', o.code, 'message', o.message)
               ORDER BY o.starts_at) FILTER (WHERE o.session_id IS NOT NULL), '[]') AS outcomes
        FROM recurring_registrations r
        JOIN class_types c ON c.class_type_id = r.class_type_id
        LEFT JOIN recurring_outcomes o ON o.registration_id = r.registration_id
       WHERE r.client_id IN ${answeredFor(clientId)} AND r.studio_id = ${studioId}
       GROUP BY r.registration_id, c.name
       ORDER BY r.created_at DESC
    `.execute(this.db.kysely);
    return {
      items: rows.map((row) => {
        const outcomes = row.outcomes as {
          sessionId: string;
          startsAt: string;
          outcome: 'booked' | 'failed';
          enrollmentId: string | null;
          code: string | null;
          message: string | null;
        }[];
        const at = (value: string) => new Date(value).toISOString();
        return {
          id: row.registration_id as string,
          clientId: row.client_id as string,
          classTypeId: row.class_type_id as string,
          title: row.title as string,
          weekday: row.weekday as number,
          time: row.local_time as string,
          until:
            typeof row.until === 'string'
              ? row.until.slice(0, 10)
              : (row.until as Date).toISOString().slice(0, 10),
          payWith: row.pay_with as string,
          channel: row.channel as string,
          status: row.status as 'active' | 'ended',
          createdAt: at(row.created_at as string),
          booked: outcomes
            .filter((o) => o.outcome === 'booked')
            .map((o) => ({
              sessionId: o.sessionId,
              startsAt: at(o.startsAt),
              enrollmentId: o.enrollmentId!,
            })),
          failed: outcomes
            .filter((o) => o.outcome === 'failed')
            .map((o) => ({
              sessionId: o.sessionId,
              startsAt: at(o.startsAt),
              code: o.code!,
              message: o.message!,
            })),
        };
      }),
    };
  }
}

import type { RecordedEvent } from '@clientele/eventstore';
import type { Projection } from '@clientele/projector';
import { sessionStream, type ClassTypeEvent, type SessionEvent } from '@clientele/scheduling';
import { unnestRows, upsertRows } from '@clientele/database';
import { sql, type Transaction } from 'kysely';
import { foldRosterEvent, rosterRows, type InvitationRow, type PlaceRow } from './schedule.fold';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables typed per query
type Trx = Transaction<any>;

const SESSION_STREAM = sessionStream('');
const isSessionEvent = (recorded: RecordedEvent) => recorded.streamName.startsWith(SESSION_STREAM);

/**
 * The events it reads. A session event added here without a case in `applySessionEvent` only
 * moves the session's version, so the set can grow ahead of the read model.
 */
export const SCHEDULE_EVENTS: ReadonlySet<string> = new Set<
  ClassTypeEvent['type'] | SessionEvent['type']
>([
  'ClassTypeCreated',
  'SessionScheduled',
  'ClientInvited',
  'InvitationDeclined',
  'SeatHeld',
  'Waitlisted',
  'EnrollmentConfirmed',
  'HoldReleased',
  'EnrollmentCancelled',
  'EnrollmentRefunded',
  'ClientCheckedIn',
  'ClientMarkedNoShow',
  'PenaltyForgiven',
]);

/**
 * The calendar and its rosters: class types, sessions with their counts, and a row per place
 * (held, confirmed, waitlisted, released, cancelled) with how it was booked and paid. A session's
 * row holds the last revision applied: events at or below it are skipped, so a replayed batch
 * changes nothing.
 */
export const scheduleProjection: Projection = {
  name: 'schedule',
  eventTypes: SCHEDULE_EVENTS,

  // A batch is applied set-wise: the rows it touches are read a statement a table, its events
  // folded into them in memory (schedule.fold.ts), and what changed written back a statement a
  // table. A rebuild applies thousands of events a batch: a statement each was a round trip each.
  async apply(trx: Trx, events: RecordedEvent[]) {
    const sessionEvents = events.filter(isSessionEvent);
    const sessionIds = [
      ...new Set(sessionEvents.map((e) => (e.data as { sessionId: string }).sessionId)),
    ];
    const versions = new Map<string, number>();
    if (sessionIds.length > 0) {
      const rows = await trx
        .selectFrom('sessions')
        .select(['session_id', 'version'])
        .where('session_id', 'in', sessionIds)
        .execute();
      for (const row of rows) versions.set(row.session_id as string, row.version as number);
    }
    const toApply: RecordedEvent[] = [];
    for (const recorded of sessionEvents) {
      const sessionId = (recorded.data as { sessionId: string }).sessionId;
      if (recorded.revision <= (versions.get(sessionId) ?? -1)) continue;
      toApply.push(recorded);
      versions.set(sessionId, recorded.revision);
    }
    const classTypes = new Map<string, ClassTypeRow>();
    for (const recorded of events) {
      const event = recorded as unknown as ClassTypeEvent;
      if (event.type !== 'ClassTypeCreated' || classTypes.has(event.data.classTypeId)) continue;
      const d = event.data;
      classTypes.set(d.classTypeId, {
        class_type_id: d.classTypeId,
        studio_id: d.studioId,
        name: d.name,
        format: d.format,
        event_type: d.eventType,
        drop_in_price: d.dropInPrice ? JSON.stringify(d.dropInPrice) : null,
      });
    }
    if (classTypes.size > 0) {
      await sql`INSERT INTO class_types ${unnestRows([...classTypes.values()], CLASS_TYPE_COLUMNS)}
        ON CONFLICT (class_type_id) DO NOTHING`.execute(trx);
    }
    if (toApply.length === 0) return;

    const newSessions = new Map<string, SessionRow>();
    for (const recorded of toApply) {
      const event = recorded as unknown as SessionEvent;
      if (event.type !== 'SessionScheduled' || newSessions.has(event.data.sessionId)) continue;
      newSessions.set(event.data.sessionId, sessionRow(event.data, recorded.revision));
    }
    if (newSessions.size > 0) {
      await sql`INSERT INTO sessions ${unnestRows([...newSessions.values()], SESSION_COLUMNS)}
        ON CONFLICT (session_id) DO NOTHING`.execute(trx);
    }

    const rows = rosterRows(...(await readRoster(trx, toApply)));
    for (const recorded of toApply) foldRosterEvent(rows, recorded);
    if (rows.changedPlaces.size > 0) {
      const changed = [...rows.changedPlaces].map((id) => {
        const row = rows.places.get(id)!;
        return {
          ...row,
          payment: row.payment === null ? null : JSON.stringify(row.payment),
          booked_by: JSON.stringify(row.booked_by),
        };
      });
      await upsertRows('session_places', changed, PLACE_COLUMNS, ['enrollment_id']).execute(trx);
    }
    if (rows.changedInvitations.size > 0) {
      const changed = [...rows.changedInvitations].map((key) => {
        const row = rows.invitations.get(key)!;
        return { ...row, invited_by: JSON.stringify(row.invited_by) };
      });
      await upsertRows('session_invitations', changed, INVITATION_COLUMNS, [
        'session_id',
        'client_id',
      ]).execute(trx);
    }

    // Each session touched takes its last revision applied and its counts, recounted.
    const touched = [...new Set(toApply.map((e) => (e.data as { sessionId: string }).sessionId))];
    await sql`
      UPDATE sessions AS s
      SET version = t.version,
          enrolled = coalesce(c.enrolled, 0), held = coalesce(c.held, 0),
          waitlisted = coalesce(c.waitlisted, 0)
      FROM unnest(${touched}::uuid[], ${touched.map((id) => versions.get(id)!)}::int[])
          AS t(session_id, version)
        LEFT JOIN (
          SELECT session_id,
                 count(*) FILTER (WHERE status = 'confirmed')::int AS enrolled,
                 count(*) FILTER (WHERE status = 'held')::int AS held,
                 count(*) FILTER (WHERE status = 'waitlisted')::int AS waitlisted
          FROM session_places WHERE session_id = ANY(${touched}::uuid[])
          GROUP BY session_id
        ) AS c ON c.session_id = t.session_id
      WHERE s.session_id = t.session_id`.execute(trx);
  },
  tables: ['class_types', 'sessions', 'session_places', 'session_invitations'],
};

interface ClassTypeRow {
  class_type_id: string;
  studio_id: string;
  name: string;
  format: string;
  event_type: string;
  drop_in_price: string | null;
}

const CLASS_TYPE_COLUMNS = {
  class_type_id: 'uuid',
  studio_id: 'uuid',
  name: 'text',
  format: 'text',
  event_type: 'text',
  drop_in_price: 'jsonb',
} as const;

type SessionScheduled = Extract<SessionEvent, { type: 'SessionScheduled' }>['data'];

function sessionRow(d: SessionScheduled, revision: number) {
  const startsAt = new Date(d.startsAt);
  return {
    session_id: d.sessionId,
    studio_id: d.studioId,
    class_type_id: d.classTypeId,
    title: d.title,
    format: d.format,
    event_type: d.eventType,
    starts_at: startsAt,
    ends_at: new Date(startsAt.getTime() + d.durationMinutes * 60_000),
    duration_minutes: d.durationMinutes,
    capacity: d.capacity,
    instructor_id: d.instructorId,
    place: d.place,
    link: d.link,
    waiver_id: d.waiverId,
    drop_in_price: d.dropInPrice ? JSON.stringify(d.dropInPrice) : null,
    version: revision,
  };
}

type SessionRow = ReturnType<typeof sessionRow>;

const SESSION_COLUMNS = {
  session_id: 'uuid',
  studio_id: 'uuid',
  class_type_id: 'uuid',
  title: 'text',
  format: 'text',
  event_type: 'text',
  starts_at: 'timestamptz',
  ends_at: 'timestamptz',
  duration_minutes: 'int',
  capacity: 'int',
  instructor_id: 'uuid',
  place: 'text',
  link: 'text',
  waiver_id: 'uuid',
  drop_in_price: 'jsonb',
  version: 'int',
} as const;

const PLACE_COLUMNS = {
  enrollment_id: 'uuid',
  session_id: 'uuid',
  studio_id: 'uuid',
  client_id: 'uuid',
  status: 'text',
  channel: 'text',
  pay_with: 'text',
  payment: 'jsonb',
  held_until: 'timestamptz',
  arrival: 'int',
  make_up: 'boolean',
  attendance: 'text',
  penalty: 'text',
  refunded: 'boolean',
  cancelled_late: 'boolean',
  waitlisted_at: 'timestamptz',
  booked_at: 'timestamptz',
  booked_by: 'jsonb',
  changed_at: 'timestamptz',
} as const;

const INVITATION_COLUMNS = {
  session_id: 'uuid',
  client_id: 'uuid',
  invitation_id: 'uuid',
  status: 'text',
  invited_at: 'timestamptz',
  invited_by: 'jsonb',
  changed_at: 'timestamptz',
} as const;

/**
 * The rows the events to apply touch: places by enrollment, a new place's client's other places
 * in its session (it releases their hold), and invitations by session and client.
 */
async function readRoster(
  trx: Trx,
  toApply: RecordedEvent[],
): Promise<[PlaceRow[], InvitationRow[]]> {
  const enrollmentIds = new Set<string>();
  const booking = { sessions: [] as string[], clients: [] as string[] };
  const invited = { sessions: [] as string[], clients: [] as string[] };
  for (const recorded of toApply) {
    const event = recorded as unknown as SessionEvent;
    if (event.type === 'SessionScheduled') continue;
    if (event.type === 'ClientInvited' || event.type === 'InvitationDeclined') {
      invited.sessions.push(event.data.sessionId);
      invited.clients.push(event.data.clientId);
      continue;
    }
    if (!('enrollmentId' in event.data)) continue;
    enrollmentIds.add(event.data.enrollmentId);
    if (event.type === 'SeatHeld' || event.type === 'Waitlisted') {
      booking.sessions.push(event.data.sessionId);
      booking.clients.push(event.data.clientId);
    }
  }
  const places =
    enrollmentIds.size > 0
      ? ((
          await sql<PlaceRow>`
            SELECT * FROM session_places WHERE enrollment_id = ANY(${[...enrollmentIds]}::uuid[])
            UNION
            SELECT p.* FROM session_places AS p
              JOIN unnest(${booking.sessions}::uuid[], ${booking.clients}::uuid[])
                AS b(session_id, client_id)
                ON p.session_id = b.session_id AND p.client_id = b.client_id`.execute(trx)
        ).rows as PlaceRow[])
      : [];
  const invitations =
    invited.sessions.length > 0
      ? ((
          await sql<InvitationRow>`
            SELECT DISTINCT i.* FROM session_invitations AS i
              JOIN unnest(${invited.sessions}::uuid[], ${invited.clients}::uuid[])
                AS b(session_id, client_id)
                ON i.session_id = b.session_id AND i.client_id = b.client_id`.execute(trx)
        ).rows as InvitationRow[])
      : [];
  return [places, invitations];
}

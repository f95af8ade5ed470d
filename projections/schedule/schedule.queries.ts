import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { DATABASE, type Database } from '@clientele/database';
import { NotFound, type Money } from '@clientele/shared';
import { sql, type RawBuilder } from 'kysely';

export interface ClassTypeView {
  id: string;
  name: string;
  format: string;
  eventType: string;
  /** What a place costs paid by card or held on a bill; null when only credits pay. */
  dropInPrice: Money | null;
}

export interface SessionDetails {
  id: string;
  classTypeId: string;
  title: string;
  format: string;
  eventType: string;
  startsAt: string;
  endsAt: string;
  durationMinutes: number;
  capacity: number;
  instructorId: string | null;
  place: string | null;
  link: string | null;
  waiverId: string | null;
  dropInPrice: Money | null;
  version: number;
}

export interface SessionView extends SessionDetails {
  /** Confirmed places. */
  enrolled: number;
  /** Places held while their payment is taken (a hold that lapsed unpaid no longer counts). */
  held: number;
  waitlisted: number;
  spotsLeft: number;
}

/**
 * The holds that take a seat at `now`, beside a row of `sessions`. Its stored count is of holds
 * neither confirmed nor released; only a crashed booking leaves one lapsed, so the places are
 * read only when that count is not 0.
 */
export function liveHolds(now: Date): RawBuilder<number> {
  return sql<number>`CASE WHEN sessions.held = 0 THEN 0 ELSE (
    SELECT count(*)::int FROM session_places p
    WHERE p.session_id = sessions.session_id AND p.status = 'held' AND p.held_until > ${now}
  ) END`;
}

/** The columns of `sessions` that `toSessionDetails` reads: a prepared statement names them. */
export const SESSION_DETAIL_COLUMNS = [
  'session_id',
  'class_type_id',
  'title',
  'format',
  'event_type',
  'starts_at',
  'ends_at',
  'duration_minutes',
  'capacity',
  'instructor_id',
  'place',
  'link',
  'waiver_id',
  'drop_in_price',
  'version',
] as const;

export function toSessionDetails(row: Record<string, unknown>): SessionDetails {
  return {
    id: row.session_id as string,
    classTypeId: row.class_type_id as string,
    title: row.title as string,
    format: row.format as string,
    eventType: row.event_type as string,
    startsAt: new Date(row.starts_at as Date).toISOString(),
    endsAt: new Date(row.ends_at as Date).toISOString(),
    durationMinutes: row.duration_minutes as number,
    capacity: row.capacity as number,
    instructorId: (row.instructor_id as string | null) ?? null,
    place: (row.place as string | null) ?? null,
    link: (row.link as string | null) ?? null,
    waiverId: (row.waiver_id as string | null) ?? null,
    dropInPrice: (row.drop_in_price as Money | null) ?? null,
    version: row.version as number,
  };
}

/** A session with its counts; `live_held` is `liveHolds` selected beside the row. */
function toSession(row: Record<string, unknown>): SessionView {
  const details = toSessionDetails(row);
  const enrolled = row.enrolled as number;
  const held = row.live_held as number;
  return {
    ...details,
    enrolled,
    held,
    waitlisted: row.waitlisted as number,
    spotsLeft: Math.max(0, details.capacity - enrolled - held),
  };
}

export class ListClassTypes extends Query<{ items: ClassTypeView[] }> {
  constructor(readonly studioId: string) {
    super();
  }
}

@QueryHandler(ListClassTypes)
export class ListClassTypesHandler implements IQueryHandler<ListClassTypes> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId }: ListClassTypes) {
    const rows = await this.db.kysely
      .selectFrom('class_types')
      .selectAll()
      .where('studio_id', '=', studioId)
      .orderBy('name')
      .orderBy('class_type_id')
      .execute();
    return {
      items: rows.map((row) => ({
        id: row.class_type_id as string,
        name: row.name as string,
        format: row.format as string,
        eventType: row.event_type as string,
        dropInPrice: (row.drop_in_price as Money | null) ?? null,
      })),
    };
  }
}

export class ListSessions extends Query<{ items: SessionView[] }> {
  constructor(
    readonly studioId: string,
    readonly from: Date,
    readonly to: Date,
    readonly now: Date = new Date(),
  ) {
    super();
  }
}

/** The calendar between two instants: sessions that start in [from, to), in time order. */
@QueryHandler(ListSessions)
export class ListSessionsHandler implements IQueryHandler<ListSessions> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, from, to, now }: ListSessions) {
    const rows = await this.db.kysely
      .selectFrom('sessions')
      .selectAll()
      .select(liveHolds(now).as('live_held'))
      .where('studio_id', '=', studioId)
      .where('starts_at', '>=', from)
      .where('starts_at', '<', to)
      .orderBy('starts_at')
      .orderBy('session_id')
      .limit(1000)
      .execute();
    return { items: rows.map(toSession) };
  }
}

export class GetSession extends Query<SessionView> {
  constructor(
    readonly studioId: string,
    readonly sessionId: string,
    readonly now: Date = new Date(),
  ) {
    super();
  }
}

@QueryHandler(GetSession)
export class GetSessionHandler implements IQueryHandler<GetSession> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, sessionId, now }: GetSession) {
    const row = await this.db.kysely
      .selectFrom('sessions')
      .selectAll()
      .select(liveHolds(now).as('live_held'))
      .where('session_id', '=', sessionId)
      .where('studio_id', '=', studioId)
      .executeTakeFirst();
    if (!row) throw new NotFound('session', sessionId);
    return toSession(row);
  }
}

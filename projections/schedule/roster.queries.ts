import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import {
  DATABASE,
  decodePageCursor,
  encodePageCursor,
  prebuilt,
  type Database,
} from '@clientele/database';
import type { Channel, PayWith, PlacePayment } from '@clientele/scheduling';
import { InvalidInput, money, NotFound, type Money } from '@clientele/shared';
import { answeredFor, assertProfileOfStudio, survivorOf } from '@projections/client-profiles';
import { sql } from 'kysely';
import { SESSION_DETAIL_COLUMNS, toSessionDetails, type SessionDetails } from './schedule.queries';

/**
 * How a place stands with its payment: a credit (and the pack or membership it came from), a
 * membership, a card, a make-up visit; a held payment still `due` or since `paid`; `refunded`.
 */
export type PaymentStatus =
  'paid_by_credit' | 'membership' | 'card' | 'make_up' | 'due' | 'paid' | 'refunded';

export interface BillView {
  billId: string;
  total: Money;
  due: Money;
}

export interface RosterPlace {
  enrollmentId: string;
  /** Who booked the place; `mergedInto` the client who answers for them since, if any. */
  clientId: string;
  mergedInto: string | null;
  firstName: string | null;
  lastName: string | null;
  status: 'confirmed' | 'held' | 'waitlisted';
  /** 1 for the first on the waitlist; null for a place in the class. */
  waitlistPosition: number | null;
  channel: Channel;
  payWith: PayWith;
  makeUp: boolean;
  attendance: 'checked_in' | 'no_show' | null;
  /** null until the place is paid (held or waitlisted). */
  paymentStatus: PaymentStatus | null;
  /** The pack or membership that paid, when one did and its name is known. */
  product: string | null;
  bill: BillView | null;
  bookedAt: string;
  /** What staff starred about the client for the instructor to know, newest first. */
  starredMemos: { memoId: string; text: string }[];
  /** The session's waiver: signed (a signature that counts) or not; null when none is required. */
  waiver: 'signed' | 'unsigned' | null;
}

export interface RosterInvitation {
  clientId: string;
  firstName: string | null;
  lastName: string | null;
  /** `accepted` once the client holds a place here, whichever way they booked it. */
  status: 'pending' | 'accepted' | 'declined';
  invitedAt: string;
}

export interface Roster {
  session: SessionDetails;
  counts: { enrolled: number; held: number; waitlisted: number; spotsLeft: number };
  places: RosterPlace[];
  /** Clients staff invited, and what became of it. */
  invitations: RosterInvitation[];
}

export interface Registration {
  enrollmentId: string;
  sessionId: string;
  title: string;
  startsAt: string;
  endsAt: string;
  status: 'confirmed' | 'held' | 'waitlisted';
  attendance: 'checked_in' | 'no_show' | null;
  /** What the client still has to do: `payment` for a held bill not yet paid. */
  requires: ('payment' | 'waiver')[];
}

export interface Booking {
  enrollmentId: string;
  sessionId: string;
  title: string;
  classType: { id: string; name: string | null };
  startsAt: string;
  channel: Channel;
  /** How it was paid: the pack's or membership's name when there is one. null until paid. */
  productUsed: { kind: PlacePayment['kind']; name: string | null } | null;
  status: 'confirmed' | 'held' | 'waitlisted' | 'released' | 'cancelled';
  attendance: 'checked_in' | 'no_show' | null;
  /** Cancelled inside the studio's late-cancel window; null when not cancelled. */
  cancelledLate: boolean | null;
  /** A late cancel or a no-show that kept what paid, and that staff can still forgive. */
  penalty: 'late_cancel' | 'no_show' | null;
  refunded: boolean;
  bookedAt: string;
  bookedBy: unknown;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A place's row with what paid for it, from the accounts' read model. */
interface PlaceRow {
  enrollment_id: string;
  session_id: string;
  client_id: string;
  status: string;
  channel: Channel;
  pay_with: PayWith;
  payment: PlacePayment | null;
  make_up: boolean;
  attendance: 'checked_in' | 'no_show' | null;
  refunded: boolean;
  cancelled_late: boolean | null;
  penalty: Booking['penalty'];
  booked_at: Date;
  booked_by: unknown;
  credit_source: { kind: string; productName?: string } | null;
  membership_name: string | null;
  bill_id: string | null;
  bill_total: string | null;
  bill_paid: string | null;
  bill_currency: string | null;
  bill_status: string | null;
}

/**
 * What paid for a place, read from the accounts (read-only): the grant a credit was reserved
 * from (reservation id = enrollment id), the membership, and the bill of a card or a hold.
 */
const PAYMENT_JOINS = sql`
  LEFT JOIN LATERAL (
    SELECT g.source FROM credit_ledger l JOIN credit_grants g ON g.grant_id = l.grant_id
    WHERE l.client_id = coalesce((p.payment->>'accountId')::uuid, p.client_id)
      AND l.kind = 'reserved'
      AND l.reservation_id = p.payment->>'reservationId'
    ORDER BY l.revision DESC LIMIT 1
  ) credit ON true
  LEFT JOIN memberships m
    ON m.membership_id = coalesce(p.payment->>'membershipId', credit.source->>'membershipId')::uuid
  LEFT JOIN bills b ON b.bill_id = (p.payment->>'billId')::uuid`;

const PAYMENT_COLUMNS = sql`credit.source AS credit_source, m.name AS membership_name,
  b.bill_id, b.total AS bill_total, b.paid AS bill_paid, b.currency AS bill_currency,
  b.status AS bill_status`;

/**
 * Whether a place's client still lacks a signature that counts of the waiver its session
 * requires (`s` is the session): false when the session requires none.
 */
const WAIVER_UNSIGNED = sql<boolean>`(s.waiver_id IS NOT NULL AND coalesce((
    SELECT max(ws.version) FROM waiver_signatures ws
    WHERE ws.client_id IN ${answeredFor(sql.ref('p.client_id'))} AND ws.waiver_id = s.waiver_id
  ), 0) < coalesce((
    SELECT w.oldest_valid_version FROM waivers w WHERE w.waiver_id = s.waiver_id
  ), 1))`;

/** Places that hold or wait for a seat now: a hold that lapsed unpaid holds nothing. */
const ACTIVE = (now: Date) =>
  sql`(p.status IN ('confirmed', 'waitlisted') OR (p.status = 'held' AND p.held_until > ${now}))`;

function productOf(row: PlaceRow): string | null {
  if (row.payment?.kind === 'membership') return row.membership_name;
  if (row.payment?.kind !== 'credit' || !row.credit_source) return null;
  if (row.credit_source.kind === 'sale' || row.credit_source.kind === 'import') {
    return row.credit_source.productName ?? null;
  }
  return row.membership_name;
}

function paymentStatusOf(row: PlaceRow): PaymentStatus | null {
  if (!row.payment) return null;
  if (row.refunded) return 'refunded';
  switch (row.payment.kind) {
    case 'credit':
      return 'paid_by_credit';
    case 'membership':
      return 'membership';
    case 'card':
      return 'card';
    case 'make_up':
      return 'make_up';
    case 'hold':
      return row.bill_status === 'paid' ? 'paid' : 'due';
  }
}

function billOf(row: PlaceRow): BillView | null {
  if (!row.bill_id) return null;
  const total = Number(row.bill_total);
  // Only an open bill is owed: a paid one is settled, a voided one forgiven.
  const due = row.bill_status === 'open' ? total - Number(row.bill_paid) : 0;
  return {
    billId: row.bill_id,
    total: money(total, row.bill_currency!),
    due: money(due, row.bill_currency!),
  };
}

/** A page's cursor: the last row's session start and enrollment id. */
function decodeCursor(cursor: string): [Date, string] {
  const [key, id] = decodePageCursor(cursor);
  const at = new Date(key);
  if (Number.isNaN(at.getTime())) {
    throw new InvalidInput('The cursor is not one this API gave out.', [
      { field: 'cursor', message: 'must be the nextCursor of a previous page' },
    ]);
  }
  return [at, id];
}

function pageOf<R extends { starts_at: Date | string; enrollment_id: string }, T>(
  rows: R[],
  limit: number,
  view: (row: R) => T,
): Page<T> {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(view),
    nextCursor:
      rows.length > limit && last
        ? encodePageCursor(new Date(last.starts_at).toISOString(), last.enrollment_id)
        : null,
  };
}

export class GetRoster extends Query<Roster> {
  constructor(
    readonly studioId: string,
    readonly sessionId: string,
    readonly now: Date,
  ) {
    super();
  }
}

type RosterInput = Pick<GetRoster, 'studioId' | 'sessionId' | 'now'>;

type RosterPlaceRow = PlaceRow & {
  first_name: string | null;
  last_name: string | null;
  waiver_unsigned: boolean;
  merged_into: string | null;
};

interface RosterRow extends Record<string, unknown> {
  waiver_id: string | null;
  places: RosterPlaceRow[];
  starred: { client_id: string; memo_id: string; text: string }[];
  invitations: {
    client_id: string;
    status: 'pending' | 'declined';
    invited_at: string;
    first_name: string | null;
    last_name: string | null;
  }[];
}

/**
 * The session with its places, their clients' starred memos (with those of clients merged into
 * them) and its invitations, each as JSON beside the session's row: one statement. Its columns
 * are named, not `s.*`: a prepared statement's result cannot change shape under a running API
 * when a migration adds a column.
 */
function rosterQuery(db: Database, { studioId, sessionId, now }: RosterInput) {
  const shown = sql`(SELECT coalesce(merged_into, client_id) FROM places)`;
  const starred = db.kysely
    .selectFrom('client_memos')
    .select([survivorOf('client_id').as('client_id'), 'memo_id', 'text', 'created_at'])
    .where('studio_id', '=', studioId)
    .where((eb) =>
      eb.or([
        eb('client_id', 'in', shown),
        eb(
          'client_id',
          'in',
          eb
            .selectFrom('client_merges')
            .select('duplicate_id')
            .where('survivor_id', 'in', shown)
            .where('unmerged_at', 'is', null),
        ),
      ]),
    )
    .where('starred', '=', true)
    .where('removed', '=', false);
  return sql<RosterRow>`
    WITH places AS (
      SELECT p.*, c.first_name, c.last_name, ${PAYMENT_COLUMNS},
             ${WAIVER_UNSIGNED} AS waiver_unsigned, d.merged_into
      FROM session_places p
      JOIN sessions s ON s.session_id = p.session_id
      LEFT JOIN client_profiles d ON d.client_id = p.client_id
      LEFT JOIN client_profiles c ON c.client_id = coalesce(d.merged_into, p.client_id)
      ${PAYMENT_JOINS}
      WHERE p.session_id = ${sessionId} AND ${ACTIVE(now)}
    )
    SELECT ${sql.join(SESSION_DETAIL_COLUMNS.map((column) => sql.ref(`s.${column}`)))},
      (SELECT coalesce(json_agg(p ORDER BY p.status = 'waitlisted', p.arrival), '[]')
        FROM places p) AS places,
      (SELECT coalesce(json_agg(m ORDER BY m.created_at DESC, m.memo_id DESC), '[]')
        FROM (${starred}) m) AS starred,
      (SELECT coalesce(json_agg(i ORDER BY i.invited_at, i.client_id), '[]')
        FROM (SELECT i.client_id, i.status, i.invited_at, c.first_name, c.last_name
              FROM session_invitations i
              LEFT JOIN client_profiles c ON c.client_id = i.client_id
              WHERE i.session_id = ${sessionId}) i) AS invitations
    FROM sessions s
    WHERE s.session_id = ${sessionId} AND s.studio_id = ${studioId}`.compile(db.kysely);
}

/**
 * A session's roster: confirmed and held places in order of arrival, then the waitlist in order,
 * each with the client's starred memos and, when the session requires a waiver, whether it is
 * signed (a new version that needs signing again makes a booked client's signature lapse). One
 * statement, built once (`prebuilt`) and prepared once per connection: the desk opens it all day.
 */
@QueryHandler(GetRoster)
export class GetRosterHandler implements IQueryHandler<GetRoster> {
  private readonly statement = prebuilt((input: RosterInput) => rosterQuery(this.db, input));

  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, sessionId, now }: GetRoster): Promise<Roster> {
    const query = this.statement({ studioId, sessionId, now });
    const [row] = await this.db.derivedSql.query<RosterRow>(query.sql, query.parameters, {
      name: 'clientele_roster',
    });
    if (!row) throw new NotFound('session', sessionId);
    const shown = (place: { client_id: string; merged_into: string | null }) =>
      place.merged_into ?? place.client_id;
    const starred = new Map<string, RosterPlace['starredMemos']>();
    for (const memo of row.starred) {
      const memos = starred.get(memo.client_id) ?? [];
      memos.push({ memoId: memo.memo_id, text: memo.text });
      starred.set(memo.client_id, memos);
    }
    let position = 0;
    const places = row.places.map((place): RosterPlace => ({
      enrollmentId: place.enrollment_id,
      clientId: place.client_id,
      mergedInto: place.merged_into,
      firstName: place.first_name,
      lastName: place.last_name,
      status: place.status as RosterPlace['status'],
      waitlistPosition: place.status === 'waitlisted' ? ++position : null,
      channel: place.channel,
      payWith: place.pay_with,
      makeUp: place.make_up,
      attendance: place.attendance,
      paymentStatus: paymentStatusOf(place),
      product: productOf(place),
      bill: billOf(place),
      bookedAt: new Date(place.booked_at).toISOString(),
      starredMemos: starred.get(shown(place)) ?? [],
      waiver: row.waiver_id ? (place.waiver_unsigned ? 'unsigned' : 'signed') : null,
    }));
    const placed = new Set(places.map((place) => place.clientId));
    const invitations = row.invitations.map((i): RosterInvitation => ({
      clientId: i.client_id,
      firstName: i.first_name,
      lastName: i.last_name,
      status: placed.has(i.client_id) ? 'accepted' : i.status,
      invitedAt: new Date(i.invited_at).toISOString(),
    }));
    const session = toSessionDetails(row);
    const count = (status: string) => places.filter((place) => place.status === status).length;
    const enrolled = count('confirmed');
    const held = count('held');
    return {
      session,
      counts: {
        enrolled,
        held,
        waitlisted: count('waitlisted'),
        spotsLeft: Math.max(0, session.capacity - enrolled - held),
      },
      places,
      invitations,
    };
  }
}

export class ListClientRegistrations extends Query<Page<Registration>> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
    readonly when: 'upcoming' | 'past',
    readonly limit: number,
    readonly cursor: string | undefined,
    readonly now: Date,
  ) {
    super();
  }
}

export interface RegistrationRow {
  enrollment_id: string;
  session_id: string;
  status: Registration['status'];
  attendance: Registration['attendance'];
  payment: PlacePayment | null;
  refunded: boolean;
  title: string;
  starts_at: Date | string;
  ends_at: Date | string;
  bill_status: string | null;
  waiver_unsigned: boolean;
}

/**
 * A client's places in sessions that have not ended (soonest first) or have (latest first):
 * confirmed, held and waitlisted; a cancelled place is in the booking history only. One row
 * past `limit` tells whether there is a next page (`registrationsPage`).
 */
export function registrationsQuery({
  studioId,
  clientId,
  when,
  limit,
  cursor,
  now,
}: Pick<ListClientRegistrations, 'studioId' | 'clientId' | 'when' | 'limit' | 'cursor' | 'now'>) {
  const upcoming = when === 'upcoming';
  const order = sql.raw(upcoming ? 'ASC' : 'DESC');
  const after = sql.raw(upcoming ? '>' : '<');
  let keyset = sql`true`;
  if (cursor) {
    const [startsAt, enrollmentId] = decodeCursor(cursor);
    keyset = sql`(s.starts_at, p.enrollment_id) ${after} (${startsAt}, ${enrollmentId}::uuid)`;
  }
  return sql<RegistrationRow>`
      SELECT p.enrollment_id, p.session_id, p.status, p.attendance, p.payment, p.refunded,
             s.title, s.starts_at, s.ends_at, b.status AS bill_status,
             ${WAIVER_UNSIGNED} AS waiver_unsigned
      FROM session_places p
      JOIN sessions s ON s.session_id = p.session_id
      LEFT JOIN bills b ON b.bill_id = (p.payment->>'billId')::uuid
      WHERE p.client_id IN ${answeredFor(clientId)} AND p.studio_id = ${studioId}
        AND ${ACTIVE(now)}
        AND ${upcoming ? sql`s.ends_at > ${now}` : sql`s.ends_at <= ${now}`}
        AND ${keyset}
      ORDER BY s.starts_at ${order}, p.enrollment_id ${order}
      LIMIT ${limit + 1}`;
}

export function registrationsPage(rows: RegistrationRow[], limit: number): Page<Registration> {
  return pageOf(rows, limit, (row) => ({
    enrollmentId: row.enrollment_id,
    sessionId: row.session_id,
    title: row.title,
    startsAt: new Date(row.starts_at).toISOString(),
    endsAt: new Date(row.ends_at).toISOString(),
    status: row.status,
    attendance: row.attendance,
    requires: [
      ...(row.payment?.kind === 'hold' && !row.refunded && row.bill_status !== 'paid'
        ? (['payment'] as const)
        : []),
      ...(row.waiver_unsigned ? (['waiver'] as const) : []),
    ],
  }));
}

@QueryHandler(ListClientRegistrations)
export class ListClientRegistrationsHandler implements IQueryHandler<ListClientRegistrations> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute(query: ListClientRegistrations): Promise<Page<Registration>> {
    await assertProfileOfStudio(this.db, query.studioId, query.clientId);
    const { rows } = await registrationsQuery(query).execute(this.db.kysely);
    return registrationsPage(rows, query.limit);
  }
}

export class ListClientBookings extends Query<Page<Booking>> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
    readonly limit: number,
    readonly cursor: string | undefined,
    readonly now: Date,
  ) {
    super();
  }
}

/**
 * Every booking a client made, latest class first: places taken, cancelled or waited for. A
 * booking refused before it took a place (no way to pay) is not one, nor a hold that lapsed.
 */
@QueryHandler(ListClientBookings)
export class ListClientBookingsHandler implements IQueryHandler<ListClientBookings> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute(query: ListClientBookings): Promise<Page<Booking>> {
    const { studioId, clientId, limit, cursor, now } = query;
    await assertProfileOfStudio(this.db, studioId, clientId);
    let keyset = sql`true`;
    if (cursor) {
      const [startsAt, enrollmentId] = decodeCursor(cursor);
      keyset = sql`(s.starts_at, p.enrollment_id) < (${startsAt}, ${enrollmentId}::uuid)`;
    }
    const { rows } = await sql<
      PlaceRow & { title: string; starts_at: Date; class_type_id: string; class_type: string }
    >`
      SELECT p.*, s.title, s.starts_at, s.class_type_id, ct.name AS class_type, ${PAYMENT_COLUMNS}
      FROM session_places p
      JOIN sessions s ON s.session_id = p.session_id
      LEFT JOIN class_types ct ON ct.class_type_id = s.class_type_id
      ${PAYMENT_JOINS}
      WHERE p.client_id IN ${answeredFor(clientId)} AND p.studio_id = ${studioId}
        AND (p.status <> 'released' OR p.waitlisted_at IS NOT NULL)
        AND NOT (p.status = 'held' AND p.held_until <= ${now})
        AND ${keyset}
      ORDER BY s.starts_at DESC, p.enrollment_id DESC
      LIMIT ${limit + 1}`.execute(this.db.kysely);
    return pageOf(rows, limit, (row) => ({
      enrollmentId: row.enrollment_id,
      sessionId: row.session_id,
      title: row.title,
      classType: { id: row.class_type_id, name: row.class_type },
      startsAt: new Date(row.starts_at).toISOString(),
      channel: row.channel,
      productUsed: row.payment ? { kind: row.payment.kind, name: productOf(row) } : null,
      status: row.status as Booking['status'],
      attendance: row.attendance,
      cancelledLate: row.cancelled_late,
      penalty: row.penalty,
      refunded: row.refunded,
      bookedAt: new Date(row.booked_at).toISOString(),
      bookedBy: row.booked_by,
    }));
  }
}

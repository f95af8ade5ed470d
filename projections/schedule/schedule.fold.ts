import type { RecordedEvent } from '@clientele/eventstore';
import type { SessionEvent } from '@clientele/scheduling';

/** A `session_places` row as the fold keeps it: jsonb columns parsed. */
export interface PlaceRow {
  enrollment_id: string;
  session_id: string;
  studio_id: string;
  client_id: string;
  status: string;
  channel: string;
  pay_with: string;
  payment: unknown;
  held_until: Date | string | null;
  arrival: number;
  make_up: boolean;
  attendance: string | null;
  penalty: string | null;
  refunded: boolean;
  cancelled_late: boolean | null;
  waitlisted_at: Date | null;
  booked_at: Date;
  booked_by: unknown;
  changed_at: Date;
}

/** A `session_invitations` row as the fold keeps it. */
export interface InvitationRow {
  session_id: string;
  client_id: string;
  invitation_id: string;
  status: string;
  invited_at: Date;
  invited_by: unknown;
  changed_at: Date;
}

/**
 * The places and invitations a batch touches, as read before it (or left by the events before
 * in the same batch). The fold changes them in place and marks what it changed, to be written
 * back a statement a table.
 */
export interface RosterRows {
  /** By enrollment id. */
  places: Map<string, PlaceRow>;
  /** Enrollment ids by `${sessionId}/${clientId}`: a new place releases the client's old hold. */
  placesOfClient: Map<string, string[]>;
  /** By `${sessionId}/${clientId}`. */
  invitations: Map<string, InvitationRow>;
  changedPlaces: Set<string>;
  changedInvitations: Set<string>;
}

export function rosterRows(places: PlaceRow[], invitations: InvitationRow[]): RosterRows {
  const rows: RosterRows = {
    places: new Map(),
    placesOfClient: new Map(),
    invitations: new Map(invitations.map((row) => [sessionClientKey(row), row])),
    changedPlaces: new Set(),
    changedInvitations: new Set(),
  };
  for (const row of places) addPlace(rows, row);
  return rows;
}

export const sessionClientKey = (row: { session_id: string; client_id: string }) =>
  `${row.session_id}/${row.client_id}`;

function addPlace(rows: RosterRows, row: PlaceRow): void {
  rows.places.set(row.enrollment_id, row);
  const key = sessionClientKey(row);
  rows.placesOfClient.set(key, [...(rows.placesOfClient.get(key) ?? []), row.enrollment_id]);
}

/**
 * One session event on a place or an invitation, as the statements it replaced had it (an
 * update of a row that is not there changes nothing). `SessionScheduled` is not a roster
 * event: the caller inserts the session.
 */
export function foldRosterEvent(rows: RosterRows, recorded: RecordedEvent): void {
  const event = recorded as unknown as SessionEvent;
  const at = recorded.recordedAt;
  const change = (enrollmentId: string, edit: (row: PlaceRow) => void) => {
    const row = rows.places.get(enrollmentId);
    if (!row) return;
    edit(row);
    row.changed_at = at;
    rows.changedPlaces.add(enrollmentId);
  };
  switch (event.type) {
    case 'SeatHeld':
    case 'Waitlisted': {
      const d = event.data;
      const held = event.type === 'SeatHeld';
      // The session keeps one place per client: a new one replaces a hold that lapsed unpaid.
      const key = sessionClientKey({ session_id: d.sessionId, client_id: d.clientId });
      for (const enrollmentId of rows.placesOfClient.get(key) ?? []) {
        if (enrollmentId !== d.enrollmentId && rows.places.get(enrollmentId)!.status === 'held') {
          change(enrollmentId, (row) => (row.status = 'released'));
        }
      }
      const heldUntil = held ? event.data.heldUntil : null;
      const makeUp = held ? event.data.makeUp : false;
      const existing = rows.places.get(d.enrollmentId);
      if (existing) {
        // A waitlisted place promoted to a hold keeps its booking time and joins the line anew.
        existing.status = held ? 'held' : 'waitlisted';
        existing.held_until = heldUntil;
        existing.arrival = recorded.revision;
        existing.make_up = makeUp;
        existing.waitlisted_at = existing.waitlisted_at ?? (held ? null : at);
        existing.changed_at = at;
      } else {
        addPlace(rows, {
          enrollment_id: d.enrollmentId,
          session_id: d.sessionId,
          studio_id: recorded.metadata.studioId,
          client_id: d.clientId,
          status: held ? 'held' : 'waitlisted',
          channel: d.channel,
          pay_with: d.payWith,
          payment: null,
          held_until: heldUntil,
          arrival: recorded.revision,
          make_up: makeUp,
          attendance: null,
          penalty: null,
          refunded: false,
          cancelled_late: null,
          waitlisted_at: held ? null : at,
          booked_at: at,
          booked_by: recorded.metadata.actor,
          changed_at: at,
        });
      }
      rows.changedPlaces.add(d.enrollmentId);
      return;
    }
    case 'EnrollmentConfirmed':
      change(event.data.enrollmentId, (row) => {
        row.status = 'confirmed';
        row.payment = event.data.payment;
      });
      return;
    case 'HoldReleased':
      change(event.data.enrollmentId, (row) => (row.status = 'released'));
      return;
    case 'EnrollmentCancelled': {
      const { late, outcome, giveBack } = event.data;
      // As the decider has it: a late cancel that kept what paid for the place (a credit or
      // money, not yet refunded) can be forgiven later; a chosen no-refund cancel cannot.
      const forgivable = late && outcome === 'cancel_and_refund' && giveBack === 'none';
      change(event.data.enrollmentId, (row) => {
        row.penalty =
          forgivable &&
          !row.refunded &&
          ['credit', 'card', 'hold'].includes((row.payment as { kind?: string } | null)?.kind ?? '')
            ? 'late_cancel'
            : null;
        row.status = 'cancelled';
        row.cancelled_late = late;
        row.refunded = row.refunded || giveBack !== 'none';
      });
      return;
    }
    case 'EnrollmentRefunded':
      change(event.data.enrollmentId, (row) => (row.refunded = true));
      return;
    case 'ClientCheckedIn':
      change(event.data.enrollmentId, (row) => (row.attendance = 'checked_in'));
      return;
    case 'ClientMarkedNoShow':
      change(event.data.enrollmentId, (row) => {
        row.attendance = 'no_show';
        row.penalty = 'no_show';
      });
      return;
    case 'PenaltyForgiven':
      change(event.data.enrollmentId, (row) => {
        row.penalty = null;
        row.refunded = row.refunded || event.data.giveBack !== 'none';
      });
      return;
    case 'ClientInvited': {
      const key = sessionClientKey({
        session_id: event.data.sessionId,
        client_id: event.data.clientId,
      });
      const existing = rows.invitations.get(key);
      if (existing) {
        existing.invitation_id = event.data.invitationId;
        existing.status = 'pending';
        existing.changed_at = at;
      } else {
        rows.invitations.set(key, {
          session_id: event.data.sessionId,
          client_id: event.data.clientId,
          invitation_id: event.data.invitationId,
          status: 'pending',
          invited_at: at,
          invited_by: recorded.metadata.actor,
          changed_at: at,
        });
      }
      rows.changedInvitations.add(key);
      return;
    }
    case 'InvitationDeclined': {
      const key = sessionClientKey({
        session_id: event.data.sessionId,
        client_id: event.data.clientId,
      });
      const existing = rows.invitations.get(key);
      if (!existing) return;
      existing.status = 'declined';
      existing.changed_at = at;
      rows.changedInvitations.add(key);
      return;
    }
    default:
      // SessionScheduled, or a session event this read model does not show yet (SCHEDULE_EVENTS).
      return;
  }
}

import type { RecordedEvent } from '@clientele/eventstore';
import type { SessionEvent } from '@clientele/scheduling';
import { foldRosterEvent, rosterRows, type PlaceRow } from './schedule.fold';

/**
 * The fold of a batch in memory: what used to be a statement per event on rows in the table now
 * also meets rows an earlier event of the same batch created or changed.
 */
const sessionId = '5e55a0d0-0000-4000-8000-000000000001';
const client = '5e55a0d0-0000-4000-8000-0000000000c1';
const studioId = '5e55a0d0-0000-4000-8000-0000000000a1';
const actor = { type: 'staff', id: 'fold.spec' };
let revision = 0;

function recorded(event: SessionEvent): RecordedEvent {
  revision += 1;
  return {
    ...event,
    revision,
    recordedAt: new Date(Date.UTC(2026, 11, 3, 9, revision)),
    metadata: { studioId, actor, correlationId: 'fold.spec', schemaVersion: 1 },
  } as unknown as RecordedEvent;
}

const held = (enrollmentId: string): SessionEvent => ({
  type: 'SeatHeld',
  data: {
    sessionId,
    enrollmentId,
    clientId: client,
    channel: 'online',
    payWith: 'credit',
    heldUntil: '2026-12-03T10:00:00.000Z',
    makeUp: false,
  },
});

const place = (enrollmentId: string, edit: Partial<PlaceRow> = {}): PlaceRow => ({
  enrollment_id: enrollmentId,
  session_id: sessionId,
  studio_id: studioId,
  client_id: client,
  status: 'held',
  channel: 'online',
  pay_with: 'credit',
  payment: null,
  held_until: new Date('2026-12-03T08:00:00.000Z'),
  arrival: 0,
  make_up: false,
  attendance: null,
  penalty: null,
  refunded: false,
  cancelled_late: null,
  waitlisted_at: null,
  booked_at: new Date('2026-12-03T07:00:00.000Z'),
  booked_by: actor,
  changed_at: new Date('2026-12-03T07:00:00.000Z'),
  ...edit,
});

describe('the roster fold', () => {
  it('a hold booked again in the same batch releases the first, held a moment before', () => {
    const rows = rosterRows([], []);
    foldRosterEvent(rows, recorded(held('e-1')));
    foldRosterEvent(rows, recorded(held('e-2')));
    expect(rows.places.get('e-1')?.status).toBe('released');
    expect(rows.places.get('e-2')?.status).toBe('held');
    expect([...rows.changedPlaces].sort()).toEqual(['e-1', 'e-2']);
  });

  it('a late cancel is forgivable as the place stood before it: paid, and not refunded', () => {
    const rows = rosterRows([], []);
    foldRosterEvent(rows, recorded(held('e-3')));
    foldRosterEvent(
      rows,
      recorded({
        type: 'EnrollmentConfirmed',
        data: { sessionId, enrollmentId: 'e-3', clientId: client, payment: { kind: 'credit' } },
      } as SessionEvent),
    );
    foldRosterEvent(
      rows,
      recorded({
        type: 'EnrollmentCancelled',
        data: {
          sessionId,
          enrollmentId: 'e-3',
          clientId: client,
          outcome: 'cancel_and_refund',
          late: true,
          giveBack: 'none',
          reason: 'late',
        },
      }),
    );
    expect(rows.places.get('e-3')).toMatchObject({
      status: 'cancelled',
      cancelled_late: true,
      refunded: false,
      penalty: 'late_cancel',
    });
  });

  it('a place refunded before its late cancel has nothing to forgive', () => {
    const rows = rosterRows([place('e-4', { status: 'confirmed', refunded: true })], []);
    foldRosterEvent(
      rows,
      recorded({
        type: 'EnrollmentCancelled',
        data: {
          sessionId,
          enrollmentId: 'e-4',
          clientId: client,
          outcome: 'cancel_and_refund',
          late: true,
          giveBack: 'none',
          reason: 'late',
        },
      }),
    );
    expect(rows.places.get('e-4')).toMatchObject({ penalty: null, refunded: true });
  });

  it('a waitlisted place promoted keeps its booking and waitlist times', () => {
    const waitlistedAt = new Date('2026-12-03T06:00:00.000Z');
    const rows = rosterRows(
      [place('e-5', { status: 'waitlisted', waitlisted_at: waitlistedAt, held_until: null })],
      [],
    );
    const event = recorded(held('e-5'));
    foldRosterEvent(rows, event);
    expect(rows.places.get('e-5')).toMatchObject({
      status: 'held',
      arrival: event.revision,
      waitlisted_at: waitlistedAt,
      booked_at: new Date('2026-12-03T07:00:00.000Z'),
      changed_at: event.recordedAt,
    });
  });

  it('an event on a place or an invitation not there changes nothing', () => {
    const rows = rosterRows([], []);
    foldRosterEvent(
      rows,
      recorded({
        type: 'ClientCheckedIn',
        data: { sessionId, enrollmentId: 'e-unknown', clientId: client },
      }),
    );
    foldRosterEvent(
      rows,
      recorded({
        type: 'InvitationDeclined',
        data: { sessionId, clientId: client, invitationId: 'i-unknown' },
      }),
    );
    expect(rows.places.size).toBe(0);
    expect(rows.changedPlaces.size + rows.changedInvitations.size).toBe(0);
  });
});

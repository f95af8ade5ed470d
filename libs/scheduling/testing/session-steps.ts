import fc from 'fast-check';
import { uuidFrom } from '@clientele/shared';
import { pick, stepsOf, type Step } from '../../shared/testing/decider-property';
import type { Place, SessionCommand, SessionState } from '../domain/session.decider';
import type { PlacePayment } from '../domain/session.events';

/**
 * Random commands of a session for property tests (issue 8): the decider's own test and the logs
 * the projections are fed.
 */

export type SessionStep = Step<SessionCommand, SessionState>;

export const START = new Date('2026-11-23T10:00:00Z');
const MINUTE = 60_000;

const clientId = fc.integer({ min: 0, max: 4 }).map((n) => uuidFrom(`client-${n}`));
const index = fc.nat({ max: 20 });

/** Every place of the session: each client's current one and those their newer bookings replaced. */
export function allPlaces(state: SessionState): Place[] {
  if (state.status !== 'scheduled') return [];
  return [...state.places.values(), ...state.earlier.values()];
}

const enrollmentAt = (state: SessionState, i: number) =>
  pick(
    allPlaces(state).map((p) => p.enrollmentId),
    i,
    uuidFrom('enrollment-unknown'),
  );

// Minutes between commands: a booking's few minutes, now and then hours (the class starts, ends).
const advance = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 30 }) },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 60 * 24 }) },
);

const step = stepsOf<SessionCommand, SessionState>(advance);

export const schedule = fc.record({
  capacity: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 3 }) }, fc.constant(0)),
  startsInHours: fc.integer({ min: 1, max: 72 }),
});

export const scheduleCommand =
  (sessionId: string) =>
  (v: { capacity: number; startsInHours: number }): SessionCommand => ({
    type: 'ScheduleSession',
    data: {
      sessionId,
      studioId: uuidFrom('studio-1'),
      classTypeId: uuidFrom('class-1'),
      title: 'Reformer',
      format: 'in_person',
      eventType: 'pilates',
      startsAt: new Date(START.getTime() + v.startsInHours * 60 * MINUTE).toISOString(),
      durationMinutes: 60,
      capacity: v.capacity,
      instructorId: null,
      place: null,
      link: null,
      waiverId: null,
    },
  });

const payment: fc.Arbitrary<PlacePayment> = fc.oneof(
  fc.constant({ kind: 'credit', reservationId: uuidFrom('reservation-1') } as const),
  fc.constant({ kind: 'membership', membershipId: uuidFrom('membership-1') } as const),
  fc.constant({
    kind: 'card',
    billId: 'bill-1',
    paymentId: 'payment-1',
    reference: 'ch-1',
  } as const),
  fc.constant({ kind: 'hold', billId: uuidFrom('bill-2') } as const),
);

/** Steps of one session: every command, valid or not, with the session's own enrollment ids. */
export function sessionSteps(sessionId: string): fc.WeightedArbitrary<SessionStep>[] {
  const own = (what: string) => uuidFrom(`${sessionId}:${what}`);
  return [
    step(schedule, scheduleCommand(sessionId)),
    step(
      fc.record({
        clientId,
        booking: fc.integer({ min: 0, max: 2 }),
        waitlist: fc.boolean(),
        heldMinutes: fc.integer({ min: 1, max: 20 }),
        makeUp: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
        payWith: fc.constantFrom(
          'credit' as const,
          'membership' as const,
          'card' as const,
          'hold' as const,
        ),
      }),
      (v, _state, now) => ({
        type: 'HoldSeat',
        data: {
          sessionId,
          // A booking's enrollment is its own: one client's, never reused by another.
          enrollmentId: own(`${v.clientId}:booking-${v.booking}`),
          clientId: v.clientId,
          channel: 'online',
          payWith: v.payWith,
          heldUntil: new Date(now.getTime() + v.heldMinutes * MINUTE).toISOString(),
          waitlist: v.waitlist,
          makeUp: v.makeUp,
        },
      }),
      4,
    ),
    step(
      fc.record({ i: index, payment }),
      (v, state) => ({
        type: 'ConfirmEnrollment',
        data: { sessionId, enrollmentId: enrollmentAt(state, v.i), payment: v.payment },
      }),
      4,
    ),
    step(index, (i, state) => ({
      type: 'ReleaseHold',
      data: { sessionId, enrollmentId: enrollmentAt(state, i), reason: 'payment failed' },
    })),
    step(
      fc.integer({ min: 1, max: 20 }),
      (heldMinutes, _state, now) => ({
        type: 'PromoteFromWaitlist',
        data: {
          sessionId,
          heldUntil: new Date(now.getTime() + heldMinutes * MINUTE).toISOString(),
        },
      }),
      2,
    ),
    step(
      fc.record({
        clientId,
        outcome: fc.constantFrom(
          'cancel_and_refund' as const,
          'cancel_no_refund' as const,
          'refund_only' as const,
        ),
        lateCancelMinutes: fc.constantFrom(0, 60, 720),
        override: fc.boolean(),
      }),
      (v) => ({ type: 'CancelEnrollment', data: { sessionId, ...v, reason: 'cannot come' } }),
      3,
    ),
    step(fc.record({ clientId, invitation: fc.integer({ min: 0, max: 1 }) }), (v) => ({
      type: 'InviteClient',
      data: {
        sessionId,
        clientId: v.clientId,
        invitationId: own(`${v.clientId}:invitation-${v.invitation}`),
      },
    })),
    step(clientId, (id) => ({ type: 'DeclineInvitation', data: { sessionId, clientId: id } })),
    step(clientId, (id) => ({ type: 'CheckIn', data: { sessionId, clientId: id } }), 2),
    step(fc.constant(null), () => ({ type: 'MarkNoShows', data: { sessionId } })),
    step(clientId, (id) => ({
      type: 'ForgivePenalty',
      data: { sessionId, clientId: id, reason: 'first time' },
    })),
  ];
}

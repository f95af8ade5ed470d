import fc from 'fast-check';
import {
  describedStep,
  pick,
  propertyParameters,
  runSteps,
  type Decided,
  type Step,
} from '../../shared/testing/decider-property';
import {
  placeOf,
  seatsTaken,
  sessionDecider,
  waitlist,
  type Place,
  type SessionCommand,
  type SessionState,
} from './session.decider';
import type { PlacePayment, SessionEvent } from './session.events';

/**
 * DESIGN.md invariant 1 on one session, for any sequence of bookings, confirmations, lapsed holds,
 * waitlist promotions, cancellations, refunds, check-ins and no-shows: never more confirmed
 * places than seats, and what paid for a place goes back at most once.
 */

type SessionStep = Step<SessionCommand, SessionState>;

const sessionId = 'session-1';
const START = new Date('2026-11-23T10:00:00Z');
const MINUTE = 60_000;

const clientId = fc.integer({ min: 0, max: 4 }).map((n) => `client-${n}`);
const index = fc.nat({ max: 20 });

/** Every place of the session: each client's current one and those their newer bookings replaced. */
function allPlaces(state: SessionState): Place[] {
  if (state.status !== 'scheduled') return [];
  return [...state.places.values(), ...state.earlier.values()];
}

const enrollmentAt = (state: SessionState, i: number) =>
  pick(
    allPlaces(state).map((p) => p.enrollmentId),
    i,
    'enrollment-unknown',
  );

// Minutes between commands: a booking's few minutes, now and then hours (the class starts, ends).
const advance = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 30 }) },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 60 * 24 }) },
);

const step = <T>(
  command: fc.Arbitrary<T>,
  make: (value: T, state: SessionState, now: Date) => SessionCommand,
  weight = 1,
): fc.WeightedArbitrary<SessionStep> => ({
  weight,
  arbitrary: fc
    .record({ advanceMinutes: advance, value: command })
    .map(({ advanceMinutes, value }) => describedStep(advanceMinutes, value, make)),
});

const schedule = fc.record({
  capacity: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 3 }) }, fc.constant(0)),
  startsInHours: fc.integer({ min: 1, max: 72 }),
});

const scheduleCommand = (v: { capacity: number; startsInHours: number }): SessionCommand => ({
  type: 'ScheduleSession',
  data: {
    sessionId,
    studioId: 'studio-1',
    classTypeId: 'class-1',
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
  fc.constant({ kind: 'credit', reservationId: 'reservation-1' } as const),
  fc.constant({ kind: 'membership', membershipId: 'membership-1' } as const),
  fc.constant({
    kind: 'card',
    billId: 'bill-1',
    paymentId: 'payment-1',
    reference: 'ch-1',
  } as const),
  fc.constant({ kind: 'hold', billId: 'bill-2' } as const),
);

const sessionSteps: fc.WeightedArbitrary<SessionStep>[] = [
  step(schedule, scheduleCommand),
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
        enrollmentId: `${v.clientId}-booking-${v.booking}`,
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
      data: { sessionId, heldUntil: new Date(now.getTime() + heldMinutes * MINUTE).toISOString() },
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
      invitationId: `${v.clientId}-invitation-${v.invitation}`,
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

/** Per enrollment, how many times something was given back for it. */
type GivenBack = Map<string, number>;

function checkStep(givenBack: GivenBack, d: Decided<SessionCommand, SessionEvent, SessionState>) {
  const { before, after, now } = d;
  for (const event of d.events) {
    switch (event.type) {
      case 'EnrollmentCancelled':
      case 'EnrollmentRefunded':
      case 'PenaltyForgiven':
        if (event.data.giveBack !== 'none') {
          const times = (givenBack.get(event.data.enrollmentId) ?? 0) + 1;
          givenBack.set(event.data.enrollmentId, times);
          // A credit returned or a payment refunded once, never twice for one place.
          expect(times).toBe(1);
        }
        break;
      case 'ClientCheckedIn':
        expect(placeOf(before, event.data.enrollmentId)?.status).toBe('confirmed');
        break;
      case 'ClientMarkedNoShow':
        expect(placeOf(before, event.data.enrollmentId)?.status).toBe('confirmed');
        expect(
          before.status === 'scheduled' && Date.parse(before.session.startsAt) < now.getTime(),
        ).toBe(true);
        break;
      case 'SeatHeld':
        // A place freed goes to the first on the waitlist.
        if (d.command.type === 'PromoteFromWaitlist') {
          expect(event.data.enrollmentId).toBe(waitlist(before)[0]?.enrollmentId);
        }
        break;
      default:
        break;
    }
  }
  if (after.status !== 'scheduled') return;
  const confirmed = allPlaces(after).filter((place) => place.status === 'confirmed');
  // Invariant 1, counting every place, replaced or not.
  expect(confirmed.length).toBeLessThanOrEqual(after.session.capacity);
  expect(seatsTaken(after, now)).toBeLessThanOrEqual(after.session.capacity);
  const clients = confirmed.map((place) => place.clientId);
  expect(new Set(clients).size).toBe(clients.length);
}

describe('the session decider, for any sequence of commands', () => {
  it('never confirms more places than seats, nor gives back what paid for one twice', () => {
    fc.assert(
      fc.property(
        schedule,
        fc.array(fc.oneof(...sessionSteps), { maxLength: 50, size: 'max' }),
        (first, steps) => {
          const givenBack: GivenBack = new Map();
          runSteps(
            sessionDecider,
            START,
            [describedStep(0, first, scheduleCommand), ...steps],
            (d) => checkStep(givenBack, d),
          );
        },
      ),
      propertyParameters(300),
    );
  });
});

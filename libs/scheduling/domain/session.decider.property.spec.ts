import fc from 'fast-check';
import {
  describedStep,
  propertyParameters,
  runSteps,
  type Decided,
} from '../../shared/testing/decider-property';
import {
  allPlaces,
  schedule,
  scheduleCommand,
  sessionSteps,
  START,
} from '../testing/session-steps';
import {
  placeOf,
  seatsTaken,
  sessionDecider,
  waitlist,
  type SessionCommand,
  type SessionState,
} from './session.decider';
import type { SessionEvent } from './session.events';

/**
 * DESIGN.md invariant 1 on one session, for any sequence of bookings, confirmations, lapsed holds,
 * waitlist promotions, cancellations, refunds, check-ins and no-shows: never more confirmed
 * places than seats, and what paid for a place goes back at most once.
 */

const sessionId = '5e55a0e0-0000-4000-a000-000000000001';
const steps = sessionSteps(sessionId);

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
        fc.array(fc.oneof(...steps), { maxLength: 50, size: 'max' }),
        (first, rest) => {
          const givenBack: GivenBack = new Map();
          runSteps(
            sessionDecider,
            START,
            [describedStep(0, first, scheduleCommand(sessionId)), ...rest],
            (d) => checkStep(givenBack, d),
          );
        },
      ),
      propertyParameters(300),
    );
  });
});

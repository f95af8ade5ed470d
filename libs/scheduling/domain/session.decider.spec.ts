import { InvalidInput, NotFound } from '@clientele/shared';
import { deciderSpec } from '../../shared/testing/decider-spec';
import {
  AlreadyEnrolled,
  HoldLapsed,
  NoInvitation,
  NotEnrolled,
  NothingToForgive,
  NothingToRefund,
  SessionFull,
  SessionNotOpen,
  EnrollmentEnded,
  seatsTaken,
  sessionDecider,
  waitlist,
  type SessionCommand,
} from './session.decider';
import type { SessionEvent } from './session.events';

const now = new Date('2026-11-23T10:00:00Z');
const spec = deciderSpec(sessionDecider, now);
const S = 'session-1';

const scheduled = (
  over: Partial<Extract<SessionEvent, { type: 'SessionScheduled' }>['data']> = {},
): SessionEvent => ({
  type: 'SessionScheduled',
  data: {
    sessionId: S,
    studioId: 'studio-1',
    classTypeId: 'flow',
    title: 'Morning Flow',
    format: 'in_person',
    eventType: 'yoga',
    startsAt: '2026-11-24T09:00:00Z',
    durationMinutes: 60,
    capacity: 2,
    instructorId: null,
    place: 'Studio A',
    link: null,
    waiverId: null,
    ...over,
  },
});

const held = (
  clientId: string,
  heldUntil = '2026-11-23T10:05:00Z',
  channel: 'studio' | 'online' = 'studio',
): SessionEvent => ({
  type: 'SeatHeld',
  data: {
    sessionId: S,
    enrollmentId: `e-${clientId}`,
    clientId,
    channel,
    payWith: 'credit',
    heldUntil,
    makeUp: false,
  },
});
const confirmed = (clientId: string): SessionEvent => ({
  type: 'EnrollmentConfirmed',
  data: {
    sessionId: S,
    enrollmentId: `e-${clientId}`,
    clientId,
    payment: { kind: 'credit', reservationId: `e-${clientId}` },
  },
});
const waitlisted = (clientId: string, channel: 'studio' | 'online' = 'online'): SessionEvent => ({
  type: 'Waitlisted',
  data: {
    sessionId: S,
    enrollmentId: `e-${clientId}`,
    clientId,
    channel,
    payWith: 'credit',
  },
});
const hold = (
  clientId: string,
  waitlist = false,
  enrollmentId = `e-${clientId}`,
): SessionCommand => ({
  type: 'HoldSeat',
  data: {
    sessionId: S,
    enrollmentId,
    clientId,
    channel: 'studio',
    payWith: 'credit',
    heldUntil: '2026-11-23T10:05:00Z',
    waitlist,
    makeUp: false,
  },
});
const cancel = (
  clientId: string,
  outcome: 'cancel_and_refund' | 'cancel_no_refund' | 'refund_only',
  override = false,
): SessionCommand => ({
  type: 'CancelEnrollment',
  data: { sessionId: S, clientId, outcome, lateCancelMinutes: 12 * 60, override, reason: 'asked' },
});
type Schedule = Extract<SessionCommand, { type: 'ScheduleSession' }>['data'];
const schedule = (over: Partial<Schedule>): SessionCommand => ({
  type: 'ScheduleSession',
  data: { ...(scheduled().data as Schedule), ...over },
});
const state = (events: SessionEvent[]) =>
  events.reduce(sessionDecider.evolve, sessionDecider.initialState);

describe('scheduling', () => {
  it('refuses a session that cannot happen, and a private one for more than one', () => {
    const bad = schedule({ title: ' ', capacity: 0, durationMinutes: 2, startsAt: 'tomorrow' });
    spec
      .given([])
      .when(bad)
      .thenThrows(InvalidInput, (e) =>
        expect(e.errors.map((x) => x.field)).toEqual([
          'title',
          'startsAt',
          'durationMinutes',
          'capacity',
        ]),
      );
    const privateForTwo = schedule({ format: 'private', capacity: 2 });
    spec.given([]).when(privateForTwo).thenThrows(InvalidInput);
  });
});

describe('taking a place', () => {
  it('holds a seat while there is one, then says the session is full', () => {
    spec
      .given([scheduled()])
      .when(hold('a'))
      .then([held('a')]);
    spec
      .given([scheduled(), held('a'), confirmed('a'), held('b')])
      .when(hold('c'))
      .thenThrows(SessionFull);
  });

  it('puts the client on the waitlist when asked, and keeps the order of arrival', () => {
    spec
      .given([scheduled(), held('a'), held('b')])
      .when(hold('c', true))
      .then([waitlisted('c', 'studio')]);
    const s = state([scheduled({ capacity: 1 }), held('a'), waitlisted('c'), waitlisted('d')]);
    expect(waitlist(s).map((p) => p.clientId)).toEqual(['c', 'd']);
  });

  it('counts a lapsed hold as a free seat', () => {
    const lapsed = held('a', '2026-11-23T09:59:00Z');
    expect(seatsTaken(state([scheduled(), lapsed, held('b')]), now)).toBe(1);
    spec
      .given([scheduled(), lapsed, held('b')])
      .when(hold('c'))
      .then([held('c')]);
  });

  it('refuses a second place for the same client, and repeats nothing for the same enrollment', () => {
    spec
      .given([scheduled(), held('a'), confirmed('a')])
      .when(hold('a', false, 'another-enrollment'))
      .thenThrows(AlreadyEnrolled);
    spec
      .given([scheduled(), held('a')])
      .when(hold('a'))
      .then([]);
  });

  it('refuses a booking under the id of a place that ended: what paid for it went back once', () => {
    const lapsed = held('a', '2026-11-23T09:59:00Z');
    const again = held('a');
    const rebooked = {
      ...again,
      data: { ...again.data, enrollmentId: 'e-a-again' },
    } as SessionEvent;
    spec.given([scheduled(), lapsed, rebooked]).when(hold('a')).thenThrows(EnrollmentEnded);
  });

  it('takes no booking for a session that ended or does not exist', () => {
    spec
      .given([scheduled({ startsAt: '2026-11-23T08:00:00Z' })])
      .when(hold('a'))
      .thenThrows(SessionNotOpen);
    spec.given([]).when(hold('a')).thenThrows(NotFound);
  });

  it('confirms a paid hold; a lapsed hold only while a seat is still free', () => {
    const confirm: SessionCommand = {
      type: 'ConfirmEnrollment',
      data: {
        sessionId: S,
        enrollmentId: 'e-a',
        payment: { kind: 'credit', reservationId: 'e-a' },
      },
    };
    spec
      .given([scheduled(), held('a')])
      .when(confirm)
      .then([confirmed('a')]);
    spec
      .given([scheduled(), held('a'), confirmed('a')])
      .when(confirm)
      .then([]);
    const lapsed = held('a', '2026-11-23T09:59:00Z');
    spec
      .given([scheduled({ capacity: 1 }), lapsed])
      .when(confirm)
      .then([confirmed('a')]);
    spec
      .given([scheduled({ capacity: 1 }), lapsed, held('b')])
      .when(confirm)
      .thenThrows(HoldLapsed);
  });

  it('gives a freed seat to the first on the waitlist', () => {
    const released: SessionEvent = {
      type: 'HoldReleased',
      data: { sessionId: S, enrollmentId: 'e-a', clientId: 'a', reason: 'no credit' },
    };
    const promote: SessionCommand = {
      type: 'PromoteFromWaitlist',
      data: { sessionId: S, heldUntil: '2026-11-23T10:10:00Z' },
    };
    spec
      .given([scheduled({ capacity: 1 }), held('a'), waitlisted('c'), waitlisted('d'), released])
      .when(promote)
      .then([held('c', '2026-11-23T10:10:00Z', 'online')]);
    spec
      .given([scheduled({ capacity: 1 }), held('a'), waitlisted('c')])
      .when(promote)
      .then([]);
  });
});

describe('cancelling', () => {
  const enrolled = [scheduled(), held('a'), confirmed('a')];

  it('gives the credit back when cancelled in time with a refund', () => {
    const early = deciderSpec(sessionDecider, new Date('2026-11-23T08:00:00Z'));
    early
      .given(enrolled)
      .when(cancel('a', 'cancel_and_refund'))
      .then([
        {
          type: 'EnrollmentCancelled',
          data: {
            sessionId: S,
            enrollmentId: 'e-a',
            clientId: 'a',
            outcome: 'cancel_and_refund',
            late: false,
            giveBack: 'credit',
            reason: 'asked',
          },
        },
      ]);
  });

  it('forfeits the credit inside the late window unless staff override, and lets it be forgiven', () => {
    // 23 hours before the start is outside a 12-hour window; 2 hours before is inside.
    const late = deciderSpec(sessionDecider, new Date('2026-11-24T07:00:00Z'));
    late
      .given(enrolled)
      .when(cancel('a', 'cancel_and_refund'))
      .then([
        {
          type: 'EnrollmentCancelled',
          data: {
            sessionId: S,
            enrollmentId: 'e-a',
            clientId: 'a',
            outcome: 'cancel_and_refund',
            late: true,
            giveBack: 'none',
            reason: 'asked',
          },
        },
      ]);
    const overridden = sessionDecider.decide(
      cancel('a', 'cancel_and_refund', true),
      state(enrolled),
      new Date('2026-11-24T07:00:00Z'),
    );
    expect(overridden[0]!.data).toMatchObject({ late: true, giveBack: 'credit' });

    const forfeited = sessionDecider.decide(
      cancel('a', 'cancel_and_refund'),
      state(enrolled),
      new Date('2026-11-24T07:00:00Z'),
    );
    const forgive: SessionCommand = {
      type: 'ForgivePenalty',
      data: { sessionId: S, clientId: 'a', reason: 'family emergency' },
    };
    late
      .given([...enrolled, ...forfeited])
      .when(forgive)
      .then([
        {
          type: 'PenaltyForgiven',
          data: {
            sessionId: S,
            enrollmentId: 'e-a',
            clientId: 'a',
            penalty: 'late_cancel',
            giveBack: 'credit',
            reason: 'family emergency',
          },
        },
      ]);
    spec.given(enrolled).when(forgive).thenThrows(NothingToForgive);
  });

  it('refunds only and keeps the place; cancels without refund; refuses who has no place', () => {
    spec
      .given(enrolled)
      .when(cancel('a', 'refund_only'))
      .then([
        {
          type: 'EnrollmentRefunded',
          data: {
            sessionId: S,
            enrollmentId: 'e-a',
            clientId: 'a',
            giveBack: 'credit',
            reason: 'asked',
          },
        },
      ]);
    const noRefund = sessionDecider.decide(cancel('a', 'cancel_no_refund'), state(enrolled), now);
    expect(noRefund[0]!.data).toMatchObject({ outcome: 'cancel_no_refund', giveBack: 'none' });
    spec
      .given([scheduled(), held('b')])
      .when(cancel('b', 'cancel_and_refund'))
      .thenThrows(NotEnrolled);
  });
});

describe('cancelling, asked again and paid otherwise', () => {
  const enrolled = [scheduled(), held('a'), confirmed('a')];
  const byCard: SessionEvent = {
    type: 'EnrollmentConfirmed',
    data: {
      sessionId: S,
      enrollmentId: 'e-a',
      clientId: 'a',
      payment: { kind: 'card', billId: 'bill-a', paymentId: 'pay-a', reference: 'ch_1' },
    },
  };

  it('changes nothing when a cancellation is asked again, and refunds only once', () => {
    const cancelled = sessionDecider.decide(cancel('a', 'cancel_and_refund'), state(enrolled), now);
    spec
      .given([...enrolled, ...cancelled])
      .when(cancel('a', 'cancel_and_refund'))
      .then([]);
    const refunded = sessionDecider.decide(cancel('a', 'refund_only'), state(enrolled), now);
    spec
      .given([...enrolled, ...refunded])
      .when(cancel('a', 'refund_only'))
      .then([]);
    // Refunded already: a later cancellation gives nothing back twice.
    const after = sessionDecider.decide(
      cancel('a', 'cancel_and_refund'),
      state([...enrolled, ...refunded]),
      now,
    );
    expect(after[0]!.data).toMatchObject({ giveBack: 'none' });
  });

  it('refunds a card to where it came from, and a membership place has nothing to refund', () => {
    const [cancelled] = sessionDecider.decide(
      cancel('a', 'cancel_and_refund'),
      state([scheduled(), held('a'), byCard]),
      now,
    );
    expect(cancelled!.data).toMatchObject({ giveBack: 'payment' });
    spec
      .given([
        scheduled(),
        held('a'),
        {
          type: 'EnrollmentConfirmed',
          data: {
            sessionId: S,
            enrollmentId: 'e-a',
            clientId: 'a',
            payment: { kind: 'membership', membershipId: 'm-1' },
          },
        },
      ])
      .when(cancel('a', 'refund_only'))
      .thenThrows(NothingToRefund);
  });

  it('keeps a late card cancellation forgivable, and not a chosen no-refund', () => {
    const late = new Date('2026-11-24T07:00:00Z');
    const base = [scheduled(), held('a'), byCard];
    const forfeited = sessionDecider.decide(cancel('a', 'cancel_and_refund'), state(base), late);
    const forgive: SessionCommand = {
      type: 'ForgivePenalty',
      data: { sessionId: S, clientId: 'a', reason: 'snowstorm' },
    };
    const [forgiven] = sessionDecider.decide(forgive, state([...base, ...forfeited]), late);
    expect(forgiven!.data).toMatchObject({ penalty: 'late_cancel', giveBack: 'payment' });
    const chosen = sessionDecider.decide(cancel('a', 'cancel_no_refund'), state(base), late);
    spec
      .given([...base, ...chosen])
      .when(forgive)
      .thenThrows(NothingToForgive);
  });
});

describe('a place replaced by a newer booking of the same client', () => {
  it('is released by its own enrollment, never the newer confirmed place', () => {
    // a1 lapsed unpaid; the client booked again (a2) and paid; then a1's release arrives.
    const lapsed = held('a', '2026-11-23T09:00:00Z');
    const rebooked: SessionEvent[] = [
      {
        ...held('a'),
        data: { ...(held('a').data as object), enrollmentId: 'e-a2' },
      } as SessionEvent,
      {
        type: 'EnrollmentConfirmed',
        data: {
          sessionId: S,
          enrollmentId: 'e-a2',
          clientId: 'a',
          payment: { kind: 'credit', reservationId: 'e-a2' },
        },
      },
    ];
    const before = state([scheduled(), lapsed, ...rebooked]);
    const released = sessionDecider.decide(
      { type: 'ReleaseHold', data: { sessionId: S, enrollmentId: 'e-a', reason: 'hold lapsed' } },
      before,
      now,
    );
    const after = state([scheduled(), lapsed, ...rebooked, ...released]);
    if (after.status !== 'scheduled') throw new Error('scheduled');
    expect(after.places.get('a')).toMatchObject({ enrollmentId: 'e-a2', status: 'confirmed' });
    expect(seatsTaken(after, now)).toBe(1);
  });

  it('never becomes a place when paid late: the client would hold two, beyond capacity', () => {
    const lapsed = held('a', '2026-11-23T09:00:00Z');
    // Booked again, and that hold lapsed too: no seat is taken, yet e-a is not the client's place.
    const again = held('a', '2026-11-23T09:30:00Z');
    const rebooked = {
      ...again,
      data: { ...(again.data as object), enrollmentId: 'e-a2' },
    } as SessionEvent;
    spec
      .given([scheduled({ capacity: 1 }), lapsed, rebooked])
      .when({
        type: 'ConfirmEnrollment',
        data: {
          sessionId: S,
          enrollmentId: 'e-a',
          payment: { kind: 'credit', reservationId: 'e-a' },
        },
      })
      .thenThrows(HoldLapsed);
  });
});

describe('invitations', () => {
  const invite: SessionCommand = {
    type: 'InviteClient',
    data: { sessionId: S, clientId: 'a', invitationId: 'inv-a' },
  };
  const invited: SessionEvent = {
    type: 'ClientInvited',
    data: { sessionId: S, clientId: 'a', invitationId: 'inv-a' },
  };
  const decline: SessionCommand = {
    type: 'DeclineInvitation',
    data: { sessionId: S, clientId: 'a' },
  };

  it('invites once, and not a client who already has a place', () => {
    spec.given([scheduled()]).when(invite).then([invited]);
    spec.given([scheduled(), invited]).when(invite).then([]);
    spec
      .given([scheduled(), held('a'), confirmed('a')])
      .when(invite)
      .thenThrows(AlreadyEnrolled);
  });

  it('records a declined invitation once, and refuses to decline one never made', () => {
    spec
      .given([scheduled(), invited])
      .when(decline)
      .then([
        {
          type: 'InvitationDeclined',
          data: { sessionId: S, clientId: 'a', invitationId: 'inv-a' },
        },
      ]);
    spec.given([scheduled()]).when(decline).thenThrows(NoInvitation);
  });
});

describe('attendance', () => {
  const enrolled = [scheduled(), held('a'), confirmed('a'), held('b'), confirmed('b')];
  const checkIn: SessionCommand = { type: 'CheckIn', data: { sessionId: S, clientId: 'a' } };

  it('checks a client in once', () => {
    spec
      .given(enrolled)
      .when(checkIn)
      .then([
        { type: 'ClientCheckedIn', data: { sessionId: S, enrollmentId: 'e-a', clientId: 'a' } },
      ]);
    spec
      .given([
        ...enrolled,
        { type: 'ClientCheckedIn', data: { sessionId: S, enrollmentId: 'e-a', clientId: 'a' } },
      ])
      .when(checkIn)
      .then([]);
  });

  it('marks who did not come as no-shows after the end, once', () => {
    const after = deciderSpec(sessionDecider, new Date('2026-11-24T10:30:00Z'));
    const came: SessionEvent = {
      type: 'ClientCheckedIn',
      data: { sessionId: S, enrollmentId: 'e-a', clientId: 'a' },
    };
    const noShow: SessionEvent = {
      type: 'ClientMarkedNoShow',
      data: { sessionId: S, enrollmentId: 'e-b', clientId: 'b' },
    };
    const mark: SessionCommand = { type: 'MarkNoShows', data: { sessionId: S } };
    after
      .given([...enrolled, came])
      .when(mark)
      .then([noShow]);
    after
      .given([...enrolled, came, noShow])
      .when(mark)
      .then([]);
    spec.given(enrolled).when(mark).then([]); // not over yet
  });
});

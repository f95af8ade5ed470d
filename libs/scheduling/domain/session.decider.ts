import {
  EVENT_TYPE,
  assertNever,
  InvalidInput,
  NotFound,
  RuleViolation,
  type Decider,
  type FieldError,
} from '@clientele/shared';
import {
  FORMATS,
  type CancelOutcome,
  type Channel,
  type GiveBack,
  type PayWith,
  type PlacePayment,
  type SessionEvent,
} from './session.events';

const MINUTE_MS = 60_000;

export type SessionCommand =
  | { type: 'ScheduleSession'; data: Extract<SessionEvent, { type: 'SessionScheduled' }>['data'] }
  | {
      type: 'HoldSeat';
      data: {
        sessionId: string;
        enrollmentId: string;
        clientId: string;
        channel: Channel;
        payWith: PayWith;
        heldUntil: string;
        /** Take a place on the waitlist when the session is full. */
        waitlist: boolean;
        makeUp: boolean;
      };
    }
  | {
      type: 'ConfirmEnrollment';
      data: { sessionId: string; enrollmentId: string; payment: PlacePayment };
    }
  | { type: 'ReleaseHold'; data: { sessionId: string; enrollmentId: string; reason: string } }
  | {
      /** The first on the waitlist gets a held place, when one is free. */
      type: 'PromoteFromWaitlist';
      data: { sessionId: string; heldUntil: string };
    }
  | {
      type: 'CancelEnrollment';
      data: {
        sessionId: string;
        clientId: string;
        outcome: CancelOutcome;
        /** The studio's late-cancel window, in minutes before the start. */
        lateCancelMinutes: number;
        /** Staff with `enrollments:override` give the credit back even inside the window. */
        override: boolean;
        reason: string;
      };
    }
  | { type: 'InviteClient'; data: { sessionId: string; clientId: string; invitationId: string } }
  | { type: 'DeclineInvitation'; data: { sessionId: string; clientId: string } }
  | { type: 'CheckIn'; data: { sessionId: string; clientId: string } }
  | { type: 'MarkNoShows'; data: { sessionId: string } }
  | {
      type: 'ForgivePenalty';
      data: { sessionId: string; clientId: string; reason: string };
    };

export interface Place {
  enrollmentId: string;
  clientId: string;
  status: 'held' | 'confirmed' | 'waitlisted' | 'released' | 'cancelled';
  channel: Channel;
  payWith: PayWith;
  heldUntil: string | null;
  makeUp: boolean;
  payment: PlacePayment | null;
  refunded: boolean;
  /** What is owed back to the client (done by the workflow, finished by the sweeper). */
  giveBack: GiveBack;
  attendance: 'checked_in' | 'no_show' | null;
  /** A penalty that can be forgiven: a late cancel that kept the credit, or a no-show. */
  penalty: 'late_cancel' | 'no_show' | null;
  /** Order of arrival, for the waitlist. */
  order: number;
}

export type SessionState =
  | { status: 'none' }
  | {
      status: 'scheduled';
      session: Extract<SessionEvent, { type: 'SessionScheduled' }>['data'];
      places: ReadonlyMap<string, Place>;
      /** Places a newer booking of the same client replaced, by enrollment: still settled. */
      earlier: ReadonlyMap<string, Place>;
      invitations: ReadonlyMap<string, Invitation>;
      arrivals: number;
    };

export interface Invitation {
  invitationId: string;
  status: 'pending' | 'declined';
}

export class SessionFull extends RuleViolation {
  constructor(sessionId: string, capacity: number) {
    super('session_full', `The session is full (${capacity} places).`, { sessionId, capacity });
  }
}

export class AlreadyEnrolled extends RuleViolation {
  constructor(clientId: string, status: string) {
    super('already_enrolled', `The client already has a place in this session (${status}).`, {
      clientId,
      placeStatus: status,
    });
  }
}

export class EnrollmentEnded extends RuleViolation {
  constructor(enrollmentId: string) {
    super(
      'enrollment_ended',
      `Enrollment ${enrollmentId} has ended in this session; a new booking needs a new Idempotency-Key.`,
      { enrollmentId },
    );
  }
}

export class SessionNotOpen extends RuleViolation {
  constructor(sessionId: string, why: string) {
    super('session_not_open', `Session ${sessionId} takes no bookings: ${why}.`, { sessionId });
  }
}

export class HoldLapsed extends RuleViolation {
  constructor(enrollmentId: string) {
    super(
      'hold_lapsed',
      `The held place ${enrollmentId} lapsed before it was paid, and the session filled meanwhile.`,
      { enrollmentId },
    );
  }
}

export class NotEnrolled extends RuleViolation {
  constructor(clientId: string, status: string) {
    super('not_enrolled', `The client has no confirmed place in this session (${status}).`, {
      clientId,
      placeStatus: status,
    });
  }
}

export class NothingToRefund extends RuleViolation {
  constructor(clientId: string, paidBy: string) {
    super('nothing_to_refund', `The place was not paid with money or a credit (${paidBy}).`, {
      clientId,
      paidBy,
    });
  }
}

export class NoInvitation extends RuleViolation {
  constructor(clientId: string) {
    super('no_invitation', 'The client has no open invitation to this session.', { clientId });
  }
}

export class NothingToForgive extends RuleViolation {
  constructor(clientId: string) {
    super('nothing_to_forgive', 'The client has no late cancel or no-show here to forgive.', {
      clientId,
    });
  }
}

function scheduled(state: SessionState, sessionId: string) {
  if (state.status !== 'scheduled') throw new NotFound('session', sessionId);
  return state;
}

/** Places that count against capacity at `now`: confirmed, and holds not yet lapsed. */
export function seatsTaken(state: SessionState, now: Date): number {
  if (state.status !== 'scheduled') return 0;
  let taken = 0;
  for (const place of state.places.values()) {
    if (place.status === 'confirmed') taken++;
    else if (place.status === 'held' && Date.parse(place.heldUntil!) > now.getTime()) taken++;
  }
  return taken;
}

/** The waitlist in order of arrival. */
export function waitlist(state: SessionState): Place[] {
  if (state.status !== 'scheduled') return [];
  return [...state.places.values()]
    .filter((place) => place.status === 'waitlisted')
    .sort((a, b) => a.order - b.order);
}

function validateSchedule(data: Extract<SessionCommand, { type: 'ScheduleSession' }>['data']) {
  const errors: FieldError[] = [];
  if (data.title.trim().length === 0 || data.title.length > 100) {
    errors.push({ field: 'title', message: 'must be 1 to 100 characters' });
  }
  if (!(FORMATS as readonly string[]).includes(data.format)) {
    errors.push({ field: 'format', message: `must be one of ${FORMATS.join(', ')}` });
  }
  if (!EVENT_TYPE.test(data.eventType)) {
    errors.push({ field: 'eventType', message: 'must be lower-case letters, digits, _ and -' });
  }
  if (Number.isNaN(Date.parse(data.startsAt))) {
    errors.push({ field: 'startsAt', message: 'must be an ISO 8601 time' });
  }
  if (
    !Number.isSafeInteger(data.durationMinutes) ||
    data.durationMinutes < 5 ||
    data.durationMinutes > 24 * 60
  ) {
    errors.push({ field: 'durationMinutes', message: 'must be a whole number from 5 to 1440' });
  }
  if (!Number.isSafeInteger(data.capacity) || data.capacity < 1 || data.capacity > 1000) {
    errors.push({ field: 'capacity', message: 'must be a whole number from 1 to 1000' });
  } else if (data.format === 'private' && data.capacity !== 1) {
    // A one-on-one appointment is a private session of one.
    errors.push({ field: 'capacity', message: 'a private session has capacity 1' });
  }
  const price = data.dropInPrice;
  if (price && (!Number.isSafeInteger(price.amount) || price.amount < 0)) {
    errors.push({
      field: 'dropInPrice',
      message: 'must be a whole, non-negative number of minor units',
    });
  }
  if (data.format === 'virtual' && !data.link) {
    errors.push({ field: 'link', message: 'a virtual session needs a link' });
  }
  if (errors.length > 0) throw new InvalidInput('The session is not valid.', errors);
}

/** A place by its enrollment: the client's current one, or one a newer booking replaced. */
export function placeOf(state: SessionState, enrollmentId: string): Place | undefined {
  if (state.status !== 'scheduled') return undefined;
  return (
    [...state.places.values()].find((place) => place.enrollmentId === enrollmentId) ??
    state.earlier.get(enrollmentId)
  );
}

/** What paid for a place can go back: a credit to its grant, money to where it came from. */
function refundable(place: Place): GiveBack {
  switch (place.payment?.kind) {
    case 'credit':
      return 'credit';
    case 'card':
    case 'hold':
      return 'payment';
    default:
      return 'none';
  }
}

/** The client's confirmed place: what cancelling and checking in act on. */
function confirmedPlace(state: SessionState, clientId: string): Place {
  const place = state.status === 'scheduled' ? state.places.get(clientId) : undefined;
  if (!place || place.status !== 'confirmed') {
    throw new NotEnrolled(clientId, place?.status ?? 'none');
  }
  return place;
}

const endsAt = (session: { startsAt: string; durationMinutes: number }) =>
  Date.parse(session.startsAt) + session.durationMinutes * MINUTE_MS;

function decide(command: SessionCommand, state: SessionState, now: Date): SessionEvent[] {
  switch (command.type) {
    case 'ScheduleSession': {
      validateSchedule(command.data);
      if (state.status !== 'none') return [];
      return [
        { type: 'SessionScheduled', data: { ...command.data, title: command.data.title.trim() } },
      ];
    }
    case 'HoldSeat': {
      const c = command.data;
      const s = scheduled(state, c.sessionId);
      if (endsAt(s.session) <= now.getTime()) throw new SessionNotOpen(c.sessionId, 'it has ended');
      const existing = s.places.get(c.clientId);
      if (existing?.enrollmentId === c.enrollmentId) return [];
      // An enrollment id names one place: one that ended must not come back, or what paid for it
      // could be given back twice.
      if (s.earlier.has(c.enrollmentId)) throw new EnrollmentEnded(c.enrollmentId);
      if (
        existing &&
        (existing.status === 'confirmed' ||
          existing.status === 'waitlisted' ||
          (existing.status === 'held' && Date.parse(existing.heldUntil!) > now.getTime()))
      ) {
        throw new AlreadyEnrolled(c.clientId, existing.status);
      }
      // A waitlisted client ahead keeps the first free place: only they may take it.
      const full = seatsTaken(s, now) >= s.session.capacity;
      if (full || waitlist(s).length > 0) {
        if (!c.waitlist) throw new SessionFull(c.sessionId, s.session.capacity);
        return [
          {
            type: 'Waitlisted',
            data: {
              sessionId: c.sessionId,
              enrollmentId: c.enrollmentId,
              clientId: c.clientId,
              channel: c.channel,
              payWith: c.payWith,
            },
          },
        ];
      }
      return [
        {
          type: 'SeatHeld',
          data: {
            sessionId: c.sessionId,
            enrollmentId: c.enrollmentId,
            clientId: c.clientId,
            channel: c.channel,
            payWith: c.payWith,
            heldUntil: c.heldUntil,
            makeUp: c.makeUp,
          },
        },
      ];
    }
    case 'ConfirmEnrollment': {
      const c = command.data;
      const s = scheduled(state, c.sessionId);
      const place = placeOf(s, c.enrollmentId);
      if (!place) throw new NotFound('enrollment', c.enrollmentId);
      if (place.status === 'confirmed') return [];
      // A hold the client's newer booking replaced lapsed for good: the newer one is their place.
      const current = s.places.get(place.clientId)?.enrollmentId === c.enrollmentId;
      if (place.status !== 'held' || !current) throw new HoldLapsed(c.enrollmentId);
      // A lapsed hold still becomes a place when one is free: nobody else took it.
      if (
        Date.parse(place.heldUntil!) <= now.getTime() &&
        seatsTaken(s, now) >= s.session.capacity
      ) {
        throw new HoldLapsed(c.enrollmentId);
      }
      return [
        {
          type: 'EnrollmentConfirmed',
          data: {
            sessionId: c.sessionId,
            enrollmentId: c.enrollmentId,
            clientId: place.clientId,
            payment: place.makeUp ? { kind: 'make_up' } : c.payment,
          },
        },
      ];
    }
    case 'PromoteFromWaitlist': {
      const c = command.data;
      const s = scheduled(state, c.sessionId);
      const [first] = waitlist(s);
      if (!first || seatsTaken(s, now) >= s.session.capacity) return [];
      return [
        {
          type: 'SeatHeld',
          data: {
            sessionId: c.sessionId,
            enrollmentId: first.enrollmentId,
            clientId: first.clientId,
            channel: first.channel,
            payWith: first.payWith,
            heldUntil: c.heldUntil,
            makeUp: false,
          },
        },
      ];
    }
    case 'ReleaseHold': {
      const c = command.data;
      const s = scheduled(state, c.sessionId);
      const place = placeOf(s, c.enrollmentId);
      if (!place || (place.status !== 'held' && place.status !== 'waitlisted')) return [];
      return [
        {
          type: 'HoldReleased',
          data: {
            sessionId: c.sessionId,
            enrollmentId: c.enrollmentId,
            clientId: place.clientId,
            reason: c.reason,
          },
        },
      ];
    }
    case 'CancelEnrollment': {
      const c = command.data;
      const s = scheduled(state, c.sessionId);
      const current = s.places.get(c.clientId);
      // Cancelled already (a retry): the workflow finishes what is owed back from the state.
      if (current?.status === 'cancelled' && c.outcome !== 'refund_only') return [];
      const place = confirmedPlace(s, c.clientId);
      const ids = {
        sessionId: c.sessionId,
        enrollmentId: place.enrollmentId,
        clientId: c.clientId,
      };
      if (c.outcome === 'refund_only') {
        if (place.refunded) return [];
        const giveBack = refundable(place);
        if (giveBack === 'none')
          throw new NothingToRefund(c.clientId, place.payment?.kind ?? 'none');
        return [{ type: 'EnrollmentRefunded', data: { ...ids, giveBack, reason: c.reason } }];
      }
      const late = Date.parse(s.session.startsAt) - now.getTime() < c.lateCancelMinutes * MINUTE_MS;
      const giveBack =
        c.outcome === 'cancel_and_refund' && !place.refunded && (!late || c.override)
          ? refundable(place)
          : 'none';
      return [
        {
          type: 'EnrollmentCancelled',
          data: { ...ids, outcome: c.outcome, late, giveBack, reason: c.reason },
        },
      ];
    }
    case 'InviteClient': {
      const c = command.data;
      const s = scheduled(state, c.sessionId);
      if (endsAt(s.session) <= now.getTime()) throw new SessionNotOpen(c.sessionId, 'it has ended');
      const place = s.places.get(c.clientId);
      if (place && place.status !== 'released' && place.status !== 'cancelled') {
        throw new AlreadyEnrolled(c.clientId, place.status);
      }
      if (s.invitations.get(c.clientId)?.status === 'pending') return [];
      return [{ type: 'ClientInvited', data: c }];
    }
    case 'DeclineInvitation': {
      const c = command.data;
      const s = scheduled(state, c.sessionId);
      const invitation = s.invitations.get(c.clientId);
      if (!invitation) throw new NoInvitation(c.clientId);
      if (invitation.status === 'declined') return [];
      return [
        {
          type: 'InvitationDeclined',
          data: { ...c, invitationId: invitation.invitationId },
        },
      ];
    }
    case 'CheckIn': {
      const c = command.data;
      const s = scheduled(state, c.sessionId);
      const place = confirmedPlace(s, c.clientId);
      if (place.attendance === 'checked_in') return [];
      return [
        {
          type: 'ClientCheckedIn',
          data: { sessionId: c.sessionId, enrollmentId: place.enrollmentId, clientId: c.clientId },
        },
      ];
    }
    case 'MarkNoShows': {
      const s = scheduled(state, command.data.sessionId);
      if (endsAt(s.session) > now.getTime()) return [];
      return [...s.places.values()]
        .filter((place) => place.status === 'confirmed' && place.attendance === null)
        .map((place) => ({
          type: 'ClientMarkedNoShow' as const,
          data: {
            sessionId: command.data.sessionId,
            enrollmentId: place.enrollmentId,
            clientId: place.clientId,
          },
        }));
    }
    case 'ForgivePenalty': {
      const c = command.data;
      const s = scheduled(state, c.sessionId);
      const place = s.places.get(c.clientId);
      if (!place || place.penalty === null) throw new NothingToForgive(c.clientId);
      return [
        {
          type: 'PenaltyForgiven',
          data: {
            sessionId: c.sessionId,
            enrollmentId: place.enrollmentId,
            clientId: c.clientId,
            penalty: place.penalty,
            giveBack: place.refunded ? 'none' : refundable(place),
            reason: c.reason,
          },
        },
      ];
    }
    default:
      return assertNever(command);
  }
}

/** Changes the place an event names by its enrollment: the current one, or one replaced. */
function withPlace(
  state: SessionState,
  { clientId, enrollmentId }: { clientId: string; enrollmentId: string },
  change: (place: Place) => Place,
): SessionState {
  if (state.status !== 'scheduled') return state;
  const current = state.places.get(clientId);
  if (current?.enrollmentId === enrollmentId) {
    return { ...state, places: new Map(state.places).set(clientId, change(current)) };
  }
  const earlier = state.earlier.get(enrollmentId);
  if (!earlier) return state;
  return { ...state, earlier: new Map(state.earlier).set(enrollmentId, change(earlier)) };
}

function evolve(state: SessionState, event: SessionEvent): SessionState {
  switch (event.type) {
    case 'SessionScheduled':
      return {
        status: 'scheduled',
        session: event.data,
        places: new Map(),
        earlier: new Map(),
        invitations: new Map(),
        arrivals: 0,
      };
    case 'ClientInvited':
    case 'InvitationDeclined':
      if (state.status !== 'scheduled') return state;
      return {
        ...state,
        invitations: new Map(state.invitations).set(event.data.clientId, {
          invitationId: event.data.invitationId,
          status: event.type === 'ClientInvited' ? 'pending' : 'declined',
        }),
      };
    case 'SeatHeld':
    case 'Waitlisted': {
      if (state.status !== 'scheduled') return state;
      const d = event.data;
      const place: Place = {
        enrollmentId: d.enrollmentId,
        clientId: d.clientId,
        status: event.type === 'SeatHeld' ? 'held' : 'waitlisted',
        channel: d.channel,
        payWith: d.payWith,
        heldUntil: event.type === 'SeatHeld' ? event.data.heldUntil : null,
        makeUp: event.type === 'SeatHeld' ? event.data.makeUp : false,
        payment: null,
        refunded: false,
        giveBack: 'none',
        attendance: null,
        penalty: null,
        order: state.arrivals,
      };
      const replaced = state.places.get(d.clientId);
      return {
        ...state,
        arrivals: state.arrivals + 1,
        places: new Map(state.places).set(d.clientId, place),
        earlier:
          replaced && replaced.enrollmentId !== d.enrollmentId
            ? new Map(state.earlier).set(replaced.enrollmentId, replaced)
            : state.earlier,
      };
    }
    case 'EnrollmentConfirmed':
      return withPlace(state, event.data, (p) => ({
        ...p,
        status: 'confirmed',
        payment: event.data.payment,
      }));
    case 'HoldReleased':
      return withPlace(state, event.data, (p) => ({ ...p, status: 'released' }));
    case 'EnrollmentCancelled':
      return withPlace(state, event.data, (p) => ({
        ...p,
        status: 'cancelled',
        refunded: p.refunded || event.data.giveBack !== 'none',
        giveBack: p.refunded ? p.giveBack : event.data.giveBack,
        // A late cancel that kept what it was paid with can be forgiven later.
        penalty:
          event.data.late &&
          event.data.outcome === 'cancel_and_refund' &&
          event.data.giveBack === 'none' &&
          refundable(p) !== 'none' &&
          !p.refunded
            ? 'late_cancel'
            : null,
      }));
    case 'EnrollmentRefunded':
      return withPlace(state, event.data, (p) => ({
        ...p,
        refunded: true,
        giveBack: event.data.giveBack,
      }));
    case 'ClientCheckedIn':
      return withPlace(state, event.data, (p) => ({ ...p, attendance: 'checked_in' }));
    case 'ClientMarkedNoShow':
      return withPlace(state, event.data, (p) => ({
        ...p,
        attendance: 'no_show',
        penalty: 'no_show',
      }));
    case 'PenaltyForgiven':
      return withPlace(state, event.data, (p) => ({
        ...p,
        penalty: null,
        refunded: p.refunded || event.data.giveBack !== 'none',
        giveBack: event.data.giveBack === 'none' ? p.giveBack : event.data.giveBack,
      }));
    default:
      return assertNever(event);
  }
}

export const sessionDecider: Decider<SessionCommand, SessionEvent, SessionState> = {
  initialState: { status: 'none' },
  evolve,
  decide,
};

import type { PaymentGateway } from '@clientele/billing';
import { duplicatesOf } from '@clientele/clients';
import {
  BookingPayments,
  CreditSpending,
  localDate,
  membershipCovering,
  type Booking,
} from '@clientele/entitlements';
import { commandContext, handleCommand, type EventStore } from '@clientele/eventstore';
import { ClienteleError, fold, RuleViolation, type RequestContext } from '@clientele/shared';
import { readStudioSettings } from '@clientele/staff';
import { assertWaiverSigned } from '@clientele/waivers';
import {
  placeOf,
  sessionDecider,
  type Place,
  type SessionCommand,
  type SessionState,
} from '../domain/session.decider';
import {
  sessionStream,
  type Channel,
  type PayWith,
  type PlacePayment,
  type SessionEvent,
} from '../domain/session.events';

/** How long a place stays held while its payment is taken. */
export const HOLD_MS = 2 * 60_000;

type Session = Extract<SessionEvent, { type: 'SessionScheduled' }>['data'];

export class NoWayToPay extends RuleViolation {
  constructor(payWith: PayWith, why: string) {
    super('no_way_to_pay', `The client cannot pay with ${payWith}: ${why}.`, { payWith });
  }
}

export interface PlaceRequest {
  enrollmentId: string;
  clientId: string;
  payWith: PayWith;
  channel: Channel;
  waitlist: boolean;
  makeUp: boolean;
}

export interface EnrollmentOutcome {
  enrollmentId: string;
  status: 'confirmed' | 'waitlisted';
  payment: PlacePayment | null;
}

/**
 * The booking workflow (ADR 0010): a place is held, paid for, then confirmed; what was taken is
 * given back when the place is lost, cancelled with a refund, or forgiven. Each step is keyed by
 * the enrollment and may be repeated; `settle` repeats whatever a crash left undone. Every
 * decision on the session is made without replay by Idempotency-Key, since one request makes
 * several of them on the same stream.
 */
export class BookingWorkflow {
  private readonly credits: CreditSpending;
  private readonly payments: BookingPayments;

  constructor(
    private readonly store: EventStore,
    gateway: PaymentGateway,
  ) {
    this.credits = new CreditSpending(store);
    this.payments = new BookingPayments(store, gateway);
  }

  async decide(
    sessionId: string,
    context: RequestContext,
    command: SessionCommand,
  ): Promise<SessionState> {
    return (await this.decision(sessionId, context, command)).state;
  }

  /** A decision on the session, with what it appended. */
  decision(sessionId: string, context: RequestContext, command: SessionCommand) {
    return handleCommand(
      this.store,
      sessionStream(sessionId),
      sessionDecider,
      command,
      commandContext(context, { replayByKey: false }),
    );
  }

  /** Holds a place (or a place on the waitlist), then pays for it and confirms it. */
  async enroll(
    context: RequestContext,
    session: Session,
    request: PlaceRequest,
  ): Promise<EnrollmentOutcome> {
    // A place on the waitlist too: promoted later, the client must be able to attend.
    if (session.waiverId) {
      await assertWaiverSigned(this.store, session.studioId, session.waiverId, request.clientId);
    }
    const state = await this.decide(session.sessionId, context, {
      type: 'HoldSeat',
      data: {
        sessionId: session.sessionId,
        ...request,
        heldUntil: new Date(context.now.getTime() + HOLD_MS).toISOString(),
      },
    });
    const place = placeOfClient(state, request.clientId);
    if (place?.status === 'confirmed') {
      return { enrollmentId: place.enrollmentId, status: 'confirmed', payment: place.payment };
    }
    if (place?.status === 'waitlisted') {
      return { enrollmentId: place.enrollmentId, status: 'waitlisted', payment: null };
    }
    try {
      const payment = await this.payAndConfirm(context, session, {
        enrollmentId: request.enrollmentId,
        clientId: request.clientId,
        payWith: request.payWith,
        makeUp: request.makeUp,
      });
      return { enrollmentId: request.enrollmentId, status: 'confirmed', payment };
    } catch (error) {
      // The released hold may be a seat the waitlist was waiting for.
      await this.promote(context, session);
      throw error;
    }
  }

  /**
   * Pays for a held place and confirms it. A refused payment releases the hold; a hold that
   * lapsed and lost its seat meanwhile gives back what the payment took.
   */
  async payAndConfirm(
    context: RequestContext,
    session: Session,
    place: Pick<Place, 'enrollmentId' | 'clientId' | 'payWith' | 'makeUp'>,
  ): Promise<PlacePayment> {
    const { sessionId } = session;
    const { enrollmentId, clientId } = place;
    let payment: PlacePayment;
    try {
      payment = place.makeUp ? { kind: 'make_up' } : await this.pay(context, session, place);
    } catch (error) {
      await this.decide(sessionId, context, {
        type: 'ReleaseHold',
        data: { sessionId, enrollmentId, reason: `payment refused: ${why(error)}` },
      });
      throw error;
    }
    try {
      await this.decide(sessionId, context, {
        type: 'ConfirmEnrollment',
        data: { sessionId, enrollmentId, payment },
      });
    } catch (error) {
      await this.giveBack(
        context,
        clientId,
        enrollmentId,
        payment,
        `${describe(session)}: place lost`,
      );
      // Not confirmed (a lapsed hold, or too much contention): the seat must not stay held.
      await this.decide(sessionId, context, {
        type: 'ReleaseHold',
        data: { sessionId, enrollmentId, reason: `not confirmed: ${why(error)}` },
      }).catch(() => undefined);
      throw error;
    }
    if (payment.kind === 'credit') {
      await this.credits.confirm(
        context,
        holderOf(clientId, payment),
        enrollmentId,
        describe(session),
      );
    }
    return payment;
  }

  /** Gives back what paid for a place: the credit to its grant, money to where it came from. */
  async giveBack(
    context: RequestContext,
    clientId: string,
    enrollmentId: string,
    payment: PlacePayment | null,
    reason: string,
  ): Promise<void> {
    switch (payment?.kind) {
      case 'credit':
        await this.credits.release(context, holderOf(clientId, payment), enrollmentId, reason);
        return;
      case 'card':
      case 'hold':
        await this.payments.giveBack(context, clientId, enrollmentId, reason);
        return;
      default:
        return;
    }
  }

  /** Gives back what a cancellation, a refund-only or a forgiveness left owed on a place. */
  async giveBackOwed(context: RequestContext, place: Place, reason: string): Promise<void> {
    if (!place.refunded || place.giveBack === 'none') return;
    await this.giveBack(context, place.clientId, place.enrollmentId, place.payment, reason);
  }

  /**
   * Gives a freed place to the first on the waitlist who can pay: each in turn gets a hold and
   * pays as they asked to; one who cannot pay loses their waitlist place, with the reason.
   * Returns who got the place, if anyone.
   */
  async promote(context: RequestContext, session: Session): Promise<Place | null> {
    for (;;) {
      const { appended, state } = await this.decision(session.sessionId, context, {
        type: 'PromoteFromWaitlist',
        data: {
          sessionId: session.sessionId,
          heldUntil: new Date(context.now.getTime() + HOLD_MS).toISOString(),
        },
      });
      const held = appended.find((event) => event.type === 'SeatHeld');
      if (held?.type !== 'SeatHeld') return null;
      const place = placeOfClient(state, held.data.clientId)!;
      try {
        await this.payAndConfirm(context, session, place);
        return place;
      } catch (error) {
        // Refused: they lose the place, with the reason on the stream; the next may pay.
        if (!(error instanceof RuleViolation)) throw error;
      }
    }
  }

  /**
   * Brings the client's account in line with their place after a crash: a lapsed hold is
   * released and what it took given back; a confirmed place's reserved credit is spent; what a
   * cancellation or a forgiveness owes back is given back. Safe to run any number of times.
   */
  async settle(context: RequestContext, session: Session, enrollmentId: string): Promise<void> {
    const { sessionId } = session;
    let place = placeOf(await this.read(sessionId), enrollmentId);
    if (!place) return;
    if (place.status === 'held' && Date.parse(place.heldUntil!) <= context.now.getTime()) {
      const state = await this.decide(sessionId, context, {
        type: 'ReleaseHold',
        data: { sessionId, enrollmentId, reason: 'hold lapsed' },
      });
      place = placeOf(state, enrollmentId)!;
      await this.promote(context, session);
    }
    const { clientId } = place;
    const reason = describe(session);
    const reserved = await this.credits.reservation(
      clientId,
      enrollmentId,
      place.payment?.kind === 'credit' ? place.payment.accountId : undefined,
    );
    const status = reserved?.reservation.status;
    if (place.status === 'released') {
      if (reserved && status !== 'returned') {
        await this.credits.release(
          context,
          reserved.accountId,
          enrollmentId,
          `${reason}: place lost`,
        );
      }
      await this.payments.giveBack(context, clientId, enrollmentId, `${reason}: place lost`);
      return;
    }
    if (place.status === 'confirmed' && reserved && status === 'reserved') {
      await this.credits.confirm(context, reserved.accountId, enrollmentId, reason);
    }
    await this.giveBackOwed(context, place, reason);
  }

  private async read(sessionId: string): Promise<SessionState> {
    return fold(
      sessionDecider,
      (await this.store.readStream(sessionStream(sessionId))) as unknown as SessionEvent[],
    );
  }

  private async pay(
    context: RequestContext,
    session: Session,
    place: Pick<Place, 'enrollmentId' | 'clientId' | 'payWith'>,
  ): Promise<PlacePayment> {
    const { enrollmentId, clientId, payWith } = place;
    switch (payWith) {
      case 'credit': {
        const { accountId } = await this.credits.reserve(
          context,
          clientId,
          enrollmentId,
          session.eventType,
          describe(session),
        );
        return accountId === clientId
          ? { kind: 'credit', reservationId: enrollmentId }
          : { kind: 'credit', reservationId: enrollmentId, accountId };
      }
      case 'membership': {
        const studio = await readStudioSettings(this.store, context.studioId);
        const day = localDate(new Date(session.startsAt), studio.timezone);
        const membership = await this.membershipCovering(clientId, session.eventType, day);
        if (!membership) {
          throw new NoWayToPay(
            'membership',
            `no active, unfrozen membership covers ${session.eventType} on ${day}`,
          );
        }
        return { kind: 'membership', membershipId: membership.membershipId };
      }
      case 'card':
      case 'hold': {
        const booking = await this.booking(context, session, place);
        return payWith === 'card'
          ? this.payments.charge(context, booking)
          : this.payments.hold(context, booking);
      }
    }
  }

  /** The client's own membership first, then one a client merged into it brought. */
  private async membershipCovering(clientId: string, eventType: string, day: string) {
    for (const holder of [clientId, ...(await duplicatesOf(this.store, clientId))]) {
      const membership = membershipCovering(await this.payments.account(holder), eventType, day);
      if (membership) return membership;
    }
    return null;
  }

  private async booking(
    context: RequestContext,
    session: Session,
    place: Pick<Place, 'enrollmentId' | 'clientId' | 'payWith'>,
  ): Promise<Booking> {
    if (!session.dropInPrice) {
      throw new NoWayToPay(
        place.payWith,
        'the session has no drop-in price; book it with a credit or a membership',
      );
    }
    const studio = await readStudioSettings(this.store, context.studioId);
    return {
      clientId: place.clientId,
      sessionId: session.sessionId,
      enrollmentId: place.enrollmentId,
      description: describe(session),
      price: session.dropInPrice,
      dueOn: localDate(new Date(session.startsAt), studio.timezone),
    };
  }
}

/** The client whose account holds what paid for a place: a merged duplicate's, or the client's. */
const holderOf = (clientId: string, payment: PlacePayment) =>
  (payment.kind === 'credit' && payment.accountId) || clientId;

function placeOfClient(state: SessionState, clientId: string): Place | undefined {
  return state.status === 'scheduled' ? state.places.get(clientId) : undefined;
}

const describe = (session: Session) => `${session.title}, ${session.startsAt}`;

const why = (error: unknown) =>
  error instanceof ClienteleError ? error.code : error instanceof Error ? error.message : 'unknown';

import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { assertClientOfStudio } from '@clientele/clients';
import {
  accountDecider,
  accountStream,
  CreditSpending,
  localDate,
  membershipCovering,
  type AccountEvent,
} from '@clientele/entitlements';
import {
  commandContext,
  EVENT_STORE,
  handleCommand,
  idForRequest,
  type EventStore,
} from '@clientele/eventstore';
import { readStudioSettings } from '@clientele/staff';
import { fold, RuleViolation, type RequestContext } from '@clientele/shared';
import { sessionDecider, type SessionCommand, type SessionState } from '../domain/session.decider';
import {
  sessionStream,
  type Channel,
  type PayWith,
  type PlacePayment,
} from '../domain/session.events';
import { readSession } from './read-session';

/** How long a place stays held while its payment is taken. */
const HOLD_MS = 2 * 60_000;

export class NoWayToPay extends RuleViolation {
  constructor(payWith: PayWith, why: string) {
    super('no_way_to_pay', `The client cannot pay with ${payWith}: ${why}.`, { payWith });
  }
}

export interface EnrollInput {
  clientId: string;
  payWith: PayWith;
  channel: Channel;
  waitlist?: boolean;
}

export interface EnrollmentOutcome {
  enrollmentId: string;
  status: 'confirmed' | 'waitlisted';
  payment: PlacePayment | null;
}

export class EnrollClient extends Command<EnrollmentOutcome> {
  constructor(
    readonly sessionId: string,
    readonly input: EnrollInput,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/**
 * Holds a place, pays for it, confirms it (ADR 0010). Each step is idempotent by the enrollment
 * id, and none is replayed by the request's Idempotency-Key, since one request makes several
 * decisions on the same streams.
 */
@CommandHandler(EnrollClient)
export class EnrollClientHandler implements ICommandHandler<EnrollClient> {
  private readonly credits: CreditSpending;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {
    this.credits = new CreditSpending(store);
  }

  async execute({ sessionId, input, context }: EnrollClient): Promise<EnrollmentOutcome> {
    await assertClientOfStudio(this.store, context.studioId, input.clientId);
    const session = await readSession(this.store, sessionId, context.studioId);
    const enrollmentId = idForRequest(`enrollment:${sessionId}:${input.clientId}`, context);
    const held = await this.decide(sessionId, context, {
      type: 'HoldSeat',
      data: {
        sessionId,
        enrollmentId,
        clientId: input.clientId,
        channel: input.channel,
        payWith: input.payWith,
        heldUntil: new Date(context.now.getTime() + HOLD_MS).toISOString(),
        waitlist: input.waitlist ?? false,
        makeUp: false,
      },
    });
    const place = held.status === 'scheduled' ? held.places.get(input.clientId) : undefined;
    if (place?.status === 'confirmed') {
      return { enrollmentId: place.enrollmentId, status: 'confirmed', payment: place.payment };
    }
    if (place?.status === 'waitlisted') {
      return { enrollmentId: place.enrollmentId, status: 'waitlisted', payment: null };
    }
    const { eventType, title, startsAt } = session.session;
    const reason = `${title}, ${startsAt}`;
    let payment: PlacePayment;
    try {
      payment = await this.pay(context, input, enrollmentId, eventType, startsAt, reason);
    } catch (error) {
      await this.decide(sessionId, context, {
        type: 'ReleaseHold',
        data: { sessionId, enrollmentId, reason: 'payment refused' },
      });
      throw error;
    }
    try {
      await this.decide(sessionId, context, {
        type: 'ConfirmEnrollment',
        data: { sessionId, enrollmentId, payment },
      });
    } catch (error) {
      // The hold lapsed and the seat went to someone else: give back what was taken.
      if (payment.kind === 'credit') {
        await this.credits.release(context, input.clientId, enrollmentId, `${reason}: place lost`);
      }
      throw error;
    }
    if (payment.kind === 'credit') {
      await this.credits.confirm(context, input.clientId, enrollmentId, reason);
    }
    return { enrollmentId, status: 'confirmed', payment };
  }

  private async pay(
    context: RequestContext,
    input: EnrollInput,
    enrollmentId: string,
    eventType: string,
    startsAt: string,
    reason: string,
  ): Promise<PlacePayment> {
    switch (input.payWith) {
      case 'credit':
        await this.credits.reserve(context, input.clientId, enrollmentId, eventType, reason);
        return { kind: 'credit', reservationId: enrollmentId };
      case 'membership': {
        const studio = await readStudioSettings(this.store, context.studioId);
        const account = fold(
          accountDecider,
          (await this.store.readStream(accountStream(input.clientId))) as unknown as AccountEvent[],
        );
        const day = localDate(new Date(startsAt), studio.timezone);
        const membership = membershipCovering(account, eventType, day);
        if (!membership) {
          throw new NoWayToPay(
            'membership',
            `no active, unfrozen membership covers ${eventType} on ${day}`,
          );
        }
        return { kind: 'membership', membershipId: membership.membershipId };
      }
      case 'card':
      case 'hold':
        // Both need the session's drop-in price, which class types do not have yet.
        throw new NoWayToPay(input.payWith, 'drop-in prices come with the next step of issue 4');
    }
  }

  private async decide(
    sessionId: string,
    context: RequestContext,
    command: SessionCommand,
  ): Promise<SessionState> {
    const result = await handleCommand(
      this.store,
      sessionStream(sessionId),
      sessionDecider,
      command,
      commandContext(context, { replayByKey: false }),
    );
    return result.state;
  }
}

import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { PAYMENT_GATEWAY, type PaymentGateway } from '@clientele/billing';
import { EVENT_STORE, type EventStore } from '@clientele/eventstore';
import type { RequestContext } from '@clientele/shared';
import { readBookingPolicy } from '@clientele/staff';
import type { Place, SessionState } from '../domain/session.decider';
import type { CancelOutcome, GiveBack } from '../domain/session.events';
import { BookingWorkflow } from './booking-workflow';
import { readSession } from './read-session';

export interface CancellationOutcome {
  enrollmentId: string;
  status: Place['status'];
  /** What went back to the client: the credit, the payment, or nothing. */
  gaveBack: GiveBack;
  /** A late cancellation that kept the credit or payment: staff may forgive it later. */
  penalty: Place['penalty'];
  /** Who took the freed place from the waitlist, if anyone. */
  promotedClientId: string | null;
}

function placeAfter(state: SessionState, clientId: string): Place {
  if (state.status !== 'scheduled') throw new Error('A decided session is scheduled.');
  return state.places.get(clientId)!;
}

export class CancelEnrollment extends Command<CancellationOutcome> {
  constructor(
    readonly sessionId: string,
    readonly clientId: string,
    readonly input: { outcome: CancelOutcome; override: boolean; reason: string },
    readonly context: RequestContext,
  ) {
    super();
  }
}

/**
 * Cancels a place (or refunds it and keeps it) by the studio's late-cancel window, gives back
 * what it owes, then offers the freed place to the waitlist. Asked again, it finishes what the
 * first request left undone and changes nothing else.
 */
@CommandHandler(CancelEnrollment)
export class CancelEnrollmentHandler implements ICommandHandler<CancelEnrollment> {
  private readonly workflow: BookingWorkflow;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PAYMENT_GATEWAY) gateway: PaymentGateway,
  ) {
    this.workflow = new BookingWorkflow(store, gateway);
  }

  async execute({ sessionId, clientId, input, context }: CancelEnrollment) {
    const { session } = await readSession(this.store, sessionId, context.studioId);
    const policy = await readBookingPolicy(this.store, context.studioId);
    const state = await this.workflow.decide(sessionId, context, {
      type: 'CancelEnrollment',
      data: {
        sessionId,
        clientId,
        outcome: input.outcome,
        lateCancelMinutes: policy.lateCancelMinutes,
        override: input.override,
        reason: input.reason,
      },
    });
    const place = placeAfter(state, clientId);
    await this.workflow.giveBackOwed(
      context,
      place,
      `${session.title}, ${session.startsAt}: ${input.reason}`,
    );
    const promoted =
      place.status === 'cancelled' ? await this.workflow.promote(context, session) : null;
    return {
      enrollmentId: place.enrollmentId,
      status: place.status,
      gaveBack: place.refunded ? place.giveBack : 'none',
      penalty: place.penalty,
      promotedClientId: promoted?.clientId ?? null,
    };
  }
}

export class ForgivePenalty extends Command<{ enrollmentId: string; gaveBack: GiveBack }> {
  constructor(
    readonly sessionId: string,
    readonly clientId: string,
    readonly reason: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** Forgives a late cancel or a no-show: the credit or payment goes back, with who and why. */
@CommandHandler(ForgivePenalty)
export class ForgivePenaltyHandler implements ICommandHandler<ForgivePenalty> {
  private readonly workflow: BookingWorkflow;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PAYMENT_GATEWAY) gateway: PaymentGateway,
  ) {
    this.workflow = new BookingWorkflow(store, gateway);
  }

  async execute({ sessionId, clientId, reason, context }: ForgivePenalty) {
    const { session } = await readSession(this.store, sessionId, context.studioId);
    const state = await this.workflow.decide(sessionId, context, {
      type: 'ForgivePenalty',
      data: { sessionId, clientId, reason },
    });
    const place = placeAfter(state, clientId);
    await this.workflow.giveBackOwed(
      context,
      place,
      `${session.title}, ${session.startsAt}: forgiven, ${reason}`,
    );
    return { enrollmentId: place.enrollmentId, gaveBack: place.giveBack };
  }
}

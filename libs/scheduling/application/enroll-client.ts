import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { PAYMENT_GATEWAY, type PaymentGateway } from '@clientele/billing';
import { assertClientAddressable } from '@clientele/clients';
import { EVENT_STORE, idForRequest, type EventStore } from '@clientele/eventstore';
import type { RequestContext } from '@clientele/shared';
import type { Channel, PayWith } from '../domain/session.events';
import { BookingWorkflow, type EnrollmentOutcome } from './booking-workflow';
import { readSession } from './read-session';

export interface EnrollInput {
  clientId: string;
  payWith: PayWith;
  channel: Channel;
  waitlist?: boolean;
  /** A make-up visit spends nothing; staff with `enrollments:override` grant it. */
  makeUp?: boolean;
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

/** Holds a place, pays for it, confirms it (ADR 0010); or a place on the waitlist. */
@CommandHandler(EnrollClient)
export class EnrollClientHandler implements ICommandHandler<EnrollClient> {
  private readonly workflow: BookingWorkflow;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PAYMENT_GATEWAY) gateway: PaymentGateway,
  ) {
    this.workflow = new BookingWorkflow(store, gateway);
  }

  async execute({ sessionId, input, context }: EnrollClient): Promise<EnrollmentOutcome> {
    await assertClientAddressable(this.store, context.studioId, input.clientId);
    const { session } = await readSession(this.store, sessionId, context.studioId);
    return this.workflow.enroll(context, session, {
      enrollmentId: idForRequest(`enrollment:${sessionId}:${input.clientId}`, context),
      clientId: input.clientId,
      payWith: input.payWith,
      channel: input.channel,
      waitlist: input.waitlist ?? false,
      makeUp: input.makeUp ?? false,
    });
  }
}

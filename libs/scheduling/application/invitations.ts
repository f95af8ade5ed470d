import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { PAYMENT_GATEWAY, type PaymentGateway } from '@clientele/billing';
import { assertClientAddressable } from '@clientele/clients';
import { EVENT_STORE, idForRequest, type EventStore } from '@clientele/eventstore';
import type { RequestContext } from '@clientele/shared';
import { NoInvitation } from '../domain/session.decider';
import type { Channel, PayWith } from '../domain/session.events';
import { BookingWorkflow, type EnrollmentOutcome } from './booking-workflow';
import { readSession } from './read-session';

export class InviteClient extends Command<{ invitationId: string; status: 'pending' }> {
  constructor(
    readonly sessionId: string,
    readonly clientId: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** Staff invite a client to a session; nothing is held until the client accepts. */
@CommandHandler(InviteClient)
export class InviteClientHandler implements ICommandHandler<InviteClient> {
  private readonly workflow: BookingWorkflow;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PAYMENT_GATEWAY) gateway: PaymentGateway,
  ) {
    this.workflow = new BookingWorkflow(store, gateway);
  }

  async execute({ sessionId, clientId, context }: InviteClient) {
    await assertClientAddressable(this.store, context.studioId, clientId);
    await readSession(this.store, sessionId, context.studioId);
    const state = await this.workflow.decide(sessionId, context, {
      type: 'InviteClient',
      data: {
        sessionId,
        clientId,
        invitationId: idForRequest(`invitation:${sessionId}:${clientId}`, context),
      },
    });
    if (state.status !== 'scheduled') throw new Error('A decided session is scheduled.');
    return {
      invitationId: state.invitations.get(clientId)!.invitationId,
      status: 'pending' as const,
    };
  }
}

export class AcceptInvitation extends Command<EnrollmentOutcome> {
  constructor(
    readonly sessionId: string,
    readonly clientId: string,
    readonly input: { payWith: PayWith; channel: Channel; waitlist: boolean },
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** The client's yes: enrolls them by the same rules as any booking. */
@CommandHandler(AcceptInvitation)
export class AcceptInvitationHandler implements ICommandHandler<AcceptInvitation> {
  private readonly workflow: BookingWorkflow;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PAYMENT_GATEWAY) gateway: PaymentGateway,
  ) {
    this.workflow = new BookingWorkflow(store, gateway);
  }

  async execute({ sessionId, clientId, input, context }: AcceptInvitation) {
    const state = await readSession(this.store, sessionId, context.studioId);
    const invitation = state.invitations.get(clientId);
    if (invitation?.status !== 'pending') throw new NoInvitation(clientId);
    return this.workflow.enroll(context, state.session, {
      enrollmentId: idForRequest(`enrollment:${sessionId}:${clientId}`, context),
      clientId,
      ...input,
      makeUp: false,
    });
  }
}

export class DeclineInvitation extends Command<{ invitationId: string; status: 'declined' }> {
  constructor(
    readonly sessionId: string,
    readonly clientId: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}

@CommandHandler(DeclineInvitation)
export class DeclineInvitationHandler implements ICommandHandler<DeclineInvitation> {
  private readonly workflow: BookingWorkflow;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PAYMENT_GATEWAY) gateway: PaymentGateway,
  ) {
    this.workflow = new BookingWorkflow(store, gateway);
  }

  async execute({ sessionId, clientId, context }: DeclineInvitation) {
    await readSession(this.store, sessionId, context.studioId);
    const state = await this.workflow.decide(sessionId, context, {
      type: 'DeclineInvitation',
      data: { sessionId, clientId },
    });
    if (state.status !== 'scheduled') throw new Error('A decided session is scheduled.');
    return {
      invitationId: state.invitations.get(clientId)!.invitationId,
      status: 'declined' as const,
    };
  }
}

import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { commandContext, EVENT_STORE, handleCommand, type EventStore } from '@clientele/eventstore';
import type { RequestContext } from '@clientele/shared';
import { clientDecider } from '../domain/client.decider';
import { clientStream } from '../domain/client.events';

/**
 * The seed's phone icon: the welcome message again for a client who never logged in, a password
 * reset for one who has. Which one is the caller's choice: logins live in the studio's app.
 */
export type ClientMessage = 'password_reset' | 'welcome';

/** What the desk is told: the message is asked for; GET …/notifications shows it leave. */
export interface MessageRequested {
  clientId: string;
  message: ClientMessage;
  requestedAt: string;
}

export class RequestClientMessage extends Command<MessageRequested> {
  constructor(
    readonly clientId: string,
    readonly message: ClientMessage,
    readonly context: RequestContext,
  ) {
    super();
  }
}

@CommandHandler(RequestClientMessage)
export class RequestClientMessageHandler implements ICommandHandler<RequestClientMessage> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ clientId, message, context }: RequestClientMessage): Promise<MessageRequested> {
    const data = { clientId, studioId: context.studioId };
    await handleCommand(
      this.store,
      clientStream(clientId),
      clientDecider,
      message === 'password_reset'
        ? { type: 'RequestPasswordReset', data }
        : { type: 'ResendWelcome', data },
      commandContext(context),
    );
    return { clientId, message, requestedAt: context.now.toISOString() };
  }
}

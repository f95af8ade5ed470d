import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { commandContext, EVENT_STORE, handleCommand, type EventStore } from '@clientele/eventstore';
import { NotFound, type RequestContext } from '@clientele/shared';
import { sessionDecider } from '../domain/session.decider';
import { sessionStream } from '../domain/session.events';
import { readSession } from './read-session';

export class CheckInClient extends Command<{ enrollmentId: string; checkedIn: true }> {
  constructor(
    readonly sessionId: string,
    readonly clientId: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** Marks a confirmed client present; doing it twice changes nothing. */
@CommandHandler(CheckInClient)
export class CheckInClientHandler implements ICommandHandler<CheckInClient> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ sessionId, clientId, context }: CheckInClient) {
    // Another studio's session is not there (invariant 6): checked before anything is written.
    await readSession(this.store, sessionId, context.studioId);
    const result = await handleCommand(
      this.store,
      sessionStream(sessionId),
      sessionDecider,
      { type: 'CheckIn', data: { sessionId, clientId } },
      commandContext(context),
    );
    if (result.state.status !== 'scheduled') throw new NotFound('session', sessionId);
    return {
      enrollmentId: result.state.places.get(clientId)!.enrollmentId,
      checkedIn: true as const,
    };
  }
}

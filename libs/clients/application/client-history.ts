import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore } from '@clientele/eventstore';
import { fold, NotFound, type Actor } from '@clientele/shared';
import type { ClientProfile } from '../client-profile';
import { clientDecider } from '../domain/client.decider';
import { clientStream, type ClientEvent } from '../domain/client.events';
import { toProfile } from './client-commands';

export interface ClientHistory {
  clientId: string;
  /** The instant the account is shown as of (now when not asked). */
  asOf: string;
  events: {
    revision: number;
    type: string;
    recordedAt: string;
    actor: Actor;
    correlationId: string;
    data: unknown;
  }[];
  /** The profile folded from these events alone: what it was at `asOf`; null before it existed. */
  profile: ClientProfile | null;
}

/** The audit history reads the log itself: the one query that does not read a read model. */
export class GetClientHistory extends Query<ClientHistory> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
    readonly asOf: Date,
  ) {
    super();
  }
}

@QueryHandler(GetClientHistory)
export class GetClientHistoryHandler implements IQueryHandler<GetClientHistory> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ studioId, clientId, asOf }: GetClientHistory): Promise<ClientHistory> {
    const all = await this.store.readStream(clientStream(clientId));
    if (all.length === 0 || all[0]!.metadata.studioId !== studioId)
      throw new NotFound('client', clientId);
    const events = all.filter((event) => event.recordedAt.getTime() <= asOf.getTime());
    const state = fold(clientDecider, events as unknown as ClientEvent[]);
    const last = events[events.length - 1];
    return {
      clientId,
      asOf: asOf.toISOString(),
      events: events.map((event) => ({
        revision: event.revision,
        type: event.type,
        recordedAt: event.recordedAt.toISOString(),
        actor: event.metadata.actor,
        correlationId: event.metadata.correlationId,
        data: event.data,
      })),
      profile:
        last && state.status === 'registered'
          ? toProfile(state, last.revision, last.recordedAt)
          : null,
    };
  }
}

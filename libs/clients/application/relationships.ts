import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { commandContext, EVENT_STORE, handleCommand, type EventStore } from '@clientele/eventstore';
import { fold, type RequestContext } from '@clientele/shared';
import {
  relationshipDecider,
  relationshipId,
  relationshipStream,
  roleOf,
  type RelationshipEvent,
  type RelationshipRole,
} from '../domain/relationship';
import { assertClientAddressable } from './client-lookup';

export interface RelationshipView {
  clientId: string;
  otherClientId: string;
  /** What the other client is to this one; null once ended. */
  role: RelationshipRole | null;
}

export class ChangeRelationship extends Command<RelationshipView> {
  constructor(
    readonly clientId: string,
    readonly otherClientId: string,
    /** The role of the other client to this one; null ends the relationship. */
    readonly role: RelationshipRole | null,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** Relates two clients of the studio, or ends their relationship: one decision on their pair. */
@CommandHandler(ChangeRelationship)
export class ChangeRelationshipHandler implements ICommandHandler<ChangeRelationship> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ clientId, otherClientId, role, context }: ChangeRelationship) {
    const group = await assertClientAddressable(this.store, context.studioId, clientId);
    await assertClientAddressable(this.store, context.studioId, otherClientId);
    const studioId = context.studioId;
    // Ending one a client merged into this one has (ADR 0016) ends theirs.
    let holder = clientId;
    if (role === null) {
      for (const candidate of group) {
        if ((await relationshipBetween(this.store, candidate, otherClientId)) !== null) {
          holder = candidate;
          break;
        }
      }
    }
    const result = await handleCommand(
      this.store,
      relationshipStream(relationshipId(holder, otherClientId)),
      relationshipDecider,
      role === null
        ? { type: 'EndRelationship', data: { studioId, clientId: holder, otherClientId } }
        : { type: 'AddRelationship', data: { studioId, clientId, otherClientId, role } },
      commandContext(context),
    );
    return { clientId, otherClientId, role: roleOf(result.state, holder, otherClientId) };
  }
}

/** What `otherClientId` is to `clientId` now, read from their pair's stream (not a read model). */
export async function relationshipBetween(
  store: EventStore,
  clientId: string,
  otherClientId: string,
): Promise<RelationshipRole | null> {
  const history = await store.readStream(
    relationshipStream(relationshipId(clientId, otherClientId)),
  );
  const state = fold(relationshipDecider, history as unknown as RelationshipEvent[]);
  return roleOf(state, clientId, otherClientId);
}

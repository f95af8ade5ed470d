import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  commandContext,
  EVENT_STORE,
  handleCommand,
  idForRequest,
  type EventStore,
  type RecordedEvent,
} from '@clientele/eventstore';
import { assertNever, NotFound, type RequestContext } from '@clientele/shared';
import type { ClientMemo } from '../client-memo';
import type { AddMemoCommand, EditMemoCommand } from '../domain/client.commands';
import { clientDecider } from '../domain/client.decider';
import { clientStream, isMemoEvent, type ClientEvent } from '../domain/client.events';

export class AddMemo extends Command<ClientMemo> {
  constructor(
    readonly clientId: string,
    readonly input: { text: string; starred?: boolean },
    readonly context: RequestContext,
  ) {
    super();
  }
}

export class EditMemo extends Command<ClientMemo> {
  constructor(
    readonly clientId: string,
    readonly memoId: string,
    readonly changes: { text?: string; starred?: boolean },
    readonly context: RequestContext,
  ) {
    super();
  }
}

export class RemoveMemo extends Command<void> {
  constructor(
    readonly clientId: string,
    readonly memoId: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/**
 * The memo as the client's stream now tells it. Who and when come from each event's metadata,
 * which the decider never sees: hence a fold of the recorded events, not the decider's state.
 */
export function memoFromHistory(
  history: readonly RecordedEvent[],
  memoId: string,
): ClientMemo | null {
  return history.reduce<ClientMemo | null>((memo, recorded) => {
    const event = recorded as unknown as ClientEvent;
    if (!isMemoEvent(event) || event.data.memoId !== memoId) return memo;
    const updatedAt = recorded.recordedAt.toISOString();
    const updatedBy = recorded.metadata.actor;
    switch (event.type) {
      case 'MemoAdded':
        return {
          id: memoId,
          clientId: event.data.clientId,
          text: event.data.personal?.text ?? null,
          starred: event.data.starred,
          createdAt: updatedAt,
          createdBy: updatedBy,
          updatedAt,
          updatedBy,
        };
      case 'MemoEdited':
        return memo && { ...memo, text: event.data.personal?.text ?? null, updatedAt, updatedBy };
      case 'MemoStarred':
      case 'MemoUnstarred':
        return memo && { ...memo, starred: event.type === 'MemoStarred', updatedAt, updatedBy };
      case 'MemoRemoved':
        return null;
      default:
        return assertNever(event);
    }
  }, null);
}

/** Decides on the client's stream, then answers the memo as it now stands. */
async function changeMemo(
  store: EventStore,
  command: AddMemoCommand | EditMemoCommand,
  context: RequestContext,
): Promise<ClientMemo> {
  const stream = clientStream(command.data.clientId);
  await handleCommand(store, stream, clientDecider, command, commandContext(context));
  const memo = memoFromHistory(await store.readStream(stream), command.data.memoId);
  // Removed by another request between the two.
  if (!memo) throw new NotFound('memo', command.data.memoId);
  return memo;
}

@CommandHandler(AddMemo)
export class AddMemoHandler implements ICommandHandler<AddMemo> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  execute({ clientId, input, context }: AddMemo): Promise<ClientMemo> {
    const command: AddMemoCommand = {
      type: 'AddMemo',
      data: {
        clientId,
        studioId: context.studioId,
        memoId: idForRequest(`memo:${clientId}`, context),
        text: input.text,
        starred: input.starred ?? false,
      },
    };
    return changeMemo(this.store, command, context);
  }
}

@CommandHandler(EditMemo)
export class EditMemoHandler implements ICommandHandler<EditMemo> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  execute({ clientId, memoId, changes, context }: EditMemo): Promise<ClientMemo> {
    const command: EditMemoCommand = {
      type: 'EditMemo',
      data: { ...changes, clientId, studioId: context.studioId, memoId },
    };
    return changeMemo(this.store, command, context);
  }
}

@CommandHandler(RemoveMemo)
export class RemoveMemoHandler implements ICommandHandler<RemoveMemo> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ clientId, memoId, context }: RemoveMemo): Promise<void> {
    await handleCommand(
      this.store,
      clientStream(clientId),
      clientDecider,
      { type: 'RemoveMemo', data: { clientId, studioId: context.studioId, memoId } },
      commandContext(context),
    );
  }
}

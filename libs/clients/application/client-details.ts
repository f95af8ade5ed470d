import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { commandContext, EVENT_STORE, handleCommand, type EventStore } from '@clientele/eventstore';
import { fold, type RequestContext } from '@clientele/shared';
import type { ClientProfile } from '../client-profile';
import {
  clientFieldsDecider,
  clientFieldsStream,
  type ClientDetails,
  type ClientFieldDefinitions,
  type ClientFieldsEvent,
} from '../domain/client-details';
import type { ClientCommand } from '../domain/client.commands';
import { clientDecider } from '../domain/client.decider';
import { clientStream } from '../domain/client.events';
import { toProfile } from './client-commands';

/** The studio's definitions of client fields, as they are now. */
export async function readClientFields(
  store: EventStore,
  studioId: string,
): Promise<ClientFieldDefinitions> {
  const history = await store.readStream(clientFieldsStream(studioId));
  return fold(clientFieldsDecider, history as unknown as ClientFieldsEvent[]);
}

export class DefineClientFields extends Command<ClientFieldDefinitions> {
  constructor(
    readonly definitions: ClientFieldDefinitions,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** Customer groups, custom fields and integrations of the studio, replaced whole. */
@CommandHandler(DefineClientFields)
export class DefineClientFieldsHandler implements ICommandHandler<DefineClientFields> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ definitions, context }: DefineClientFields) {
    const result = await handleCommand(
      this.store,
      clientFieldsStream(context.studioId),
      clientFieldsDecider,
      { type: 'DefineClientFields', data: { studioId: context.studioId, ...definitions } },
      commandContext(context),
    );
    return result.state;
  }
}

export type DetailsRequest =
  | { kind: 'details'; changes: Partial<ClientDetails> }
  | { kind: 'consent'; consent: string; version: string }
  | { kind: 'withdraw'; consent: string };

export class ChangeClientDetails extends Command<ClientProfile> {
  constructor(
    readonly clientId: string,
    readonly request: DetailsRequest,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** Details and consents of a client: one decision on the client's stream, the profile answered. */
@CommandHandler(ChangeClientDetails)
export class ChangeClientDetailsHandler implements ICommandHandler<ChangeClientDetails> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ clientId, request, context }: ChangeClientDetails): Promise<ClientProfile> {
    const scope = { clientId, studioId: context.studioId };
    let command: ClientCommand;
    if (request.kind === 'details') {
      const definitions = await readClientFields(this.store, context.studioId);
      command = {
        type: 'ChangeClientDetails',
        data: { ...scope, changes: request.changes, definitions },
      };
    } else if (request.kind === 'consent') {
      command = {
        type: 'GiveConsent',
        data: { ...scope, consent: request.consent, version: request.version },
      };
    } else {
      command = { type: 'WithdrawConsent', data: { ...scope, consent: request.consent } };
    }
    const result = await handleCommand(
      this.store,
      clientStream(clientId),
      clientDecider,
      command,
      commandContext(context),
    );
    return toProfile(result.state, result.revision, context.now);
  }
}

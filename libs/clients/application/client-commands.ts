import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  commandContext,
  EVENT_STORE,
  appliedByKey,
  handleCommand,
  handleNewStreams,
  lastRevision,
  idForRequest,
  WrongExpectedVersion,
  type CommandResult,
  type EventStore,
} from '@clientele/eventstore';
import { fold, NotFound, PreconditionFailed, type RequestContext } from '@clientele/shared';
import { ERASED_PERSONAL_DETAILS, type ClientProfile } from '../client-profile';
import type { RegisterClientCommand } from '../domain/client.commands';
import { clientDecider, normaliseEmail, type ClientState } from '../domain/client.decider';
import { clientStream, type ClientEvent, type PersonalDetails } from '../domain/client.events';
import { claimEmail, claimEmails, claimRevision, releaseEmail } from './email-claims';

/** Attempts of an update that keeps meeting concurrent changes to the same client. */
const MAX_ATTEMPTS = 5;

export type RegisterClientInput = Omit<RegisterClientCommand['data'], 'clientId' | 'studioId'>;

export class RegisterClient extends Command<ClientProfile> {
  constructor(
    readonly input: RegisterClientInput,
    readonly context: RequestContext,
  ) {
    super();
  }
}

export class UpdateClientProfile extends Command<ClientProfile> {
  constructor(
    readonly clientId: string,
    readonly changes: Partial<PersonalDetails>,
    readonly context: RequestContext,
  ) {
    super();
  }
}

export function toProfile(state: ClientState, version: number, updatedAt: Date): ClientProfile {
  if (state.status !== 'registered') throw new Error('A client profile needs a registered client.');
  return {
    id: state.clientId,
    studioId: state.studioId,
    ...(state.personal ?? ERASED_PERSONAL_DETAILS),
    ...state.details,
    consents: Object.fromEntries(state.consents),
    image: state.image,
    registeredAt: state.registeredAt,
    updatedAt: updatedAt.toISOString(),
    version,
    mergedInto: state.mergedInto?.survivorId ?? null,
    mergedAt: state.mergedInto?.mergedAt ?? null,
    erased: state.erasedAt !== null,
    erasedAt: state.erasedAt,
  };
}

@CommandHandler(RegisterClient)
export class RegisterClientHandler implements ICommandHandler<RegisterClient> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute(command: RegisterClient): Promise<ClientProfile> {
    const [outcome] = await registerClients(this.store, [command]);
    if (outcome!.status === 'rejected') throw outcome!.reason;
    return outcome!.value;
  }
}

/**
 * RegisterClient for many clients at once (an import), an outcome each, in order: what
 * RegisterClient alone answers or throws. Each is decided, claims its email and is appended as
 * one would be; only the statements are shared: the new emails' claims go in one append of many
 * streams, and then the new accounts in another.
 */
export async function registerClients(
  store: EventStore,
  commands: readonly RegisterClient[],
): Promise<PromiseSettledResult<ClientProfile>[]> {
  const decided = commands.map(({ input, context }) => {
    const clientId = idForRequest('client', context);
    const command: RegisterClientCommand = {
      type: 'RegisterClient',
      data: { ...input, clientId, studioId: context.studioId },
    };
    try {
      // Decide once on an empty account first, so invalid details claim no email.
      clientDecider.decide(command, clientDecider.initialState, context.now);
      return { command, refused: null };
    } catch (error) {
      return { command, refused: { status: 'rejected', reason: error } as const };
    }
  });
  const valid = commands.flatMap((_, i) => (decided[i]!.refused ? [] : [i]));
  const claims = await claimEmails(
    store,
    valid.map((i) => ({
      context: commands[i]!.context,
      email: commands[i]!.input.email,
      clientId: decided[i]!.command.data.clientId,
    })),
  );
  const claimed = valid.filter((_, at) => claims[at]!.status === 'fulfilled');
  const registered = await handleNewStreams(
    store,
    clientDecider,
    claimed.map((i) => ({
      stream: clientStream(decided[i]!.command.data.clientId),
      command: decided[i]!.command,
      context: commandContext(commands[i]!.context),
    })),
  );
  const outcomes = new Map<number, PromiseSettledResult<unknown>>();
  valid.forEach((i, at) => outcomes.set(i, claims[at]!));
  claimed.forEach((i, at) => outcomes.set(i, registered[at]!));
  return commands.map((command, i): PromiseSettledResult<ClientProfile> => {
    const outcome = decided[i]!.refused ?? outcomes.get(i)!;
    if (outcome.status === 'rejected') return outcome;
    const { state, revision } = outcome.value as CommandResult<ClientEvent, ClientState>;
    // Sent again (its answer lost), a registration finds its own: it answers as of the
    // registration, as the first time did, not as of the retry.
    const at =
      revision === 0 && state.status === 'registered'
        ? new Date(state.registeredAt)
        : command.context.now;
    return { status: 'fulfilled', value: toProfile(state, revision, at) };
  });
}

@CommandHandler(UpdateClientProfile)
export class UpdateClientProfileHandler implements ICommandHandler<UpdateClientProfile> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ clientId, changes, context }: UpdateClientProfile): Promise<ClientProfile> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(clientId, changes, context);
      } catch (error) {
        if (!(error instanceof WrongExpectedVersion)) throw error;
        if (context.ifMatch !== undefined) {
          throw new PreconditionFailed(
            `The client has changed since version ${context.ifMatch}; it is now at version ${String(error.actual)}. Read it again and retry.`,
            { currentVersion: error.actual },
          );
        }
        // Someone changed the client since we read it: decide, claim and append again.
        if (attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Read once, decide, claim a new email, and append at the revision read: what was claimed is
   * exactly what lands, or nothing lands. A claim left by a failed attempt is not released
   * (another request of this client may rely on it); it lapses (email-claims.ts).
   */
  private async attempt(
    clientId: string,
    changes: Partial<PersonalDetails>,
    context: RequestContext,
  ): Promise<ClientProfile> {
    const stream = clientStream(clientId);
    const command = {
      type: 'UpdateClientProfile' as const,
      data: { clientId, studioId: context.studioId, changes },
    };
    const history = await this.store.readStream(stream);
    const revision = lastRevision(history);
    const current = fold(clientDecider, history as unknown as ClientEvent[]);
    // Another studio's client, or none, is a 404 before anything about its version is said
    // (invariant 6): a 412 would tell its revision, and that it exists.
    if (current.status !== 'registered' || current.studioId !== context.studioId) {
      throw new NotFound('client', clientId);
    }
    const appendAt = context.ifMatch ?? revision;
    const metadata = commandContext(context).metadata;
    if (appendAt !== revision && !appliedByKey(history, metadata)) {
      throw new WrongExpectedVersion(stream, appendAt, revision < 0 ? 'no_stream' : revision);
    }
    // Validates, and tells whether the email really changes, before anything is claimed.
    const decided = clientDecider.decide(command, current, context.now);
    const oldEmail = current.personal?.email ?? '';
    const newEmail = changes.email;
    const emailChanges =
      decided.length > 0 &&
      newEmail !== undefined &&
      normaliseEmail(newEmail) !== normaliseEmail(oldEmail);
    let oldClaimAt = -1;
    if (emailChanges) {
      oldClaimAt = await claimRevision(this.store, context, oldEmail);
      await claimEmail(this.store, context, newEmail, clientId);
    }
    const result = await handleCommand(
      this.store,
      stream,
      clientDecider,
      command,
      commandContext(context, { expectedRevision: appendAt }),
    );
    if (emailChanges && result.appended.length > 0) {
      await releaseEmail(this.store, context, oldEmail, clientId, oldClaimAt);
    }
    return toProfile(result.state, result.revision, context.now);
  }
}

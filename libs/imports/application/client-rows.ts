import {
  claimHolder,
  clientDecider,
  clientStream,
  emailClaimStream,
  EmailMustBeUniqueInStudio,
  normaliseEmail,
  RegisterClient,
  RegisterClientHandler,
  UpdateClientProfile,
  UpdateClientProfileHandler,
  type ClientEvent,
  type PersonalDetails,
  type RegisterClientInput,
} from '@clientele/clients';
import { appliedByKey, commandContext, idForRequest, type EventStore } from '@clientele/eventstore';
import { ClienteleError, fold, InvalidInput, type RequestContext } from '@clientele/shared';
import type { ImportedClient } from '../domain';

/**
 * - `created`: no client of the studio had the email; one is registered.
 * - `updated`: a client had it, and the row changed some of their details (only those).
 * - `skipped`: a client had it, and the row says nothing they do not already hold.
 * - `failed`: the row cannot be imported; `reason` says why.
 */
export type RowOutcome =
  | { outcome: 'created' | 'updated' | 'skipped'; clientId: string }
  | { outcome: 'failed'; reason: string };

/**
 * The command context of one row: its key derives from the job and the row's email, so a row
 * done again (a resumed job) is found in the streams it changed and changes nothing twice.
 */
export function rowContext(
  job: { id: string; studioId: string; createdBy: RequestContext['actor'] },
  email: string,
  now: Date,
): RequestContext {
  return {
    studioId: job.studioId,
    actor: job.createdBy,
    correlationId: job.id,
    idempotencyKey: `import:${job.id}:${normaliseEmail(email)}`,
    now,
  };
}

export function reasonOf(error: ClienteleError): string {
  if (error instanceof InvalidInput && error.errors.length > 0) {
    return error.errors.map((e) => `${e.field} ${e.message}`).join('; ');
  }
  return error.message;
}

/**
 * Imports one row through the clients' own write path: RegisterClient (its decider and the
 * email claim, invariant 8), or, when a client of the studio already has the email,
 * UpdateClientProfile with what differs. A dry run decides the same way and appends nothing.
 */
export class ClientRowImporter {
  private readonly register: RegisterClientHandler;
  private readonly update: UpdateClientProfileHandler;
  /**
   * How many of the recent rows had an email a client already held (a moving share). A first
   * import is mostly new clients: registering straight away is cheapest. A file imported again
   * is mostly known ones: asking the claim first saves a failed registration's reads.
   */
  private known = 0;

  constructor(private readonly store: EventStore) {
    this.register = new RegisterClientHandler(store);
    this.update = new UpdateClientProfileHandler(store);
  }

  async import(
    client: ImportedClient,
    context: RequestContext,
    dryRun: boolean,
  ): Promise<RowOutcome> {
    try {
      return dryRun ? await this.foresee(client, context) : await this.apply(client, context);
    } catch (error) {
      if (error instanceof ClienteleError) return { outcome: 'failed', reason: reasonOf(error) };
      throw error;
    }
  }

  private async apply(client: ImportedClient, context: RequestContext): Promise<RowOutcome> {
    if (this.known > 0.5) {
      const holder = await claimHolder(
        this.store,
        emailClaimStream(context.studioId, client.email),
      );
      // Held by the client this row registers: a row done again, which the registration replays.
      if (holder !== null && holder !== idForRequest('client', context)) {
        this.saw(true);
        return this.changeHolder(holder, client, context, false);
      }
    }
    try {
      const profile = await this.register.execute(
        new RegisterClient(registration(client), context),
      );
      this.saw(false);
      return { outcome: 'created', clientId: profile.id };
    } catch (error) {
      if (!(error instanceof EmailMustBeUniqueInStudio)) throw error;
      this.saw(true);
      return this.changeHolder(String(error.extensions.existingClientId), client, context, false);
    }
  }

  private saw(known: boolean): void {
    this.known = this.known * 0.98 + (known ? 0.02 : 0);
  }

  private async foresee(client: ImportedClient, context: RequestContext): Promise<RowOutcome> {
    const holder = await claimHolder(this.store, emailClaimStream(context.studioId, client.email));
    if (holder === null) {
      const clientId = idForRequest('client', context);
      clientDecider.decide(
        {
          type: 'RegisterClient',
          data: { ...registration(client), clientId, studioId: context.studioId },
        },
        clientDecider.initialState,
        context.now,
      );
      return { outcome: 'created', clientId };
    }
    return this.changeHolder(holder, client, context, true);
  }

  /** The client who has the row's email takes what differs; nothing differs: skipped. */
  private async changeHolder(
    clientId: string,
    client: ImportedClient,
    context: RequestContext,
    dryRun: boolean,
  ): Promise<RowOutcome> {
    const history = await this.store.readStream(clientStream(clientId));
    const state = fold(clientDecider, history as unknown as ClientEvent[]);
    if (state.status !== 'registered' || state.personal === null) {
      return {
        outcome: 'failed',
        reason: `the email is held by client ${clientId}, who cannot be changed`,
      };
    }
    if (state.mergedInto) {
      return {
        outcome: 'failed',
        reason: `the email belongs to client ${clientId}, merged into client ${state.mergedInto.survivorId}: change the survivor`,
      };
    }
    const changes = differences(state.personal, client);
    if (Object.keys(changes).length === 0) {
      // A resumed job meets its own update: it counts as it did the first time.
      const mine = appliedByKey(history, commandContext(context).metadata);
      return { outcome: mine ? 'updated' : 'skipped', clientId };
    }
    if (dryRun) {
      clientDecider.decide(
        { type: 'UpdateClientProfile', data: { clientId, studioId: context.studioId, changes } },
        state,
        context.now,
      );
    } else {
      await this.update.execute(new UpdateClientProfile(clientId, changes, context));
    }
    return { outcome: 'updated', clientId };
  }
}

function registration(client: ImportedClient): RegisterClientInput {
  return {
    firstName: client.firstName,
    lastName: client.lastName,
    email: client.email,
    ...(client.phone ? { phone: client.phone } : {}),
    ...(client.birthday ? { birthday: client.birthday } : {}),
    ...(client.address ? { address: client.address } : {}),
  };
}

/**
 * What the row says that the client does not hold. An empty cell clears nothing; an email that
 * differs only in case is the same email (the client was found by it); address lines the row gives replace those lines only.
 */
export function differences(
  current: PersonalDetails,
  client: ImportedClient,
): Partial<PersonalDetails> {
  const changes: Partial<PersonalDetails> = {};
  if (client.firstName !== current.firstName) changes.firstName = client.firstName;
  if (client.lastName !== current.lastName) changes.lastName = client.lastName;
  if (client.phone && client.phone !== current.phone) changes.phone = client.phone;
  if (client.birthday && client.birthday !== current.birthday) changes.birthday = client.birthday;
  if (client.address) {
    const address = { ...current.address, ...client.address };
    if (JSON.stringify(address) !== JSON.stringify(current.address)) changes.address = address;
  }
  return changes;
}

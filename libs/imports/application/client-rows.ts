import {
  clientDecider,
  clientStream,
  emailClaimStream,
  EmailMustBeUniqueInStudio,
  normaliseEmail,
  RegisterClient,
  registerClients,
  UpdateClientProfile,
  UpdateClientProfileHandler,
  type ClientEvent,
  type PersonalDetails,
  type RegisterClientInput,
} from '@clientele/clients';
import {
  appliedByKey,
  commandContext,
  idForRequest,
  type EventStore,
  type RecordedEvent,
} from '@clientele/eventstore';
import {
  claimDecider,
  ClienteleError,
  fold,
  InvalidInput,
  sameJson,
  type ClaimEvent,
  type ImportedFrom,
  type RequestContext,
} from '@clientele/shared';
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

/** A rule's refusal as a studio reads it: the fields and what is wrong with each. */
export function reasonOf(error: ClienteleError): string {
  if (error instanceof InvalidInput && error.errors.length > 0) {
    return error.errors.map((e) => `${e.field} ${e.message}`).join('; ');
  }
  return error.message;
}

/** A row's outcome when a rule refused it; any other error is not the row's and is thrown. */
function refused(error: unknown): RowOutcome {
  if (!(error instanceof ClienteleError)) throw error;
  return { outcome: 'failed', reason: reasonOf(error) };
}

/** A row to import: the client it reads as, its command context (`rowContext`), its place. */
export interface ClientRow {
  client: ImportedClient;
  context: RequestContext;
  importedFrom: ImportedFrom;
}

/**
 * Imports rows through the clients' own write path: RegisterClient (its decider and the email
 * claim, invariant 8), or, when a client of the studio already has the email,
 * UpdateClientProfile with what differs. A dry run decides the same way and appends nothing.
 * Rows go together, so a chunk of them costs a few statements rather than a few each: one read
 * of their emails' claims, `registerClients` for the new ones, one read of the known ones'
 * clients.
 */
export class ClientRowImporter {
  private readonly update: UpdateClientProfileHandler;

  constructor(private readonly store: EventStore) {
    this.update = new UpdateClientProfileHandler(store);
  }

  /** An outcome per row, in order. Rows name distinct emails (the file's duplicates fail before). */
  async import(rows: readonly ClientRow[], dryRun: boolean): Promise<RowOutcome[]> {
    const outcomes: RowOutcome[] = [];
    const claimStreams = rows.map((r) => emailClaimStream(r.context.studioId, r.client.email));
    const claims = await this.store.readStreams(claimStreams);
    const registering: number[] = [];
    const changing: { row: number; holder: string }[] = [];
    rows.forEach((row, i) => {
      const events = claims.get(claimStreams[i]!)! as unknown as ClaimEvent[];
      const holder = fold(claimDecider, events).holderId;
      // Held by the client this row registers: a row done again, which the registration replays.
      if (holder === null || holder === idForRequest('client', row.context)) registering.push(i);
      else changing.push({ row: i, holder });
    });
    if (dryRun) {
      for (const i of registering) outcomes[i] = foresee(rows[i]!);
    } else {
      const registered = await registerClients(
        this.store,
        registering.map((i) => new RegisterClient(registration(rows[i]!), rows[i]!.context)),
      );
      registering.forEach((i, at) => {
        const outcome = registered[at]!;
        if (outcome.status === 'fulfilled') {
          outcomes[i] = { outcome: 'created', clientId: outcome.value.id };
        } else if (outcome.reason instanceof EmailMustBeUniqueInStudio) {
          // Claimed since the claims were read (another desk, another process).
          changing.push({ row: i, holder: String(outcome.reason.extensions.existingClientId) });
        } else outcomes[i] = refused(outcome.reason);
      });
    }
    const histories = await this.store.readStreams(changing.map((c) => clientStream(c.holder)));
    await Promise.all(
      changing.map(async ({ row, holder }) => {
        const history = histories.get(clientStream(holder))!;
        outcomes[row] = await this.changeHolder(holder, history, rows[row]!, dryRun).catch(refused);
      }),
    );
    return outcomes;
  }

  /** The client who has the row's email takes what differs; nothing differs: skipped. */
  private async changeHolder(
    clientId: string,
    history: RecordedEvent[],
    { client, context }: ClientRow,
    dryRun: boolean,
  ): Promise<RowOutcome> {
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

/** What a dry run's new client would be: the decider's answer, nothing appended. */
function foresee(row: ClientRow): RowOutcome {
  const { context } = row;
  const clientId = idForRequest('client', context);
  try {
    clientDecider.decide(
      {
        type: 'RegisterClient',
        data: { ...registration(row), clientId, studioId: context.studioId },
      },
      clientDecider.initialState,
      context.now,
    );
  } catch (error) {
    return refused(error);
  }
  return { outcome: 'created', clientId };
}

function registration({ client, importedFrom }: ClientRow): RegisterClientInput {
  return {
    importedFrom,
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
    if (!sameJson(address, current.address)) changes.address = address;
  }
  return changes;
}

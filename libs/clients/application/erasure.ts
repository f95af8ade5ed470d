import { Inject, Injectable } from '@nestjs/common';
import {
  Command,
  CommandHandler,
  IQueryHandler,
  Query,
  QueryHandler,
  type ICommandHandler,
} from '@nestjs/cqrs';
import { DATABASE, type Database } from '@clientele/database';
import {
  cancelledOutboxOf,
  cancelOutboxOf,
  commandContext,
  EVENT_STORE,
  handleCommand,
  PERSONAL_DATA_KEYS,
  type EventStore,
  type PersonalDataKeys,
  type RecordedEvent,
} from '@clientele/eventstore';
import { FILE_STORE, type FileStore } from '@clientele/files';
import { NotFound, type Actor, type RequestContext } from '@clientele/shared';
import { clientDecider } from '../domain/client.decider';
import { clientStream, type ClientErased } from '../domain/client.events';
import { ClientMustNotBeErasedTwice } from '../domain/client.rules';
import { assertClientOfStudio, duplicatesOf, readClient } from './client-lookup';
import { claimHolder, releaseClaimOf } from './email-claims';

/** What erasing a client did, and what it kept on purpose (ADR 0015). */
export interface ErasureReport {
  clientId: string;
  studioId: string;
  erasedAt: string;
  erasedBy: Actor;
  /** Every step done: keys destroyed and email claims released. */
  complete: boolean;
  /** The clients whose data this erasure covers: the client, and any merged into it. */
  covers: string[];
  keys: { clientId: string; destroyed: boolean; destroyedAt: string | null }[];
  /** Events whose personal data no one can read any more, by stream and type. */
  events: { unreadable: number; byStream: { stream: string; type: string; count: number }[] };
  files: { deleted: number; bytes: number };
  notifications: { cancelled: number };
  /** The email's claim (a hashed stream name): released, so the address can register again. */
  emailClaims: { stream: string; released: boolean }[];
  kept: { what: string; why: string }[];
}

const KEPT: ErasureReport['kept'] = [
  {
    what: 'The events themselves, their types, times, actors and non-personal data',
    why: 'Events are never changed or deleted (invariant 5); only their personal data became unreadable.',
  },
  {
    what: 'Sales, bills, payments, refunds, credits, memberships and account balances',
    why: 'Bookkeeping and tax law require the studio to keep its financial records.',
  },
  {
    what: 'Bookings, attendance and no-shows',
    why: 'They are the studio’s record of what was delivered and paid for, and carry no personal details.',
  },
  {
    what: 'The fact of each waiver signature: which version, when, signed by self or guardian',
    why: 'Proof that terms were accepted; the signature, IP and device were erased.',
  },
  {
    what: 'Consents given and withdrawn, relationships to other clients, the fact and size of files',
    why: 'Records of what the studio was allowed to do, with no personal details left in them.',
  },
  {
    what: 'The hashed name of the email’s claim stream',
    why: 'Stream names cannot change; it is a hash of the studio and the email, not the email.',
  },
];

/** The client's ClientErased, with who recorded it; null when the client was not erased. */
function erasureIn(history: readonly RecordedEvent[]) {
  const recorded = history.find((event) => event.type === 'ClientErased');
  return recorded
    ? { recorded, data: (recorded as unknown as ClientErased & RecordedEvent).data }
    : null;
}

/** The streams that hold a client's personal data: their profile and their signatures. */
const personalStreams = (clientId: string) => [clientStream(clientId), `signatures-${clientId}`];

export interface ErasureDeps {
  store: EventStore;
  keys: PersonalDataKeys;
  files: FileStore;
  db: Database;
}

/**
 * Erases what the log does not hold of these clients — their files' bytes, the messages still
 * to be sent to them — then destroys their keys. Each step can run again and does nothing more;
 * the keys go last, so a destroyed key says the rest was done. Merging (a survivor with clients
 * merged into it) calls this with every client the erasure covers.
 */
export async function shredClients(
  deps: ErasureDeps,
  studioId: string,
  clientIds: readonly string[],
  at: Date,
): Promise<{ workDone: boolean }> {
  const cancelled = await cancelOutboxOf(
    deps.db.sql,
    clientIds,
    'cancelled: the client was erased',
  );
  const { files } = await deps.files.eraseClients(clientIds);
  const destroyed = await deps.keys.destroy(clientIds, studioId, at);
  const keysNow = [...destroyed.values()].some((when) => when.getTime() === at.getTime());
  return { workDone: cancelled > 0 || files > 0 || keysNow };
}

/**
 * Everything after the event: release the email claims it names, then shred. ClientErased is
 * appended before any of this, because the event is what makes finishing possible: it names the
 * claims (no need to read an email the key no longer opens) and the clients covered, and it tells
 * every read model to clear the client. Had the key gone first and the append failed, the claim
 * could never be found again and the read models would keep the names.
 */
async function finishErasure(
  deps: ErasureDeps,
  erasure: ClientErased['data'],
  context: RequestContext,
): Promise<{ workDone: boolean }> {
  let released = false;
  for (const stream of erasure.emailClaims) {
    // The client's own claim, or one a client merged into it holds.
    const holder = await claimHolder(deps.store, stream);
    if (holder === null || !erasure.covers.includes(holder)) continue;
    released = (await releaseClaimOf(deps.store, context, stream, holder)) || released;
  }
  const shred = await shredClients(deps, erasure.studioId, erasure.covers, context.now);
  return { workDone: released || shred.workDone };
}

/** The report of a client's erasure, from the log, the keys, the files and the outbox. */
export async function erasureReport(
  deps: ErasureDeps,
  studioId: string,
  clientId: string,
): Promise<ErasureReport> {
  await assertClientOfStudio(deps.store, studioId, clientId);
  const found = erasureIn(await deps.store.readStream(clientStream(clientId)));
  if (!found) throw new NotFound('erasure', clientId);
  const { recorded, data } = found;
  const streams = data.covers.flatMap(personalStreams);
  const counts = new Map<string, { stream: string; type: string; count: number }>();
  for (const events of await Promise.all(streams.map((s) => deps.store.readStream(s)))) {
    for (const event of events) {
      if (!('personal' in (event.data as object))) continue;
      const key = `${event.streamName} ${event.type}`;
      const entry = counts.get(key) ?? { stream: event.streamName, type: event.type, count: 0 };
      counts.set(key, { ...entry, count: entry.count + 1 });
    }
  }
  const byStream = [...counts.values()];
  const keyStates = await deps.keys.lookup(data.covers);
  const keys = data.covers.map((id) => {
    const state = keyStates.get(id);
    const destroyedAt = state?.erasedAt ?? null;
    return {
      clientId: id,
      destroyed: destroyedAt !== null,
      destroyedAt: destroyedAt?.toISOString() ?? null,
    };
  });
  const emailClaims = await Promise.all(
    data.emailClaims.map(async (stream) => ({
      stream,
      // Released, or taken since by a client this erasure does not cover.
      released: !data.covers.includes((await claimHolder(deps.store, stream)) ?? ''),
    })),
  );
  const files = await deps.files.erasedOf(data.covers);
  return {
    clientId,
    studioId,
    erasedAt: data.erasedAt,
    erasedBy: recorded.metadata.actor,
    complete: keys.every((k) => k.destroyed) && emailClaims.every((c) => c.released),
    covers: data.covers,
    keys,
    events: { unreadable: byStream.reduce((sum, e) => sum + e.count, 0), byStream },
    files: { deleted: files.files, bytes: files.bytes },
    notifications: { cancelled: await cancelledOutboxOf(deps.db.sql, data.covers) },
    emailClaims,
    kept: KEPT,
  };
}

export class EraseClient extends Command<ErasureReport> {
  constructor(
    readonly clientId: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}

export class GetErasureReport extends Query<ErasureReport> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
  ) {
    super();
  }
}

/** What erasing and reporting need, as Nest hands it over. */
@Injectable()
export class Erasures implements ErasureDeps {
  constructor(
    @Inject(EVENT_STORE) readonly store: EventStore,
    @Inject(PERSONAL_DATA_KEYS) readonly keys: PersonalDataKeys,
    @Inject(FILE_STORE) readonly files: FileStore,
    @Inject(DATABASE) readonly db: Database,
  ) {}
}

/**
 * EraseClient: record ClientErased, then finish (claims, outbox, files, keys last) and answer
 * the report. A retry — the same request again, or a new one after a crash — finishes whatever
 * was left undone and answers the report; once nothing is left, a new request is refused
 * (`client_already_erased`).
 */
@CommandHandler(EraseClient)
export class EraseClientHandler implements ICommandHandler<EraseClient> {
  constructor(private readonly deps: Erasures) {}

  async execute({ clientId, context }: EraseClient): Promise<ErasureReport> {
    const { studioId } = context;
    await assertClientOfStudio(this.deps.store, studioId, clientId);
    const stream = clientStream(clientId);
    try {
      await handleCommand(
        this.deps.store,
        stream,
        clientDecider,
        {
          type: 'EraseClient',
          data: { clientId, studioId, duplicateEmails: await this.duplicateEmails(clientId) },
        },
        commandContext(context),
      );
    } catch (error) {
      if (!(error instanceof ClientMustNotBeErasedTwice)) throw error;
      const found = erasureIn(await this.deps.store.readStream(stream));
      const { workDone } = await finishErasure(this.deps, found!.data, context);
      if (!workDone) throw error;
      return erasureReport(this.deps, studioId, clientId);
    }
    const found = erasureIn(await this.deps.store.readStream(stream));
    await finishErasure(this.deps, found!.data, context);
    return erasureReport(this.deps, studioId, clientId);
  }

  /** The clients merged into this one hold email claims too (ADR 0016). */
  private async duplicateEmails(clientId: string): Promise<string[]> {
    const emails: string[] = [];
    for (const duplicateId of await duplicatesOf(this.deps.store, clientId)) {
      const duplicate = await readClient(this.deps.store, duplicateId);
      if (duplicate.status === 'registered' && duplicate.personal) {
        emails.push(duplicate.personal.email);
      }
    }
    return emails;
  }
}

@QueryHandler(GetErasureReport)
export class GetErasureReportHandler implements IQueryHandler<GetErasureReport> {
  constructor(private readonly deps: Erasures) {}

  execute({ studioId, clientId }: GetErasureReport): Promise<ErasureReport> {
    return erasureReport(this.deps, studioId, clientId);
  }
}

import {
  clientDecider,
  clientStream,
  toProfile,
  type ClientEvent,
  type ClientProfile,
} from '@clientele/clients';
import { accountStream } from '@clientele/entitlements';
import type { EventStore, RecordedEvent } from '@clientele/eventstore';
import { sessionStream } from '@clientele/scheduling';
import { fold, NotFound, type Actor } from '@clientele/shared';
import { studioDecider, studioStream, type StudioEvent } from '@clientele/staff';
import { signaturesStream } from '@clientele/waivers';
import { foldAccount, mergedAt, type AccountAsOf } from './account-as-of';

export interface HistoryEntry {
  stream: string;
  revision: number;
  type: string;
  recordedAt: string;
  actor: Actor;
  correlationId: string;
  /** The client the event is about: this one, or a client merged into it. */
  clientId: string;
  /** As the codec opens it: `personal` is null for an erased client. */
  data: unknown;
}

export interface ClientHistory extends AccountAsOf {
  clientId: string;
  studioId: string;
  /** The instant the account is shown as of (now when not asked). */
  asOf: string;
  /** Every stream read, in the order read. */
  streams: string[];
  /** Every event about the client (and those merged into it) up to `asOf`, oldest first. */
  events: HistoryEntry[];
  /** The profile folded from the client's stream alone; null before it existed. */
  profile: ClientProfile | null;
  /** The clients merged into this one at `asOf`: the account above includes theirs. */
  merged: string[];
  /** The sessions the events name, so a timeline can say which class. */
  sessions: { sessionId: string; title: string; startsAt: string }[];
}

/**
 * Streams the read models say touched the clients: sessions they held places in, the pairs of
 * their relationships, their recurring registrations. Only where to look; what happened is
 * read from the streams themselves.
 */
export type StreamsTouching = (
  studioId: string,
  clientIds: string[],
) => Promise<{ stream: string; clientId: string }[]>;

interface Source {
  stream: string;
  /** Whom the stream is about; null when each event says (`data.clientId`): a session. */
  clientId: string | null;
}

/**
 * The audit history: every event of every stream that touched the client, and the account folded
 * by the deciders as it stood at `asOf`. It reads the log, not the read models, except to find
 * which shared streams to read. `studioId` null reads any studio's client (the CLI, ADR 0006).
 */
export async function readClientHistory(
  store: EventStore,
  streamsTouching: StreamsTouching,
  query: { studioId: string | null; clientId: string; asOf: Date },
): Promise<ClientHistory> {
  const { clientId, asOf } = query;
  const until = { untilRecordedAt: asOf };
  const [first] = await store.readStream(clientStream(clientId), { maxCount: 1 });
  if (!first || (query.studioId !== null && first.metadata.studioId !== query.studioId)) {
    throw new NotFound('client', clientId);
  }
  const studioId = first.metadata.studioId;
  const own = await store.readStream(clientStream(clientId), until);
  const client = fold(clientDecider, own as unknown as ClientEvent[]);
  const merged = mergedAt(client);
  // Their events stay in the history after an unmerge: they happened while merged.
  const group = [
    clientId,
    ...(client.status === 'registered'
      ? [...new Set([...client.duplicates.keys(), ...client.formerDuplicates])]
      : []),
  ];
  const read = new Map<string, RecordedEvent[]>([[clientStream(clientId), own]]);
  const sources: Source[] = [{ stream: clientStream(clientId), clientId }];
  const readAll = async (more: Source[]) => {
    const fresh = more.filter((s) => !read.has(s.stream));
    const events = await Promise.all(fresh.map((s) => store.readStream(s.stream, until)));
    fresh.forEach((s, i) => read.set(s.stream, events[i]!));
    sources.push(...fresh);
  };
  await readAll(
    group.flatMap((id) => [
      { stream: clientStream(id), clientId: id },
      { stream: accountStream(id), clientId: id },
      { stream: signaturesStream(id), clientId: id },
    ]),
  );
  const touching = await streamsTouching(studioId, group);
  await readAll(
    touching.map((t) => ({
      stream: t.stream,
      clientId: t.stream.startsWith('session-') ? null : t.clientId,
    })),
  );
  // Sessions a bill or a recurring registration names, in case a read model lags behind.
  const named = [...read.values()].flat().flatMap((event) => sessionNamed(event));
  await readAll(named.map((id) => ({ stream: sessionStream(id), clientId: null })));

  const members = new Set(group);
  const events = sources
    .flatMap(({ stream, clientId: about }) =>
      read.get(stream)!.flatMap((event): HistoryEntry[] => {
        const subject = about ?? (event.data as { clientId?: string }).clientId;
        if (subject === undefined || !members.has(subject)) return [];
        return [historyEntry(event, subject)];
      }),
    )
    .sort((a, b) => (a.recordedAt < b.recordedAt ? -1 : a.recordedAt > b.recordedAt ? 1 : 0));

  const sessions = sources.filter((s) => s.stream.startsWith('session-'));
  const studio = fold(
    studioDecider,
    (await store.readStream(studioStream(studioId))) as unknown as StudioEvent[],
  );
  if (studio.status !== 'open') throw new NotFound('studio', studioId);
  const account = foldAccount({
    asOf,
    studio: { currency: studio.currency, timezone: studio.timezone },
    clients: [clientId, ...merged].map((id) => ({
      clientId: id,
      account: read.get(accountStream(id))!,
      signatures: read.get(signaturesStream(id))!,
    })),
    sessions: sessions.map((s) => read.get(s.stream)!),
  });
  const last = own[own.length - 1];
  return {
    clientId,
    studioId,
    asOf: asOf.toISOString(),
    streams: sources.map((s) => s.stream),
    events,
    profile:
      last && client.status === 'registered'
        ? toProfile(client, last.revision, last.recordedAt)
        : null,
    merged,
    ...account,
    sessions: sessions.flatMap((s) => {
      const scheduled = read.get(s.stream)!.find((e) => e.type === 'SessionScheduled');
      if (!scheduled) return [];
      const data = scheduled.data as { sessionId: string; title: string; startsAt: string };
      return [{ sessionId: data.sessionId, title: data.title, startsAt: data.startsAt }];
    }),
  };
}

/** An event as the audit shows it; also the export's list of a client's events. */
export function historyEntry(event: RecordedEvent, clientId: string): HistoryEntry {
  return {
    stream: event.streamName,
    revision: event.revision,
    type: event.type,
    recordedAt: event.recordedAt.toISOString(),
    actor: event.metadata.actor,
    correlationId: event.metadata.correlationId,
    clientId,
    data: event.data,
  };
}

function sessionNamed(event: RecordedEvent): string[] {
  if (event.type === 'BillIssued') {
    const origin = (event.data as { origin: { kind: string; sessionId?: string } }).origin;
    return origin.kind === 'booking' && origin.sessionId ? [origin.sessionId] : [];
  }
  if (event.type === 'RecurringSessionBooked') {
    return [(event.data as { sessionId: string }).sessionId];
  }
  return [];
}

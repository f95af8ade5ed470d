import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
  type AllStreamRecordedEvent,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type AppendResult as ClientAppendResult,
  type AppendToStreamOptions,
  type CurrentRevision,
  type EventData,
  type JSONType,
  type Position,
  type ReadAllOptions as ClientReadAllOptions,
  type ReadStreamOptions as ClientReadStreamOptions,
  type RecordedEvent as ClientRecordedEvent,
  type ResolvedEvent,
  type SubscribeToAllOptions,
} from '@eventstore/db-client';
import { compareCheckpoints } from '../checkpoint';
import {
  assertDistinctStreams,
  type AppendOptions,
  type AppendResult,
  type Checkpoint,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamAppend,
  type SubscribeOptions,
} from '../event-store.port';
import { WrongExpectedVersion } from '../wrong-expected-version.error';

/** A catch-up subscription to `$all` as the client hands it out: events, and a way to stop. */
export interface EventStoreDbSubscription extends AsyncIterable<AllStreamResolvedEvent> {
  unsubscribe(): Promise<void>;
}

/**
 * The part of `EventStoreDBClient` this adapter calls. `EventStoreDBClient` satisfies it; the unit
 * tests hand in a fake, since no EventStoreDB server runs where they do.
 */
export interface EventStoreDbClientPort {
  appendToStream(
    streamName: string,
    events: EventData | EventData[],
    options?: AppendToStreamOptions,
  ): Promise<ClientAppendResult>;
  readStream(streamName: string, options?: ClientReadStreamOptions): AsyncIterable<ResolvedEvent>;
  readAll(options?: ClientReadAllOptions): AsyncIterable<AllStreamResolvedEvent>;
  subscribeToAll(options?: SubscribeToAllOptions): EventStoreDbSubscription;
  dispose(): Promise<void>;
}

/** How many `$all` records one page reads; system events are skipped client-side. */
const ALL_PAGE_SIZE = 128;
const HEAD_PAGE_SIZE = 32;

/**
 * The event store on EventStoreDB (KurrentDB). Revisions are 0-based there already; a reader's
 * checkpoint is the `$all` position `(commit, prepare)`. System events (`$`-prefixed types or
 * streams) never leave this adapter.
 */
export class EventStoreDbEventStore implements EventStore {
  readonly name = 'eventstoredb' as const;

  constructor(private readonly client: EventStoreDbClientPort) {}

  static fromConnectionString(url: string): EventStoreDbEventStore {
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(url));
  }

  async append(stream: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const expected = options.expectedRevision;
    try {
      const result = await this.client.appendToStream(
        stream,
        events.map((event) =>
          jsonEvent({
            ...(event.id === undefined ? {} : { id: event.id }),
            type: event.type,
            data: event.data as JSONType,
            metadata: event.metadata as unknown as JSONType,
          }),
        ),
        { expectedRevision: toClientExpectedRevision(expected) },
      );
      return {
        nextExpectedRevision: Number(result.nextExpectedRevision),
        // Servers before 22.6 do not report the position of a write; KurrentDB 25 always does.
        lastPosition: result.position?.commit ?? -1n,
      };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        throw new WrongExpectedVersion(stream, expected, toActualRevision(error.actualVersion));
      }
      throw error;
    }
  }

  /** EventStoreDB writes one stream a call: the appends go out together, each on its own. */
  async appendMany(appends: StreamAppend[]): Promise<PromiseSettledResult<AppendResult>[]> {
    assertDistinctStreams(appends);
    return Promise.allSettled(appends.map((a) => this.append(a.stream, a.events, a)));
  }

  async readStreams(streams: readonly string[]): Promise<Map<string, RecordedEvent[]>> {
    const unique = [...new Set(streams)];
    const read = await Promise.all(unique.map((stream) => this.readStream(stream)));
    return new Map(unique.map((stream, i) => [stream, read[i]!]));
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    if (options.maxCount !== undefined && options.maxCount <= 0) return [];
    const read = this.client.readStream(stream, {
      direction: FORWARDS,
      fromRevision: options.fromRevision === undefined ? START : BigInt(options.fromRevision),
      ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
    });
    const until = options.untilRecordedAt?.getTime();
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of read) {
        if (!resolved.event) continue;
        const event = toRecordedEvent(resolved.event);
        // Events of one stream are recorded in revision order, so the first one past the instant
        // ends the replay.
        if (until !== undefined && event.recordedAt.getTime() > until) break;
        events.push(event);
      }
    } catch (error) {
      // The client reports a missing stream while iterating, not when the read is created.
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  async readAll({ from, limit }: ReadAllOptions): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    if (limit <= 0) return events;
    // `fromPosition` is inclusive on a read: everything at or before `floor` is skipped.
    let floor = from;
    for (;;) {
      let seen = 0;
      const pageSize = Math.max(limit - events.length + 1, ALL_PAGE_SIZE);
      const read = this.client.readAll({
        direction: FORWARDS,
        fromPosition: floor === null ? START : toPosition(floor),
        maxCount: pageSize,
        resolveLinkTos: false,
      });
      let pageFloor: Checkpoint | null = floor;
      for await (const resolved of read) {
        seen += 1;
        const event = resolved.event;
        if (!event) continue;
        const checkpoint = checkpointOf(event);
        if (compareCheckpoints(checkpoint, floor) <= 0) continue;
        pageFloor = checkpoint;
        if (isSystemEvent(event)) continue;
        events.push(toRecordedEvent(event));
        if (events.length >= limit) return events;
      }
      // A short page is the end of the log; a page that did not move forwards would loop forever.
      if (seen < pageSize || compareCheckpoints(pageFloor, floor) <= 0) return events;
      floor = pageFloor;
    }
  }

  subscribe({ from, signal }: SubscribeOptions): AsyncIterable<RecordedEvent> {
    return { [Symbol.asyncIterator]: () => this.subscription(from, signal) };
  }

  private async *subscription(
    from: Checkpoint | null,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<RecordedEvent> {
    if (signal?.aborted) return;
    const subscription = this.client.subscribeToAll({
      fromPosition: from === null ? START : toPosition(from),
      filter: excludeSystemEvents(),
      resolveLinkTos: false,
    });
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    const iterator = subscription[Symbol.asyncIterator]();
    try {
      for (;;) {
        // Race the abort: a cancelled gRPC call is not guaranteed to end the client's stream.
        const next = await Promise.race([iterator.next(), aborted]);
        if (next === 'aborted' || next.done) return;
        const event = next.value.event;
        if (!event || isSystemEvent(event)) continue;
        const recorded = toRecordedEvent(event);
        // Subscription positions are exclusive; this guards a server that would disagree.
        if (compareCheckpoints(recorded.checkpoint, from) <= 0) continue;
        yield recorded;
      }
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      await subscription.unsubscribe().catch(() => undefined);
    }
  }

  async head(): Promise<Checkpoint | null> {
    // Reads `$all` backwards from its end, a page at a time, to the last non-system event.
    let ceiling: Checkpoint | null = null;
    for (;;) {
      let seen = 0;
      const read = this.client.readAll({
        direction: BACKWARDS,
        fromPosition: ceiling === null ? END : toPosition(ceiling),
        maxCount: HEAD_PAGE_SIZE,
        resolveLinkTos: false,
      });
      let pageCeiling: Checkpoint | null = ceiling;
      for await (const resolved of read) {
        seen += 1;
        const event = resolved.event;
        if (!event) continue;
        const checkpoint = checkpointOf(event);
        if (ceiling !== null && compareCheckpoints(checkpoint, ceiling) >= 0) continue;
        pageCeiling = checkpoint;
        if (!isSystemEvent(event)) return checkpoint;
      }
      if (seen < HEAD_PAGE_SIZE || pageCeiling === null) return null;
      if (ceiling !== null && compareCheckpoints(pageCeiling, ceiling) >= 0) return null;
      ceiling = pageCeiling;
    }
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}

export function toClientExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    case 'any':
      return ANY;
    default:
      return BigInt(expected);
  }
}

function toActualRevision(actual: CurrentRevision | string | number): number | 'no_stream' {
  if (typeof actual === 'bigint' || typeof actual === 'number') return Number(actual);
  // The client reports a missing stream as `no_stream`; anything else non-numeric means the same.
  return 'no_stream';
}

function isSystemEvent(event: ClientRecordedEvent): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

function toPosition(checkpoint: Checkpoint): Position {
  return { commit: checkpoint.major, prepare: checkpoint.minor };
}

function checkpointOf(event: ClientRecordedEvent | AllStreamRecordedEvent): Checkpoint {
  if (!event.position) {
    throw new Error(
      `EventStoreDB returned event ${event.id} without its $all position: server 22.6 or later is required.`,
    );
  }
  return { major: event.position.commit, minor: event.position.prepare };
}

function parseJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return JSON.parse(Buffer.from(value).toString('utf8'));
  return value;
}

function toRecordedEvent(event: ClientRecordedEvent | AllStreamRecordedEvent): RecordedEvent {
  const checkpoint = checkpointOf(event);
  return {
    id: event.id,
    type: event.type,
    data: parseJson(event.data),
    metadata: parseJson(event.metadata) as EventMetadata,
    streamName: event.streamId,
    revision: Number(event.revision),
    globalPosition: checkpoint.major,
    recordedAt: event.created,
    checkpoint,
  };
}

import {
  ANY,
  BACKWARDS,
  END,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
  type AllStreamRecordedEvent,
  type AllStreamResolvedEvent,
  type AppendResult as ClientAppendResult,
  type AppendToStreamOptions,
  type EventData,
  type Position,
  type ReadAllOptions as ClientReadAllOptions,
  type ReadStreamOptions as ClientReadStreamOptions,
  type ResolvedEvent,
  type SubscribeToAllOptions,
} from '@eventstore/db-client';
import type { EventMetadata, NewEvent, RecordedEvent } from '../event-store.port';
import { WrongExpectedVersion } from '../wrong-expected-version.error';
import {
  EventStoreDbEventStore,
  type EventStoreDbClientPort,
  type EventStoreDbSubscription,
} from './eventstoredb-event-store';

// A hand-written fake of the part of the client the adapter calls: no EventStoreDB server runs
// here. Its $all reads follow the server's documented rule (a read's `fromPosition` is inclusive).

const metadata: EventMetadata = {
  studioId: 'studio-1',
  actor: { type: 'system', id: 'test' },
  correlationId: 'corr-1',
  schemaVersion: 1,
};

interface LogEntry {
  streamId: string;
  type: string;
  revision: bigint;
  position: Position;
  created: Date;
  data?: unknown;
  metadata?: unknown;
}

function record(entry: LogEntry): AllStreamRecordedEvent {
  return {
    id: `id-${entry.position.commit}`,
    isJson: true,
    data: { at: Number(entry.position.commit) },
    metadata,
    ...entry,
  } as AllStreamRecordedEvent;
}

function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

class FakeSubscription implements EventStoreDbSubscription {
  unsubscribed = 0;
  private readonly queue: AllStreamResolvedEvent[] = [];
  private waiting: ((result: IteratorResult<AllStreamResolvedEvent>) => void) | null = null;

  push(event: AllStreamRecordedEvent): void {
    const resolved: AllStreamResolvedEvent = { event, commitPosition: event.position.commit };
    if (this.waiting) {
      const wake = this.waiting;
      this.waiting = null;
      wake({ value: resolved, done: false });
    } else {
      this.queue.push(resolved);
    }
  }

  async unsubscribe(): Promise<void> {
    // Like a cancelled gRPC call, this does not end the stream the reader is waiting on.
    this.unsubscribed += 1;
  }

  [Symbol.asyncIterator](): AsyncIterator<AllStreamResolvedEvent> {
    return {
      next: () => {
        const value = this.queue.shift();
        if (value) return Promise.resolve({ value, done: false });
        return new Promise((resolve) => (this.waiting = resolve));
      },
    };
  }
}

class FakeClient implements EventStoreDbClientPort {
  log: AllStreamRecordedEvent[] = [];
  appends: { stream: string; events: EventData[]; options?: AppendToStreamOptions }[] = [];
  appendOutcome: ClientAppendResult | Error = {
    success: true,
    nextExpectedRevision: 2n,
    position: { commit: 900n, prepare: 899n },
  };
  streamReads: { stream: string; options?: ClientReadStreamOptions }[] = [];
  streamEventsYielded = 0;
  allReads: ClientReadAllOptions[] = [];
  subscriptions: { options?: SubscribeToAllOptions; subscription: FakeSubscription }[] = [];
  disposed = 0;

  async appendToStream(
    stream: string,
    events: EventData | EventData[],
    options?: AppendToStreamOptions,
  ): Promise<ClientAppendResult> {
    this.appends.push({ stream, events: Array.isArray(events) ? events : [events], options });
    if (this.appendOutcome instanceof Error) throw this.appendOutcome;
    return this.appendOutcome;
  }

  readStream(stream: string, options?: ClientReadStreamOptions): AsyncIterable<ResolvedEvent> {
    this.streamReads.push({ stream, options });
    const events = this.log.filter((event) => event.streamId === stream);
    const from = options?.fromRevision === undefined ? START : options.fromRevision;
    const max = Number(options?.maxCount ?? Number.MAX_SAFE_INTEGER);
    const counted = () => (this.streamEventsYielded += 1);
    return (async function* () {
      // The real client throws only once the read is iterated.
      if (events.length === 0) throw new StreamNotFoundError(undefined, stream);
      let count = 0;
      for (const event of events) {
        if (from !== START && event.revision < (from as bigint)) continue;
        if (count >= max) return;
        count += 1;
        counted();
        yield { event };
      }
    })();
  }

  readAll(options: ClientReadAllOptions = {}): AsyncIterable<AllStreamResolvedEvent> {
    this.allReads.push(options);
    const from = options.fromPosition ?? START;
    const backwards = options.direction === BACKWARDS;
    const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    let events = backwards ? [...this.log].reverse() : [...this.log];
    if (from !== START && from !== END) {
      events = events.filter((event) => {
        const order = comparePositions(event.position, from);
        return backwards ? order <= 0 : order >= 0;
      });
    }
    if ((from === END && !backwards) || (from === START && backwards)) events = [];
    return (async function* () {
      for (const event of events.slice(0, max))
        yield { event, commitPosition: event.position.commit };
    })();
  }

  subscribeToAll(options?: SubscribeToAllOptions): EventStoreDbSubscription {
    const subscription = new FakeSubscription();
    this.subscriptions.push({ options, subscription });
    return subscription;
  }

  async dispose(): Promise<void> {
    this.disposed += 1;
  }
}

function at(commit: number, streamId = 'client-1', type = 'ClientRegistered', revision = 0) {
  return record({
    streamId,
    type,
    revision: BigInt(revision),
    position: { commit: BigInt(commit), prepare: BigInt(commit) - 1n },
    created: new Date(Date.UTC(2025, 0, 1, 0, 0, commit)),
  });
}

function newEvent(overrides: Partial<NewEvent> = {}): NewEvent {
  return { type: 'ClientRegistered', data: { name: 'Ada' }, metadata, ...overrides };
}

function setUp() {
  const client = new FakeClient();
  return { client, store: new EventStoreDbEventStore(client) };
}

async function collect<T>(iterable: AsyncIterable<T>, count: number): Promise<T[]> {
  const items: T[] = [];
  if (count === 0) return items;
  for await (const item of iterable) {
    items.push(item);
    if (items.length === count) break;
  }
  return items;
}

describe('EventStoreDbEventStore', () => {
  it('is named eventstoredb', () => {
    expect(setUp().store.name).toBe('eventstoredb');
  });

  describe('append', () => {
    it.each([
      ['no_stream', NO_STREAM],
      ['stream_exists', STREAM_EXISTS],
      ['any', ANY],
      [0, 0n],
      [4, 4n],
    ] as const)('maps expected revision %p to the client’s %p', async (ours, theirs) => {
      const { client, store } = setUp();
      await store.append('client-1', [newEvent()], { expectedRevision: ours });
      expect(client.appends[0]!.options?.expectedRevision).toStrictEqual(theirs);
    });

    it('writes JSON events with the caller’s id, type, data and metadata', async () => {
      const { client, store } = setUp();
      await store.append(
        'client-1',
        [
          newEvent({ id: '4f7b2d1e-8a39-4c56-9e0f-1a2b3c4d5e6f' }),
          newEvent({ type: 'EmailChanged' }),
        ],
        { expectedRevision: 'no_stream' },
      );
      const [first, second] = client.appends[0]!.events;
      expect(client.appends[0]!.stream).toBe('client-1');
      expect(first).toMatchObject({
        id: '4f7b2d1e-8a39-4c56-9e0f-1a2b3c4d5e6f',
        contentType: 'application/json',
        type: 'ClientRegistered',
        data: { name: 'Ada' },
        metadata,
      });
      expect(second!.type).toBe('EmailChanged');
      expect(second!.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(second!.id).not.toBe(first!.id);
    });

    it('returns the next expected revision as a number and the commit position', async () => {
      const { store } = setUp();
      const result = await store.append('client-1', [newEvent()], { expectedRevision: 1 });
      expect(result).toStrictEqual({ nextExpectedRevision: 2, lastPosition: 900n });
      expect(typeof result.nextExpectedRevision).toBe('number');
    });

    it.each([
      [3n, 3],
      ['no_stream', 'no_stream'],
    ] as const)(
      'turns WrongExpectedVersionError with actual %p into WrongExpectedVersion(%p)',
      async (current, actual) => {
        const { client, store } = setUp();
        client.appendOutcome = new WrongExpectedVersionError(undefined, {
          streamName: 'client-1',
          expected: 1n,
          current,
        });
        const error: unknown = await store
          .append('client-1', [newEvent()], { expectedRevision: 1 })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedVersion);
        expect(error).toMatchObject({ stream: 'client-1', expected: 1, actual });
      },
    );

    it('lets other client errors through unchanged', async () => {
      const { client, store } = setUp();
      const unavailable = new UnavailableError(undefined, 'down');
      client.appendOutcome = unavailable;
      await expect(
        store.append('client-1', [newEvent()], { expectedRevision: 'any' }),
      ).rejects.toBe(unavailable);
    });
  });

  describe('readStream', () => {
    it('returns [] when the client throws StreamNotFoundError while iterating', async () => {
      const { store } = setUp();
      await expect(store.readStream('client-missing')).resolves.toStrictEqual([]);
    });

    it('maps recorded events: revision, positions, date and metadata', async () => {
      const { client, store } = setUp();
      const created = new Date('2025-03-04T05:06:07.089Z');
      client.log = [
        record({
          streamId: 'client-1',
          type: 'ClientRegistered',
          revision: 7n,
          position: { commit: 12_345n, prepare: 12_300n },
          created,
          data: { name: 'Ada' },
          // A binary metadata block (what the client hands back when it cannot parse it).
          metadata: new TextEncoder().encode(JSON.stringify(metadata)),
        }),
      ];
      const [event] = await store.readStream('client-1');
      expect(event).toStrictEqual<RecordedEvent>({
        id: 'id-12345',
        type: 'ClientRegistered',
        data: { name: 'Ada' },
        metadata,
        streamName: 'client-1',
        revision: 7,
        globalPosition: 12_345n,
        recordedAt: created,
        checkpoint: { major: 12_345n, minor: 12_300n },
      });
      expect(typeof event!.revision).toBe('number');
    });

    it('reads forwards from the start unless told a revision, passing maxCount', async () => {
      const { client, store } = setUp();
      client.log = [
        at(1, 'client-1', 'A', 0),
        at(2, 'client-1', 'B', 1),
        at(3, 'client-1', 'C', 2),
      ];
      expect((await store.readStream('client-1')).map((e) => e.type)).toStrictEqual([
        'A',
        'B',
        'C',
      ]);
      expect(client.streamReads[0]!.options).toMatchObject({
        direction: FORWARDS,
        fromRevision: START,
      });
      const read = await store.readStream('client-1', { fromRevision: 1, maxCount: 1 });
      expect(read.map((e) => e.type)).toStrictEqual(['B']);
      expect(client.streamReads[1]!.options).toMatchObject({ fromRevision: 1n, maxCount: 1 });
    });

    it('stops at the first event recorded after untilRecordedAt', async () => {
      const { client, store } = setUp();
      client.log = [
        at(1, 'client-1', 'A', 0),
        at(2, 'client-1', 'B', 1),
        at(3, 'client-1', 'C', 2),
      ];
      const read = await store.readStream('client-1', {
        untilRecordedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, 2)),
      });
      expect(read.map((e) => e.type)).toStrictEqual(['A', 'B']);
      expect(client.streamEventsYielded).toBe(3);
    });
  });

  describe('readAll', () => {
    it('reads from the start when from is null, skipping system events and streams', async () => {
      const { client, store } = setUp();
      client.log = [at(1, '$settings', '$metadata'), at(2), at(3, '$$client-1', 'Anything'), at(4)];
      const read = await store.readAll({ from: null, limit: 10 });
      expect(read.map((e) => e.globalPosition)).toStrictEqual([2n, 4n]);
      expect(client.allReads[0]).toMatchObject({ direction: FORWARDS, fromPosition: START });
    });

    it('starts after `from`: the event at exactly that position is not read again', async () => {
      const { client, store } = setUp();
      client.log = [at(1), at(2), at(3), at(4)];
      const read = await store.readAll({ from: { major: 2n, minor: 1n }, limit: 10 });
      expect(read.map((e) => e.globalPosition)).toStrictEqual([3n, 4n]);
      expect(client.allReads[0]!.fromPosition).toStrictEqual({ commit: 2n, prepare: 1n });
    });

    it('returns at most `limit` events', async () => {
      const { client, store } = setUp();
      client.log = [at(1), at(2), at(3), at(4)];
      const read = await store.readAll({ from: null, limit: 2 });
      expect(read.map((e) => e.globalPosition)).toStrictEqual([1n, 2n]);
      expect(await store.readAll({ from: null, limit: 0 })).toStrictEqual([]);
    });

    it('pages on past a run of system events longer than a page', async () => {
      const { client, store } = setUp();
      client.log = [at(1)];
      for (let i = 2; i <= 300; i += 1) client.log.push(at(i, '$stats-node', '$statsCollected'));
      client.log.push(at(301), at(302));
      const read = await store.readAll({ from: { major: 1n, minor: 0n }, limit: 10 });
      expect(read.map((e) => e.globalPosition)).toStrictEqual([301n, 302n]);
      expect(client.allReads.length).toBeGreaterThan(1);
    });
  });

  describe('head', () => {
    it('is null for a log holding only system events', async () => {
      const { client, store } = setUp();
      expect(await store.head()).toBeNull();
      client.log = [at(1, '$settings', '$metadata')];
      expect(await store.head()).toBeNull();
    });

    it('is the checkpoint of the last user event, reading backwards from the end', async () => {
      const { client, store } = setUp();
      client.log = [at(1), at(2), at(3, '$stats-node', '$statsCollected')];
      expect(await store.head()).toStrictEqual({ major: 2n, minor: 1n });
      expect(client.allReads[0]).toMatchObject({ direction: BACKWARDS, fromPosition: END });
    });

    it('pages backwards past more system events than one page holds', async () => {
      const { client, store } = setUp();
      client.log = [at(1), at(2)];
      for (let i = 3; i <= 100; i += 1) client.log.push(at(i, '$stats-node', '$statsCollected'));
      expect(await store.head()).toStrictEqual({ major: 2n, minor: 1n });
    });
  });

  describe('subscribe', () => {
    it('subscribes to $all from the start, excluding system events, and maps events', async () => {
      const { client, store } = setUp();
      const iterator = store.subscribe({ from: null })[Symbol.asyncIterator]();
      const first = iterator.next();
      await Promise.resolve();
      const { options, subscription } = client.subscriptions[0]!;
      expect(options?.fromPosition).toBe(START);
      expect(options?.filter).toMatchObject({ filterOn: 'eventType', regex: '^[^$].*' });
      subscription.push(at(5, 'client-9', 'ClientRegistered', 3));
      expect((await first).value).toMatchObject({
        streamName: 'client-9',
        revision: 3,
        globalPosition: 5n,
        checkpoint: { major: 5n, minor: 4n },
      });
      await iterator.return?.();
      expect(subscription.unsubscribed).toBe(1);
    });

    it('passes the checkpoint as an (exclusive) position and never yields it again', async () => {
      const { client, store } = setUp();
      const pending = collect(store.subscribe({ from: { major: 5n, minor: 4n } }), 1);
      await Promise.resolve();
      const { options, subscription } = client.subscriptions[0]!;
      expect(options?.fromPosition).toStrictEqual({ commit: 5n, prepare: 4n });
      subscription.push(at(5));
      subscription.push(at(6, '$stats-node', '$statsCollected'));
      subscription.push(at(7));
      expect((await pending).map((e) => e.globalPosition)).toStrictEqual([7n]);
    });

    it('ends and unsubscribes when the signal aborts, even if the client stream stays open', async () => {
      const { client, store } = setUp();
      const controller = new AbortController();
      const seen: bigint[] = [];
      const done = (async () => {
        for await (const event of store.subscribe({ from: null, signal: controller.signal })) {
          seen.push(event.globalPosition);
        }
      })();
      await new Promise((resolve) => setImmediate(resolve));
      const { subscription } = client.subscriptions[0]!;
      subscription.push(at(1));
      await new Promise((resolve) => setImmediate(resolve));
      controller.abort();
      await done;
      expect(seen).toStrictEqual([1n]);
      expect(subscription.unsubscribed).toBe(1);
    });

    it('does not subscribe at all when the signal has already aborted', async () => {
      const { client, store } = setUp();
      const controller = new AbortController();
      controller.abort();
      expect(await collect(store.subscribe({ from: null, signal: controller.signal }), 1)).toEqual(
        [],
      );
      expect(client.subscriptions).toHaveLength(0);
    });
  });

  it('disposes of the client on close', async () => {
    const { client, store } = setUp();
    await store.close();
    expect(client.disposed).toBe(1);
  });
});

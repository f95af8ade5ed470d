import { randomUUID } from 'node:crypto';
import { compareCheckpoints, covers } from '../checkpoint';
import type {
  AppendResult,
  Checkpoint,
  EventMetadata,
  EventStore,
  NewEvent,
  RecordedEvent,
} from '../event-store.port';
import { WrongExpectedVersion } from '../wrong-expected-version.error';

export interface ContractTarget {
  name: string;
  /** A fresh, empty, isolated store (the suite closes it). */
  open(): Promise<EventStore>;
  /**
   * Only where independent database sessions exist (real PostgreSQL): holds a transaction open
   * that has appended `events` to `stream`, until `commit()` (or `rollback()`) is called.
   */
  holdOpenAppend?(
    store: EventStore,
    stream: string,
    events: NewEvent[],
  ): Promise<{ commit(): Promise<void>; rollback(): Promise<void> }>;
}

/** The one suite every `EventStore` adapter passes. */
export function eventStoreContract(target: ContractTarget): void {
  describe(`EventStore contract: ${target.name}`, () => {
    let store: EventStore;

    beforeEach(async () => {
      store = await target.open();
    });

    afterEach(async () => {
      await store.close();
    });

    describe('append with an expected revision', () => {
      it('appends to a new stream with no_stream, numbering revisions from 0', async () => {
        const stream = streamName();
        const result = await store.append(stream, [event('A'), event('B')], {
          expectedRevision: 'no_stream',
        });
        expect(result.nextExpectedRevision).toBe(1);
        const events = await store.readStream(stream);
        expect(events.map((e) => [e.type, e.revision])).toEqual([
          ['A', 0],
          ['B', 1],
        ]);
        expect(result.lastPosition).toBe(events[1]!.globalPosition);
      });

      it('rejects no_stream on an existing stream, reporting its actual revision', async () => {
        const stream = streamName();
        await store.append(stream, [event('A'), event('B')], { expectedRevision: 'no_stream' });
        const error = await appendError(store, stream, 'no_stream');
        expect(error.actual).toBe(1);
        expect(error.expected).toBe('no_stream');
        expect(error.stream).toBe(stream);
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('rejects stream_exists on a missing stream and accepts it on an existing one', async () => {
        const stream = streamName();
        const error = await appendError(store, stream, 'stream_exists');
        expect(error.actual).toBe('no_stream');
        expect(await store.readStream(stream)).toEqual([]);

        await store.append(stream, [event('A')], { expectedRevision: 'no_stream' });
        const result = await store.append(stream, [event('B')], {
          expectedRevision: 'stream_exists',
        });
        expect(result.nextExpectedRevision).toBe(1);
      });

      it('appends with any whether or not the stream exists', async () => {
        const stream = streamName();
        const first = await store.append(stream, [event('A')], { expectedRevision: 'any' });
        const second = await store.append(stream, [event('B'), event('C')], {
          expectedRevision: 'any',
        });
        expect([first.nextExpectedRevision, second.nextExpectedRevision]).toEqual([0, 2]);
        expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0, 1, 2]);
      });

      it('appends at the exact expected revision', async () => {
        const stream = streamName();
        await store.append(stream, [event('A')], { expectedRevision: 'no_stream' });
        const result = await store.append(stream, [event('B'), event('C')], {
          expectedRevision: 0,
        });
        expect(result.nextExpectedRevision).toBe(2);
        const next = await store.append(stream, [event('D')], { expectedRevision: 2 });
        expect(next.nextExpectedRevision).toBe(3);
        expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['A', 'B', 'C', 'D']);
      });

      it('rejects a stale or future exact revision with the actual one, writing nothing', async () => {
        const stream = streamName();
        await store.append(stream, [event('A'), event('B'), event('C')], {
          expectedRevision: 'no_stream',
        });
        expect((await appendError(store, stream, 1)).actual).toBe(2);
        expect((await appendError(store, stream, 3)).actual).toBe(2);
        expect((await appendError(store, streamName(), 0)).actual).toBe('no_stream');
        expect(await store.readStream(stream)).toHaveLength(3);
      });

      it('records the envelope: id, type, data and metadata round-trip', async () => {
        const stream = streamName();
        const id = randomUUID();
        const metadata: EventMetadata = {
          studioId: randomUUID(),
          actor: { type: 'staff', id: randomUUID() },
          correlationId: randomUUID(),
          causationId: randomUUID(),
          idempotencyKey: 'key-1',
          schemaVersion: 2,
        };
        const data = { name: 'Ada', tags: ['a', 'b'], nested: { n: 1, quote: 'say "hi" \\o/' } };
        await store.append(stream, [{ id, type: 'ClientRegistered', data, metadata }, event('B')], {
          expectedRevision: 'no_stream',
        });
        const [first, second] = await store.readStream(stream);
        expect(first).toMatchObject({ id, type: 'ClientRegistered', data, metadata });
        expect(first!.streamName).toBe(stream);
        expect(first!.recordedAt).toBeInstanceOf(Date);
        expect(Math.abs(first!.recordedAt.getTime() - Date.now())).toBeLessThan(60_000);
        expect(typeof first!.globalPosition).toBe('bigint');
        expect(second!.id).toMatch(
          /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
        );
        expect(second!.id).not.toBe(id);
        expect(second!.globalPosition > first!.globalPosition).toBe(true);
      });
    });

    describe('appendMany', () => {
      it('appends to several new streams, each numbered from 0, each answering its own result', async () => {
        const [a, b, c] = [streamName(), streamName(), streamName()];
        const outcomes = await store.appendMany([
          { stream: a, events: [event('A1'), event('A2')], expectedRevision: 'no_stream' },
          { stream: b, events: [event('B1')], expectedRevision: 'no_stream' },
          { stream: c, events: [event('C1'), event('C2'), event('C3')], expectedRevision: 'any' },
        ]);
        const results = outcomes.map((o) => (o.status === 'fulfilled' ? o.value : o.reason));
        expect(results.map((r) => (r as AppendResult).nextExpectedRevision)).toEqual([1, 0, 2]);
        const read = await Promise.all([a, b, c].map((stream) => store.readStream(stream)));
        expect(read.map((events) => events.map((e) => [e.type, e.revision]))).toEqual([
          [
            ['A1', 0],
            ['A2', 1],
          ],
          [['B1', 0]],
          [
            ['C1', 0],
            ['C2', 1],
            ['C3', 2],
          ],
        ]);
        read.forEach((events, i) => {
          expect((results[i] as AppendResult).lastPosition).toBe(events.at(-1)!.globalPosition);
        });
      });

      it('decides each append on its own: a conflict rejects that one, the others land', async () => {
        const existing = await streamWith(store, 2);
        const moving = await streamWith(store, 1);
        const [fresh, missing] = [streamName(), streamName()];
        const outcomes = await store.appendMany([
          { stream: existing, events: [event('Stale')], expectedRevision: 0 },
          { stream: moving, events: [event('M1')], expectedRevision: 0 },
          { stream: fresh, events: [event('F1')], expectedRevision: 'no_stream' },
          { stream: missing, events: [event('X')], expectedRevision: 'stream_exists' },
          { stream: existing + '-taken', events: [], expectedRevision: 'no_stream' },
        ]);
        expect(outcomes.map((o) => o.status)).toEqual([
          'rejected',
          'fulfilled',
          'fulfilled',
          'rejected',
          'fulfilled',
        ]);
        const stale = (outcomes[0] as PromiseRejectedResult).reason as WrongExpectedVersion;
        expect(stale).toBeInstanceOf(WrongExpectedVersion);
        expect([stale.stream, stale.expected, stale.actual]).toEqual([existing, 0, 1]);
        const gone = (outcomes[3] as PromiseRejectedResult).reason as WrongExpectedVersion;
        expect([gone.stream, gone.actual]).toEqual([missing, 'no_stream']);
        expect((await store.readStream(existing)).map((e) => e.type)).toEqual(['Seed0', 'Seed1']);
        expect((await store.readStream(moving)).map((e) => e.revision)).toEqual([0, 1]);
        expect(await store.readStream(fresh)).toHaveLength(1);
        expect(await store.readStream(missing)).toEqual([]);
      });

      it('keeps each stream’s events in revision order in the global log', async () => {
        const streams = [streamName(), streamName(), streamName()];
        await store.appendMany(
          streams.map((stream) => ({
            stream,
            events: [event('First'), event('Second'), event('Third')],
            expectedRevision: 'no_stream' as const,
          })),
        );
        await settled(store);
        const all = await store.readAll({ from: null, limit: 100_000 });
        for (const stream of streams) {
          expect(ofStream(all, stream).map((e) => e.revision)).toEqual([0, 1, 2]);
        }
      });

      it('refuses a stream named twice, writing nothing', async () => {
        const stream = streamName();
        const twice = { stream, events: [event('A')], expectedRevision: 'any' as const };
        await expect(store.appendMany([twice, twice])).rejects.toThrow(/twice/);
        expect(await store.readStream(stream)).toEqual([]);
      });

      it('lets exactly one of 8 parallel appendMany calls take each new stream', async () => {
        const streams = Array.from({ length: 12 }, () => streamName());
        const calls = await Promise.all(
          Array.from({ length: 8 }, (_, racer) =>
            store.appendMany(
              streams.map((stream) => ({
                stream,
                events: [event(`Racer${racer}`)],
                expectedRevision: 'no_stream' as const,
              })),
            ),
          ),
        );
        streams.forEach((_, i) => {
          const won = calls.filter((outcomes) => outcomes[i]!.status === 'fulfilled');
          expect(won).toHaveLength(1);
          for (const outcomes of calls) {
            const outcome = outcomes[i]!;
            if (outcome.status === 'rejected') {
              expect(outcome.reason).toBeInstanceOf(WrongExpectedVersion);
            }
          }
        });
        const read = await store.readStreams(streams);
        for (const stream of streams) expect(read.get(stream)).toHaveLength(1);
      });
    });

    describe('readStreams', () => {
      it('reads each stream whole, in revision order; a missing one is empty', async () => {
        const a = await streamWith(store, 3);
        const b = await streamWith(store, 1);
        const missing = streamName();
        const read = await store.readStreams([b, missing, a]);
        expect([...read.keys()].sort()).toEqual([a, b, missing].sort());
        expect(read.get(a)!.map((e) => [e.streamName, e.revision])).toEqual([
          [a, 0],
          [a, 1],
          [a, 2],
        ]);
        expect(read.get(b)).toEqual(await store.readStream(b));
        expect(read.get(missing)).toEqual([]);
        expect((await store.readStreams([])).size).toBe(0);
      });
    });

    describe('readStream', () => {
      it('reads forwards from a revision', async () => {
        const stream = await streamWith(store, 5);
        const events = await store.readStream(stream, { fromRevision: 2 });
        expect(events.map((e) => e.revision)).toEqual([2, 3, 4]);
      });

      it('reads at most maxCount events', async () => {
        const stream = await streamWith(store, 5);
        const events = await store.readStream(stream, { fromRevision: 1, maxCount: 2 });
        expect(events.map((e) => e.revision)).toEqual([1, 2]);
      });

      it('reads only events recorded at or before untilRecordedAt', async () => {
        const stream = await streamWith(store, 2);
        const [, second] = await store.readStream(stream);
        await sleep(20);
        await store.append(stream, [event('Later')], { expectedRevision: 1 });
        const asOf = await store.readStream(stream, { untilRecordedAt: second!.recordedAt });
        expect(asOf.map((e) => e.revision)).toEqual([0, 1]);
        expect(await store.readStream(stream, { untilRecordedAt: new Date(0) })).toEqual([]);
        expect(await store.readStream(stream)).toHaveLength(3);
      });

      it('returns an empty array for a missing stream', async () => {
        expect(await store.readStream(streamName())).toEqual([]);
        expect(await store.readStream(streamName(), { fromRevision: 3, maxCount: 1 })).toEqual([]);
      });
    });

    describe('readAll', () => {
      it('reads every event in global order, paging by checkpoint without skipping or repeating', async () => {
        const streams = [streamName(), streamName(), streamName()];
        const appended: string[] = [];
        for (let i = 0; i < 12; i++) {
          const stream = streams[i % 3]!;
          const events = [event(`E${i}a`), event(`E${i}b`)];
          await store.append(stream, events, { expectedRevision: 'any' });
          appended.push(...events.map((e) => e.id!));
        }
        await settled(store);

        const paged: RecordedEvent[] = [];
        let from: Checkpoint | null = null;
        for (;;) {
          const page: RecordedEvent[] = await store.readAll({ from, limit: 5 });
          if (page.length === 0) break;
          expect(page.length).toBeLessThanOrEqual(5);
          paged.push(...page);
          from = page[page.length - 1]!.checkpoint;
        }
        const ours = paged.filter((e) => streams.includes(e.streamName));
        expect(ours.map((e) => e.id)).toEqual(appended);
        expectStrictlyIncreasing(paged.map((e) => e.checkpoint));

        const oneGo = await store.readAll({ from: null, limit: 1000 });
        expect(oneGo.map((e) => e.id)).toEqual(paged.map((e) => e.id));
      });

      it('reads after a checkpoint, exclusively', async () => {
        const stream = await streamWith(store, 4);
        await settled(store);
        const all = (await store.readAll({ from: null, limit: 1000 })).filter(
          (e) => e.streamName === stream,
        );
        const after = await store.readAll({ from: all[1]!.checkpoint, limit: 1000 });
        expect(after.map((e) => e.revision)).toEqual([2, 3]);
      });

      it('reads the data of the types asked for whole, and passes the others in their place', async () => {
        const stream = streamName();
        await store.append(
          stream,
          [event('Wanted', { n: 1 }), event('Skipped', { n: 2 }), event('Wanted', { n: 3 })],
          { expectedRevision: 'no_stream' },
        );
        await settled(store);
        const whole = ofStream(await store.readAll({ from: null, limit: 1000 }), stream);
        const some = ofStream(
          await store.readAll({ from: null, limit: 1000, types: new Set(['Wanted']) }),
          stream,
        );
        expect(some.map((e) => [e.id, e.type, e.checkpoint])).toEqual(
          whole.map((e) => [e.id, e.type, e.checkpoint]),
        );
        expect(some.filter((e) => e.type === 'Wanted').map((e) => e.data)).toEqual([
          { n: 1 },
          { n: 3 },
        ]);
        // Left out or whole: never anything else.
        expect([null, { n: 2 }]).toContainEqual(some[1]!.data);
      });
    });

    describe('head', () => {
      it('is null for an empty log and the last event’s checkpoint after appends', async () => {
        expect(await store.head()).toBeNull();
        await streamWith(store, 3);
        await settled(store);
        const first = await store.readAll({ from: null, limit: 1000 });
        expect(await store.head()).toEqual(first[first.length - 1]!.checkpoint);

        await streamWith(store, 2);
        await settled(store);
        const second = await store.readAll({ from: null, limit: 1000 });
        const head = await store.head();
        expect(head).toEqual(second[second.length - 1]!.checkpoint);
        expect(compareCheckpoints(head, first[first.length - 1]!.checkpoint)).toBe(1);
      });
    });

    describe('subscribe', () => {
      it('catches up on existing events, then receives live ones, and stops on abort', async () => {
        const stream = await streamWith(store, 3);
        const controller = new AbortController();
        const subscription = collect(store.subscribe({ from: null, signal: controller.signal }));
        try {
          await waitFor(() => ofStream(subscription.events, stream).length === 3);
          await store.append(stream, [event('Live1'), event('Live2')], { expectedRevision: 2 });
          await waitFor(() => ofStream(subscription.events, stream).length === 5);
          expect(ofStream(subscription.events, stream).map((e) => e.revision)).toEqual([
            0, 1, 2, 3, 4,
          ]);
        } finally {
          controller.abort();
        }
        await expect(within(subscription.done, 5_000)).resolves.toBe('done');
        const count = subscription.events.length;
        await store.append(stream, [event('AfterAbort')], { expectedRevision: 4 });
        await sleep(100);
        expect(subscription.events).toHaveLength(count);
      });

      it('starts after the checkpoint it is given', async () => {
        const stream = await streamWith(store, 4);
        await settled(store);
        const all = (await store.readAll({ from: null, limit: 1000 })).filter(
          (e) => e.streamName === stream,
        );
        const controller = new AbortController();
        const subscription = collect(
          store.subscribe({ from: all[1]!.checkpoint, signal: controller.signal }),
        );
        try {
          await waitFor(() => ofStream(subscription.events, stream).length >= 2);
          await sleep(50);
          expect(ofStream(subscription.events, stream).map((e) => e.revision)).toEqual([2, 3]);
        } finally {
          controller.abort();
          await subscription.done;
        }
      });
    });

    describe('under concurrency', () => {
      it('lets exactly one of 20 parallel appends at the same expected revision win', async () => {
        const stream = await streamWith(store, 1);
        const outcomes = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) =>
            store.append(stream, [event(`Racer${i}`)], { expectedRevision: 0 }),
          ),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(19);
        for (const { reason } of lost) {
          expect(reason).toBeInstanceOf(WrongExpectedVersion);
          expect((reason as WrongExpectedVersion).actual).toBe(1);
        }
        expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0, 1]);
      });

      it('delivers every event of 16 parallel writers exactly once to a running subscriber', async () => {
        const writers = 16;
        const perWriter = 50;
        const streams = Array.from({ length: writers }, () => streamName());
        const controller = new AbortController();
        const subscription = collect(store.subscribe({ from: null, signal: controller.signal }));
        try {
          await Promise.all(
            streams.map(async (stream) => {
              for (let revision = 0; revision < perWriter; revision++) {
                await store.append(stream, [event(`W${revision}`)], {
                  expectedRevision: revision === 0 ? 'no_stream' : revision - 1,
                });
              }
            }),
          );
          const ours = () => subscription.events.filter((e) => streams.includes(e.streamName));
          await waitFor(() => ours().length >= writers * perWriter, 30_000);
          await sleep(100);

          const seen = ours();
          expect(seen).toHaveLength(writers * perWriter);
          expect(new Set(seen.map((e) => e.id)).size).toBe(writers * perWriter);
          expectStrictlyIncreasing(subscription.events.map((e) => e.checkpoint));
          for (const stream of streams) {
            expect(ofStream(seen, stream).map((e) => e.revision)).toEqual(
              Array.from({ length: perWriter }, (_, i) => i),
            );
          }
        } finally {
          controller.abort();
          await subscription.done;
        }
      });
    });

    describe('late commits (independent sessions)', () => {
      const hold = target.holdOpenAppend?.bind(target);
      const itHeld = hold ? it : it.skip;
      const why = hold ? '' : ` [skipped: ${target.name} has no holdOpenAppend]`;

      itHeld(
        `never passes an event while an earlier-positioned transaction is still open${why}`,
        async () => {
          const before = await streamWith(store, 1);
          const start = await store.head();
          expect(start).not.toBeNull();
          const slow = streamName();
          const fast = streamName();
          const controller = new AbortController();
          const subscription = collect(store.subscribe({ from: start, signal: controller.signal }));
          try {
            const held = await hold!(store, slow, [event('Slow')]);
            let open = true;
            try {
              await store.append(fast, [event('Fast')], { expectedRevision: 'no_stream' });
              // The fast event is committed: a plain reader sees it...
              const [committed] = await store.readStream(fast);
              expect(committed).toBeDefined();
              // ...but a reader that trusts the global log must not pass it yet.
              await sleep(300);
              expect(await store.readAll({ from: start, limit: 100 })).toEqual([]);
              // The head is the committed fast event: a reader at `start` does not cover it, so
              // a read that waits for the head also waits for the slow transaction.
              const head = await store.head();
              expect(head).toEqual(committed!.checkpoint);
              expect(compareCheckpoints(head, start)).toBe(1);
              expect(subscription.events).toEqual([]);

              await held.commit();
              open = false;
            } finally {
              if (open) await held.rollback();
            }

            const after = await store.readAll({ from: start, limit: 100 });
            expect(after.map((e) => e.streamName)).toEqual([slow, fast]);
            // The slow transaction took its position first: a `global_position > last seen`
            // reader that had read the fast event would have skipped it for ever.
            expect(after[0]!.globalPosition < after[1]!.globalPosition).toBe(true);
            expect(await store.head()).toEqual(after[1]!.checkpoint);

            await waitFor(() => subscription.events.length >= 2);
            await sleep(100);
            expect(subscription.events.map((e) => e.id)).toEqual(after.map((e) => e.id));
            expect(ofStream(await store.readAll({ from: null, limit: 100 }), before)).toHaveLength(
              1,
            );
          } finally {
            controller.abort();
            await subscription.done;
          }
        },
      );

      itHeld(`never shows the events of a rolled-back transaction${why}`, async () => {
        const rolledBack = streamName();
        const committed = streamName();
        const controller = new AbortController();
        const subscription = collect(store.subscribe({ from: null, signal: controller.signal }));
        try {
          const held = await hold!(store, rolledBack, [event('Gone1'), event('Gone2')]);
          await store.append(committed, [event('Kept')], { expectedRevision: 'no_stream' });
          await sleep(100);
          expect(subscription.events).toEqual([]);
          await held.rollback();

          await waitFor(() => subscription.events.length >= 1);
          await sleep(200);
          expect(subscription.events.map((e) => e.streamName)).toEqual([committed]);
          const all = await store.readAll({ from: null, limit: 100 });
          expect(all.map((e) => e.streamName)).toEqual([committed]);
          expect(await store.readStream(rolledBack)).toEqual([]);
          // The stream never came to exist: no_stream still holds.
          await store.append(rolledBack, [event('Again')], { expectedRevision: 'no_stream' });
        } finally {
          controller.abort();
          await subscription.done;
        }
      });
    });
  });
}

let sequence = 0;

function streamName(): string {
  return `contract-${randomUUID()}`;
}

function event(type: string, data: unknown = { n: ++sequence }): NewEvent & { id: string } {
  return {
    id: randomUUID(),
    type,
    data,
    metadata: {
      studioId: 'studio-contract',
      actor: { type: 'system', id: 'contract-suite' },
      correlationId: randomUUID(),
      schemaVersion: 1,
    },
  };
}

async function streamWith(store: EventStore, count: number): Promise<string> {
  const stream = streamName();
  await store.append(
    stream,
    Array.from({ length: count }, (_, i) => event(`Seed${i}`)),
    { expectedRevision: 'no_stream' },
  );
  return stream;
}

async function appendError(
  store: EventStore,
  stream: string,
  expectedRevision: NewEventExpectation,
): Promise<WrongExpectedVersion> {
  const error = await store.append(stream, [event('Rejected')], { expectedRevision }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WrongExpectedVersion);
  return error as WrongExpectedVersion;
}

type NewEventExpectation = Parameters<EventStore['append']>[2]['expectedRevision'];

function ofStream(events: RecordedEvent[], stream: string): RecordedEvent[] {
  return events.filter((e) => e.streamName === stream);
}

function expectStrictlyIncreasing(checkpoints: Checkpoint[]): void {
  for (let i = 1; i < checkpoints.length; i++) {
    if (compareCheckpoints(checkpoints[i - 1]!, checkpoints[i]!) >= 0) {
      throw new Error(
        `Checkpoints out of order at ${i}: ${String(checkpoints[i - 1]!.major)}:${String(
          checkpoints[i - 1]!.minor,
        )} then ${String(checkpoints[i]!.major)}:${String(checkpoints[i]!.minor)}`,
      );
    }
  }
}

function collect(iterable: AsyncIterable<RecordedEvent>): {
  events: RecordedEvent[];
  done: Promise<void>;
} {
  const events: RecordedEvent[] = [];
  const done = (async () => {
    for await (const recorded of iterable) events.push(recorded);
  })();
  return { events, done };
}

/**
 * Readers never skip, but on a shared server a transaction open anywhere holds them back for a
 * moment: wait (bounded) until a reader sees up to the head before asserting what it read.
 */
async function settled(store: EventStore, timeoutMs = 10_000): Promise<void> {
  const head = await store.head();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await store.readAll({ from: null, limit: 100_000 });
    if (covers(all[all.length - 1]?.checkpoint ?? null, head)) return;
    if (Date.now() > deadline)
      throw new Error(`Readers did not reach the head within ${timeoutMs} ms`);
    await sleep(10);
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

async function within(promise: Promise<unknown>, ms: number): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, ms, 'timeout')));
  try {
    return await Promise.race([promise.then(() => 'done' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

import { randomUUID } from 'node:crypto';
import { migrateToLatest, type Database } from '@clientele/database';
import { claimDecider, uuidFrom } from '@clientele/shared';
import type { NewEvent } from '../event-store.port';
import { handleCommand } from '../handle-command';
import type { OutboxMapper } from '../outbox';
import { WrongExpectedVersion } from '../wrong-expected-version.error';
import { eventStoreMigrations } from './eventstore.migrations';
import { PostgresEventStore } from './postgres-event-store';

type Open = (options?: {
  pollIntervalMs?: number;
}) => Promise<{ db: Database; store: PostgresEventStore }>;

/** Cases particular to the PostgreSQL adapter, run on PGlite and on PostgreSQL. */
export function postgresAdapterCases(kind: 'postgres' | 'pglite', open: Open): void {
  describe(`PostgresEventStore (${kind}) edge cases`, () => {
    let db: Database;
    let store: PostgresEventStore;

    beforeEach(async () => {
      ({ db, store } = await open());
    });

    afterEach(async () => {
      await store.close();
    });

    it('combines appends queued behind a busy statement, each with its own outcome', async () => {
      // One statement out at a time: everything appended meanwhile leaves together.
      const combining = new PostgresEventStore(db.sql, { name: kind, maxAppendsInFlight: 1 });
      const existing = `edge-${randomUUID()}`;
      await combining.append(existing, [event(), event()], { expectedRevision: 'no_stream' });
      const duplicate = randomUUID();
      await combining.append(`edge-${randomUUID()}`, [{ ...event(), id: duplicate }], {
        expectedRevision: 'any',
      });
      const streams = Array.from({ length: 6 }, () => `edge-${randomUUID()}`);
      const outcomeOf = (o: PromiseSettledResult<{ nextExpectedRevision: number }>) =>
        o.status === 'fulfilled' ? o.value.nextExpectedRevision : o.reason.constructor.name;
      const blocker = combining.append(streams[5]!, [event()], { expectedRevision: 'any' });
      // Queued behind the blocker: these leave as one statement, conflicts and all.
      const combined = await Promise.allSettled([
        combining.append(existing, [event()], { expectedRevision: 'no_stream' }),
        combining.append(streams[0]!, [event(), event(), event()], {
          expectedRevision: 'no_stream',
        }),
        combining.append(streams[1]!, [event()], { expectedRevision: 'any' }),
        combining.append(streams[2]!, [event()], { expectedRevision: 'stream_exists' }),
        combining.append(streams[3]!, [event()], { expectedRevision: 4 }),
        combining.append(existing, [event()], { expectedRevision: 1 }), // same stream: next batch
        blocker,
      ]);
      expect(combined.map(outcomeOf)).toEqual([
        'WrongExpectedVersion',
        2,
        0,
        'WrongExpectedVersion',
        'WrongExpectedVersion',
        2,
        0,
      ]);
      expect(((combined[0] as PromiseRejectedResult).reason as WrongExpectedVersion).actual).toBe(
        1,
      );
      expect((await combining.readStream(existing)).map((e) => e.revision)).toEqual([0, 1, 2]);
      const three = await combining.readStream(streams[0]!);
      expect(three.map((e) => e.revision)).toEqual([0, 1, 2]);
      // One transaction for the batch: its events share a transaction id, in order.
      const one = (await combining.readStream(streams[1]!))[0]!;
      expect(one.checkpoint.major).toBe(three[0]!.checkpoint.major);
      expect(three[0]!.globalPosition < three[2]!.globalPosition).toBe(true);

      // A duplicate event id fails the combined statement: each append then goes alone, and
      // only the duplicate's caller gets an error.
      const second = combining.append(streams[5]!, [event()], { expectedRevision: 0 });
      const withDuplicate = await Promise.allSettled([
        combining.append(streams[4]!, [{ ...event(), id: duplicate }], { expectedRevision: 'any' }),
        combining.append(streams[2]!, [event()], { expectedRevision: 'no_stream' }),
        second,
      ]);
      expect(withDuplicate[0]!.status).toBe('rejected');
      expect(withDuplicate.slice(1).map(outcomeOf)).toEqual([0, 1]);
      expect(await combining.readStream(streams[4]!)).toEqual([]);
    });

    describe('with an outbox', () => {
      // Each `Notify` event causes one message; every other event none.
      const notify: OutboxMapper = (e) =>
        e.type === 'Notify'
          ? [
              {
                id: uuidFrom(`note:${e.id}`),
                kind: 'note',
                studioId: e.metadata.studioId,
                subjectId: e.streamName,
                payload: e.data,
              },
            ]
          : [];
      const outbox = async (stream: string) =>
        db.sql.query<{ message_id: string; event_id: string; kind: string; payload: unknown }>(
          `SELECT message_id, event_id, kind, payload FROM outbox WHERE subject_id = $1
           ORDER BY created_at, payload->>'n'`,
          [stream],
        );

      it('writes the messages of an append with its events, and none when it fails', async () => {
        const writer = new PostgresEventStore(db.sql, { name: kind, outbox: notify });
        const stream = `edge-${randomUUID()}`;
        const first = event({ n: 1 }, 'Notify');
        await writer.append(stream, [first, event({ n: 0 }, 'Quiet')], {
          expectedRevision: 'no_stream',
        });
        expect(await outbox(stream)).toEqual([
          {
            message_id: uuidFrom(`note:${first.id}`),
            event_id: first.id,
            kind: 'note',
            payload: { n: 1 },
          },
        ]);
        // A conflict appends nothing, so it writes no message.
        await expect(
          writer.append(stream, [event({ n: 2 }, 'Notify')], { expectedRevision: 0 }),
        ).rejects.toThrow(WrongExpectedVersion);
        // A failing statement (a duplicate event id) writes no message, not even the others'.
        await expect(
          writer.append(stream, [event({ n: 3 }, 'Notify'), { ...first }], {
            expectedRevision: 1,
          }),
        ).rejects.toThrow();
        // The same event appended again is refused: still one message.
        await expect(writer.append(stream, [first], { expectedRevision: 'any' })).rejects.toThrow();
        expect((await outbox(stream)).map((row) => row.payload)).toEqual([{ n: 1 }]);
        expect(await writer.readStream(stream)).toHaveLength(2);
      });

      it('writes each combined append’s messages only if that append went in', async () => {
        const writer = new PostgresEventStore(db.sql, {
          name: kind,
          outbox: notify,
          maxAppendsInFlight: 1,
        });
        const taken = `edge-${randomUUID()}`;
        await writer.append(taken, [event({ n: 0 }, 'Notify')], { expectedRevision: 'no_stream' });
        const streams = Array.from({ length: 3 }, () => `edge-${randomUUID()}`);
        const blocker = writer.append(streams[2]!, [event({ n: 9 }, 'Notify')], {
          expectedRevision: 'any',
        });
        // Queued behind the blocker, these leave as one statement: one of them conflicts.
        const outcomes = await Promise.allSettled([
          writer.append(taken, [event({ n: 1 }, 'Notify')], { expectedRevision: 'no_stream' }),
          writer.append(streams[0]!, [event({ n: 1 }, 'Notify'), event({ n: 2 }, 'Notify')], {
            expectedRevision: 'no_stream',
          }),
          writer.append(streams[1]!, [event({ n: 1 }, 'Quiet')], { expectedRevision: 'any' }),
          blocker,
        ]);
        expect(outcomes.map((o) => o.status)).toEqual([
          'rejected',
          'fulfilled',
          'fulfilled',
          'fulfilled',
        ]);
        expect((await outbox(taken)).map((row) => row.payload)).toEqual([{ n: 0 }]);
        expect((await outbox(streams[0]!)).map((row) => row.payload)).toEqual([{ n: 1 }, { n: 2 }]);
        expect(await outbox(streams[1]!)).toEqual([]);
        expect((await outbox(streams[2]!)).map((row) => row.payload)).toEqual([{ n: 9 }]);
      });

      it('writes the messages of each append of appendMany only if that append went in', async () => {
        const writer = new PostgresEventStore(db.sql, { name: kind, outbox: notify });
        const taken = `edge-${randomUUID()}`;
        await writer.append(taken, [event({ n: 0 }, 'Notify')], { expectedRevision: 'no_stream' });
        const [fresh, quiet] = [`edge-${randomUUID()}`, `edge-${randomUUID()}`];
        const outcomes = await writer.appendMany([
          { stream: taken, events: [event({ n: 1 }, 'Notify')], expectedRevision: 'no_stream' },
          {
            stream: fresh,
            events: [event({ n: 1 }, 'Notify'), event({ n: 2 }, 'Notify')],
            expectedRevision: 'no_stream',
          },
          { stream: quiet, events: [event({ n: 1 }, 'Quiet')], expectedRevision: 'any' },
        ]);
        expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
        expect((await outbox(taken)).map((row) => row.payload)).toEqual([{ n: 0 }]);
        expect((await outbox(fresh)).map((row) => row.payload)).toEqual([{ n: 1 }, { n: 2 }]);
        expect(await outbox(quiet)).toEqual([]);
      });

      it('writes one message for a command retried with the same Idempotency-Key', async () => {
        const writer = new PostgresEventStore(db.sql, {
          name: kind,
          outbox: (e) => notify({ ...e, type: 'Notify' }),
        });
        const stream = `edge-${randomUUID()}`;
        const context = {
          metadata: { ...event().metadata, idempotencyKey: 'retried-key' },
          now: new Date(),
        };
        const command = { type: 'ClaimValue' as const, data: { scope: 'edge', holderId: 'h' } };
        const first = await handleCommand(writer, stream, claimDecider, command, context);
        const again = await handleCommand(writer, stream, claimDecider, command, context);
        expect([first.replayed, again.replayed]).toEqual([false, true]);
        expect(await outbox(stream)).toHaveLength(1);
      });
    });

    it('refuses to change or delete an appended event, even by hand (invariant 5)', async () => {
      const stream = `edge-${randomUUID()}`;
      await store.append(stream, [event({ amount: 100 })], { expectedRevision: 'no_stream' });
      const attempts = await Promise.allSettled([
        db.sql.query(`UPDATE events SET data = '{"amount": 1}' WHERE stream_name = $1`, [stream]),
        db.sql.query('DELETE FROM events WHERE stream_name = $1', [stream]),
        db.sql.query('TRUNCATE events'),
      ]);
      for (const attempt of attempts) {
        expect(attempt.status).toBe('rejected');
        expect(String((attempt as PromiseRejectedResult).reason)).toMatch(/events are immutable/);
      }
      const [kept] = await store.readStream(stream);
      expect(kept!.data).toEqual({ amount: 100 });
    });

    it(`is named after its driver (${kind})`, () => {
      expect(store.name).toBe(kind);
    });

    it('checks the expectation of an empty append without writing anything', async () => {
      const stream = `edge-${randomUUID()}`;
      expect(await store.append(stream, [], { expectedRevision: 'no_stream' })).toEqual({
        nextExpectedRevision: -1,
        lastPosition: -1n,
      });
      await expect(store.append(stream, [], { expectedRevision: 'stream_exists' })).rejects.toThrow(
        WrongExpectedVersion,
      );
      // The empty append did not create the stream.
      const created = await store.append(stream, [event(), event()], {
        expectedRevision: 'no_stream',
      });
      expect(await store.append(stream, [], { expectedRevision: 1 })).toEqual(created);
      expect(await store.append(stream, [], { expectedRevision: 'any' })).toEqual(created);
      await expect(store.append(stream, [], { expectedRevision: 0 })).rejects.toMatchObject({
        actual: 1,
      });
      expect(await store.readStream(stream)).toHaveLength(2);
    });

    it('appends 1,000 events in one call', async () => {
      const stream = `edge-${randomUUID()}`;
      const events = Array.from({ length: 1000 }, (_, i) => event({ i, text: 'x'.repeat(200) }));
      const result = await store.append(stream, events, { expectedRevision: 'no_stream' });
      expect(result.nextExpectedRevision).toBe(999);
      const read = await store.readStream(stream);
      expect(read.map((e) => e.revision)).toEqual(events.map((_, i) => i));
      expect(read.map((e) => e.id)).toEqual(events.map((e) => e.id));
      expect(read[999]!.globalPosition).toBe(result.lastPosition);
      const all = await store.readAll({ from: null, limit: 2000 });
      expect(all).toHaveLength(1000);
    });

    it('appends all or nothing: a duplicate event id moves neither the stream nor the log', async () => {
      const stream = `edge-${randomUUID()}`;
      const first = event();
      await store.append(stream, [first], { expectedRevision: 'no_stream' });
      await expect(
        store.append(stream, [event(), { ...event(), id: first.id! }], { expectedRevision: 0 }),
      ).rejects.toThrow();
      expect(await store.readStream(stream)).toHaveLength(1);
      expect(
        (await store.append(stream, [event()], { expectedRevision: 0 })).nextExpectedRevision,
      ).toBe(1);
    });

    it('sends appendMany again one by one when a duplicate event id fails it: only that append fails', async () => {
      const taken = event();
      await store.append(`edge-${randomUUID()}`, [taken], { expectedRevision: 'no_stream' });
      const streams = Array.from({ length: 3 }, () => `edge-${randomUUID()}`);
      const outcomes = await store.appendMany([
        { stream: streams[0]!, events: [event()], expectedRevision: 'no_stream' },
        { stream: streams[1]!, events: [event(), taken], expectedRevision: 'no_stream' },
        { stream: streams[2]!, events: [event()], expectedRevision: 'any' },
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const read = await store.readStreams(streams);
      expect(streams.map((stream) => read.get(stream)!.length)).toEqual([1, 0, 1]);
    });

    it('rejects a negative or fractional expected revision and a non-positive limit', async () => {
      await expect(store.append('edge-x', [event()], { expectedRevision: -1 })).rejects.toThrow(
        RangeError,
      );
      await expect(store.append('edge-x', [event()], { expectedRevision: 1.5 })).rejects.toThrow(
        RangeError,
      );
      await expect(store.readAll({ from: null, limit: 0 })).rejects.toThrow(RangeError);
    });

    it('keeps JSON data that is not an object, and strings that need escaping in arrays', async () => {
      const stream = `edge-${randomUUID()}`;
      const odd = ['a "quoted" \\ backslash, {braces}', 42, null, [1, 'two'], 'ünïcødé ✓'];
      await store.append(
        stream,
        odd.map((data) => event(data)),
        { expectedRevision: 'no_stream' },
      );
      expect((await store.readStream(stream)).map((e) => e.data)).toEqual(odd);
    });

    it('wakes its own caught-up subscriptions at once when it appends', async () => {
      const slow = await open({ pollIntervalMs: 60_000 });
      try {
        const controller = new AbortController();
        const seen: string[] = [];
        const done = (async () => {
          for await (const recorded of slow.store.subscribe({
            from: null,
            signal: controller.signal,
          })) {
            seen.push(recorded.type);
          }
        })();
        await sleep(100);
        const started = Date.now();
        await slow.store.append(`edge-${randomUUID()}`, [event({}, 'Woken')], {
          expectedRevision: 'no_stream',
        });
        // Well inside the 60 s poll interval, even while another suite's transaction on a shared
        // server keeps the append unreadable for a while.
        while (seen.length === 0 && Date.now() - started < 30_000) await sleep(5);
        expect(seen).toEqual(['Woken']);
        controller.abort();
        await done;
      } finally {
        await slow.store.close();
      }
    });

    it('ends its subscriptions when it is closed', async () => {
      const own = await open();
      const subscription = (async () => {
        let count = 0;
        for await (const _ of own.store.subscribe({ from: null })) count++;
        return count;
      })();
      await sleep(50);
      await own.store.close();
      await expect(subscription).resolves.toBe(0);
    });

    it('reads the global log through the checkpoint index, without sorting', async () => {
      await store.append(`edge-${randomUUID()}`, [event(), event()], { expectedRevision: 'any' });
      const plan = await db.sql.transaction(async (tx) => {
        await tx.query('SET LOCAL enable_seqscan = off');
        await tx.query('SET LOCAL enable_bitmapscan = off');
        return tx.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN SELECT * FROM events
           WHERE (transaction_id, global_position) > ('0'::xid8, 0::bigint)
             AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
           ORDER BY transaction_id, global_position LIMIT 500`,
        );
      });
      const text = plan.map((row) => row['QUERY PLAN']).join('\n');
      expect(text).toContain('events_checkpoint_idx');
      expect(text).not.toMatch(/\bSort\b/);
    });

    it('migrates idempotently', async () => {
      await migrateToLatest(db, eventStoreMigrations);
      await store.append(`edge-${randomUUID()}`, [event()], { expectedRevision: 'no_stream' });
    });

    it('names the migration that failed', async () => {
      await expect(
        migrateToLatest(db, eventStoreMigrations, {
          '2999-12-31T2359_broken': {
            up: async (kysely) => {
              await kysely.schema.createTable('events').addColumn('x', 'text').execute();
            },
          },
        }),
      ).rejects.toThrow(/Migration 2999-12-31T2359_broken failed/);
    });
  });
}

function event(data: unknown = { at: Date.now() }, type = 'EdgeCase'): NewEvent {
  return {
    id: randomUUID(),
    type,
    data,
    metadata: {
      studioId: 'studio-edge',
      actor: { type: 'system', id: 'edge-cases' },
      correlationId: randomUUID(),
      schemaVersion: 1,
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

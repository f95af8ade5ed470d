import { randomUUID } from 'node:crypto';
import { migrateToLatest, type Database } from '@clientele/database';
import type { NewEvent } from '../event-store.port';
import { WrongExpectedVersion } from '../wrong-expected-version.error';
import { eventStoreMigrations } from './eventstore.migrations';
import type { PostgresEventStore } from './postgres-event-store';

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
        while (seen.length === 0 && Date.now() - started < 5_000) await sleep(5);
        expect(seen).toEqual(['Woken']);
        expect(Date.now() - started).toBeLessThan(2_000);
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
          '2026-11-23T0901_broken': {
            up: async (kysely) => {
              await kysely.schema.createTable('events').addColumn('x', 'text').execute();
            },
          },
        }),
      ).rejects.toThrow(/Migration 2026-11-23T0901_broken failed/);
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

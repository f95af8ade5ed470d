import { randomBytes } from 'node:crypto';
import { migrateToLatest, openDatabase, type Database } from '@clientele/database';
import {
  covers,
  eventStoreMigrations,
  formatCheckpoint,
  parseCheckpoint,
  PostgresEventStore,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '@clientele/eventstore';
import { Unavailable } from '@clientele/shared';
import { sql, type Transaction } from 'kysely';
import { delay, until } from '../shared/testing/until';
import { onPostgres, openTestDatabase } from '../../test/support/test-database';
import type { Projection } from './projection';
import { moveCheckpoints, ProjectionRunner, RebuildInProgress } from './projection-runner';
import { projectorMigrations } from './projector.migrations';
import { ReadConsistency } from './read-consistency';

/**
 * The runner on the test database (PGlite, or PostgreSQL with DATABASE_URL), with a projection
 * of its own that records every event it applies: one row per event, `applied_count` counting
 * how many times it was applied, `seq` the order in which it was applied.
 */

interface Probe {
  projection: Projection;
  /** Sizes of the batches handed to `apply` (relevant events only). */
  batches: number[];
  /** Throws while applying an event for which this answers true. */
  failOn: ((event: RecordedEvent) => boolean) | null;
  inFlight: { now: number; max: number };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test table is untyped
type Trx = Transaction<any>;

function probeProjection(
  name: string,
  options: { applyDelayMs?: number; inFlight?: { now: number; max: number } } = {},
): Probe {
  const probe: Probe = {
    batches: [],
    failOn: null,
    inFlight: options.inFlight ?? { now: 0, max: 0 },
    projection: {
      name,
      eventTypes: new Set(['Tick']),
      async apply(trx: Trx, events: RecordedEvent[]) {
        probe.inFlight.now++;
        probe.inFlight.max = Math.max(probe.inFlight.max, probe.inFlight.now);
        try {
          probe.batches.push(events.length);
          for (const event of events) {
            if (probe.failOn?.(event)) throw new Error(`apply failed on ${event.id}`);
            // One statement per event, so a failure mid-batch has rows of that batch to undo.
            await sql`INSERT INTO ${sql.table(name)} (event_id, stream_name, revision, n)
              VALUES (${event.id}, ${event.streamName}, ${event.revision}, ${(event.data as { n: number }).n})
              ON CONFLICT (event_id) DO UPDATE SET applied_count = ${sql.table(name)}.applied_count + 1`.execute(
              trx,
            );
          }
          if (options.applyDelayMs) await delay(options.applyDelayMs);
        } finally {
          probe.inFlight.now--;
        }
      },
      tables: [name],
    },
  };
  return probe;
}

async function createProbeTable(db: Database, name: string): Promise<void> {
  await sql`CREATE TABLE ${sql.table(name)} (
    event_id uuid PRIMARY KEY,
    stream_name text NOT NULL,
    revision integer NOT NULL,
    n integer NOT NULL,
    applied_count integer NOT NULL DEFAULT 1,
    seq bigserial NOT NULL
  )`.execute(db.kysely);
}

interface SeenRow {
  event_id: string;
  stream_name: string;
  revision: number;
  n: number;
  applied_count: number;
}

/** The table's rows in the order they were first applied. */
async function indexNames(db: Database, name: string): Promise<string[]> {
  const { rows } = await sql<{ indexname: string }>`
    SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ${name}
    ORDER BY indexname`.execute(db.kysely);
  return rows.map((row) => row.indexname);
}

async function seen(db: Database, name: string): Promise<SeenRow[]> {
  const { rows } = await sql<SeenRow>`
    SELECT event_id, stream_name, revision, n, applied_count FROM ${sql.table(name)} ORDER BY seq`.execute(
    db.kysely,
  );
  return rows;
}

const metadata = {
  studioId: '00000000-0000-4000-8000-000000000001',
  actor: { type: 'system' as const, id: 'projection-runner.spec' },
  correlationId: 'projection-runner.spec',
  schemaVersion: 1,
};

function tick(n: number): NewEvent {
  return { type: 'Tick', data: { n }, metadata };
}

/** `count` events over a few streams, one append each; every fifth one a type the probe ignores. */
async function appendTicks(store: EventStore, count: number, from = 0): Promise<void> {
  for (let n = from; n < from + count; n++) {
    const event = n % 5 === 4 ? { ...tick(n), type: 'Noise' } : tick(n);
    await store.append(`tick-${n % 3}`, [event], { expectedRevision: 'any' });
  }
}

/** Every event of the log, in checkpoint order. */
async function wholeLog(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for (;;) {
    const page = await store.readAll({ from: events.at(-1)?.checkpoint ?? null, limit: 100 });
    if (page.length === 0) return events;
    events.push(...page);
  }
}

describe(`ProjectionRunner (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let db: Database;
  let store: EventStore;
  const runners: ProjectionRunner[] = [];
  let tables = 0;

  /** A fresh probe with a table of its own, and a runner over it. */
  async function probeAndRunner(
    options: ConstructorParameters<typeof ProjectionRunner>[3] = {},
  ): Promise<{ probe: Probe; runner: ProjectionRunner; name: string }> {
    const name = `probe_${++tables}`;
    await createProbeTable(db, name);
    const probe = probeProjection(name);
    const runner = new ProjectionRunner(db, store, [probe.projection], {
      onError: () => undefined,
      ...options,
    });
    runners.push(runner);
    return { probe, runner, name };
  }

  beforeAll(async () => {
    db = await openTestDatabase();
    await migrateToLatest(db, eventStoreMigrations, projectorMigrations);
    store = PostgresEventStore.forDatabase(db);
  });

  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
  });

  afterAll(async () => {
    await store.close();
    await db.close();
  });

  describe('on a log of 50 events', () => {
    let log: RecordedEvent[];
    let ticks: RecordedEvent[];

    beforeAll(async () => {
      await appendTicks(store, 50);
      await until(async () => (log = await wholeLog(store)).length >= 50);
      ticks = log.filter((event) => event.type === 'Tick');
      expect(log).toHaveLength(50);
      expect(ticks).toHaveLength(40);
    });

    it('applies every event once, in checkpoint order, whatever the batch size', async () => {
      const big = await probeAndRunner();
      const small = await probeAndRunner({ liveBatchSize: 7, catchUpBatchSize: 7 });

      await big.runner.catchUp();
      await small.runner.catchUp();

      const expected = ticks.map((event) => ({
        event_id: event.id,
        stream_name: event.streamName,
        revision: event.revision,
        n: (event.data as { n: number }).n,
        applied_count: 1,
      }));
      expect(await seen(db, big.name)).toEqual(expected);
      expect(await seen(db, small.name)).toEqual(expected);

      // 50 events in 8 batches of 7 (the last of 1): `apply` sees only the Ticks of each, and is
      // not called for the last, whose one event is Noise (it only moves the checkpoint).
      expect(small.probe.batches).toEqual([6, 6, 5, 6, 5, 6, 6]);
      expect(big.probe.batches).toEqual([40]);

      for (const { runner, name } of [big, small]) {
        const [status] = await runner.status();
        expect(status).toMatchObject({
          name,
          checkpoint: formatCheckpoint(log.at(-1)!.checkpoint),
          eventsApplied: 50,
        });
      }
    });

    it('two runners of one projection (two workers) apply each event once between them', async () => {
      const name = `probe_${++tables}`;
      await createProbeTable(db, name);
      const [first, second] = [1, 2].map(() => {
        // Slow batches, so each runner's next batch meets the other's in flight.
        const probe = probeProjection(name, { applyDelayMs: 5 });
        const runner = new ProjectionRunner(db, store, [probe.projection], {
          liveBatchSize: 3,
          catchUpBatchSize: 3,
          idleMs: 1,
          onError: () => undefined,
        });
        runners.push(runner);
        return { probe, runner };
      });

      await Promise.all([first!.runner.catchUp(), second!.runner.catchUp()]);

      const applied = await seen(db, name);
      expect(applied.map((row) => row.event_id)).toEqual(ticks.map((event) => event.id));
      expect(applied.every((row) => row.applied_count === 1)).toBe(true);
      const [status] = await first!.runner.status();
      expect(status).toMatchObject({
        checkpoint: formatCheckpoint(log.at(-1)!.checkpoint),
        eventsApplied: 50,
      });
    });

    it('a batch whose checkpoint moved before it commits is rolled back and read again', async () => {
      const { probe, runner, name } = await probeAndRunner({
        liveBatchSize: 10,
        catchUpBatchSize: 10,
      });
      await sql`INSERT INTO projection_checkpoints (name, checkpoint) VALUES (${name}, NULL)`.execute(
        db.kysely,
      );
      const apply = probe.projection.apply.bind(probe.projection);
      let interfered = false;
      // As if another runner had moved the checkpoint between this batch's check and its move.
      probe.projection.apply = async (trx, events) => {
        await apply(trx, events);
        if (interfered) return;
        interfered = true;
        await sql`UPDATE projection_checkpoints SET checkpoint = ${formatCheckpoint(log.at(-1)!.checkpoint)}
          WHERE name = ${name}`.execute(trx);
      };

      await runner.catchUp();

      // Five pages of ten (eight Ticks each), the first applied twice: refused, then again.
      expect(probe.batches).toEqual([8, 8, 8, 8, 8, 8]);
      const applied = await seen(db, name);
      expect(applied.map((row) => row.event_id)).toEqual(ticks.map((event) => event.id));
      expect(applied.every((row) => row.applied_count === 1)).toBe(true);
      const [status] = await runner.status();
      expect(status).toMatchObject({ eventsApplied: 50 });
    });

    it('commits a batch and its checkpoint together: a failing batch leaves nothing', async () => {
      const { probe, runner, name } = await probeAndRunner({
        liveBatchSize: 10,
        catchUpBatchSize: 10,
      });
      // The third batch is events 20..29; fail on its sixth (after five rows were written).
      const culprit = log[25]!;
      expect(culprit.type).toBe('Tick');
      probe.failOn = (event) => event.id === culprit.id;

      await expect(runner.catchUp()).rejects.toThrow(`apply failed on ${culprit.id}`);

      const written = await seen(db, name);
      const firstTwoBatches = log.slice(0, 20).filter((event) => event.type === 'Tick');
      expect(written.map((row) => row.event_id)).toEqual(firstTwoBatches.map((e) => e.id));
      const [stuck] = await runner.status();
      expect(stuck).toMatchObject({
        checkpoint: formatCheckpoint(log[19]!.checkpoint),
        eventsApplied: 20,
      });

      // The running loop meets the same fault, reports it, and moves nothing.
      runner.start();
      await until(async () => (await runner.status())[0]!.lastError !== null);
      expect((await runner.status())[0]).toMatchObject({
        lastError: `apply failed on ${culprit.id}`,
        checkpoint: formatCheckpoint(log[19]!.checkpoint),
        eventsApplied: 20,
      });
      expect(await seen(db, name)).toHaveLength(firstTwoBatches.length);
      await runner.stop();

      probe.failOn = null;
      await runner.catchUp();
      const rows = await seen(db, name);
      expect(rows.map((row) => row.event_id)).toEqual(ticks.map((event) => event.id));
      expect(rows.every((row) => row.applied_count === 1)).toBe(true);
      expect((await runner.status())[0]).toMatchObject({
        checkpoint: formatCheckpoint(log.at(-1)!.checkpoint),
        eventsApplied: 50,
      });
    });

    it('rebuilds into new tables swapped in with the same rows, index names and checkpoint', async () => {
      const { probe, runner, name } = await probeAndRunner({
        liveBatchSize: 9,
        catchUpBatchSize: 9,
        rebuildBatchSize: 9,
      });
      await runner.catchUp();
      const before = await seen(db, name);
      expect(before).toHaveLength(40);
      const indexes = await indexNames(db, name);

      probe.batches.length = 0;
      expect(await runner.rebuild(name)).toEqual({ eventsRead: 50, eventsApplied: 40 });
      expect(await seen(db, name)).toEqual(before);
      expect(await indexNames(db, name)).toEqual(indexes);
      // Swapped in with the planner's statistics (ANALYZE), not as a table never looked at.
      const { rows: statistics } = await sql<{ attname: string }>`
        SELECT attname FROM pg_stats WHERE schemaname = current_schema() AND tablename = ${name}
        AND attname = 'n'`.execute(db.kysely);
      expect(statistics).toHaveLength(1);
      expect(probe.batches.reduce((a, b) => a + b, 0)).toBe(40);
      expect((await runner.status())[0]).toMatchObject({
        checkpoint: formatCheckpoint(log.at(-1)!.checkpoint),
        eventsApplied: 50,
      });
      const { rows } = await sql<{ schema_name: string }>`
        SELECT schema_name FROM information_schema.schemata
        WHERE schema_name LIKE current_schema() || '_rebuild_%'`.execute(db.kysely);
      expect(rows).toEqual([]);
    });

    it('rebuilds several projections from one read of the log; a failure of one keeps every live table', async () => {
      const names = [`probe_${++tables}`, `probe_${++tables}`];
      for (const name of names) await createProbeTable(db, name);
      const probes = names.map((name) => probeProjection(name));
      // The second handles Noise instead: each sees only its own events from the shared pages.
      probes[1]!.projection = { ...probes[1]!.projection, eventTypes: new Set(['Noise']) };
      let reads = 0;
      const counting: EventStore = Object.assign(Object.create(store) as EventStore, {
        readAll: (options: Parameters<EventStore['readAll']>[0]) => {
          reads++;
          return store.readAll(options);
        },
      });
      const runner = new ProjectionRunner(
        db,
        counting,
        probes.map((probe) => probe.projection),
        { rebuildBatchSize: 20 },
      );
      runners.push(runner);
      const rebuilt = await runner.rebuildTogether(names);
      expect(Object.fromEntries(rebuilt)).toEqual({
        [names[0]!]: { eventsRead: 50, eventsApplied: 40 },
        [names[1]!]: { eventsRead: 50, eventsApplied: 10 },
      });
      // Pages of 20 over 50 events, and the empty page that ends them: once, not once each.
      expect(reads).toBe(4);
      expect((await seen(db, names[0]!)).map((row) => row.event_id)).toEqual(
        ticks.map((event) => event.id),
      );
      expect((await seen(db, names[1]!)).map((row) => row.n)).toEqual(
        log
          .filter((event) => event.type === 'Noise')
          .map((event) => (event.data as { n: number }).n),
      );
      for (const status of await runner.status()) {
        expect(status.checkpoint).toBe(formatCheckpoint(log.at(-1)!.checkpoint));
      }

      const noise = log.find((event) => event.type === 'Noise')!;
      probes[1]!.failOn = (event) => event.id === noise.id;
      const before = await Promise.all(names.map((name) => seen(db, name)));
      await expect(runner.rebuildTogether(names)).rejects.toThrow(`apply failed on ${noise.id}`);
      expect(await Promise.all(names.map((name) => seen(db, name)))).toEqual(before);
      const { rows } = await sql<{ schema_name: string }>`
        SELECT schema_name FROM information_schema.schemata
        WHERE schema_name LIKE current_schema() || '_rebuild_%'`.execute(db.kysely);
      expect(rows).toEqual([]);
      // Both claims were released: each may be rebuilt again.
      probes[1]!.failOn = null;
      await expect(runner.rebuild(names[1]!)).resolves.toEqual({
        eventsRead: 50,
        eventsApplied: 10,
      });
    });

    it('builds the indexes its apply never reads after the replay, as the live ones are', async () => {
      const { probe, runner, name } = await probeAndRunner({ rebuildBatchSize: 9 });
      const index = `${name}_by_stream`;
      await sql`CREATE INDEX ${sql.id(index)} ON ${sql.table(name)} (stream_name, revision DESC)`.execute(
        db.kysely,
      );
      const definitions = async () => {
        const { rows } = await sql<{ indexname: string; indexdef: string }>`
          SELECT indexname, indexdef FROM pg_indexes
          WHERE schemaname = current_schema() AND tablename = ${name} ORDER BY indexname`.execute(
          db.kysely,
        );
        return rows;
      };
      const before = await definitions();
      const indexesDuringReplay = new Set<number>();
      const apply = probe.projection.apply;
      const projection = {
        ...probe.projection,
        indexesAfterReplay: [index],
        async apply(trx: Trx, events: RecordedEvent[]) {
          const { rows } = await sql<{ n: number }>`
            SELECT count(*)::int AS n FROM pg_indexes
            WHERE schemaname = (current_schemas(false))[1] AND tablename = ${name}`.execute(trx);
          indexesDuringReplay.add(rows[0]!.n);
          await apply(trx, events);
        },
      };
      const rebuilding = new ProjectionRunner(db, store, [projection], { rebuildBatchSize: 9 });
      runners.push(rebuilding);
      await runner.catchUp();
      const rows = await seen(db, name);

      await rebuilding.rebuild(name);
      // Only the primary key while replaying; afterwards every index, as defined live.
      expect([...indexesDuringReplay]).toEqual([1]);
      expect(await definitions()).toEqual(before);
      expect(await seen(db, name)).toEqual(rows);

      const misnamed = new ProjectionRunner(db, store, [
        { ...probe.projection, indexesAfterReplay: [`${name}_by_nothing`] },
      ]);
      runners.push(misnamed);
      await expect(misnamed.rebuild(name)).rejects.toThrow(/no index/);
      const unique = new ProjectionRunner(db, store, [
        { ...probe.projection, indexesAfterReplay: [`${name}_pkey`] },
      ]);
      runners.push(unique);
      await expect(unique.rebuild(name)).rejects.toThrow(/is unique/);
      expect(await seen(db, name)).toEqual(rows);
      expect(await definitions()).toEqual(before);
    });

    it('reports each projection’s checkpoint, events applied and whether it runs', async () => {
      const a = await probeAndRunner({ liveBatchSize: 10, catchUpBatchSize: 10 });
      const bName = `probe_${++tables}`;
      await createProbeTable(db, bName);
      const runner = new ProjectionRunner(
        db,
        store,
        [a.probe.projection, probeProjection(bName).projection],
        { liveBatchSize: 10, catchUpBatchSize: 10 },
      );
      runners.push(runner);

      // Never run: no row yet.
      expect(await runner.status()).toEqual([
        expect.objectContaining({ name: a.name, checkpoint: null, eventsApplied: 0 }),
        expect.objectContaining({ name: bName, checkpoint: null, eventsApplied: 0 }),
      ]);

      await runner.catchUp(a.name);
      const [statusA, statusB] = await runner.status();
      expect(statusA).toMatchObject({
        checkpoint: formatCheckpoint(log.at(-1)!.checkpoint),
        eventsApplied: 50,
        lastError: null,
        running: false,
      });
      expect(statusB).toMatchObject({ checkpoint: null, eventsApplied: 0 });

      runner.start();
      await until(async () => (await runner.status())[1]!.eventsApplied === 50);
      const live = await runner.status();
      expect(live.map((s) => s.running)).toEqual([true, true]);
      expect(live[1]!.checkpoint).toBe(formatCheckpoint(log.at(-1)!.checkpoint));
      expect(live[1]!.lastLagMs).toEqual(expect.any(Number));
    });
  });

  it('at rest reads only the head of the log, and still applies what another process appends', async () => {
    const names = await Promise.all([1, 2, 3].map(async () => (await probeAndRunner()).name));
    const { probe } = await probeAndRunner();
    const runner = new ProjectionRunner(
      db,
      store,
      [probe.projection, ...names.map((name) => probeProjection(name).projection)],
      { idleMs: 20, onError: () => undefined },
    );
    runners.push(runner);
    runner.start();
    const head = await store.head();
    await until(async () =>
      (await runner.status()).every((status) => covers(parseCheckpoint(status.checkpoint), head)),
    );
    // Each projection's last read, which finds nothing and sends it to rest.
    await delay(100);
    const readAll = jest.spyOn(store, 'readAll');
    const headOf = jest.spyOn(store, 'head');
    try {
      await delay(400);
      // Four idle projections polling their pages would have read about 80 of them.
      expect(readAll).not.toHaveBeenCalled();
      expect(headOf.mock.calls.length).toBeGreaterThan(0);
      // Appended without telling the runner, as another process would: the head shows it.
      await store.append('tick-elsewhere', [tick(9999)], { expectedRevision: 'any' });
      await until(async () => probe.batches.length > 0);
    } finally {
      readAll.mockRestore();
      headOf.mockRestore();
    }
  });

  it('woken together, projections at one checkpoint read a page once and move together past what is not theirs', async () => {
    const probes = await Promise.all([1, 2, 3, 4].map(async () => (await probeAndRunner()).probe));
    const runner = new ProjectionRunner(
      db,
      store,
      probes.map((probe) => probe.projection),
      { onError: () => undefined },
    );
    runners.push(runner);
    runner.start();
    const caughtUp = async () => {
      const head = await store.head();
      await until(async () =>
        (await runner.status()).every((status) => covers(parseCheckpoint(status.checkpoint), head)),
      );
    };
    await caughtUp();
    await delay(100);
    const readAll = jest.spyOn(store, 'readAll');
    const query = jest.spyOn(db.derivedSql, 'query');
    try {
      await store.append('tick-together', [tick(7777)], { expectedRevision: 'any' });
      runner.notify();
      await until(async () => probes.every((probe) => probe.batches.length > 0));
      await store.append('noise-together', [{ ...tick(7778), type: 'Noise' }], {
        expectedRevision: 'any',
      });
      runner.notify();
      await caughtUp();
      // Each alone: four reads of each page (and four of the empty one after), four moves.
      expect(readAll.mock.calls.length).toBeLessThan(8);
      const moves = query.mock.calls.filter(
        ([, , options]) => options?.name === 'clientele_move_checkpoints',
      );
      expect(moves.length).toBeGreaterThan(0);
      expect(moves.length).toBeLessThan(4);
    } finally {
      readAll.mockRestore();
      query.mockRestore();
    }
  });

  it('a shared page that fails leaves each projection to read its own events', async () => {
    const { probe } = await probeAndRunner();
    const other = (await probeAndRunner()).probe;
    const noise = { ...other.projection, eventTypes: new Set(['Noise']) };
    await store.append('shared-fails', [tick(8001), { ...tick(8002), type: 'Noise' }], {
      expectedRevision: 'any',
    });
    const runner = new ProjectionRunner(db, store, [probe.projection, noise], {
      onError: () => undefined,
    });
    runners.push(runner);
    const readAll = store.readAll.bind(store);
    // As when one event's personal data cannot be opened: only the page of every type fails.
    const failing = jest
      .spyOn(store, 'readAll')
      .mockImplementation((options) =>
        options.types && options.types.size > 1
          ? Promise.reject(new Error('cannot open'))
          : readAll(options),
      );
    try {
      runner.start();
      await runner.catchUp();
      expect(probe.batches.length).toBeGreaterThan(0);
      expect(other.batches.length).toBeGreaterThan(0);
    } finally {
      failing.mockRestore();
    }
  });

  it('moves several checkpoints in one statement, each only from where it still is', async () => {
    const at = (n: number) => ({ major: 1n, minor: BigInt(n) });
    const name = (what: string) => `skip_${what}_${randomBytes(3).toString('hex')}`;
    const [missing, stale, current, unset] = ['missing', 'stale', 'current', 'unset'].map(name);
    await sql`INSERT INTO projection_checkpoints (name, checkpoint) VALUES
      (${stale}, ${formatCheckpoint(at(5))}), (${current}, ${formatCheckpoint(at(5))}),
      (${unset}, NULL)`.execute(db.kysely);
    const outcomes = await moveCheckpoints(db.derivedSql, [
      { name: missing!, from: null, to: at(9), count: 9 },
      { name: stale!, from: at(3), to: at(9), count: 6 },
      { name: current!, from: at(5), to: at(9), count: 4 },
      { name: unset!, from: null, to: at(9), count: 9 },
    ]);
    expect(outcomes.map((outcome) => outcome.status === 'fulfilled' && outcome.value)).toEqual([
      true,
      false,
      true,
      true,
    ]);
    const { rows } = await sql<{ name: string; checkpoint: string }>`
      SELECT name, checkpoint FROM projection_checkpoints
      WHERE name IN (${missing}, ${stale}, ${current}, ${unset})`.execute(db.kysely);
    expect(Object.fromEntries(rows.map((row) => [row.name, row.checkpoint]))).toEqual({
      [missing!]: formatCheckpoint(at(9)),
      [stale!]: formatCheckpoint(at(5)),
      [current!]: formatCheckpoint(at(9)),
      [unset!]: formatCheckpoint(at(9)),
    });
  });

  describe('rebuilding beside the live tables', () => {
    it('keeps serving the live table, and swaps in the events that came meanwhile', async () => {
      const name = `probe_${++tables}`;
      await createProbeTable(db, name);
      const probe = probeProjection(name, { applyDelayMs: 20 });
      const runner = new ProjectionRunner(db, store, [probe.projection], {
        liveBatchSize: 5,
        catchUpBatchSize: 5,
        rebuildBatchSize: 5,
        onError: () => undefined,
      });
      runners.push(runner);
      await runner.catchUp();
      const live = (await seen(db, name)).length;
      runner.start();
      const progress: number[] = [];
      const rebuilding = runner.rebuild(name, (p) => progress.push(p.eventsRead));
      await until(async () => progress.length >= 2);
      // Mid-rebuild the API still reads every row from the live table.
      expect((await seen(db, name)).length).toBe(live);
      await appendTicks(store, 10, 1000);
      const result = await rebuilding;
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      await runner.catchUp();
      const rows = await seen(db, name);
      expect(rows).toHaveLength(live + 8);
      expect(rows.filter((row) => row.applied_count !== 1)).toEqual([]);
      expect(result.eventsApplied).toBeGreaterThanOrEqual(live);
    });

    it('refuses a second rebuild of the same projection while one runs', async () => {
      const name = `probe_${++tables}`;
      await createProbeTable(db, name);
      const slow = probeProjection(name, { applyDelayMs: 20 });
      const first = new ProjectionRunner(db, store, [slow.projection], { rebuildBatchSize: 5 });
      // Another process with the same projection.
      const second = new ProjectionRunner(db, store, [probeProjection(name).projection]);
      runners.push(first, second);
      const progress: number[] = [];
      const rebuilding = first.rebuild(name, (p) => progress.push(p.eventsRead));
      await until(async () => progress.length >= 1);
      await expect(second.rebuild(name)).rejects.toBeInstanceOf(RebuildInProgress);
      await rebuilding;
      // Done, the claim is released: the next may rebuild.
      await expect(second.rebuild(name)).resolves.toMatchObject({
        eventsApplied: expect.any(Number),
      });
    });

    it('takes over at once the claim of a rebuild whose process was killed', async () => {
      const name = `probe_${++tables}`;
      await createProbeTable(db, name);
      const before = (await wholeLog(store)).length;
      await appendTicks(store, 3, 5000);
      // Readable once no older transaction of the server is open (another suite's, on PostgreSQL).
      let log: RecordedEvent[] = [];
      await until(async () => (log = await wholeLog(store)).length >= before + 3);
      const ticks = log.filter((event) => event.type === 'Tick').length;
      // What a rebuild killed a moment ago leaves: its claim, fresh, and its half-made schema.
      await db.kysely
        .insertInto('projection_rebuilds')
        .values({ name, owner: 'killed', heartbeat_at: sql`now()` })
        .execute();
      const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(
        db.kysely,
      );
      const shadow = `${rows[0]!.schema}_rebuild_${name}`;
      await sql`CREATE SCHEMA ${sql.id(shadow)}`.execute(db.kysely);
      const runner = new ProjectionRunner(db, store, [probeProjection(name).projection]);
      runners.push(runner);
      await expect(runner.rebuild(name)).resolves.toMatchObject({ eventsApplied: ticks });
      expect(await seen(db, name)).toHaveLength(ticks);
      const { rows: left } = await sql`
        SELECT 1 FROM information_schema.schemata WHERE schema_name = ${shadow}`.execute(db.kysely);
      expect(left).toEqual([]);
      expect(await db.kysely.selectFrom('projection_rebuilds').selectAll().execute()).toEqual([]);
    });
  });

  describe('read consistency', () => {
    it('awaitHead resolves once the runner has caught up with the head', async () => {
      const { runner, name } = await probeAndRunner();
      await runner.catchUp();
      const consistency = new ReadConsistency(db, store, [name], 5_000, runner);

      await appendTicks(store, 12, 1000);
      const head = await store.head();
      let resolved = false;
      const waiting = consistency.awaitHead().then(() => {
        resolved = true;
      });
      await delay(100);
      expect(resolved).toBe(false); // nothing has projected the new events yet

      runner.start();
      await waiting;
      const [status] = await runner.status();
      expect(covers(parseCheckpoint(status!.checkpoint), head)).toBe(true);
      // Caught up and nothing new: answers at once.
      await expect(consistency.awaitHead()).resolves.toBeUndefined();
    });

    it('awaitHead throws Unavailable (503) when no runner runs within its timeout', async () => {
      const { runner, name } = await probeAndRunner();
      await runner.catchUp();
      const consistency = new ReadConsistency(db, store, [name], 150, runner);
      await appendTicks(store, 3, 2000);

      const started = Date.now();
      const error = await consistency.awaitHead().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Unavailable);
      expect((error as Unavailable).kind).toBe('unavailable');
      expect((error as Unavailable).retryAfterSeconds).toBe(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);

      // Without a runner to wait on, the same (it polls the checkpoints).
      const alone = new ReadConsistency(db, store, [name], 100);
      await expect(alone.awaitHead()).rejects.toBeInstanceOf(Unavailable);

      await runner.catchUp();
      await expect(consistency.awaitHead()).resolves.toBeUndefined();
    });
  });

  const onPostgresOnly = onPostgres ? it : it.skip;
  onPostgresOnly(
    onPostgres
      ? 'two runners with their own pools on one projection while 8 writers append 400 events: each applied once, never concurrently'
      : 'two runners on one projection with 8 concurrent writers — skipped on PGlite (one connection: no concurrent sessions; runs with DATABASE_URL)',
    async () => {
      const url = process.env.DATABASE_URL!;
      const schema = `t_${randomBytes(6).toString('hex')}`;
      const dbA = await openDatabase({ url, schema, poolSize: 6 });
      const dbB = await openDatabase({ url, schema, poolSize: 6 });
      const dbWriters = await openDatabase({ url, schema, poolSize: 8 });
      const storeA = PostgresEventStore.forDatabase(dbA);
      const storeB = PostgresEventStore.forDatabase(dbB);
      const writerStore = PostgresEventStore.forDatabase(dbWriters);
      try {
        await migrateToLatest(dbA, eventStoreMigrations, projectorMigrations);
        const name = 'probe_shared';
        await createProbeTable(dbA, name);
        const inFlight = { now: 0, max: 0 };
        const probeA = probeProjection(name, { applyDelayMs: 2, inFlight });
        const probeB = probeProjection(name, { applyDelayMs: 2, inFlight });
        const errors: unknown[] = [];
        const options = {
          liveBatchSize: 5,
          catchUpBatchSize: 25,
          idleMs: 5,
          coalesceMs: 1,
          onError: (_: string, error: unknown) => errors.push(error),
        };
        const runnerA = new ProjectionRunner(dbA, storeA, [probeA.projection], options);
        const runnerB = new ProjectionRunner(dbB, storeB, [probeB.projection], options);
        runnerA.start();
        runnerB.start();
        try {
          await Promise.all(
            Array.from({ length: 8 }, async (_, writer) => {
              for (let i = 0; i < 50; i++) {
                // About a quarter are events the probe does not read: their batches move the
                // checkpoint without the lock, racing the batches that write.
                const event = tick(writer * 1000 + i);
                await writerStore.append(
                  `writer-${writer}-${i % 4}`,
                  [i % 4 === 3 ? { ...event, type: 'Noise' } : event],
                  { expectedRevision: 'any' },
                );
              }
            }),
          );
          const head = await writerStore.head();
          await until(async () => {
            const [status] = await runnerA.status();
            return covers(parseCheckpoint(status!.checkpoint), head);
          });
        } finally {
          await Promise.all([runnerA.stop(), runnerB.stop()]);
        }

        const log = await wholeLog(writerStore);
        expect(log).toHaveLength(400);
        const ticks = log.filter((event) => event.type === 'Tick');
        expect(ticks).toHaveLength(8 * 38); // 12 of each writer's 50 are Noise
        const rows = await seen(dbA, name);
        // No gaps, no duplicates, in checkpoint order. (`apply` may have run more than once per Tick
        // in all: a batch overtaken by a lock-free checkpoint move rolls back as stale.)
        expect(rows.map((row) => row.event_id)).toEqual(ticks.map((event) => event.id));
        expect(rows.filter((row) => row.applied_count !== 1)).toEqual([]);
        // Every batch with writes went through one runner at a time.
        expect(inFlight.max).toBe(1);
        expect(errors).toEqual([]);
        const [status] = await runnerB.status();
        expect(status).toMatchObject({
          checkpoint: formatCheckpoint(log.at(-1)!.checkpoint),
          eventsApplied: 400,
        });
      } finally {
        await Promise.all([storeA.close(), storeB.close(), writerStore.close()]);
        await dbA.sql.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
        await Promise.all([dbA.close(), dbB.close(), dbWriters.close()]);
      }
    },
  );
});

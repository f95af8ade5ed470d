import {
  covers,
  formatCheckpoint,
  parseCheckpoint,
  type Checkpoint,
  type EventStore,
  type RecordedEvent,
} from '@clientele/eventstore';
import { Batcher, type Database, type SqlExecutor } from '@clientele/database';
import { randomUUID } from 'node:crypto';
import { Conflict } from '@clientele/shared';
import { CompiledQuery, sql, type Kysely, type RawBuilder } from 'kysely';
import type { Projection } from './projection';

export interface ProjectionRunnerOptions {
  /** Events per transaction when keeping up with live traffic. */
  liveBatchSize?: number;
  /** Events per transaction when far behind (a cold start). */
  catchUpBatchSize?: number;
  /**
   * Events per transaction in a rebuild: no live reader waits on its locks, and each batch's
   * fixed cost (statements, the page's key lookup, versions moved across pages) is shared by more.
   */
  rebuildBatchSize?: number;
  /**
   * How often the runner looks at the log's head while a projection is idle, unless woken by an
   * append of this process.
   */
  idleMs?: number;
  /**
   * After a batch that was not full, wait this long before reading again, so that under load
   * batches gather a few milliseconds of events instead of one event per transaction.
   */
  coalesceMs?: number;
  onError?: (projection: string, error: unknown) => void;
}

export interface ProjectionStatus {
  name: string;
  checkpoint: string | null;
  eventsApplied: number;
  /** Milliseconds from an event's recording to its batch's commit, for the last batch. */
  lastLagMs: number | null;
  lastError: string | null;
  running: boolean;
}

interface Lane {
  projection: Projection;
  checkpoint: Checkpoint | null | undefined; // undefined: not loaded yet
  lastLagMs: number | null;
  lastError: string | null;
  loop?: Promise<void>;
  batchSize: number;
  /** Waiting to be woken: it read nothing new last time. */
  idle: boolean;
}

/** The one projection runner: in the API process by default, alone in apps/worker to scale. */
export class ProjectionRunner {
  private readonly lanes = new Map<string, Lane>();
  private readonly liveBatchSize: number;
  private readonly catchUpBatchSize: number;
  private readonly rebuildBatchSize: number;
  private readonly idleMs: number;
  private readonly coalesceMs: number;
  private stopped = true;
  private wake: (() => void) | null = null;
  private wakeSignal: Promise<void> = Promise.resolve();
  private readonly progressWaiters = new Set<() => void>();
  private watching?: Promise<void>;
  /** Every type some projection handles: the pages lanes share carry the data of each. */
  private readonly types: ReadonlySet<string>;
  /** Pages being read, by checkpoint and size, with the wake they were read after. */
  private readonly pages = new Map<string, { wakes: number; page: Promise<RecordedEvent[]> }>();
  /** How many times lanes were woken: a page read before the last wake may miss its events. */
  private wakes = 0;
  private ticking: Promise<void> | null = null;
  private readonly skips: Batcher<CheckpointMove, boolean>;

  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
    projections: Projection[],
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.liveBatchSize = options.liveBatchSize ?? 100;
    this.catchUpBatchSize = options.catchUpBatchSize ?? 1000;
    this.rebuildBatchSize = options.rebuildBatchSize ?? 5000;
    this.idleMs = options.idleMs ?? 25;
    this.coalesceMs = options.coalesceMs ?? 5;
    for (const projection of projections) {
      this.lanes.set(projection.name, {
        projection,
        checkpoint: undefined,
        lastLagMs: null,
        lastError: null,
        batchSize: this.liveBatchSize,
        idle: false,
      });
    }
    this.types = new Set(projections.flatMap((projection) => [...projection.eventTypes]));
    // Lanes that read the same page and found nothing of theirs move their checkpoints together.
    this.skips = new Batcher({
      send: (moves) => moveCheckpoints(db.derivedSql, moves),
      maxInFlight: 1,
      maxBatch: projections.length,
      keyOf: (move) => move.name,
    });
    this.resetWakeSignal();
  }

  get names(): string[] {
    return [...this.lanes.keys()];
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    for (const lane of this.lanes.values()) lane.loop = this.run(lane);
    this.watching = this.watch();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.notify();
    await Promise.all([...this.lanes.values()].map((lane) => lane.loop).concat(this.watching));
  }

  /** Something was appended in this process: look now rather than after the idle sleep. */
  notify(): void {
    this.wakes++;
    this.wake?.();
  }

  /** Applies batches until the projection has reached the head as of the call. */
  async catchUp(name?: string): Promise<void> {
    const head = await this.store.head();
    for (const lane of this.selected(name)) {
      while (!covers((await this.loadCheckpoint(lane)) ?? null, head)) {
        if ((await this.step(lane)) === 0 && !covers(lane.checkpoint ?? null, head)) {
          // Another runner holds the projection: let it move.
          await delay(this.idleMs);
          lane.checkpoint = undefined;
        }
      }
    }
  }

  /**
   * Rebuilds a projection beside the live one (ADR 0020): its tables are created anew in a
   * schema of their own, the whole log is replayed into them while the live tables keep serving
   * and keep up, and at the end, under the projection's lock, the new tables take the live ones'
   * place with the checkpoint they reached. One rebuild of a projection at a time, whichever
   * process asks: a second is refused (`rebuild_in_progress`).
   */
  async rebuild(
    name: string,
    onProgress: (progress: RebuildProgress) => void = () => undefined,
  ): Promise<RebuildResult> {
    return (await this.rebuildTogether([name], onProgress)).get(name)!;
  }

  /**
   * `rebuild` for several projections at once, from one read of the log: each page goes to
   * every projection that handles some of its events. Rebuilding them one after another would
   * read (and send, and parse) the whole log once for each. A failure while replaying drops
   * every new table, and the live ones stay; each swap at the end is its own transaction.
   */
  async rebuildTogether(
    names: readonly string[],
    onProgress: (progress: RebuildProgress) => void = () => undefined,
  ): Promise<Map<string, RebuildResult>> {
    const results = new Map<string, RebuildResult>(
      names.map((name) => [name, { eventsRead: 0, eventsApplied: 0 }]),
    );
    const projections = names.map((name) => this.lane(name).projection);
    const rebuilding = projections.filter((projection) => projection.tables.length > 0);
    if (rebuilding.length === 0) return results;
    const owner = randomUUID();
    rebuildsHere.add(owner);
    try {
      return await this.holdingRebuildLocks(
        rebuilding.map((projection) => projection.name),
        (holderGone) => this.replayAndSwap(rebuilding, results, owner, holderGone, onProgress),
      );
    } finally {
      rebuildsHere.delete(owner);
    }
  }

  /**
   * Runs `rebuild` with what tells whether the process that claimed a projection's rebuild is
   * gone (killed mid-rebuild): its claim is then taken over at once, not after the heartbeat's
   * minute of silence. On a server each rebuild holds a session advisory lock per projection on
   * a connection of its own, which the server releases when the process dies: holding it, any
   * claim found is a dead one's. The embedded database is one process's: a claim whose owner is
   * not a rebuild running in this process was left by one that stopped.
   */
  private async holdingRebuildLocks<T>(
    names: string[],
    rebuild: (holderGone: RawBuilder<boolean>) => Promise<T>,
  ): Promise<T> {
    if (this.db.kind === 'pglite') {
      return rebuild(
        sql<boolean>`projection_rebuilds.owner NOT IN (${sql.join([...rebuildsHere])})`,
      );
    }
    return this.db.kysely.connection().execute(async (session) => {
      const held: string[] = [];
      try {
        for (const name of names) {
          const { rows } = await sql<{ locked: boolean }>`
            SELECT pg_try_advisory_lock(hashtext(${rebuildLockKey(name)})) AS locked`.execute(
            session,
          );
          if (rows[0]?.locked) held.push(name);
        }
        // Another live process holds one: the claim decides (it refuses, unless that one stalled).
        return await rebuild(sql<boolean>`${held.length === names.length}`);
      } finally {
        for (const name of held) {
          await sql`SELECT pg_advisory_unlock(hashtext(${rebuildLockKey(name)}))`.execute(session);
        }
      }
    });
  }

  private async replayAndSwap(
    rebuilding: Projection[],
    results: Map<string, RebuildResult>,
    owner: string,
    holderGone: RawBuilder<boolean>,
    onProgress: (progress: RebuildProgress) => void,
  ): Promise<Map<string, RebuildResult>> {
    const claimed: string[] = [];
    // The live tables are in the connection's schema (public, or a test's own).
    const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(
      this.db.kysely,
    );
    const live = rows[0]!.schema;
    const shadowOf = (projection: Projection) => `${live}_rebuild_${projection.name}`.slice(0, 63);
    let finished = false;
    try {
      for (const projection of rebuilding) {
        await claimRebuild(this.db.kysely, projection.name, owner, holderGone);
        claimed.push(projection.name);
      }
      const deferred = new Map<Projection, string[]>();
      for (const projection of rebuilding) {
        deferred.set(
          projection,
          await createShadow(this.db.kysely, live, shadowOf(projection), projection),
        );
      }
      const types = new Set(rebuilding.flatMap((projection) => [...projection.eventTypes]));
      let from: Checkpoint | null = null;
      const read = (after: Checkpoint | null) =>
        this.store.readAll({ from: after, limit: this.rebuildBatchSize, types });
      // Read outside the transaction: the embedded database has one connection. The next page
      // is read while this one is applied (on a server, by another connection).
      let next = read(null);
      for (;;) {
        const events = await next;
        if (events.length === 0) break;
        from = events[events.length - 1]!.checkpoint;
        next = read(from);
        // Not awaited if this batch fails: its failure is this one's.
        next.catch(() => undefined);
        const applying = rebuilding.map((projection) => ({
          projection,
          relevant: events.filter((event) => projection.eventTypes.has(event.type)),
        }));
        // A transaction per projection, side by side: on a server they run on connections of
        // their own and the database's cores share the page (the embedded database queues them).
        // All settle before a failure is thrown, so none still writes while the shadows are dropped.
        const applied = await Promise.allSettled(
          applying.map(({ projection, relevant }) =>
            this.db.kysely.transaction().execute(async (trx) => {
              await stillClaimed(trx, projection.name, owner);
              if (relevant.length === 0) return;
              await sql`SET LOCAL search_path TO ${sql.id(shadowOf(projection))}, ${sql.id(live)}`.execute(
                trx,
              );
              await projection.apply(trx, relevant);
            }),
          ),
        );
        const failed = applied.find((result) => result.status === 'rejected');
        if (failed) throw failed.reason;
        for (const { projection, relevant } of applying) {
          const result = results.get(projection.name)!;
          result.eventsRead += events.length;
          result.eventsApplied += relevant.length;
          onProgress({ name: projection.name, ...result });
        }
      }
      for (const projection of rebuilding) {
        const shadow = shadowOf(projection);
        // Written to the WAL once, whole, before the swap rather than row by row (createShadow).
        for (const table of projection.tables) {
          await sql`ALTER TABLE ${sql.id(shadow, table)} SET LOGGED`.execute(this.db.kysely);
        }
        // After SET LOGGED, which rebuilds every index the table has: these are built once.
        for (const definition of deferred.get(projection)!) {
          await sql.raw(definition).execute(this.db.kysely);
        }
        await analyze(this.db.kysely, shadow, projection.tables);
      }
      // The new tables take the live ones' place at the checkpoint they reached: what the live
      // tables applied after it, the live runner applies again to the new ones.
      const reached = from ? formatCheckpoint(from) : null;
      for (const projection of rebuilding) {
        const { name } = projection;
        const { eventsRead } = results.get(name)!;
        await this.db.kysely.transaction().execute(async (trx) => {
          await sql`SELECT pg_advisory_xact_lock(hashtext(${lockKey(name)}))`.execute(trx);
          await stillClaimed(trx, name, owner);
          await swapIn(trx, live, shadowOf(projection), projection.tables);
          await trx
            .insertInto('projection_checkpoints')
            .values({ name, checkpoint: reached, events_applied: eventsRead })
            .onConflict((oc) =>
              oc.column('name').doUpdateSet({
                checkpoint: reached,
                events_applied: eventsRead,
                updated_at: sql`now()`,
              }),
            )
            .execute();
        });
        this.lane(name).checkpoint = undefined;
      }
      finished = true;
      return results;
    } finally {
      for (const name of claimed) {
        if (!finished) {
          const shadow = shadowOf(this.lane(name).projection);
          await sql`DROP SCHEMA IF EXISTS ${sql.id(shadow)} CASCADE`.execute(this.db.kysely);
        }
        await releaseRebuild(this.db.kysely, name, owner);
      }
    }
  }

  async status(): Promise<ProjectionStatus[]> {
    const rows = await this.db.kysely
      .selectFrom('projection_checkpoints')
      .select(['name', 'checkpoint', 'events_applied'])
      .execute();
    const byName = new Map(rows.map((row) => [row.name as string, row]));
    return [...this.lanes.values()].map((lane) => {
      const row = byName.get(lane.projection.name);
      return {
        name: lane.projection.name,
        checkpoint: (row?.checkpoint as string | null) ?? null,
        eventsApplied: Number(row?.events_applied ?? 0),
        lastLagMs: lane.lastLagMs,
        lastError: lane.lastError,
        running: !this.stopped,
      };
    });
  }

  /**
   * Gives the planner statistics of every table of the projections, after a bulk load (`dev
   * seed`): a table filled faster than autovacuum looks (or where it is off) is planned as if
   * nearly empty, and a report's search over 40,000 clients planned so took seconds.
   */
  async analyze(): Promise<void> {
    for (const lane of this.lanes.values()) {
      await analyze(this.db.kysely, null, lane.projection.tables);
    }
  }

  /** Resolves on the next committed batch of any projection (or after `ms`). */
  nextProgress(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.progressWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.progressWaiters.add(done);
    });
  }

  private async run(lane: Lane): Promise<void> {
    while (!this.stopped) {
      let applied = 0;
      try {
        applied = await this.step(lane);
        lane.lastError = null;
      } catch (error) {
        lane.lastError = error instanceof Error ? error.message : String(error);
        lane.checkpoint = undefined;
        this.options.onError?.(lane.projection.name, error);
        await delay(1000);
        continue;
      }
      if (applied === 0) {
        // Stopped while it read: the wake of `stop` has been and gone.
        if (this.stopped) break;
        lane.idle = true;
        await this.wakeSignal;
        lane.idle = false;
      } else if (applied < lane.batchSize) await this.tick();
    }
  }

  /**
   * Idle projections do not each poll the log: one cheap `head()` every `idleMs` wakes them all
   * when the log has moved past one of them (appended by another process, or by this one while
   * it was busy). Eight projections polling their pages cost ~300 queries a second at rest.
   * A projection held by another runner has no checkpoint of its own to compare: it is woken each
   * time, to take over when that runner is gone.
   */
  private async watch(): Promise<void> {
    while (!this.stopped) {
      await delay(this.idleMs);
      const idle = [...this.lanes.values()].filter((lane) => lane.idle);
      if (this.stopped || idle.length === 0) continue;
      try {
        const head = await this.store.head();
        if (idle.some((lane) => lane.checkpoint === undefined || !covers(lane.checkpoint, head))) {
          this.notify();
        }
      } catch {
        // The projections meet the same failure when they read, and report it.
        this.notify();
      }
    }
  }

  /** One batch in one transaction. Returns how many events it read (0 when idle or not leader). */
  private async step(lane: Lane): Promise<number> {
    const from = await this.loadCheckpoint(lane);
    const events = await this.readPage(from, lane.batchSize).catch(() =>
      // A page that fails for some projection's event (one whose personal data cannot be
      // opened) stops only the projections that handle it, as their own reads would.
      this.store.readAll({ from, limit: lane.batchSize, types: lane.projection.eventTypes }),
    );
    if (events.length === 0) {
      lane.batchSize = this.liveBatchSize;
      return 0;
    }
    const name = lane.projection.name;
    const last = events[events.length - 1]!.checkpoint;
    const relevant = events.filter((event) => lane.projection.eventTypes.has(event.type));
    // Nothing to write: only the checkpoint moves, by a compare-and-set shared with other lanes.
    const moved =
      relevant.length === 0
        ? await this.skips.submit({ name, from, to: last, count: events.length })
        : await this.db.kysely
            .transaction()
            .execute(async (trx) => {
              // One active runner per projection: whoever holds the lock applies this batch.
              const { rows } = await sql<{
                locked: boolean;
              }>`SELECT pg_try_advisory_xact_lock(hashtext(${lockKey(name)})) AS locked`.execute(
                trx,
              );
              if (!rows[0]?.locked) return false;
              // A statement of its own, after the lock: its snapshot sees the last holder's
              // commit, so a stale batch is dropped before any work is done.
              const current = await trx
                .selectFrom('projection_checkpoints')
                .select('checkpoint')
                .where('name', '=', name)
                .executeTakeFirst();
              if ((current?.checkpoint ?? null) !== (from ? formatCheckpoint(from) : null))
                return false;
              await lane.projection.apply(trx, relevant);
              const [move] = await moveCheckpoints(kyselyExecutor(trx), [
                { name, from, to: last, count: events.length },
              ]);
              if (!(move?.status === 'fulfilled' && move.value)) throw new StaleBatch();
              return true;
            })
            .catch((error: unknown) => {
              if (error instanceof StaleBatch) return false;
              throw error;
            });
    if (!moved) {
      lane.checkpoint = undefined;
      return 0;
    }
    lane.checkpoint = last;
    lane.lastLagMs = lagOf(events);
    lane.batchSize = events.length >= lane.batchSize ? this.catchUpBatchSize : this.liveBatchSize;
    for (const waiter of [...this.progressWaiters]) waiter();
    return events.length;
  }

  /**
   * A page of the log after `from`. Lanes at the same checkpoint share one read: woken together
   * by an append, the projections would otherwise each send the same read (the most frequent
   * statement under load). A read started before the last wake is not joined: it may miss
   * what the wake was for.
   */
  private readPage(from: Checkpoint | null, limit: number): Promise<RecordedEvent[]> {
    const key = `${from ? formatCheckpoint(from) : ''}/${limit}`;
    const reading = this.pages.get(key);
    if (reading && reading.wakes === this.wakes) return reading.page;
    const page = this.store.readAll({ from, limit, types: this.types });
    const entry = { wakes: this.wakes, page };
    this.pages.set(key, entry);
    const done = () => {
      if (this.pages.get(key) === entry) this.pages.delete(key);
    };
    page.then(done, done);
    return page;
  }

  /** One timer for every lane: lanes that wait together read their next pages together. */
  private tick(): Promise<void> {
    return (this.ticking ??= delay(this.coalesceMs).then(() => {
      this.ticking = null;
    }));
  }

  private async loadCheckpoint(lane: Lane): Promise<Checkpoint | null> {
    if (lane.checkpoint !== undefined) return lane.checkpoint;
    const row = await this.db.kysely
      .selectFrom('projection_checkpoints')
      .select('checkpoint')
      .where('name', '=', lane.projection.name)
      .executeTakeFirst();
    lane.checkpoint = parseCheckpoint(row?.checkpoint as string | null | undefined);
    return lane.checkpoint;
  }

  private selected(name?: string): Lane[] {
    return name ? [this.lane(name)] : [...this.lanes.values()];
  }

  private lane(name: string): Lane {
    const lane = this.lanes.get(name);
    if (!lane) throw new Error(`Unknown projection "${name}". Known: ${this.names.join(', ')}.`);
    return lane;
  }

  private resetWakeSignal(): void {
    this.wakeSignal = new Promise<void>((resolve) => {
      this.wake = () => {
        this.resetWakeSignal();
        resolve();
      };
    });
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- it writes every projection's tables
type AnyDb = Kysely<any>;

class StaleBatch extends Error {}

export interface CheckpointMove {
  name: string;
  from: Checkpoint | null;
  to: Checkpoint;
  count: number;
}

/*
 * The rows are locked in name order first: two runners (two workers) moving several rows each
 * then wait on each other instead of deadlocking.
 */
const MOVE_CHECKPOINTS = `
  WITH moves AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
      AS m(name, from_checkpoint, to_checkpoint, count)
  ),
  locked AS MATERIALIZED (
    SELECT name FROM projection_checkpoints WHERE name = ANY($1::text[])
    ORDER BY name FOR UPDATE
  ),
  updated AS (
    UPDATE projection_checkpoints c
    SET checkpoint = m.to_checkpoint, events_applied = c.events_applied + m.count,
      updated_at = now()
    FROM moves m JOIN locked l ON l.name = m.name
    WHERE c.name = m.name AND c.checkpoint IS NOT DISTINCT FROM m.from_checkpoint
    RETURNING c.name
  ),
  created AS (
    INSERT INTO projection_checkpoints (name, checkpoint, events_applied)
    SELECT name, to_checkpoint, count FROM moves WHERE from_checkpoint IS NULL
    ON CONFLICT (name) DO NOTHING
    RETURNING name
  )
  SELECT name FROM updated UNION ALL SELECT name FROM created`;

/**
 * The one compare-and-set of checkpoints: each projection's row moves from `from` to `to` only if
 * still at `from` (the UPDATE re-checks that against the latest commit, so of two runners at the
 * same checkpoint exactly one moves it); a missing row at `from` null is created. Several rows in
 * one statement (the skips of lanes with nothing to write), or one inside a batch's transaction.
 * Answers, in order, whether each moved.
 */
export async function moveCheckpoints(
  executor: Pick<SqlExecutor, 'query'>,
  moves: readonly CheckpointMove[],
): Promise<PromiseSettledResult<boolean>[]> {
  const rows = await executor.query<{ name: string }>(
    MOVE_CHECKPOINTS,
    [
      moves.map((move) => move.name),
      moves.map((move) => (move.from ? formatCheckpoint(move.from) : null)),
      moves.map((move) => formatCheckpoint(move.to)),
      moves.map((move) => move.count),
    ],
    { name: 'clientele_move_checkpoints' },
  );
  const moved = new Set(rows.map((row) => row.name));
  return moves.map((move) => ({ status: 'fulfilled', value: moved.has(move.name) }));
}

export interface RebuildResult {
  /** Events of the log read, and those of them the projection applied. */
  eventsRead: number;
  eventsApplied: number;
}

export interface RebuildProgress {
  name: string;
  /** Events of the log read so far, and those of them the projection applied. */
  eventsRead: number;
  eventsApplied: number;
}

/** A rebuild whose claim has not been touched for this long was abandoned: another may take it. */
const ABANDONED_AFTER = "interval '60 seconds'";

/** Another process is rebuilding this projection now. */
export class RebuildInProgress extends Conflict {
  constructor(name: string) {
    super('rebuild_in_progress', `Projection ${name} is being rebuilt by another process.`, {
      projection: name,
    });
  }
}

/** The owners of the rebuilds this process runs now (see `holdingRebuildLocks`). */
const rebuildsHere = new Set<string>();

async function claimRebuild(
  db: AnyDb,
  name: string,
  owner: string,
  holderGone: RawBuilder<boolean>,
): Promise<void> {
  const claimed = await db
    .insertInto('projection_rebuilds')
    .values({ name, owner, heartbeat_at: sql`now()` })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ owner, heartbeat_at: sql`now()` })
        .where(
          sql<boolean>`projection_rebuilds.heartbeat_at < now() - ${sql.raw(ABANDONED_AFTER)} OR ${holderGone}`,
        ),
    )
    .returning('owner')
    .executeTakeFirst();
  if (!claimed) throw new RebuildInProgress(name);
}

/** Every batch renews the claim, and stops if another process took it over meanwhile. */
async function stillClaimed(trx: AnyDb, name: string, owner: string): Promise<void> {
  const renewed = await trx
    .updateTable('projection_rebuilds')
    .set({ heartbeat_at: sql`now()` })
    .where('name', '=', name)
    .where('owner', '=', owner)
    .executeTakeFirst();
  if (Number(renewed.numUpdatedRows) === 0) throw new RebuildInProgress(name);
}

async function releaseRebuild(db: AnyDb, name: string, owner: string): Promise<void> {
  await db
    .deleteFrom('projection_rebuilds')
    .where('name', '=', name)
    .where('owner', '=', owner)
    .execute();
}

/**
 * The projection's tables, empty, in a schema of their own: columns, defaults, constraints and
 * indexes as the live ones have them, indexes renamed to the live names (migrations name them).
 * A schema left by a rebuild that crashed is dropped first: the claim says it is abandoned.
 * UNLOGGED until the replay ends: a crash of the server empties them, and a crashed rebuild is
 * started again anyway, so their rows need not go through the WAL one by one. The indexes the
 * replay never reads are left out; answers the statements that build them.
 */
async function createShadow(
  db: AnyDb,
  live: string,
  shadow: string,
  projection: Projection,
): Promise<string[]> {
  await sql`DROP SCHEMA IF EXISTS ${sql.id(shadow)} CASCADE`.execute(db);
  await sql`CREATE SCHEMA ${sql.id(shadow)}`.execute(db);
  for (const table of projection.tables) {
    await sql`CREATE UNLOGGED TABLE ${sql.id(shadow, table)} (LIKE ${sql.id(live, table)} INCLUDING ALL)`.execute(
      db,
    );
    // A serial column's sequence belongs to the live table: the copy gets one of its own,
    // which moves with it into place.
    const { rows: serials } = await sql<{ column_name: string; sequence: string }>`
      SELECT column_name, pg_get_serial_sequence(${`${live}.${table}`}, column_name) AS sequence
      FROM information_schema.columns
      WHERE table_schema = ${live} AND table_name = ${table}
        AND pg_get_serial_sequence(${`${live}.${table}`}, column_name) IS NOT NULL`.execute(db);
    for (const { column_name: column, sequence } of serials) {
      const name = sequence.slice(sequence.indexOf('.') + 1).replace(/"/g, '');
      await sql`CREATE SEQUENCE ${sql.id(shadow, name)} OWNED BY ${sql.id(shadow, table, column)}`.execute(
        db,
      );
      await sql`ALTER TABLE ${sql.id(shadow, table)} ALTER COLUMN ${sql.id(column)}
        SET DEFAULT nextval(${sql.lit(`${shadow}.${name}`)}::regclass)`.execute(db);
    }
    const originals = await indexesOf(db, live, table);
    const copies = await indexesOf(db, shadow, table);
    for (const [shape, names] of originals) {
      const copied = copies.get(shape) ?? [];
      for (const [i, original] of names.entries()) {
        const copy = copied[i];
        if (copy && copy !== original) {
          await sql`ALTER INDEX ${sql.id(shadow, copy)} RENAME TO ${sql.id(original)}`.execute(db);
        }
      }
    }
  }
  const deferred: string[] = [];
  for (const name of projection.indexesAfterReplay ?? []) {
    const { rows } = await sql<{ indexdef: string }>`
      SELECT indexdef FROM pg_indexes WHERE schemaname = ${shadow} AND indexname = ${name}`.execute(
      db,
    );
    if (!rows[0]) throw new Error(`Projection ${projection.name} has no index ${name}.`);
    // A unique index is a rule the replay must keep (and ON CONFLICT's target): never deferred.
    if (rows[0].indexdef.startsWith('CREATE UNIQUE')) {
      throw new Error(`Index ${name} of projection ${projection.name} is unique: it is kept.`);
    }
    deferred.push(rows[0].indexdef);
    await sql`DROP INDEX ${sql.id(shadow, name)}`.execute(db);
  }
  return deferred;
}

/** A table's indexes by their definition without name or schema, to pair copies with originals. */
async function indexesOf(db: AnyDb, schema: string, table: string) {
  const { rows } = await sql<{ indexname: string; indexdef: string }>`
    SELECT indexname, indexdef FROM pg_indexes
    WHERE schemaname = ${schema} AND tablename = ${table} ORDER BY indexname`.execute(db);
  const byShape = new Map<string, string[]>();
  for (const { indexname, indexdef } of rows) {
    const shape = indexdef.replace(/^CREATE (UNIQUE )?INDEX \S+ ON \S+/, 'CREATE $1INDEX ON');
    byShape.set(shape, [...(byShape.get(shape) ?? []), indexname]);
  }
  return byShape;
}

/** The rebuilt tables take the live ones' place, in the caller's transaction. */
/** ANALYZE of each table, in `schema` or the live one. */
async function analyze(db: AnyDb, schema: string | null, tables: readonly string[]) {
  for (const table of tables) {
    await sql`ANALYZE ${schema ? sql.id(schema, table) : sql.id(table)}`.execute(db);
  }
}

async function swapIn(trx: AnyDb, live: string, shadow: string, tables: readonly string[]) {
  for (const table of tables) {
    await sql`DROP TABLE ${sql.id(live, table)}`.execute(trx);
    await sql`ALTER TABLE ${sql.id(shadow, table)} SET SCHEMA ${sql.id(live)}`.execute(trx);
  }
  await sql`DROP SCHEMA ${sql.id(shadow)}`.execute(trx);
}

/** `moveCheckpoints` through Kysely: in a transaction, as one of its statements. */
function kyselyExecutor(trx: AnyDb): Pick<SqlExecutor, 'query'> {
  return {
    async query<Row>(text: string, params: readonly unknown[] = []) {
      return (await trx.executeQuery<Row>(CompiledQuery.raw(text, [...params]))).rows;
    },
  };
}

function lockKey(name: string): string {
  return `clientele.projection.${name}`;
}

function rebuildLockKey(name: string): string {
  return `clientele.rebuild.${name}`;
}

function lagOf(events: RecordedEvent[]): number {
  return Math.max(0, Date.now() - events[events.length - 1]!.recordedAt.getTime());
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

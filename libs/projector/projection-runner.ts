import {
  covers,
  formatCheckpoint,
  parseCheckpoint,
  type Checkpoint,
  type EventStore,
  type RecordedEvent,
} from '@clientele/eventstore';
import type { Database } from '@clientele/database';
import { sql, type Kysely } from 'kysely';
import type { Projection } from './projection';

export interface ProjectionRunnerOptions {
  /** Events per transaction when keeping up with live traffic. */
  liveBatchSize?: number;
  /** Events per transaction when far behind (a rebuild or a cold start). */
  catchUpBatchSize?: number;
  /** How long an idle runner sleeps before it looks again, unless woken. */
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
}

/** The one projection runner: in the API process by default, alone in apps/worker to scale. */
export class ProjectionRunner {
  private readonly lanes = new Map<string, Lane>();
  private readonly liveBatchSize: number;
  private readonly catchUpBatchSize: number;
  private readonly idleMs: number;
  private readonly coalesceMs: number;
  private stopped = true;
  private wake: (() => void) | null = null;
  private wakeSignal: Promise<void> = Promise.resolve();
  private readonly progressWaiters = new Set<() => void>();

  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
    projections: Projection[],
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.liveBatchSize = options.liveBatchSize ?? 100;
    this.catchUpBatchSize = options.catchUpBatchSize ?? 1000;
    this.idleMs = options.idleMs ?? 25;
    this.coalesceMs = options.coalesceMs ?? 5;
    for (const projection of projections) {
      this.lanes.set(projection.name, {
        projection,
        checkpoint: undefined,
        lastLagMs: null,
        lastError: null,
        batchSize: this.liveBatchSize,
      });
    }
    this.resetWakeSignal();
  }

  get names(): string[] {
    return [...this.lanes.keys()];
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    for (const lane of this.lanes.values()) lane.loop = this.run(lane);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.notify();
    await Promise.all([...this.lanes.values()].map((lane) => lane.loop));
  }

  /** Something was appended in this process: look now rather than after the idle sleep. */
  notify(): void {
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

  /** Empties the projection's tables and its checkpoint; the runner then replays from 0. */
  async reset(name: string): Promise<void> {
    const lane = this.lane(name);
    await this.db.kysely.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext(${lockKey(name)}))`.execute(trx);
      await lane.projection.reset(trx);
      await trx
        .insertInto('projection_checkpoints')
        .values({ name, checkpoint: null, events_applied: 0 })
        .onConflict((oc) => oc.column('name').doUpdateSet({ checkpoint: null, events_applied: 0 }))
        .execute();
    });
    lane.checkpoint = null;
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
      if (applied === 0) await Promise.race([this.wakeSignal, delay(this.idleMs)]);
      else if (applied < lane.batchSize) await delay(this.coalesceMs);
    }
  }

  /** One batch in one transaction. Returns how many events it read (0 when idle or not leader). */
  private async step(lane: Lane): Promise<number> {
    const from = await this.loadCheckpoint(lane);
    const events = await this.store.readAll({ from, limit: lane.batchSize });
    if (events.length === 0) {
      lane.batchSize = this.liveBatchSize;
      return 0;
    }
    const name = lane.projection.name;
    const last = events[events.length - 1]!.checkpoint;
    const relevant = events.filter((event) => lane.projection.eventTypes.has(event.type));
    // Nothing to write: only the checkpoint moves, by one compare-and-set statement.
    const moved =
      relevant.length === 0
        ? await moveCheckpoint(this.db.kysely, name, from, last, events.length)
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
              if (!(await moveCheckpoint(trx, name, from, last, events.length)))
                throw new StaleBatch();
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

class StaleBatch extends Error {}

/**
 * Moves a projection's checkpoint from `from` to `to`, only if it is still at `from`. Inside a
 * transaction the UPDATE locks the row and re-checks its condition against the latest commit, so
 * of two runners at the same checkpoint exactly one moves it.
 */
async function moveCheckpoint(
  db: Kysely<any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  name: string,
  from: Checkpoint | null,
  to: Checkpoint,
  count: number,
): Promise<boolean> {
  const row = await db
    .insertInto('projection_checkpoints')
    .values({ name, checkpoint: formatCheckpoint(to), events_applied: count })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({
          checkpoint: formatCheckpoint(to),
          events_applied: sql`projection_checkpoints.events_applied + ${count}`,
          updated_at: sql`now()`,
        })
        .where(
          sql<boolean>`projection_checkpoints.checkpoint IS NOT DISTINCT FROM ${from ? formatCheckpoint(from) : null}`,
        ),
    )
    .returning('name')
    .executeTakeFirst();
  return row !== undefined;
}

function lockKey(name: string): string {
  return `clientele.projection.${name}`;
}

function lagOf(events: RecordedEvent[]): number {
  return Math.max(0, Date.now() - events[events.length - 1]!.recordedAt.getTime());
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

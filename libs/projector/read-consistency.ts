import {
  compareCheckpoints,
  covers,
  parseCheckpoint,
  type Checkpoint,
  type EventStore,
} from '@clientele/eventstore';
import type { Database } from '@clientele/database';
import { Unavailable } from '@clientele/shared';
import type { ProjectionRunner } from './projection-runner';

/**
 * Reads are consistent with every command that completed before they began: before a query
 * runs, wait (bounded) until every read model has reached the event store's head as of now.
 * Checkpoints are read from the database, so this holds with projections in apps/worker too.
 */
export class ReadConsistency {
  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
    private readonly projectionNames: string[],
    private readonly timeoutMs: number,
    private readonly runner?: ProjectionRunner,
  ) {}

  async awaitHead(): Promise<void> {
    // The head first: a checkpoint read before it could be one a rebuild's swap has since sent
    // back, and let a read through that misses events committed before it began.
    const head = await this.store.head();
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const slowest = await this.slowestCheckpoint();
      // Read every time, never remembered: a rebuild sends a checkpoint back to the start, and
      // until it is through, a read must wait rather than see a half-built read model.
      if (covers(slowest, head)) return;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Unavailable(
          'The read models are still catching up with recent changes; retry shortly.',
          1,
        );
      }
      const wait = Math.min(left, 20);
      await (this.runner ? this.runner.nextProgress(wait) : delay(wait));
    }
  }

  private async slowestCheckpoint(): Promise<Checkpoint | null> {
    // Before every read the API answers: one text, prepared once per connection, on the pool of
    // the read models (the event store's is the commands').
    const rows = await this.db.derivedSql.query<{ checkpoint: string | null }>(
      'SELECT checkpoint FROM projection_checkpoints WHERE name = ANY($1::text[])',
      [this.projectionNames],
      { name: 'clientele_slowest_checkpoint' },
    );
    if (rows.length < this.projectionNames.length) return null;
    return rows
      .map((row) => parseCheckpoint(row.checkpoint))
      .reduce((min, checkpoint) => (compareCheckpoints(checkpoint, min) < 0 ? checkpoint : min));
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

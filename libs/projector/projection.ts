import type { RecordedEvent } from '@clientele/eventstore';
import type { Transaction } from 'kysely';

/**
 * A read model fed by the global log. `apply` runs inside the transaction that also moves the
 * checkpoint, so a crash never applies a batch twice or skips one; it is still written as
 * idempotent upserts guarded by stream revision, so a replay is harmless.
 */
export interface Projection {
  readonly name: string;
  /** Event types it reads; every other event only moves the checkpoint. */
  readonly eventTypes: ReadonlySet<string>;
  apply(trx: Transaction<any>, events: RecordedEvent[]): Promise<void>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /**
   * Every table it writes, and only it writes: a rebuild builds these anew beside the live ones
   * and swaps them in (ADR 0020). None: nothing to rebuild (the outbox must never be replayed).
   */
  readonly tables: readonly string[];
  /**
   * Indexes of those tables that `apply` never reads (it finds every row it changes by other
   * keys): a rebuild builds them once after the replay rather than entry by entry (ADR 0020).
   * Never a unique one: the replay relies on those.
   */
  readonly indexesAfterReplay?: readonly string[];
}

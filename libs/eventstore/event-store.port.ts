import type { Actor } from '@clientele/shared';

/**
 * The event store port. Every adapter (PostgreSQL on `pg`, PGlite, EventStoreDB) passes the
 * contract suite in `libs/eventstore/testing/event-store.contract.ts`.
 *
 * Revisions are 0-based and normalised across adapters: a stream's first event has revision 0,
 * and `nextExpectedRevision` after an append is the revision of its last event.
 */
export type ExpectedRevision = number | 'no_stream' | 'stream_exists' | 'any';

export interface EventMetadata {
  studioId: string;
  actor: Actor;
  correlationId: string;
  causationId?: string | null;
  idempotencyKey?: string | null;
  schemaVersion: number;
}

export interface NewEvent<Type extends string = string, Data = unknown> {
  /** Optional: a UUID chosen by the caller; the adapter generates one otherwise. */
  id?: string;
  type: Type;
  data: Data;
  metadata: EventMetadata;
}

export interface RecordedEvent<Type extends string = string, Data = unknown> {
  id: string;
  type: Type;
  data: Data;
  metadata: EventMetadata;
  streamName: string;
  revision: number;
  /** Position in the global log. Unique and increasing in commit order for EventStoreDB; unique
   * but not commit-ordered on PostgreSQL (the checkpoint, not this number, orders a reader). */
  globalPosition: bigint;
  recordedAt: Date;
  /** Where a reader stands once it has handled this event. */
  checkpoint: Checkpoint;
}

/**
 * A reader's place in the global log: a pair compared lexicographically. On PostgreSQL it is
 * `(transaction_id, global_position)` (DESIGN.md's read rule); on EventStoreDB it is
 * `(commit, prepare)`. Serialise with `formatCheckpoint` / `parseCheckpoint`.
 */
export interface Checkpoint {
  readonly major: bigint;
  readonly minor: bigint;
}

export interface AppendOptions {
  expectedRevision: ExpectedRevision;
}

/** One append of `appendMany`: events for one stream, with what the stream must be at. */
export interface StreamAppend {
  stream: string;
  events: NewEvent[];
  expectedRevision: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the last event appended. */
  nextExpectedRevision: number;
  /** Global position of the last event appended. */
  lastPosition: bigint;
}

export interface ReadStreamOptions {
  fromRevision?: number;
  /** Only events recorded at or before this instant (audit replay `asOf`). */
  untilRecordedAt?: Date;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events after this checkpoint. `null` reads from the beginning. */
  from: Checkpoint | null;
  limit: number;
  /**
   * Only events of these types are wanted whole. The others still come back in their place (a
   * reader's checkpoint passes them) but their `data` may be null: a store need not read, parse
   * or open (personal data) what the reader skips. Absent: every event whole.
   */
  types?: ReadonlySet<string>;
}

export interface SubscribeOptions {
  /** Exclusive: events after this checkpoint. `null` catches up from the beginning. */
  from: Checkpoint | null;
  signal?: AbortSignal;
}

export interface EventStore {
  readonly name: 'postgres' | 'pglite' | 'eventstoredb';

  /** Throws `WrongExpectedVersion` when the stream is not at the expected revision. */
  append(stream: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult>;

  /**
   * Appends to several streams (each named once) at once, each decided as `append` alone would
   * decide it: one outcome per append, in order, a conflict settling that append alone with
   * `WrongExpectedVersion` while the others land. The PostgreSQL store writes them in one
   * statement and one transaction; no store makes them all-or-nothing. Rejects as a whole only
   * when the store itself fails (as `append` would).
   */
  appendMany(appends: StreamAppend[]): Promise<PromiseSettledResult<AppendResult>[]>;

  /** Events of one stream in revision order; an empty array for a stream that does not exist. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /** The events of each stream, as `readStream` reads it whole: one read for many streams. */
  readStreams(streams: readonly string[]): Promise<Map<string, RecordedEvent[]>>;

  /**
   * Up to `limit` events after `from`, in checkpoint order, never passing an event that a
   * transaction still in flight may commit later with a smaller checkpoint.
   */
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;

  /** Catches up from `from`, then goes live; ends when `signal` aborts. */
  subscribe(options: SubscribeOptions): AsyncIterable<RecordedEvent>;

  /**
   * The checkpoint of the last event committed so far (null for an empty log). A reader whose
   * checkpoint is at or past it has seen every event committed before the call. Unlike
   * `readAll`, it does not hold back for transactions still open: a reader reaches it only once
   * they end.
   */
  head(): Promise<Checkpoint | null>;

  close(): Promise<void>;
}

/** `appendMany` names each stream once: one statement cannot write a stream's row twice. */
export function assertDistinctStreams(appends: readonly StreamAppend[]): void {
  if (new Set(appends.map((a) => a.stream)).size !== appends.length) {
    throw new Error('appendMany names a stream twice: append its events together instead.');
  }
}

/** Injection token of the EventStore (a plain symbol: no framework in this library). */
export const EVENT_STORE = Symbol('EventStore');

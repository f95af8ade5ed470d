import {
  fold,
  RuleViolation,
  uuidFrom,
  type Decider,
  type RequestContext,
} from '@clientele/shared';
import type {
  EventMetadata,
  EventStore,
  ExpectedRevision,
  RecordedEvent,
} from './event-store.port';
import { WrongExpectedVersion } from './wrong-expected-version.error';

/** What deciders emit: the business fact, without the envelope the store adds. */
export interface DomainEvent {
  type: string;
  data: unknown;
}

export interface CommandContext {
  metadata: EventMetadata;
  now: Date;
  /** `If-Match`: the revision the caller last saw. A mismatch is a WrongExpectedVersion. */
  expectedRevision?: number;
  /**
   * The stream is almost certainly new (a fresh id): decide on the empty state and append with
   * `no_stream` without reading first. If it exists after all, the usual read-decide-append
   * runs, so the outcome is the same; only the common case saves a round trip.
   */
  expectNew?: boolean;
}

export interface CommandResult<Event, State> {
  state: State;
  /** Revision of the stream after the command (-1 when it is still empty). */
  revision: number;
  /** The events this call appended (none when replayed or when nothing changed). */
  appended: Event[];
  /** Global position of the last appended event. */
  lastPosition?: bigint;
  /** True when this idempotency key had already been applied to the stream. */
  replayed: boolean;
}

/**
 * Writers of a hot stream in several processes race: each round one wins, so losers retry many
 * times, each after a short random pause that spreads them out.
 */
const MAX_ATTEMPTS = 40;
const backoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(attempt, 10) * 2));

/**
 * The tail of each stream's line of commands, per store: a process has one store, so one line a
 * stream. (A test that stands for a second process hands in a store of its own.)
 */
const lines = new WeakMap<EventStore, Map<string, Promise<unknown>>>();

/**
 * Runs `work` after every command on the same stream of the same store started before it. The
 * writers of a hot stream (the last seats of a popular class) then take turns instead of racing
 * and retrying: only writers in other processes can still conflict.
 */
async function inLine<T>(store: EventStore, stream: string, work: () => Promise<T>): Promise<T> {
  let streams = lines.get(store);
  if (!streams) lines.set(store, (streams = new Map()));
  const before = streams.get(stream) ?? Promise.resolve();
  const mine = before.then(work, work);
  const tail = mine.catch(() => undefined);
  streams.set(stream, tail);
  try {
    return await mine;
  } finally {
    if (streams.get(stream) === tail) streams.delete(stream);
  }
}

/**
 * Read the stream, fold, decide, append at the revision read; on a version conflict read again
 * and decide again (a bounded number of times), since the conflicting writer may have changed
 * what the decision depends on. Commands on one stream in this process run in line.
 */
export function handleCommand<Command, Event extends DomainEvent, State>(
  store: EventStore,
  stream: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  context: CommandContext,
): Promise<CommandResult<Event, State>> {
  return inLine(store, stream, () => decideAndAppend(store, stream, decider, command, context));
}

async function decideAndAppend<Command, Event extends DomainEvent, State>(
  store: EventStore,
  stream: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  context: CommandContext,
): Promise<CommandResult<Event, State>> {
  if (context.expectNew && context.expectedRevision === undefined) {
    const [outcome] = await appendNew(store, decider, [{ stream, command, context }]);
    if (outcome!.status === 'rejected') throw outcome!.reason;
    if (outcome!.value) return outcome!.value;
  }
  const key = keyOf(context.metadata);
  // Only the first look may come from memory; whatever it cannot settle by an append is looked
  // at again on a fresh read, at once (see `StreamMemory`). Only fresh reads count as attempts.
  let fromMemory = true;
  let attempt = 0;
  for (;;) {
    const remembered = fromMemory ? memoryOf(store).recall<State>(stream, decider) : undefined;
    fromMemory = false;
    if (!remembered) attempt++;
    const known = remembered ?? (await readKnown(store, stream, decider));
    const { state, revision } = known;
    // Checked before If-Match, so a retry whose first answer was lost replays.
    if (key && known.keys.has(key)) {
      if (remembered) continue;
      return { state, revision, appended: [], replayed: true };
    }
    if (context.expectedRevision !== undefined && context.expectedRevision !== revision) {
      if (remembered) continue;
      throw new WrongExpectedVersion(
        stream,
        context.expectedRevision,
        revision < 0 ? 'no_stream' : revision,
      );
    }
    let events: Event[];
    try {
      events = decider.decide(command, state, context.now);
    } catch (error) {
      if (remembered) continue;
      throw error;
    }
    if (events.length === 0) {
      if (remembered) continue;
      return { state, revision, appended: [], replayed: false };
    }
    const expected: ExpectedRevision = revision < 0 ? 'no_stream' : revision;
    try {
      const result = await store.append(stream, events.map(toNewEvent(context)), {
        expectedRevision: expected,
      });
      const after = events.reduce(decider.evolve, state);
      memoryOf(store).remember(stream, decider, {
        state: after,
        revision: result.nextExpectedRevision,
        keys: key ? new Set(known.keys).add(key) : known.keys,
        personal: known.personal || carryPersonalData(events),
      });
      return {
        state: after,
        revision: result.nextExpectedRevision,
        appended: events,
        lastPosition: result.lastPosition,
        replayed: false,
      };
    } catch (error) {
      memoryOf(store).forget(stream);
      // Another process moved the stream past what this one remembered (or erased the client
      // whose personal data the events carry, refused before anything was sent): read it, no
      // pause.
      if (remembered && (error instanceof WrongExpectedVersion || error instanceof RuleViolation))
        continue;
      const retry = error instanceof WrongExpectedVersion && context.expectedRevision === undefined;
      if (!retry || attempt >= MAX_ATTEMPTS) throw error;
      await backoff(attempt);
    }
  }
}

/** A stream as a command sees it: the state folded to a revision, and the keys applied. */
interface Known<State> {
  state: State;
  revision: number;
  /** `keyOf` each event's metadata, where it has one. */
  keys: ReadonlySet<string>;
  /** Some event carries personal data (`data.personal`): such a stream is never remembered. */
  personal: boolean;
}

function carryPersonalData(events: readonly { data: unknown }[]): boolean {
  return events.some(
    (event) => typeof event.data === 'object' && event.data !== null && 'personal' in event.data,
  );
}

async function readKnown<Event, State>(
  store: EventStore,
  stream: string,
  decider: Decider<unknown, Event, State>,
): Promise<Known<State>> {
  const history = await store.readStream(stream);
  const known: Known<State> = {
    state: fold(decider, history as unknown as Event[]),
    revision: lastRevision(history),
    keys: new Set(history.flatMap((event) => keyOf(event.metadata) ?? [])),
    personal: carryPersonalData(history),
  };
  memoryOf(store).remember(stream, decider, known);
  return known;
}

/** Streams remembered per process and store, the least recently remembered forgotten first. */
const REMEMBERED_STREAMS = 10_000;
/** How long a stream is remembered without a command landing on it. */
const REMEMBERED_MS = 60_000;

/**
 * The streams this process last read or appended, each with the revision and the state folded
 * to it, so that the next command on one decides without reading it again. Safe because every
 * append states the revision its decision was made on: if another process appended since, the
 * append is refused, the stream forgotten and read afresh. A decision that appends nothing (a
 * refusal, a no-op, a replay by key, an If-Match mismatch) is made again on a fresh read before
 * it is answered, so no answer rests on what only memory said. States are never mutated: every
 * decider's `evolve` returns a new one. A stream with personal data in it (a client's) is never
 * remembered: erasure must leave none of it in any process.
 */
class StreamMemory {
  /** In the order remembered, so the stalest are first. */
  private readonly streams = new Map<
    string,
    { known: Known<unknown>; decider: object; at: number }
  >();

  recall<State>(stream: string, decider: object): Known<State> | undefined {
    const entry = this.streams.get(stream);
    if (!entry || entry.decider !== decider || Date.now() - entry.at > REMEMBERED_MS) {
      return undefined;
    }
    return entry.known as Known<State>;
  }

  remember<State>(stream: string, decider: object, known: Known<State>): void {
    this.streams.delete(stream);
    const now = Date.now();
    if (!known.personal) this.streams.set(stream, { known, decider, at: now });
    for (const [name, entry] of this.streams) {
      if (this.streams.size <= REMEMBERED_STREAMS && now - entry.at <= REMEMBERED_MS) break;
      this.streams.delete(name);
    }
  }

  forget(stream: string): void {
    this.streams.delete(stream);
  }
}

const memories = new WeakMap<EventStore, StreamMemory>();

function memoryOf(store: EventStore): StreamMemory {
  let memory = memories.get(store);
  if (!memory) memories.set(store, (memory = new StreamMemory()));
  return memory;
}

/** An Idempotency-Key as applied: unique within a studio only. */
function keyOf(metadata: EventMetadata): string | null {
  return metadata.idempotencyKey ? `${metadata.studioId}\u0000${metadata.idempotencyKey}` : null;
}

/** A command on a stream that is almost certainly new (see `CommandContext.expectNew`). */
export interface NewStreamCommand<Command> {
  stream: string;
  command: Command;
  context: CommandContext;
}

/**
 * `handleCommand` with `expectNew` for many commands at once, each on its own stream: each is
 * decided on the empty state and all are appended with `no_stream` in one `appendMany` (one
 * statement on PostgreSQL instead of one a command). A stream that exists after all gets
 * `handleCommand`'s read-decide-append, so each outcome is the one `handleCommand` would give.
 */
export async function handleNewStreams<Command, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  commands: readonly NewStreamCommand<Command>[],
): Promise<PromiseSettledResult<CommandResult<Event, State>>[]> {
  const outcomes = await appendNew(store, decider, commands);
  return Promise.allSettled(
    commands.map(async ({ stream, command, context }, i) => {
      const outcome = outcomes[i]!;
      if (outcome.status === 'rejected') throw outcome.reason;
      return (
        outcome.value ??
        handleCommand(store, stream, decider, command, { ...context, expectNew: false })
      );
    }),
  );
}

/**
 * Decides each command on the empty state and appends them all with `no_stream`: a result for
 * each that landed, null for each whose stream exists (or that decided nothing), to be handled
 * the usual way; a decision that refuses rejects its command alone.
 */
async function appendNew<Command, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  commands: readonly NewStreamCommand<Command>[],
): Promise<PromiseSettledResult<CommandResult<Event, State> | null>[]> {
  const decided = commands.map(({ command, context }) => {
    try {
      return { events: decider.decide(command, decider.initialState, context.now) };
    } catch (error) {
      return { error };
    }
  });
  const appending = commands.flatMap((_, i) => ((decided[i]!.events?.length ?? 0) > 0 ? [i] : []));
  const appended = await store.appendMany(
    appending.map((i) => ({
      stream: commands[i]!.stream,
      events: decided[i]!.events!.map(toNewEvent(commands[i]!.context)),
      expectedRevision: 'no_stream' as const,
    })),
  );
  const outcomeOf = new Map(appending.map((at, i) => [at, appended[i]!]));
  return commands.map((_, i): PromiseSettledResult<CommandResult<Event, State> | null> => {
    const { events, error } = decided[i]!;
    if (!events) return { status: 'rejected', reason: error };
    const outcome = outcomeOf.get(i);
    if (!outcome) return { status: 'fulfilled', value: null };
    if (outcome.status === 'rejected') {
      if (outcome.reason instanceof WrongExpectedVersion)
        return { status: 'fulfilled', value: null };
      return outcome;
    }
    const result = outcome.value;
    const state = fold(decider, events);
    const key = keyOf(commands[i]!.context.metadata);
    memoryOf(store).remember(commands[i]!.stream, decider, {
      state,
      revision: result.nextExpectedRevision,
      keys: new Set(key ? [key] : []),
      personal: carryPersonalData(events),
    });
    return {
      status: 'fulfilled',
      value: {
        state,
        revision: result.nextExpectedRevision,
        appended: events,
        lastPosition: result.lastPosition,
        replayed: false,
      },
    };
  });
}

function toNewEvent(context: CommandContext) {
  return (event: DomainEvent) => ({
    type: event.type,
    data: event.data,
    metadata: context.metadata,
  });
}

/** The revision of a stream's last event, as read; -1 for a stream with none. */
export function lastRevision(history: readonly RecordedEvent[]): number {
  return history.length === 0 ? -1 : history[history.length - 1]!.revision;
}

/**
 * Whether a stream already holds the effect of the request with this Idempotency-Key. A key is
 * unique within a studio only: another studio's request with the same key is another request.
 */
export function appliedByKey(history: readonly RecordedEvent[], metadata: EventMetadata): boolean {
  const key = keyOf(metadata);
  return !!key && history.some((event) => keyOf(event.metadata) === key);
}

/**
 * The context of a command from the request that caused it (invariant 7: who, when, which
 * request). `replayByKey: false` leaves the Idempotency-Key out of the events, for streams that
 * several requests share (a uniqueness claim), where the key must not make a later command look
 * already applied.
 */
export function commandContext(
  request: RequestContext,
  options: { replayByKey?: boolean; expectNew?: boolean; expectedRevision?: number } = {},
): CommandContext {
  const { replayByKey = true, ...rest } = options;
  return {
    metadata: {
      studioId: request.studioId,
      actor: request.actor,
      correlationId: request.correlationId,
      idempotencyKey: replayByKey ? (request.idempotencyKey ?? null) : null,
      schemaVersion: 1,
    },
    now: request.now,
    ...rest,
  };
}

/**
 * The id of something a request creates. With an Idempotency-Key it derives from the studio and
 * the key, so a retry — even after a crash that lost the first answer — lands on the same thing.
 */
export function idForRequest(kind: string, request: RequestContext): string {
  if (!request.idempotencyKey) return crypto.randomUUID();
  return uuidFrom(`${kind}:${request.studioId}:${request.idempotencyKey}`);
}

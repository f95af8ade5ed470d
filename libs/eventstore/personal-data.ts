import { RuleViolation } from '@clientele/shared';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  SubscribeOptions,
} from './event-store.port';

/** One event's personal data, with the event it travels in (whose `data.clientId` it is about). */
export interface PersonalOf<Event> {
  personal: unknown;
  event: Event;
  /** The client the personal data is about: the event's `data.clientId`. */
  subject: string;
}

/**
 * Personal data (names, email, phone, birthday, address, a memo's words, a signature) travels in
 * an event's `data.personal` and nowhere else. Every event passes through one codec on its way
 * into and out of the store, so encrypting `personal` with a key per client, and erasing a client
 * by forgetting that key, needs no rewriting of events (DESIGN.md, invariant 5). Both directions
 * take a batch, so a codec that looks keys up does so once per batch, not once per event.
 * `open` answers null for personal data that can no longer be read (the client was erased).
 */
export interface PersonalDataCodec {
  seal(items: readonly PersonalOf<NewEvent>[]): Promise<unknown[]>;
  open(items: readonly PersonalOf<RecordedEvent>[]): Promise<unknown[]>;
}

/** Stores personal data as it is (tests of other things, and tools reading raw rows). */
export const plainPersonalData: PersonalDataCodec = {
  seal: async (items) => items.map((item) => item.personal),
  open: async (items) => items.map((item) => item.personal),
};

function personalOf(data: unknown): unknown {
  return typeof data === 'object' && data !== null && 'personal' in data
    ? (data as { personal: unknown }).personal
    : undefined;
}

/**
 * Whom an event's personal data is about. Every event that carries `personal` names its client
 * in `data.clientId`; one that does not is a programming error, refused before anything is
 * written rather than stored where no key, and so no erasure, could reach it.
 */
function subjectOf(event: NewEvent | RecordedEvent): string {
  const clientId = (event.data as { clientId?: unknown }).clientId;
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw new Error(
      `Event ${event.type} carries personal data but no data.clientId: its personal data would belong to nobody and could never be erased.`,
    );
  }
  return clientId;
}

/** The events that carry personal data, with their index in `events`. */
function withPersonal<Event extends NewEvent | RecordedEvent>(events: readonly Event[]) {
  const found: (PersonalOf<Event> & { index: number })[] = [];
  events.forEach((event, index) => {
    const personal = personalOf(event.data);
    if (personal !== undefined) found.push({ personal, event, subject: subjectOf(event), index });
  });
  return found;
}

async function transform<Event extends NewEvent | RecordedEvent>(
  events: Event[],
  codec: (items: PersonalOf<Event>[]) => Promise<unknown[]>,
): Promise<Event[]> {
  const found = withPersonal(events);
  if (found.length === 0) return events;
  const results = await codec(found);
  const out = [...events];
  found.forEach(({ event, index }, i) => {
    out[index] = { ...event, data: { ...(event.data as object), personal: results[i] } };
  });
  return out;
}

/** The event store as every context sees it: personal data sealed on append, opened on read. */
export class PersonalDataEventStore implements EventStore {
  constructor(
    private readonly inner: EventStore,
    private readonly codec: PersonalDataCodec,
  ) {}

  get name() {
    return this.inner.name;
  }

  async append(stream: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const sealed = await transform(events, (items) => this.codec.seal(items));
    return this.inner.append(stream, sealed, options);
  }

  /** The appends' personal data is sealed together: one key lookup for them all. */
  async appendMany(appends: StreamAppend[]): Promise<PromiseSettledResult<AppendResult>[]> {
    let sealed: NewEvent[];
    try {
      sealed = await transform(
        appends.flatMap((a) => a.events),
        (items) => this.codec.seal(items),
      );
    } catch (error) {
      // A rule refusing one append's sealing (its client was erased) refuses that append alone.
      if (!(error instanceof RuleViolation)) throw error;
      const outcomes = await Promise.allSettled(
        appends.map(async (a) => transform(a.events, (items) => this.codec.seal(items))),
      );
      const open = appends.flatMap((a, i) => {
        const outcome = outcomes[i]!;
        return outcome.status === 'fulfilled' ? [{ ...a, events: outcome.value }] : [];
      });
      const appended = (await this.inner.appendMany(open)).values();
      return outcomes.map((outcome) =>
        outcome.status === 'rejected' ? outcome : appended.next().value!,
      );
    }
    let next = 0;
    return this.inner.appendMany(
      appends.map((a) => ({ ...a, events: sealed.slice(next, (next += a.events.length)) })),
    );
  }

  async readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.openAll(await this.inner.readStream(stream, options));
  }

  /** Every stream's events are opened together: one key lookup for them all. */
  async readStreams(streams: readonly string[]): Promise<Map<string, RecordedEvent[]>> {
    const read = await this.inner.readStreams(streams);
    const opened = (await this.openAll([...read.values()].flat())).values();
    return new Map(
      [...read].map(([stream, events]) => [stream, events.map(() => opened.next().value!)]),
    );
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    const events = await this.inner.readAll(options);
    const { types } = options;
    if (!types) return this.openAll(events);
    // Only what the reader wants is opened; the rest goes without its data (sealed, it would
    // look like personal data that was read).
    const opened = await this.openAll(events.filter((event) => types.has(event.type)));
    let next = 0;
    return events.map((event) => {
      if (types.has(event.type)) return opened[next++]!;
      return event.data === null ? event : { ...event, data: null };
    });
  }

  async *subscribe(options: SubscribeOptions): AsyncIterable<RecordedEvent> {
    for await (const event of this.inner.subscribe(options)) {
      const [opened] = await this.openAll([event]);
      yield opened!;
    }
  }

  head() {
    return this.inner.head();
  }

  close() {
    return this.inner.close();
  }

  private openAll(events: RecordedEvent[]): Promise<RecordedEvent[]> {
    return transform(events, (items) => this.codec.open(items));
  }
}

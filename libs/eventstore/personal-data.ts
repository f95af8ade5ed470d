import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
} from './event-store.port';

/**
 * Personal data (names, email, phone, birthday, address) travels in an event's `data.personal`
 * and nowhere else. Every event passes through one codec on its way into and out of the store,
 * so encrypting `personal` with a key per client, and erasing a client by forgetting that key,
 * can come without rewriting a single event (DESIGN.md, invariant 5).
 */
export interface PersonalDataCodec {
  seal(personal: unknown, event: NewEvent): Promise<unknown>;
  open(sealed: unknown, event: RecordedEvent): Promise<unknown>;
}

/** Stores personal data as it is: the codec of today, until per-client keys arrive. */
export const plainPersonalData: PersonalDataCodec = {
  seal: async (personal) => personal,
  open: async (sealed) => sealed,
};

function personalOf(data: unknown): unknown {
  return typeof data === 'object' && data !== null && 'personal' in data
    ? (data as { personal: unknown }).personal
    : undefined;
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
    const sealed = await Promise.all(
      events.map(async (event) => {
        const personal = personalOf(event.data);
        if (personal === undefined) return event;
        const data = {
          ...(event.data as object),
          personal: await this.codec.seal(personal, event),
        };
        return { ...event, data };
      }),
    );
    return this.inner.append(stream, sealed, options);
  }

  async readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.openAll(await this.inner.readStream(stream, options));
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.openAll(await this.inner.readAll(options));
  }

  async *subscribe(options: SubscribeOptions): AsyncIterable<RecordedEvent> {
    for await (const event of this.inner.subscribe(options)) yield this.openOne(event);
  }

  head() {
    return this.inner.head();
  }

  close() {
    return this.inner.close();
  }

  private openAll(events: RecordedEvent[]): Promise<RecordedEvent[]> {
    return Promise.all(events.map((event) => this.openOne(event)));
  }

  private async openOne(event: RecordedEvent): Promise<RecordedEvent> {
    const personal = personalOf(event.data);
    if (personal === undefined) return event;
    const data = { ...(event.data as object), personal: await this.codec.open(personal, event) };
    return { ...event, data };
  }
}

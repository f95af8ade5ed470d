import { migrateToLatest, type Database } from '@clientele/database';
import { openTestDatabase } from '../../test/support/test-database';
import { until } from '../shared/testing/until';
import type { EventMetadata, EventStore, ReadAllOptions, RecordedEvent } from './event-store.port';
import { PersonalDataEventStore, type PersonalDataCodec } from './personal-data';
import { eventStoreMigrations } from './postgres/eventstore.migrations';
import { PostgresEventStore } from './postgres/postgres-event-store';

let db: Database;
let raw: PostgresEventStore;

beforeAll(async () => {
  db = await openTestDatabase();
  await migrateToLatest(db, eventStoreMigrations);
  raw = new PostgresEventStore(db.sql, { name: db.kind });
});
afterAll(() => db.close());

const metadata: EventMetadata = {
  studioId: 's',
  actor: { type: 'system', id: 'test' },
  correlationId: 'c',
  schemaVersion: 1,
};

/** A reversible stand-in for encryption: what is stored must not be what was given. */
const reversing: PersonalDataCodec = {
  seal: async (items) =>
    items.map(({ personal }) => ({
      sealed: JSON.stringify(personal).split('').reverse().join(''),
    })),
  open: async (items) =>
    items.map(({ personal }) =>
      JSON.parse((personal as { sealed: string }).sealed.split('').reverse().join('')),
    ),
};

describe('personal data passes through one codec', () => {
  it('seals data.personal on append and opens it on every read; other data is untouched', async () => {
    const store = new PersonalDataEventStore(raw, reversing);
    const stream = `client-${crypto.randomUUID()}`;
    const personal = { firstName: 'Zoë', email: 'zoe@example.com' };
    await store.append(
      stream,
      [
        { type: 'ClientRegistered', data: { clientId: 'c1', personal }, metadata },
        { type: 'Other', data: { amount: 5 }, metadata },
      ],
      { expectedRevision: 'no_stream' },
    );

    const stored = await raw.readStream(stream);
    expect(JSON.stringify(stored[0]!.data)).not.toContain('zoe@example.com');
    expect(stored[1]!.data).toEqual({ amount: 5 });

    const read = await store.readStream(stream);
    expect(read.map((e) => e.data)).toEqual([{ clientId: 'c1', personal }, { amount: 5 }]);
    let found: RecordedEvent | undefined;
    await until(async () => {
      const all = await store.readAll({ from: null, limit: 100 });
      found = all.find((e) => e.streamName === stream);
      return found !== undefined;
    });
    expect(found!.data).toEqual({ clientId: 'c1', personal });
  });

  it('opens only the types a reader of the log asks for, and passes the others without their data', async () => {
    const opened: string[] = [];
    const counting: PersonalDataCodec = {
      seal: reversing.seal,
      open: async (items) => {
        opened.push(...items.map((item) => item.event.type));
        return reversing.open(items);
      },
    };
    // An inner store that gives every event whole, as one that ignores `types` may.
    const whole: EventStore = Object.assign(Object.create(raw) as EventStore, {
      readAll: ({ from, limit }: ReadAllOptions) => raw.readAll({ from, limit }),
    });
    const stream = `client-${crypto.randomUUID()}`;
    const personal = { firstName: 'Zoë' };
    await new PersonalDataEventStore(raw, counting).append(
      stream,
      [
        { type: 'ClientRegistered', data: { clientId: 'c1', personal }, metadata },
        { type: 'MemoAdded', data: { clientId: 'c1', personal: { text: 'x' } }, metadata },
      ],
      { expectedRevision: 'no_stream' },
    );
    for (const inner of [raw, whole]) {
      opened.length = 0;
      let read: RecordedEvent[] = [];
      await until(async () => {
        const all = await new PersonalDataEventStore(inner, counting).readAll({
          from: null,
          limit: 100,
          types: new Set(['MemoAdded']),
        });
        read = all.filter((e) => e.streamName === stream);
        return read.length === 2;
      });
      expect(read.map((e) => e.data)).toEqual([null, { clientId: 'c1', personal: { text: 'x' } }]);
      expect(opened).not.toContain('ClientRegistered');
    }
  });

  it('refuses personal data that names no client: nobody could ever erase it', async () => {
    const store = new PersonalDataEventStore(raw, reversing);
    await expect(
      store.append(
        `x-${crypto.randomUUID()}`,
        [{ type: 'Orphan', data: { personal: { name: 'Zoë' } }, metadata }],
        { expectedRevision: 'no_stream' },
      ),
    ).rejects.toThrow(/no data.clientId/);
  });
});

import { migrateToLatest, type Database, type SqlExecutor } from '@clientele/database';
import { openTestDatabase } from '../../test/support/test-database';
import type { EventMetadata, RecordedEvent } from './event-store.port';
import { PersonalDataEventStore, plainPersonalData } from './personal-data';
import {
  encryptedPersonalData,
  PersonalDataErased,
  PersonalDataKeys,
  personalDataKeysMigrations,
} from './personal-data-keys';
import { eventStoreMigrations } from './postgres/eventstore.migrations';
import { PostgresEventStore } from './postgres/postgres-event-store';

let db: Database;
let raw: PostgresEventStore;

beforeAll(async () => {
  db = await openTestDatabase();
  await migrateToLatest(db, eventStoreMigrations, personalDataKeysMigrations);
  raw = new PostgresEventStore(db.sql, { name: db.kind });
});
afterAll(() => db.close());

const studioId = crypto.randomUUID();
const metadata: EventMetadata = {
  studioId,
  actor: { type: 'system', id: 'test' },
  correlationId: 'c',
  schemaVersion: 1,
};

/** Counts the statements the keys run, to see that a batch looks keys up once. */
function counting(sql: SqlExecutor) {
  const counter = { queries: 0 };
  const executor: SqlExecutor = {
    query: (text, params, options) => {
      counter.queries++;
      return sql.query(text, params, options);
    },
    transaction: (fn) => sql.transaction(fn),
  };
  return { counter, executor };
}

const personal = { firstName: 'Zoë', email: 'zoe@example.com' };

async function register(store: PersonalDataEventStore, clientId = crypto.randomUUID()) {
  const stream = `client-${clientId}`;
  await store.append(
    stream,
    [{ type: 'ClientRegistered', data: { clientId, personal }, metadata }],
    { expectedRevision: 'no_stream' },
  );
  return { clientId, stream };
}

describe('personal data sealed with a key per client (AES-256-GCM)', () => {
  const make = () => {
    const k = new PersonalDataKeys(db.sql);
    return { keys: k, store: new PersonalDataEventStore(raw, encryptedPersonalData(k)) };
  };

  it('round-trips, and the stored event holds no plaintext and a fresh IV each time', async () => {
    const { store } = make();
    const { clientId, stream } = await register(store);
    await store.append(
      stream,
      [{ type: 'ClientProfileUpdated', data: { clientId, personal }, metadata }],
      { expectedRevision: 0 },
    );
    const stored = await raw.readStream(stream);
    const text = JSON.stringify(stored.map((e) => e.data));
    expect(text).not.toContain('zoe@example.com');
    expect(text).not.toContain('Zoë');
    const [a, b] = stored.map(
      (e) => (e.data as { personal: { iv: string; sealed: string } }).personal,
    );
    expect(a!.sealed).toBe('A256GCM');
    expect(a!.iv).not.toBe(b!.iv);
    // Another process (another cache) opens it with the same key.
    expect((await make().store.readStream(stream)).map((e) => e.data)).toEqual([
      { clientId, personal },
      { clientId, personal },
    ]);
  });

  it('detects a sealed text that was changed, or moved to another client', async () => {
    const { store, keys: k } = make();
    const { clientId, stream } = await register(store);
    const [event] = await raw.readStream(stream);
    const sealed = (event!.data as { personal: { ct: string } }).personal;
    const codec = encryptedPersonalData(k);
    const flipped = Buffer.from(sealed.ct, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    const tampered = { ...sealed, ct: flipped.toString('base64') };
    await expect(
      codec.open([{ personal: tampered, event: event!, subject: clientId }]),
    ).rejects.toThrow();
    const other = await register(store);
    await expect(
      codec.open([{ personal: sealed, event: event!, subject: other.clientId }]),
    ).rejects.toThrow();
  });

  it('once the key is destroyed, opens as null and refuses to seal', async () => {
    const { store, keys: k } = make();
    const { clientId, stream } = await register(store);
    const elsewhere = make();
    expect((await elsewhere.store.readStream(stream))[0]!.data).toEqual({ clientId, personal });
    const at = new Date('2026-11-29T10:00:00Z');
    const destroyed = await k.destroy([clientId], studioId, at);
    expect(destroyed.get(clientId)).toEqual(at);
    // Again: nothing changes, the first instant stays.
    expect((await k.destroy([clientId], studioId, new Date())).get(clientId)).toEqual(at);
    expect((await store.readStream(stream))[0]!.data).toEqual({ clientId, personal: null });
    await expect(
      store.append(stream, [{ type: 'MemoAdded', data: { clientId, personal }, metadata }], {
        expectedRevision: 0,
      }),
    ).rejects.toBeInstanceOf(PersonalDataErased);
    // A fresh process never had the key: it sees the erasure too.
    expect((await make().store.readStream(stream))[0]!.data).toEqual({ clientId, personal: null });
  });

  it('reads plain personal data written before keys, until its client is erased', async () => {
    const plain = new PersonalDataEventStore(raw, plainPersonalData);
    const { clientId, stream } = await register(plain);
    const { store, keys: k } = make();
    expect((await store.readStream(stream))[0]!.data).toEqual({ clientId, personal });
    await k.destroy([clientId], studioId, new Date());
    expect((await store.readStream(stream))[0]!.data).toEqual({ clientId, personal: null });
  });

  it('looks the keys of a batch up in one query, and cached after that', async () => {
    const writer = make().store;
    const clients = await Promise.all(Array.from({ length: 30 }, () => register(writer)));
    const { counter, executor } = counting(db.sql);
    const codec = encryptedPersonalData(new PersonalDataKeys(executor));
    const events: RecordedEvent[] = (
      await Promise.all(clients.map((c) => raw.readStream(c.stream)))
    ).flat();
    const items = events.map((event) => ({
      event,
      personal: (event.data as { personal: unknown }).personal,
      subject: (event.data as { clientId: string }).clientId,
    }));
    expect(await codec.open(items)).toEqual(clients.map(() => personal));
    expect(counter.queries).toBe(1);
    await codec.open(items);
    expect(counter.queries).toBe(1);
  });

  it('gives one key to a new client sealed by many processes at once', async () => {
    const clientId = crypto.randomUUID();
    const writers = Array.from({ length: 8 }, () => make());
    await Promise.all(
      writers.map((w, i) =>
        w.store.append(
          `memo-race-${clientId}-${i}`,
          [{ type: 'MemoAdded', data: { clientId, personal: { text: `memo ${i}` } }, metadata }],
          { expectedRevision: 'no_stream' },
        ),
      ),
    );
    const reader = make().store;
    for (let i = 0; i < writers.length; i++) {
      const [event] = await reader.readStream(`memo-race-${clientId}-${i}`);
      expect(event!.data).toEqual({ clientId, personal: { text: `memo ${i}` } });
    }
    const rows = await db.sql.query(
      'SELECT count(*)::int AS n FROM personal_data_keys WHERE client_id = $1',
      [clientId],
    );
    expect(rows[0]).toEqual({ n: 1 });
  });
});

import { randomUUID } from 'node:crypto';
import { migrateToLatest, type Database } from '@clientele/database';
import { eventStoreMigrations, type RecordedEvent } from '@clientele/eventstore';
import { uuidFrom } from '@clientele/shared';
import { openTestDatabase } from '../../../test/support/test-database';
import { notificationOutboxProjection as projection } from './outbox-projection';

let db: Database;

beforeAll(async () => {
  db = await openTestDatabase();
  await migrateToLatest(db, eventStoreMigrations);
});
afterAll(() => db.close());

const studioId = randomUUID();
function recorded(type: string, data: object, recordedAt = new Date()): RecordedEvent {
  return {
    id: randomUUID(),
    type,
    data: { clientId: randomUUID(), ...data },
    metadata: {
      studioId,
      actor: { type: 'system', id: 't' },
      correlationId: 'c',
      schemaVersion: 1,
    },
    streamName: 'client-x',
    revision: 0,
    globalPosition: 1n,
    recordedAt,
    checkpoint: { major: 1n, minor: 1n },
  };
}
const apply = (events: RecordedEvent[]) =>
  db.kysely.transaction().execute((trx) => projection.apply(trx, events));
const kinds = async () =>
  (
    await db.sql.query<{ message_id: string; kind: string }>(
      'SELECT message_id, kind FROM outbox WHERE studio_id = $1 ORDER BY kind',
      [studioId],
    )
  ).map((row) => row.kind);

describe('the outbox filled from the log (EventStoreDB)', () => {
  it('writes each notification once however often its batch is read', async () => {
    const welcome = recorded('ClientRegistered', { personal: {} });
    const reset = recorded('PasswordResetRequested', {});
    const batch = [welcome, recorded('ClientProfileUpdated', { personal: {} }), reset];
    await apply(batch);
    await apply(batch);
    expect(await kinds()).toEqual(['password_reset', 'welcome']);
    const [row] = await db.sql.query<{ event_id: string }>(
      'SELECT event_id FROM outbox WHERE message_id = $1',
      [uuidFrom(`notification:welcome:${welcome.id}`)],
    );
    expect(row?.event_id).toBe(welcome.id);
  });

  it('mails nobody about events from before yesterday, and a rebuild keeps what was sent', async () => {
    const old = new Date(Date.now() - 25 * 60 * 60_000);
    await apply([recorded('WelcomeMessageRequested', {}, old)]);
    // Nothing of the outbox is ever rebuilt: a rebuild leaves it as it is.
    expect(projection.tables).toEqual([]);
    expect(await kinds()).toEqual(['password_reset', 'welcome']);
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { migrateToLatest, openDatabase, quoteIdent, type SqlExecutor } from '@clientele/database';
import type { EventStore } from '../event-store.port';
import { eventStoreContract } from '../testing/event-store.contract';
import { postgresAdapterCases } from './postgres-adapter.cases';
import { eventStoreMigrations } from './eventstore.migrations';
import { PostgresEventStore } from './postgres-event-store';

const url = process.env.DATABASE_URL;

if (!url) {
  describe('PostgresEventStore on PostgreSQL', () => {
    it.skip('is skipped: DATABASE_URL is unset (set it to run the contract on a real server)', () => {});
  });
} else {
  const schemas: string[] = [];
  const schemaOf = new WeakMap<EventStore, string>();

  async function openPostgresStore(options: { pollIntervalMs?: number } = {}) {
    const schema = `es_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    const db = await openDatabase({ url, schema, poolSize: 25 });
    await migrateToLatest(db, eventStoreMigrations);
    const store = PostgresEventStore.forDatabase(db, { ...options, closeDatabase: true });
    schemaOf.set(store, schema);
    return { db, store };
  }

  afterAll(async () => {
    const admin = new Pool({ connectionString: url, max: 1 });
    for (const schema of schemas) await admin.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
    await admin.end();
  });

  eventStoreContract({
    name: 'PostgresEventStore on PostgreSQL',
    open: async () => (await openPostgresStore()).store,
    // A session of its own, in the store's schema, running the adapter's own append SQL.
    async holdOpenAppend(store, stream, events) {
      const client = new Client({
        connectionString: url,
        options: `-c search_path=${schemaOf.get(store)!},public`,
      });
      await client.connect();
      const session: SqlExecutor = {
        query: async (text, params) => (await client.query(text, params as unknown[])).rows,
        transaction: (fn) => fn(session),
      };
      await client.query('BEGIN');
      try {
        await new PostgresEventStore(session, { name: 'postgres' }).append(stream, events, {
          expectedRevision: 'any',
        });
      } catch (error) {
        await client.end();
        throw error;
      }
      const finish = (statement: string) => async () => {
        try {
          await client.query(statement);
        } finally {
          await client.end();
        }
      };
      return { commit: finish('COMMIT'), rollback: finish('ROLLBACK') };
    },
  });

  postgresAdapterCases('postgres', openPostgresStore);

  describe('PostgresEventStore on PostgreSQL, while another transaction holds the read rule', () => {
    it('delivers its own append once it is readable, not a poll interval later', async () => {
      const { store } = await openPostgresStore({ pollIntervalMs: 60_000 });
      // Any open transaction with an id, anywhere on the server, holds back what reads see.
      const holder = new Client({ connectionString: url });
      await holder.connect();
      try {
        const controller = new AbortController();
        const seen: string[] = [];
        const done = (async () => {
          for await (const recorded of store.subscribe({ from: null, signal: controller.signal })) {
            seen.push(recorded.type);
          }
        })();
        await holder.query('BEGIN');
        await holder.query('SELECT pg_current_xact_id()');
        await store.append(
          'held-1',
          [
            {
              type: 'Held',
              data: {},
              metadata: {
                studioId: 'studio-held',
                actor: { type: 'system', id: 'held' },
                correlationId: randomUUID(),
                schemaVersion: 1,
              },
            },
          ],
          { expectedRevision: 'no_stream' },
        );
        await sleep(300);
        expect(seen).toEqual([]);
        await holder.query('COMMIT');
        // Well inside the 60 s poll interval: only the prompt look-again can deliver it.
        const released = Date.now();
        while (seen.length === 0 && Date.now() - released < 30_000) await sleep(5);
        expect(seen).toEqual(['Held']);
        controller.abort();
        await done;
      } finally {
        await holder.end();
        await store.close();
      }
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

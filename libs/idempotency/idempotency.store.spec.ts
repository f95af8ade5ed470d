import {
  DatabaseUnavailable,
  migrateToLatest,
  type Database,
  type QueryOptions,
  type SqlExecutor,
} from '@clientele/database';
import type { Conflict } from '@clientele/shared';
import { openTestDatabase } from '../../test/support/test-database';
import { IdempotencyStore, idempotencyMigrations } from './idempotency.store';

describe('IdempotencyStore', () => {
  let db: Database;
  let store: IdempotencyStore;

  beforeAll(async () => {
    db = await openTestDatabase();
    await migrateToLatest(db, idempotencyMigrations);
    store = new IdempotencyStore(db);
  });

  afterAll(async () => {
    await db.close();
  });

  it('lets each of many concurrent keys run once, and only one of two requests with one key', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
    const claims = await Promise.allSettled([
      ...keys.map((key) => store.claim('studio-a', key, 'hash')),
      store.claim('studio-a', 'key-7', 'hash'),
      // The same key in another studio is another request.
      store.claim('studio-b', 'key-7', 'hash'),
    ]);
    const outcome = (c: PromiseSettledResult<{ kind: string }>) =>
      c.status === 'fulfilled' ? c.value.kind : (c.reason as Conflict).code;
    expect(claims.slice(0, 40).map(outcome)).toEqual(keys.map(() => 'run'));
    expect(outcome(claims[40]!)).toBe('idempotency_key_in_use');
    expect(outcome(claims[41]!)).toBe('run');
  });

  it('answers a completed key with its stored response, and refuses it for another request', async () => {
    await Promise.all(
      ['done-1', 'done-2'].map(async (key) => {
        expect(await store.claim('studio-a', key, `hash-${key}`)).toEqual({ kind: 'run' });
      }),
    );
    await Promise.all([
      store.complete('studio-a', 'done-1', {
        status: 201,
        headers: { etag: '"0"' },
        body: { n: 1 },
      }),
      store.complete('studio-a', 'done-2', { status: 422, headers: {}, body: { n: 2 } }),
    ]);
    expect(await store.claim('studio-a', 'done-1', 'hash-done-1')).toEqual({
      kind: 'replay',
      response: { status: 201, headers: { etag: '"0"' }, body: { n: 1 } },
    });
    expect(await store.claim('studio-a', 'done-2', 'hash-done-2')).toEqual({
      kind: 'replay',
      response: { status: 422, headers: {}, body: { n: 2 } },
    });
    await expect(store.claim('studio-a', 'done-1', 'other')).rejects.toMatchObject({
      code: 'idempotency_key_reused',
    });
  });

  it('lets a retry take over at once a key whose failed request could not free it', async () => {
    // The database goes away while the request runs: its 5xx cannot free the key.
    let away = false;
    const derivedSql: SqlExecutor = {
      ...db.derivedSql,
      query: (text, params, options) =>
        away
          ? Promise.reject(new DatabaseUnavailable(new Error('connect ECONNREFUSED')))
          : db.derivedSql.query(text, params, options),
    };
    const flaky = new IdempotencyStore({ ...db, derivedSql });
    expect(await flaky.claim('studio-a', 'cut-short', 'hash')).toEqual({ kind: 'run' });
    expect(await flaky.claim('studio-a', 'running', 'hash')).toEqual({ kind: 'run' });
    away = true;
    await flaky.abandon('studio-a', 'cut-short');
    away = false;

    // Back: the retry runs now, not once the claim is stale; a request still running keeps its key.
    const [retry, again, duplicate] = await Promise.allSettled([
      flaky.claim('studio-a', 'cut-short', 'hash'),
      flaky.claim('studio-a', 'cut-short', 'hash'),
      flaky.claim('studio-a', 'running', 'hash'),
    ]);
    // Of two retries at once, either may take it over; the other is told it is in use.
    expect([retry, again]).toEqual(
      expect.arrayContaining([
        { status: 'fulfilled', value: { kind: 'run' } },
        expect.objectContaining({
          status: 'rejected',
          reason: expect.objectContaining({ code: 'idempotency_key_in_use' }),
        }),
      ]),
    );
    expect(duplicate).toMatchObject({
      status: 'rejected',
      reason: { code: 'idempotency_key_in_use' },
    });
  });

  it('lets a retry take over at once a key whose claim was made but its answer lost', async () => {
    // The connection breaks after the server made the claim, before it said so.
    let losing = false;
    const derivedSql: SqlExecutor = {
      ...db.derivedSql,
      async query<Row>(text: string, params?: readonly unknown[], options?: QueryOptions) {
        const rows = await db.derivedSql.query<Row>(text, params, options);
        if (losing) throw new DatabaseUnavailable(new Error('Connection terminated unexpectedly'));
        return rows;
      },
    };
    const flaky = new IdempotencyStore({ ...db, derivedSql });
    losing = true;
    await expect(flaky.claim('studio-a', 'claim-lost', 'hash')).rejects.toBeInstanceOf(
      DatabaseUnavailable,
    );
    losing = false;
    expect(await flaky.claim('studio-a', 'claim-lost', 'hash')).toEqual({ kind: 'run' });
  });
});

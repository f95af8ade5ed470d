import { sql } from 'kysely';
import { openTestDatabase } from '../../test/support/test-database';
import type { Database } from './database';
import { unnestRows } from './unnest-rows';

let db: Database;

beforeAll(async () => {
  db = await openTestDatabase();
  await sql`CREATE TABLE rows_in (
    id uuid PRIMARY KEY, name text, flag boolean NOT NULL, at timestamptz NOT NULL,
    doc jsonb, n int NOT NULL, kept text NOT NULL DEFAULT 'default')`.execute(db.kysely);
});
afterAll(() => db.close());

describe('unnestRows', () => {
  it('inserts every row as given: nulls, quotes, dates and JSON text alike', async () => {
    const rows = [
      {
        id: '0b3c1a52-0000-4000-8000-000000000001',
        name: 'Zoë "the" \\ {Müller}, Jr.',
        flag: true,
        at: new Date('2026-12-02T08:00:00.123Z'),
        doc: JSON.stringify({ type: 'staff', id: 'a"b' }),
        n: 7,
      },
      {
        id: '0b3c1a52-0000-4000-8000-000000000002',
        name: null,
        flag: false,
        at: new Date('2026-01-01T00:00:00.000Z'),
        doc: null,
        n: -1,
      },
    ];
    await sql`INSERT INTO rows_in ${unnestRows(rows, {
      id: 'uuid',
      name: 'text',
      flag: 'boolean',
      at: 'timestamptz',
      doc: 'jsonb',
      n: 'int',
    })}`.execute(db.kysely);
    const read = await db.kysely
      .selectFrom('rows_in')
      .select(['id', 'name', 'flag', 'at', 'doc', 'n', 'kept'])
      .orderBy('id')
      .execute();
    expect(read).toEqual([
      { ...rows[0], doc: { type: 'staff', id: 'a"b' }, kept: 'default' },
      { ...rows[1], kept: 'default' },
    ]);
  });
});

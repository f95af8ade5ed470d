import { sql } from 'kysely';
import { openTestDatabase } from '../../test/support/test-database';
import type { Database } from './database';
import { unnestRows, upsertRows } from './unnest-rows';

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

  it('upserts: new rows inserted, existing ones take every column given, others kept', async () => {
    const columns = { id: 'uuid', name: 'text', flag: 'boolean', at: 'timestamptz', n: 'int' };
    const at = new Date('2026-12-03T09:30:00.000Z');
    await upsertRows(
      'rows_in',
      [
        { id: '0b3c1a52-0000-4000-8000-000000000002', name: 'now named', flag: true, at, n: 2 },
        { id: '0b3c1a52-0000-4000-8000-000000000003', name: 'new', flag: false, at, n: 3 },
      ],
      columns,
      ['id'],
    ).execute(db.kysely);
    const read = await db.kysely
      .selectFrom('rows_in')
      .select(['id', 'name', 'flag', 'at', 'doc', 'n', 'kept'])
      .where('id', '!=', '0b3c1a52-0000-4000-8000-000000000001')
      .orderBy('id')
      .execute();
    expect(read).toEqual([
      {
        id: '0b3c1a52-0000-4000-8000-000000000002',
        name: 'now named',
        flag: true,
        at,
        doc: null,
        n: 2,
        kept: 'default',
      },
      {
        id: '0b3c1a52-0000-4000-8000-000000000003',
        name: 'new',
        flag: false,
        at,
        doc: null,
        n: 3,
        kept: 'default',
      },
    ]);
  });

  it('writes array columns whole, quotes and all', async () => {
    await sql`CREATE TABLE arrays_in (id int PRIMARY KEY, tags text[])`.execute(db.kysely);
    const rows = [
      { id: 1, tags: ['yoga', 'a "b" \\ c', '{x,y}', ''] },
      { id: 2, tags: [] },
      { id: 3, tags: null },
    ];
    await sql`INSERT INTO arrays_in ${unnestRows(rows, { id: 'int', tags: 'text[]' })}`.execute(
      db.kysely,
    );
    const read = await db.kysely.selectFrom('arrays_in').selectAll().orderBy('id').execute();
    expect(read).toEqual(rows);
  });
});

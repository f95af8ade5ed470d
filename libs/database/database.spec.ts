import { openTestDatabase } from '../../test/support/test-database';

describe('database', () => {
  it('runs a transaction and returns int8 and xid8 as strings on both drivers', async () => {
    const db = await openTestDatabase();
    try {
      const rows = await db.sql.transaction(async (tx) => {
        await tx.query(
          'CREATE TABLE t (id bigserial primary key, x xid8 default pg_current_xact_id())',
        );
        await tx.query('INSERT INTO t DEFAULT VALUES');
        return tx.query<{ id: unknown; x: unknown }>('SELECT id, x FROM t');
      });
      expect(typeof rows[0]!.id).toBe('string');
      expect(typeof rows[0]!.x).toBe('string');
    } finally {
      await db.close();
    }
  });

  it('rolls back a failed transaction', async () => {
    const db = await openTestDatabase();
    try {
      await db.sql.query('CREATE TABLE r (id int primary key)');
      await expect(
        db.sql.transaction(async (tx) => {
          await tx.query('INSERT INTO r VALUES (1)');
          await tx.query('INSERT INTO r VALUES (1)');
        }),
      ).rejects.toThrow();
      expect(await db.sql.query('SELECT * FROM r')).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

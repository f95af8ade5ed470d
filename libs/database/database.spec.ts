import type { Migration } from 'kysely';
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

const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

onPostgres('database on a PostgreSQL server', () => {
  it('keeps options given in the URL and still commits read models asynchronously', async () => {
    const url = new URL(process.env.DATABASE_URL!);
    url.searchParams.set('options', '-c application_name=clientele_test');
    const { openDatabase } = await import('./database');
    const db = await openDatabase({ url: url.toString(), schema: 't_options_check' });
    try {
      const { sql } = await import('kysely');
      const derived = await sql<{
        sync: string;
        app: string;
        path: string;
      }>`SELECT current_setting('synchronous_commit') AS sync, current_setting('application_name') AS app, current_setting('search_path') AS path`.execute(
        db.kysely,
      );
      expect(derived.rows[0]).toEqual({
        sync: 'off',
        app: 'clientele_test',
        path: 't_options_check,public',
      });
      const [events] = await db.sql.query<{ sync: string }>(
        "SELECT current_setting('synchronous_commit') AS sync",
      );
      expect(events!.sync).toBe('on');
      await db.sql.query('DROP SCHEMA t_options_check CASCADE');
    } finally {
      await db.close();
    }
  });
});

onPostgres('migrations on a server where other schemas come and go', () => {
  // Kysely's Migrator lists every table of every schema to find its own; a rebuild or another
  // process dropping its schema meanwhile must not fail our migration.
  it("lists tables as Kysely's own introspector does", async () => {
    const { openDatabase } = await import('./database');
    const { PostgresIntrospector, sql } = await import('kysely');
    const db = await openDatabase({ url: process.env.DATABASE_URL!, schema: 't_introspect' });
    try {
      await sql`CREATE TABLE listed (id serial PRIMARY KEY, name text NOT NULL, at date DEFAULT now())`.execute(
        db.kysely,
      );
      await sql`COMMENT ON COLUMN listed.name IS 'who'`.execute(db.kysely);
      await sql`CREATE VIEW listed_view AS SELECT name FROM listed`.execute(db.kysely);
      const ours = (await db.kysely.introspection.getTables()).filter(
        (t) => t.schema === 't_introspect',
      );
      const kysely = (await new PostgresIntrospector(db.kysely).getTables()).filter(
        (t) => t.schema === 't_introspect',
      );
      expect(ours.map((t) => t.name)).toEqual(['listed', 'listed_view']);
      expect(ours).toEqual(kysely);
    } finally {
      await db.sql.query('DROP SCHEMA t_introspect CASCADE');
      await db.close();
    }
  });

  it('migrate while another connection creates and drops schemas', async () => {
    const { openDatabase } = await import('./database');
    const { migrateToLatest } = await import('./migrate');
    const { sql } = await import('kysely');
    const db = await openDatabase({ url: process.env.DATABASE_URL!, schema: 't_migrate_churn' });
    let churning = true;
    const churn = (async () => {
      for (let i = 0; churning; i++) {
        const schema = `t_migrate_churn_${i % 4}`;
        await db.sql.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await db.sql.query(`CREATE TABLE IF NOT EXISTS ${schema}.t (id serial, x text)`);
        await db.sql.query(`DROP SCHEMA ${schema} CASCADE`);
      }
    })();
    const migrations: Record<string, Migration> = {};
    try {
      for (let round = 0; round < 10; round++) {
        migrations[`round_${String(round).padStart(3, '0')}`] = {
          up: async (kysely) => {
            await sql`CREATE TABLE ${sql.id(`round_${round}`)} (id int)`.execute(kysely);
          },
        };
        await migrateToLatest(db, migrations);
      }
      const tables = await db.sql.query(
        "SELECT 1 FROM pg_tables WHERE schemaname = 't_migrate_churn' AND tablename LIKE 'round_%'",
      );
      expect(tables).toHaveLength(10);
    } finally {
      churning = false;
      await churn;
      await db.sql.query('DROP SCHEMA t_migrate_churn CASCADE');
      await db.close();
    }
  }, 120_000);
});

import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from '@clientele/database';
import { pgliteTemplate } from './pglite-template';

/**
 * The database a test suite runs on: in-memory PGlite by default, the PostgreSQL server named by
 * `DATABASE_URL` when set (each suite in a schema of its own, so suites never see each other,
 * dropped when the suite closes it, so runs leave nothing behind).
 */
export async function openTestDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (!url) return openDatabase({ startFrom: pgliteTemplate() });
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const db = await openDatabase({ url, schema, poolSize: 12 });
  return {
    ...db,
    async close() {
      await db.sql.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await db.close();
    },
  };
}

export const onPostgres = Boolean(process.env.DATABASE_URL);

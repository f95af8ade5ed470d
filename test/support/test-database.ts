import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from '@clientele/database';

/**
 * The database a test suite runs on: in-memory PGlite by default, the PostgreSQL server named by
 * `DATABASE_URL` when set (each suite in a schema of its own, so suites never see each other).
 */
export async function openTestDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (!url) return openDatabase({});
  return openDatabase({ url, schema: `t_${randomBytes(6).toString('hex')}`, poolSize: 12 });
}

export const onPostgres = Boolean(process.env.DATABASE_URL);

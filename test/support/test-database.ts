import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from '@clientele/database';
import { pgliteTemplate } from './pglite-template';

/**
 * The database a test runs on: in-memory PGlite by default, the PostgreSQL server named by
 * `DATABASE_URL` when set. Either way each database is a schema of its own (so tests never see
 * each other), dropped when the test closes it, so runs leave nothing behind.
 */
export async function openTestDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (!url) return openPGliteSchema();
  const schema = newSchemaName();
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

const newSchemaName = () => `t_${randomBytes(6).toString('hex')}`;

/**
 * Starting a PGlite costs a second or more, a schema milliseconds: a test file keeps the
 * instances its closed databases leave, and the next database takes one with a fresh schema.
 * An instance serves one open database at a time: its search_path is the connection's.
 */
const idle: Database[] = [];
let fileDone = false;

async function openPGliteSchema(): Promise<Database> {
  const instance = idle.pop() ?? (await openDatabase({ startFrom: pgliteTemplate() }));
  const schema = newSchemaName();
  await instance.sql.query(`CREATE SCHEMA ${schema}`);
  await instance.sql.query(`SET search_path TO ${schema}, public`);
  let closed = false;
  return {
    ...instance,
    async close() {
      if (closed) return;
      closed = true;
      if (fileDone) return instance.close();
      await instance.sql.query(`DROP SCHEMA ${schema} CASCADE`);
      await instance.sql.query('SET search_path TO public');
      idle.push(instance);
    },
  };
}

// Registered when a test file imports this module, so before the file's own hooks, which Jest
// runs after it: databases the file closes from then on close their instance outright.
afterAll(async () => {
  fileDone = true;
  await Promise.all(idle.splice(0).map((instance) => instance.close()));
});

import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import {
  Kysely,
  PostgresDialect,
  type DatabaseIntrospector,
  type PostgresPool,
  type PostgresPoolClient,
} from 'kysely';
import { Pool, types, type PoolConfig, type QueryConfig } from 'pg';
import { Mutex } from './mutex';
import { PGliteDialect } from './pglite-dialect';
import { SchemaChurnIntrospector } from './schema-churn-introspector';
import type { QueryOptions, SqlExecutor } from './sql-executor';
import { unavailableIfAway } from './unavailable';

/**
 * One PostgreSQL database, on a server (`pg`) or embedded (PGlite): read models through Kysely,
 * the event store's hand-written SQL through `sql`. On a server they are two pools: `sql` commits
 * durably, `kysely` (derived data only) commits asynchronously.
 */
export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly kysely: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- each context types its own tables
  readonly sql: SqlExecutor;
  /**
   * Hand-written SQL for derived data, on the `kysely` pool (asynchronous commit): hot paths
   * that batch their statements and want them prepared once (see Batcher).
   */
  readonly derivedSql: SqlExecutor;
  /** PGlite only: the instance, for the socket server that lets the CLI in. */
  readonly pglite?: PGlite;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `postgres://…`: a server. Absent: PGlite. */
  url?: string;
  /** PGlite's folder on disk; absent means in memory. */
  dataDir?: string;
  /**
   * PGlite only: a data folder saved by `dumpDataDir` to start from, instead of creating one
   * (initdb costs seconds; test suites open hundreds of databases).
   */
  startFrom?: Blob;
  /** Tables go to this schema (created if missing); used to isolate test suites. */
  schema?: string;
  poolSize?: number;
}

// int8 and xid8 as strings on both drivers: JavaScript numbers cannot hold them exactly.
const INT8 = 20;
// Dates as written (YYYY-MM-DD): a JavaScript Date would move them by the process's time zone.
const DATE = 1082;
const XID8 = 5069;

/**
 * How long a statement waits for a connection (a new one, or one of a busy pool) before it
 * fails as DatabaseUnavailable: a server that does not answer makes requests fail, not hang.
 */
const CONNECT_TIMEOUT_MS = 5000;

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options) : openPGlite(options);
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  // `options` in the URL would replace the settings given below: take it out and keep it.
  const parsed = new URL(url);
  const urlOptions = parsed.searchParams.get('options');
  parsed.searchParams.delete('options');
  const config: PoolConfig = {
    connectionString: parsed.toString(),
    max: options.poolSize ?? 20,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // A server that vanished without closing its sockets is noticed, not waited on for ever.
    keepAlive: true,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === DATE
          ? (value: string) => value
          : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
    },
    ...(urlOptions ? { options: urlOptions } : {}),
  };
  if (options.schema) {
    const admin = new Pool({ connectionString: url, max: 1 });
    await admin.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema)}`);
    // Extensions belong to the database, not a schema: keep them in public, which every
    // isolated schema's search_path includes. Parallel suites may race to create it.
    for (const extension of ['pg_trgm', 'btree_gin']) {
      await admin
        .query(`CREATE EXTENSION IF NOT EXISTS ${extension} WITH SCHEMA public`)
        .catch(() => undefined);
    }
    await admin.end();
    config.options = [config.options, `-c search_path=${options.schema},public`]
      .filter(Boolean)
      .join(' ');
  }
  const pool = survivingOutages(new Pool(config));
  // Read models and stored idempotency answers are derived: a crash can lose their last
  // milliseconds and the log rebuilds them (a checkpoint commits with its batch, so both are
  // lost together). They commit without waiting for the WAL flush; events never do.
  const derived = survivingOutages(
    new Pool({
      ...config,
      options: [config.options, '-c synchronous_commit=off'].filter(Boolean).join(' '),
    }),
  );
  const kysely = new Kysely<unknown>({
    dialect: new ServerDialect({ pool: unavailableWhenAway(derived) }),
  });
  return {
    kind: 'postgres',
    kysely,
    sql: poolExecutor(pool),
    derivedSql: poolExecutor(derived),
    async close() {
      await kysely.destroy();
      // Kysely ends its pool only if it ever used it.
      if (!derived.ended) await derived.end();
      await pool.end();
    },
  };
}

// Other schemas come and go on a shared server (rebuilds swap theirs in): see SchemaChurnIntrospector.
class ServerDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SchemaChurnIntrospector(db);
  }
}

/**
 * A server that stops or restarts makes every connection of a pool fail. `pg` reports that as
 * an 'error' event on the pool (an idle connection) or on the connection itself (one lent out,
 * between statements), and an 'error' event nobody listens to ends the Node process. The pool
 * drops the broken connections and opens new ones when next asked: nothing to do but say so.
 */
function survivingOutages(pool: Pool): Pool {
  pool.on('error', (error) => {
    console.warn(`database connection lost (${error.message}); it reconnects when next used`);
  });
  // The statement running on it, if any, fails with the same error: its caller hears of it.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** What `pg` rejects with, as DatabaseUnavailable when it says the server is away. */
function translated<T>(promise: Promise<T>): Promise<T> {
  return promise.catch((error: unknown) => {
    throw unavailableIfAway(error);
  });
}

/** The pool Kysely draws from, failing as `translated` says. */
function unavailableWhenAway(pool: Pool): PostgresPool {
  return {
    async connect() {
      const client = await translated(pool.connect());
      return {
        // Kysely is given no cursor: it only ever sends text and parameters.
        query: ((text: string, params: readonly unknown[]) =>
          translated(client.query(text, [...params]))) as unknown as PostgresPoolClient['query'],
        release: () => client.release(),
      };
    },
    end: () => pool.end(),
  };
}

function poolExecutor(pool: Pool): SqlExecutor {
  return {
    async query(text, params, options) {
      return (await translated(pool.query(queryConfig(text, params, options)))).rows;
    },
    async transaction(fn) {
      const client = await translated(pool.connect());
      try {
        await translated(client.query('BEGIN'));
        const tx: SqlExecutor = {
          query: async (text, params, options) =>
            (await translated(client.query(queryConfig(text, params, options)))).rows,
          transaction: (inner) => inner(tx),
        };
        const result = await fn(tx);
        await translated(client.query('COMMIT'));
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

function queryConfig(
  text: string,
  params?: readonly unknown[],
  options?: QueryOptions,
): QueryConfig {
  return {
    text,
    ...(params ? { values: params as unknown[] } : {}),
    ...(options?.name ? { name: options.name } : {}),
  };
}

async function openPGlite(options: DatabaseOptions): Promise<Database> {
  const pglite = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.startFrom ? { loadDataDir: options.startFrom } : {}),
    extensions: { pg_trgm, btree_gin },
    parsers: {
      [INT8]: (value: string) => value,
      [XID8]: (value: string) => value,
      [DATE]: (value: string) => value,
    },
  });
  if (options.schema) {
    await pglite.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema)};
      SET search_path TO ${quoteIdent(options.schema)}, public`);
  }
  const mutex = new Mutex();
  const run = async <Row>(text: string, params?: readonly unknown[]) =>
    (await pglite.query<Row>(text, params as unknown[])).rows;
  const executor: SqlExecutor = {
    query: (text, params) => mutex.runExclusive(() => run(text, params)),
    transaction: (fn) =>
      mutex.runExclusive(async () => {
        await pglite.query('BEGIN');
        const tx: SqlExecutor = { query: run, transaction: (inner) => inner(tx) };
        try {
          const result = await fn(tx);
          await pglite.query('COMMIT');
          return result;
        } catch (error) {
          await pglite.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }),
  };
  const kysely = new Kysely<unknown>({ dialect: new PGliteDialect(pglite, mutex) });
  return {
    kind: 'pglite',
    kysely,
    sql: executor,
    derivedSql: executor,
    pglite,
    async close() {
      await kysely.destroy();
      await mutex.runExclusive(() => pglite.close());
    },
  };
}

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Unsafe SQL identifier: ${name}`);
  return `"${name}"`;
}

/** Injection token of the Database. */
export const DATABASE = Symbol('Database');

import { createHash } from 'node:crypto';

/**
 * The narrow SQL surface the event store adapter needs: one statement at a time, or a
 * transaction. Implemented on a `pg` pool and on PGlite, so the same SQL runs on both.
 */
export interface SqlExecutor {
  query<Row = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<Row[]>;
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

export interface QueryOptions {
  /**
   * Names a prepared statement: on `pg`, each connection parses and plans `text` once under this
   * name and reuses the plan afterwards (one name, one text, always). PGlite ignores it.
   */
  name?: string;
}

/**
 * A prepared statement's name for a text built from a few shapes (a search of so many words):
 * each shape its own name, since a name stands for one text on a connection.
 */
export function statementName(prefix: string, text: string): string {
  return `${prefix}_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
}

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

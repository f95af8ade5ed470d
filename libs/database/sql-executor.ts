/**
 * The narrow SQL surface the event store adapter needs: one statement at a time, or a
 * transaction. Implemented on a `pg` pool and on PGlite, so the same SQL runs on both.
 */
export interface SqlExecutor {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

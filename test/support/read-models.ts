import type { Database } from '@clientele/database';
import { projections, type Runtime } from '@clientele/runtime';
import type { Projection } from '@clientele/projector';
import { sql } from 'kysely';

/**
 * Every row of every table of the projections, each table's rows as JSON in an order of their
 * own. No column is left out: no projection writes the clock (every time in its tables comes from
 * an event), so a rebuild writes the very same rows.
 */
export async function readModelTables(
  db: Database,
  tables = projections.flatMap((p) => p.tables),
): Promise<Record<string, string[]>> {
  const rows: Record<string, string[]> = {};
  for (const table of tables) {
    const result = await sql`SELECT * FROM ${sql.table(table)}`.execute(db.kysely);
    rows[table] = result.rows.map((row) => JSON.stringify(row)).sort();
  }
  return rows;
}

/** Per table, the rows only one side has (a table equal on both sides is left out). */
export function tableDifferences(
  before: Record<string, string[]>,
  after: Record<string, string[]>,
): Record<string, { onlyBefore: string[]; onlyAfter: string[] }> {
  const differences: Record<string, { onlyBefore: string[]; onlyAfter: string[] }> = {};
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[table] ?? [];
    const b = after[table] ?? [];
    const onlyBefore = without(a, b);
    const onlyAfter = without(b, a);
    if (onlyBefore.length + onlyAfter.length > 0) differences[table] = { onlyBefore, onlyAfter };
  }
  return differences;
}

/** `rows` less one of `other`'s for each it has (rows may repeat). */
function without(rows: string[], other: string[]): string[] {
  const left = new Map<string, number>();
  for (const row of other) left.set(row, (left.get(row) ?? 0) + 1);
  return rows.filter((row) => {
    const count = left.get(row) ?? 0;
    if (count === 0) return true;
    left.set(row, count - 1);
    return false;
  });
}

/**
 * The read models as the runtime's projections left them equal a rebuild of every projection
 * from the whole log: caught up first, then rebuilt together (ADR 0020) and compared row by row.
 * Answers the rows, as they are before and after.
 */
export async function expectReadModelsToEqualRebuild(
  runtime: Runtime,
): Promise<Record<string, string[]>> {
  await runtime.runner.catchUp();
  const live = await readModelTables(runtime.db);
  await runtime.runner.rebuildTogether(runtime.runner.names);
  const rebuilt = await readModelTables(runtime.db);
  expect(tableDifferences(live, rebuilt)).toEqual({});
  return live;
}

/** Empties every projection's tables and forgets its checkpoint: the next runner starts cold. */
export async function forgetReadModels(
  db: Database,
  forgotten: readonly Projection[] = projections,
): Promise<void> {
  const tables = forgotten.flatMap((p) => p.tables);
  await sql`TRUNCATE ${sql.join(tables.map((t) => sql.table(t)))} RESTART IDENTITY`.execute(
    db.kysely,
  );
  await db.kysely
    .deleteFrom('projection_checkpoints')
    .where(
      'name',
      'in',
      forgotten.map((p) => p.name),
    )
    .execute();
}

import { sql, type Kysely, type RawBuilder } from 'kysely';

/**
 * The columns and rows of a multi-row `INSERT INTO table …` as one array per column:
 * `(a, b) SELECT … FROM unnest($1::uuid[], $2::text[])`. One bind parameter a column instead of
 * one a value: PostgreSQL parses and plans a statement of a few parameters rather than thousands
 * (a rebuild inserts a thousand rows a batch; docs/benchmarks.md), and no batch meets its limit of
 * 65,535. `columns` maps each column written to its SQL type; every row gives each of them
 * (undefined is written as NULL, not as the column's default). jsonb values go as JSON text. An
 * array column (`text[]`) goes as the text of each array, cast back: unnest would flatten an
 * array of arrays.
 */
export function unnestRows<Row extends object>(
  rows: readonly Row[],
  columns: { readonly [K in keyof Row & string]?: string },
): RawBuilder<unknown> {
  const names = Object.keys(columns) as (keyof Row & string)[];
  const typed = names.map((name, i) => ({ name, type: columns[name]!, alias: `c${i}` }));
  const arrays = typed.map(({ name, type }) =>
    type.endsWith('[]')
      ? sql`${rows.map((row) => arrayText(row[name] as readonly unknown[] | null | undefined))}::text[]`
      : sql`${rows.map((row) => row[name] ?? null)}::${sql.raw(type)}[]`,
  );
  const selected = typed.map(({ type, alias }) =>
    type.endsWith('[]') ? sql`${sql.id(alias)}::${sql.raw(type)}` : sql.id(alias),
  );
  return sql`(${sql.join(names.map((name) => sql.id(name)))})
    SELECT ${sql.join(selected)}
    FROM unnest(${sql.join(arrays)}) AS u(${sql.join(typed.map(({ alias }) => sql.id(alias)))})`;
}

/** An array's PostgreSQL text form, every element quoted: `{"a","b \"c\""}`. */
function arrayText(values: readonly unknown[] | null | undefined): string | null {
  if (values === null || values === undefined) return null;
  const elements = values.map((value) =>
    value === null ? 'NULL' : `"${String(value).replace(/[\\"]/g, '\\$&')}"`,
  );
  return `{${elements.join(',')}}`;
}

/**
 * `INSERT INTO table … ON CONFLICT (keys) DO UPDATE SET` every other column of `columns` to the
 * row given: rows a projection read, changed in memory and writes back whole, one statement a
 * table a batch. Each key at most once in `rows` (PostgreSQL refuses to update a row twice).
 */
export function upsertRows<Row extends object>(
  table: string,
  rows: readonly Row[],
  columns: { readonly [K in keyof Row & string]?: string },
  keys: readonly (keyof Row & string)[],
): RawBuilder<unknown> {
  const updated = Object.keys(columns).filter((name) => !keys.includes(name as keyof Row & string));
  return sql`INSERT INTO ${sql.table(table)} ${unnestRows(rows, columns)}
    ON CONFLICT (${sql.join(keys.map((key) => sql.id(key)))})
    DO UPDATE SET ${sql.join(updated.map((name) => sql`${sql.id(name)} = excluded.${sql.id(name)}`))}`;
}

/**
 * The rows of `table` whose `column` is one of `keys`, as a batch reads the rows it will fold its
 * events into; none, without a query, when there are no keys.
 */
export async function rowsWithKeys(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any table of the caller's
  db: Kysely<any>,
  table: string,
  column: string,
  keys: Iterable<string>,
) {
  const list = [...keys];
  if (list.length === 0) return [];
  return db.selectFrom(table).selectAll().where(column, 'in', list).execute();
}

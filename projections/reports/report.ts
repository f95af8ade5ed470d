import type { Database } from '@clientele/database';
import { InvalidInput, type Money } from '@clientele/shared';
import {
  sql,
  type AliasableExpression,
  type Expression,
  type RawBuilder,
  type SelectQueryBuilder,
} from 'kysely';
import { survivorOf } from '../client-profiles/client-merge.queries';
import { clientsMatching } from '../client-profiles/client-profile.queries';

/** What a report is asked: the studio, the moment, and the filters the caller sent. */
export interface ReportParams {
  studioId: string;
  /** The studio's time zone: its days bound `from` and `to`, and its "today". */
  timezone: string;
  now: Date;
  /** Client name or email, folded as the client search folds it. */
  search?: string;
  /** The studio's days, YYYY-MM-DD, both included. */
  from?: string;
  to?: string;
  /** The report's own filters (`status`, `eventType`, `days`, `period`…), already checked. */
  filters: Record<string, string | number>;
}

export type ReportValue = string | number | boolean | string[] | Money | null;
export type ReportItem = Record<string, ReportValue>;

/** A filter a report takes beyond search and dates: its allowed values, or a whole range. */
export type ReportFilter =
  | { kind: 'choice'; values: readonly string[]; default?: string }
  | { kind: 'text' }
  | { kind: 'integer'; min: number; max: number; default: number };

/**
 * A report: a keyset-ordered source of rows over the read models. The source selects
 * `sort_key` and `row_id`, the pair it is ordered and paged by, beside what `item` reads. A
 * report about clients (its columns start with CLIENT_COLUMNS) selects `holder_id`, the client
 * whose row it is; the runner joins who that is after paging, for the page's rows only.
 */
export interface ReportDefinition {
  name: string;
  title: string;
  /** Which date `from` and `to` filter on, in words for the docs and the list of reports. */
  dateFilter: string;
  filters: Readonly<Record<string, ReportFilter>>;
  /** The item's fields in order: the JSON item's keys, and the CSV's columns. */
  columns: readonly string[];
  /** The columns holding money (all in one currency on a row): the CSV adds `currency`. */
  money?: readonly string[];
  order: 'asc' | 'desc';
  keyType: 'timestamptz' | 'date' | 'bigint';
  /** The row id's form: a UUID unless said (a day's sales are keyed by currency). */
  idPattern?: RegExp;
  source(db: Database, params: ReportParams): AliasableExpression<Record<string, unknown>>;
  item(row: Record<string, unknown>, params: ReportParams): ReportItem;
}

/** The fields every report about clients starts with. */
export const CLIENT_COLUMNS = ['clientId', 'firstName', 'lastName', 'email', 'mergedFrom'] as const;

/**
 * Joins the client a row is shown under: the survivor of a merge answers for its duplicates'
 * rows (ADR 0016); an erased client's name and email are null (ADR 0015). `holder` is the column
 * of the client whose row it is.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each report's source has its own row
export function withClient(query: SelectQueryBuilder<any, any, any>, holder: string) {
  return query
    .leftJoin('client_profiles as p', (join) =>
      join.on(sql<boolean>`p.client_id = ${survivorOf(holder)}`),
    )
    .select([
      sql<string>`coalesce(p.client_id, ${sql.ref(holder)})`.as('client_id'),
      sql.ref(holder).as('holder_id'),
      'p.first_name',
      'p.last_name',
      'p.email',
    ]);
}

export function clientItem(row: Record<string, unknown>): ReportItem {
  return {
    clientId: row.client_id as string,
    firstName: row.first_name as string | null,
    lastName: row.last_name as string | null,
    email: row.email as string | null,
    mergedFrom: row.holder_id === row.client_id ? null : (row.holder_id as string),
  };
}

/**
 * Rows of the clients the search finds, and of the duplicates merged into them; all without a
 * search. A set the database builds once, not a lookup per row.
 */
export function searchMatches(
  db: Database,
  params: ReportParams,
  holder: string,
): Expression<boolean> {
  const matching = clientsMatching(db, params.studioId, params.search);
  if (!matching) return sql<boolean>`true`;
  const holders = db.kysely
    .selectFrom('client_profiles')
    .select('client_id')
    .where('studio_id', '=', params.studioId)
    .where(sql<string>`coalesce(merged_into, client_id)`, 'in', matching);
  return sql<boolean>`${sql.ref(holder)} IN (${holders})`;
}

/** `from`/`to` on a column: whole days of the studio for an instant, the day itself for a date. */
export function dateRange(
  column: string,
  type: 'timestamptz' | 'date',
  params: ReportParams,
): RawBuilder<boolean> {
  const ref = sql.ref(column);
  const conditions: RawBuilder<boolean>[] = [];
  if (params.from) {
    conditions.push(
      type === 'date'
        ? sql`${ref} >= ${params.from}::date`
        : sql`${ref} >= (${params.from}::date::timestamp AT TIME ZONE ${params.timezone})`,
    );
  }
  if (params.to) {
    conditions.push(
      type === 'date'
        ? sql`${ref} <= ${params.to}::date`
        : sql`${ref} < ((${params.to}::date + 1)::timestamp AT TIME ZONE ${params.timezone})`,
    );
  }
  return conditions.length > 0 ? sql<boolean>`(${sql.join(conditions, sql` AND `)})` : sql`true`;
}

export function iso(value: unknown): string | null {
  return value === null || value === undefined ? null : new Date(value as Date).toISOString();
}

export function moneyOf(amount: unknown, currency: unknown): Money {
  return { amount: Number(amount), currency: currency as string };
}

/** The report's own filters, checked against what it takes; a 400 naming each wrong one. */
export function reportFilters(
  report: ReportDefinition,
  given: Record<string, string | number | undefined>,
): Record<string, string | number> {
  const filters: Record<string, string | number> = {};
  const errors: { field: string; message: string }[] = [];
  for (const [field, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const filter = report.filters[field];
    if (!filter) {
      errors.push({ field, message: `is not a filter of the ${report.name} report` });
    } else if (filter.kind === 'choice' && !filter.values.includes(String(value))) {
      errors.push({ field, message: `must be one of ${filter.values.join(', ')}` });
    } else if (
      filter.kind === 'integer' &&
      !(Number.isInteger(value) && Number(value) >= filter.min && Number(value) <= filter.max)
    ) {
      errors.push({ field, message: `must be a whole number from ${filter.min} to ${filter.max}` });
    } else {
      filters[field] = value;
    }
  }
  if (errors.length > 0) throw new InvalidInput('The report filters are not valid.', errors);
  for (const [field, filter] of Object.entries(report.filters)) {
    if (filters[field] === undefined && filter.kind !== 'text' && filter.default !== undefined) {
      filters[field] = filter.default;
    }
  }
  return filters;
}

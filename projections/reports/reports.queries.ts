import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { DATABASE, decodePageCursor, encodePageCursor, type Database } from '@clientele/database';
import { InvalidInput, NotFound } from '@clientele/shared';
import { sql } from 'kysely';
import {
  reportFilters,
  withClient,
  type ReportDefinition,
  type ReportItem,
  type ReportParams,
} from './report';
import { REPORTS } from './reports';

/**
 * The sort key of a row as its cursor holds it: instants in UTC to the microsecond, so the next
 * page resumes exactly after the row.
 */
function cursorKey(type: ReportDefinition['keyType']) {
  return type === 'timestamptz'
    ? sql<string>`to_char(r.sort_key AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
    : sql<string>`r.sort_key::text`;
}

/** Whether a cursor's key is one the database can read back as the report's key. */
function isCursorKey(type: ReportDefinition['keyType'], key: string): boolean {
  if (type === 'bigint') return /^-?\d{1,18}$/.test(key);
  const form =
    type === 'date' ? /^\d{4}-\d{2}-\d{2}$/ : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
  if (!form.test(key) || Number.isNaN(Date.parse(key))) return false;
  // A real day: 2026-02-30 does not come back as itself.
  const day = key.slice(0, 10);
  return new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) === day;
}

export interface ReportPage {
  report: string;
  items: ReportItem[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface ReportRequest {
  studioId: string;
  now: Date;
  search?: string;
  from?: string;
  to?: string;
  /** The report's own filters as sent; the report says which it takes. */
  filters: Record<string, string | number | undefined>;
}

export class RunReport extends Query<ReportPage> {
  constructor(
    readonly name: string,
    readonly request: ReportRequest,
    readonly limit: number,
    readonly cursor: string | undefined,
  ) {
    super();
  }
}

/** One page of a report, in its order; the next page resumes after the last row (keyset). */
@QueryHandler(RunReport)
export class RunReportHandler implements IQueryHandler<RunReport> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ name, request, limit, cursor }: RunReport): Promise<ReportPage> {
    const report = REPORTS.get(name);
    if (!report) throw new NotFound('report', name);
    const filters = reportFilters(report, request.filters);
    if (request.from && request.to && request.from > request.to) {
      throw new InvalidInput('The report cannot end before it starts.', [
        { field: 'to', message: 'must be on or after from' },
      ]);
    }
    const studio = await this.db.kysely
      .selectFrom('studios')
      .select('timezone')
      .where('studio_id', '=', request.studioId)
      .executeTakeFirstOrThrow();
    const params: ReportParams = {
      studioId: request.studioId,
      timezone: studio.timezone as string,
      now: request.now,
      filters,
      ...(request.search ? { search: request.search } : {}),
      ...(request.from ? { from: request.from } : {}),
      ...(request.to ? { to: request.to } : {}),
    };
    let paged = this.db.kysely.selectFrom(report.source(this.db, params).as('r')).selectAll();
    const direction = sql.raw(report.order === 'desc' ? '<' : '>');
    const idType = sql.raw(report.idPattern ? 'text' : 'uuid');
    if (cursor) {
      const [key, id] = decodePageCursor(cursor, report.idPattern);
      if (!isCursorKey(report.keyType, key)) {
        throw new InvalidInput('The cursor is not one this API gave out.', [
          { field: 'cursor', message: 'must be the nextCursor of a previous page' },
        ]);
      }
      const after = sql`CAST(${key} AS ${sql.raw(report.keyType)})`;
      // The key alone bounds an index scan; the pair resumes exactly after the row.
      paged = paged
        .where(sql<boolean>`r.sort_key ${direction}= ${after}`)
        .where(
          sql<boolean>`(r.sort_key, r.row_id) ${direction} (${after}, CAST(${id} AS ${idType}))`,
        );
    }
    paged = paged
      .orderBy('r.sort_key', report.order)
      .orderBy('r.row_id', report.order)
      .limit(limit + 1);
    let query = this.db.kysely
      .selectFrom(paged.as('r'))
      .selectAll('r')
      .select(cursorKey(report.keyType).as('cursor_key'));
    if (report.columns.includes('clientId')) query = withClient(query, 'r.holder_id');
    const rows = (await query
      .orderBy('r.sort_key', report.order)
      .orderBy('r.row_id', report.order)
      .execute()) as Record<string, unknown>[];
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      report: name,
      items: page.map((row) => report.item(row, params)),
      nextCursor:
        rows.length > limit && last
          ? encodePageCursor(last.cursor_key as string, String(last.row_id))
          : null,
    };
  }
}

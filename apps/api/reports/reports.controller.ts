import { Controller, Get, Headers, Param, Query, StreamableFile } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { NotFound, type RequestContext } from '@clientele/shared';
import { REPORTS, RunReport, type ReportRequest } from '@projections/reports';
import { Ctx, RequirePermission } from '../http/auth';
import { csvHeaders, csvRow, csvStream } from './report-csv';
import { ReportQuery } from './reports.dto';

/** Rows read from the database at a time while a CSV streams. */
const CSV_CHUNK = 1000;

@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports')
export class ReportsController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @RequirePermission('reports:read')
  @ApiOperation({ summary: 'The reports, with the filters each takes and the date it filters on' })
  list() {
    return {
      items: [...REPORTS.values()].map((report) => ({
        name: report.name,
        title: report.title,
        dateFilter: report.dateFilter,
        filters: report.filters,
        columns: report.columns,
      })),
    };
  }

  @Get(':name')
  @RequirePermission('reports:read')
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({
    summary:
      'A report, live: a page as JSON, or the whole of it as CSV (Accept: text/csv or ?format=csv)',
  })
  async report(
    @Param('name') name: string,
    @Query() query: ReportQuery,
    @Headers('accept') accept: string | undefined,
    @Ctx() context: RequestContext,
  ) {
    const found = REPORTS.get(name);
    if (!found) throw new NotFound('report', name);
    const report = found;
    const request: ReportRequest = {
      studioId: context.studioId,
      now: context.now,
      filters: {
        status: query.status,
        eventType: query.eventType,
        attendance: query.attendance,
        days: query.days,
        period: query.period,
      },
      ...(query.search !== undefined ? { search: query.search } : {}),
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.to !== undefined ? { to: query.to } : {}),
    };
    const csv = query.format === 'csv' || (query.format !== 'json' && wantsCsv(accept));
    if (!csv) {
      return this.queries.execute(new RunReport(name, request, query.limit ?? 50, query.cursor));
    }
    // The first chunk before the first byte: a bad filter is still a 400, not a broken file.
    const first = await this.queries.execute(new RunReport(name, request, CSV_CHUNK, undefined));
    const queries = this.queries;
    async function* rows() {
      let page = first;
      for (;;) {
        for (const item of page.items) yield csvRow(report, item);
        if (!page.nextCursor) return;
        page = await queries.execute(new RunReport(name, request, CSV_CHUNK, page.nextCursor));
      }
    }
    const day = context.now.toISOString().slice(0, 10);
    return new StreamableFile(csvStream(csvHeaders(report), rows()), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="${name}-${day}.csv"`,
    });
  }
}

/** Whether the Accept header asks for CSV before JSON. */
function wantsCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
  const csv = types.indexOf('text/csv');
  const json = types.indexOf('application/json');
  return csv !== -1 && (json === -1 || csv < json);
}

import { PassThrough, pipeline, Readable } from 'node:stream';
import { format } from 'fast-csv';
import { decimalAmount, type Money } from '@clientele/shared';
import type { ReportDefinition, ReportItem, ReportValue } from '@projections/reports';

function isMoney(value: ReportValue): value is Money {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, a tab or a carriage return first)
 * is written with a leading apostrophe: a client named "=HYPERLINK(…)" stays a name. Only text
 * from people gets it; amounts and counts are written by us.
 */
function cell(value: ReportValue): string {
  if (value === null) return '';
  if (Array.isArray(value)) return value.join(';');
  if (isMoney(value)) return decimalAmount(value);
  if (typeof value === 'string') return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return String(value);
}

/** The CSV's columns: the report's, and `currency` once at the end when it has money. */
export function csvHeaders(report: ReportDefinition): string[] {
  return report.money ? [...report.columns, 'currency'] : [...report.columns];
}

/** A row of cells in the headers' order; money as decimals, its currency in its own column. */
export function csvRow(report: ReportDefinition, item: ReportItem): string[] {
  const cells = report.columns.map((column) => cell(item[column] ?? null));
  if (!report.money) return cells;
  const money = report.money.map((column) => item[column] ?? null).find(isMoney);
  return [...cells, money?.currency ?? ''];
}

/**
 * The rows as a CSV stream: RFC 4180 (CRLF, quotes where a comma, quote or line break is), in
 * UTF-8 with a byte order mark so Excel reads names in any script as UTF-8, not its local code
 * page. `rows` is pulled only as fast as the client reads (backpressure): memory stays flat.
 */
export function csvStream(headers: string[], rows: AsyncIterable<string[]>): Readable {
  const formatter = format<string[], string[]>({
    headers,
    alwaysWriteHeaders: true,
    rowDelimiter: '\r\n',
    includeEndRowDelimiter: true,
  });
  // Written here, not by fast-csv's writeBOM: it forgets the mark on a report with no rows.
  const file = new PassThrough();
  file.write('\uFEFF');
  // A failure at any stage destroys every stage: the reply is cut off, never ended as if the
  // file were whole; a client that goes away stops the reading of further pages.
  pipeline(Readable.from(rows), formatter, file, () => undefined);
  return file;
}

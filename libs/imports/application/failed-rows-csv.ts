import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { format } from 'fast-csv';
import type { ImportJobStore, StoredImportJob } from './import-jobs';

const PAGE = 1_000;

/**
 * The rows of a job that failed, as a CSV the studio can fix and import again: the file's own
 * columns as they were, then `row` (its number in the file) and `reason`. Columns the import
 * does not know are ignored when it is imported, so the two added ones do no harm. UTF-8 with a
 * BOM, so a spreadsheet opens names in any script as they are.
 */
export function failedRowsCsv(jobs: ImportJobStore, job: StoredImportJob): Readable {
  const csv = format<string[], string[]>({ writeBOM: true, includeEndRowDelimiter: true });
  const width = job.headers.length;
  const write = async (cells: string[]) => {
    if (!csv.write(cells)) await once(csv, 'drain');
  };
  void (async () => {
    await write([...job.headers, 'row', 'reason']);
    for (let after = 0; ;) {
      const page = await jobs.failedRows(job.id, after, PAGE);
      for (const failed of page) {
        const cells = Array.from({ length: width }, (_, i) => failed.cells[i] ?? '');
        await write([...cells, String(failed.row), failed.reason]);
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.row;
    }
    csv.end();
  })().catch((error: unknown) => csv.destroy(error as Error));
  return csv;
}

import type { Database } from '@clientele/database';
import { NotFound, type Actor } from '@clientele/shared';
import { sql, type Kysely, type Migration } from 'kysely';
import {
  IMPORT_COLUMNS,
  planColumns,
  type ColumnMapping,
  type DateOrder,
  type ImportKind,
} from '../domain';

export const importsMigrations: Record<string, Migration> = {
  '2026-12-02T0900_import_jobs': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('import_jobs')
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('dry_run', 'boolean', (c) => c.notNull())
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('file_path', 'text', (c) => c.notNull())
        .addColumn('file_sha256', 'text', (c) => c.notNull())
        .addColumn('file_size', 'bigint', (c) => c.notNull())
        .addColumn('headers', 'jsonb', (c) => c.notNull())
        .addColumn('mapping', 'jsonb', (c) => c.notNull())
        .addColumn('date_order', 'text', (c) => c.notNull())
        .addColumn('total', 'integer')
        .addColumn('processed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('skipped', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('error', 'text')
        .addColumn('actor', 'jsonb', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('started_at', 'timestamptz')
        .addColumn('finished_at', 'timestamptz')
        .execute();
      await sql`CREATE INDEX import_jobs_unfinished ON import_jobs (studio_id, file_sha256)
        WHERE status IN ('queued', 'running', 'failed')`.execute(db);
      await db.schema
        .createTable('import_failed_rows')
        .addColumn('job_id', 'uuid', (c) => c.notNull())
        .addColumn('row', 'integer', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('cells', 'jsonb', (c) => c.notNull())
        .addPrimaryKeyConstraint('import_failed_rows_pk', ['job_id', 'row'])
        .execute();
    },
  },
};

export type ImportStatus = 'queued' | 'running' | 'completed' | 'failed';

/** The job resource: what `GET /v1/imports/{id}` answers. */
export interface ImportJob {
  id: string;
  studioId: string;
  /** What the file's rows are: clients, the credits they have left, or their memberships. */
  kind: ImportKind;
  status: ImportStatus;
  dryRun: boolean;
  fileName: string;
  fileSha256: string;
  fileSize: number;
  /** The file's header row, as written. */
  headers: string[];
  mapping: ColumnMapping;
  /** Which header each field is read from: the mapping's, or matched by its name. */
  columns: Record<string, string>;
  /** Headers no field is read from: those columns are not imported. */
  ignoredHeaders: string[];
  dateOrder: DateOrder;
  /** Rows of the file (blank lines left out); null until the file was counted. */
  total: number | null;
  /** Rows done, in file order: a resumed job starts after them. */
  processed: number;
  created: number;
  updated: number;
  skipped: number;
  /** Rows that failed, each with its reason in the failed rows CSV. */
  errors: number;
  /** Why the job stopped, when it failed as a whole (the database went away). */
  error: string | null;
  createdBy: Actor;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** What the runner alone needs: where the file is. */
export interface StoredImportJob extends Omit<ImportJob, 'columns' | 'ignoredHeaders'> {
  filePath: string;
}

export interface RowCounts {
  processed: number;
  created: number;
  updated: number;
  skipped: number;
  errors: number;
}

export interface FailedRow {
  row: number;
  reason: string;
  cells: string[];
}

interface JobRow {
  id: string;
  studio_id: string;
  kind: ImportKind;
  status: ImportStatus;
  dry_run: boolean;
  file_name: string;
  file_path: string;
  file_sha256: string;
  file_size: string | number;
  headers: string[];
  mapping: ColumnMapping;
  date_order: DateOrder;
  total: number | null;
  processed: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  error: string | null;
  actor: Actor;
  created_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
}

const iso = (value: Date | string | null) =>
  value === null ? null : new Date(value).toISOString();

function toJob(row: JobRow): StoredImportJob {
  return {
    id: row.id,
    studioId: row.studio_id,
    kind: row.kind,
    status: row.status,
    dryRun: row.dry_run,
    fileName: row.file_name,
    filePath: row.file_path,
    fileSha256: row.file_sha256,
    fileSize: Number(row.file_size),
    headers: row.headers,
    mapping: row.mapping,
    dateOrder: row.date_order,
    total: row.total,
    processed: row.processed,
    created: row.created,
    updated: row.updated,
    skipped: row.skipped,
    errors: row.failed,
    error: row.error,
    createdBy: row.actor,
    createdAt: iso(row.created_at)!,
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
  };
}

/** The job without where its file lies on the server's disk. */
export function publicJob(job: StoredImportJob): ImportJob {
  const { filePath: _filePath, ...rest } = job;
  // The job exists only because its headers were matched (Imports.create): this plan succeeds.
  const plan = planColumns(job.headers, job.mapping, IMPORT_COLUMNS[job.kind]);
  const columns: Record<string, string> = {};
  for (const [field, index] of Object.entries(plan)) columns[field] = job.headers[index!]!;
  const used = new Set(Object.values(plan));
  const ignoredHeaders = job.headers.filter((header, i) => !used.has(i) && header.trim() !== '');
  return { ...rest, columns, ignoredHeaders };
}

export interface NewImportJob {
  id: string;
  kind: ImportKind;
  studioId: string;
  dryRun: boolean;
  fileName: string;
  filePath: string;
  fileSha256: string;
  fileSize: number;
  headers: string[];
  mapping: ColumnMapping;
  dateOrder: DateOrder;
  actor: Actor;
}

/**
 * Import jobs and their failed rows, in the database beside the read models: operational state
 * of a long task, not facts of an account (those are the events the rows cause). A job's
 * `processed` moves with the failed rows below it in one transaction, so a resumed job neither
 * loses nor repeats a failed row.
 */
export class ImportJobStore {
  constructor(private readonly db: Database) {}

  /** Creates the job, or answers the one that already has this id (a retried upload). */
  async create(job: NewImportJob): Promise<{ job: StoredImportJob; created: boolean }> {
    const inserted = await this.db.kysely
      .insertInto('import_jobs')
      .values({
        id: job.id,
        studio_id: job.studioId,
        kind: job.kind,
        status: 'queued',
        dry_run: job.dryRun,
        file_name: job.fileName,
        file_path: job.filePath,
        file_sha256: job.fileSha256,
        file_size: job.fileSize,
        headers: JSON.stringify(job.headers),
        mapping: JSON.stringify(job.mapping),
        date_order: job.dateOrder,
        actor: JSON.stringify(job.actor),
      })
      .onConflict((c) => c.column('id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { job: toJob(inserted as JobRow), created: true };
    return { job: await this.get(job.studioId, job.id), created: false };
  }

  /** A job of the studio; another studio's is not found (invariant 6). */
  async get(studioId: string, id: string): Promise<StoredImportJob> {
    const row = await this.db.kysely
      .selectFrom('import_jobs')
      .selectAll()
      .where('id', '=', id)
      .where('studio_id', '=', studioId)
      .executeTakeFirst();
    if (!row) throw new NotFound('import', id);
    return toJob(row as JobRow);
  }

  /** The studio's unfinished import of this file as `kind` (not a dry run), to resume. */
  async unfinished(
    studioId: string,
    kind: ImportKind,
    sha256: string,
  ): Promise<StoredImportJob | null> {
    const row = await this.db.kysely
      .selectFrom('import_jobs')
      .selectAll()
      .where('studio_id', '=', studioId)
      .where('kind', '=', kind)
      .where('file_sha256', '=', sha256)
      .where('dry_run', '=', false)
      .where('status', 'in', ['queued', 'running', 'failed'])
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    return row ? toJob(row as JobRow) : null;
  }

  /** Every job a stopped process left unfinished, of any studio. */
  async allUnfinished(): Promise<StoredImportJob[]> {
    const rows = await this.db.kysely
      .selectFrom('import_jobs')
      .selectAll()
      .where('status', 'in', ['queued', 'running'])
      .orderBy('created_at')
      .execute();
    return rows.map((row) => toJob(row as JobRow));
  }

  async start(id: string, total: number, dateOrder: DateOrder): Promise<void> {
    await this.db.kysely
      .updateTable('import_jobs')
      .set({
        status: 'running',
        total,
        date_order: dateOrder,
        error: null,
        started_at: sql`coalesce(started_at, now())`,
      })
      .where('id', '=', id)
      .execute();
  }

  /** Records the rows done so far (a prefix of the file) and the failed rows among them. */
  async progress(id: string, counts: RowCounts, failed: readonly FailedRow[]): Promise<void> {
    await this.db.kysely.transaction().execute(async (trx) => {
      if (failed.length > 0) {
        await trx
          .insertInto('import_failed_rows')
          .values(
            failed.map((f) => ({
              job_id: id,
              row: f.row,
              reason: f.reason,
              cells: JSON.stringify(f.cells),
            })),
          )
          .onConflict((c) => c.columns(['job_id', 'row']).doNothing())
          .execute();
      }
      await trx
        .updateTable('import_jobs')
        .set({
          processed: counts.processed,
          created: counts.created,
          updated: counts.updated,
          skipped: counts.skipped,
          failed: counts.errors,
        })
        .where('id', '=', id)
        .execute();
    });
  }

  async finish(id: string, status: 'completed' | 'failed', error: string | null): Promise<void> {
    await this.db.kysely
      .updateTable('import_jobs')
      .set({ status, error, finished_at: status === 'completed' ? sql`now()` : null })
      .where('id', '=', id)
      .execute();
  }

  /** The failed rows, in file order, a page at a time (the CSV streams them). */
  async failedRows(id: string, afterRow: number, limit: number): Promise<FailedRow[]> {
    const rows = await this.db.kysely
      .selectFrom('import_failed_rows')
      .select(['row', 'reason', 'cells'])
      .where('job_id', '=', id)
      .where('row', '>', afterRow)
      .orderBy('row')
      .limit(limit)
      .execute();
    return rows as FailedRow[];
  }
}

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import type { EventStore } from '@clientele/eventstore';
import { InvalidInput, type Actor } from '@clientele/shared';
import {
  DateOrderEvidence,
  isBlankRow,
  planColumns,
  type ColumnMapping,
  type ColumnPlan,
  type DateOrder,
  type ImportKind,
} from '../domain';
import type { RowOutcome } from './client-rows';
import { csvRecords } from './csv-records';
import {
  publicJob,
  type FailedRow,
  type ImportJob,
  type ImportJobStore,
  type RowCounts,
  type StoredImportJob,
} from './import-jobs';
import { rowKinds, type RowKind, type StudioCatalog } from './row-kinds';

export interface ImportOptions {
  /** The studio's products, where credits and memberships find the product a row names. */
  catalog?: StudioCatalog;
  /**
   * Rows in flight at once, in two chunks: a chunk of clients is decided row by row and written
   * together, a few statements a chunk; other kinds import a chunk's rows side by side (ADR 0017).
   */
  concurrency?: number;
  /** Progress is saved after this many rows, or every second, whichever comes first. */
  saveEvery?: number;
  /** Uploads kept while their job runs; deleted when it completes. */
  uploadsDir?: string;
  /** How a job reads its file (a test hands in one that breaks halfway). */
  openFile?: (path: string) => AsyncIterable<Buffer>;
}

export interface NewImport {
  id: string;
  kind: ImportKind;
  studioId: string;
  actor: Actor;
  dryRun: boolean;
  fileName: string;
  filePath: string;
  mapping: ColumnMapping;
  dateOrder: DateOrder;
}

export type ProgressListener = (job: ImportJob) => void;

/** A job stopped because its process is closing: it stays `running`, to be resumed. */
class Stopped extends Error {}

/** One chunk is written while the next is read and decided. */
const CHUNKS_IN_FLIGHT = 2;

/** A row of the file on its way: to import, or already failed (`failed`: a duplicate). */
interface PendingRow {
  at: number;
  /** Its number in the spreadsheet. */
  line: number;
  cells: string[];
  failed?: RowOutcome;
}

/**
 * CSV imports (of clients, of the credits they have left, of their memberships), run in the
 * background of the process that holds the database (the API, or the CLI on its own): a job
 * streams its file twice — once to count the rows and learn how its dates are written, once to
 * import — with a bounded number of rows in flight. Progress (a prefix of the file, and the
 * failed rows in it) is saved as it goes, so a job stopped by a crash resumes after the last
 * rows saved; rows done after that are done again and change nothing (each row's key derives
 * from the job and its email, or its row).
 */
export class Imports {
  private readonly kinds: Record<ImportKind, RowKind>;
  private readonly running = new Map<string, Promise<ImportJob>>();
  private readonly stopping = new AbortController();
  private readonly chunkSize: number;
  private readonly saveEvery: number;
  private readonly openFile: (path: string) => AsyncIterable<Buffer>;

  constructor(
    store: EventStore,
    readonly jobs: ImportJobStore,
    private readonly options: ImportOptions = {},
  ) {
    this.kinds = rowKinds(store, options.catalog);
    this.chunkSize = Math.max(1, Math.ceil((options.concurrency ?? 1_000) / CHUNKS_IN_FLIGHT));
    this.saveEvery = options.saveEvery ?? 1_000;
    this.openFile = options.openFile ?? ((path) => createReadStream(path));
  }

  /**
   * Checks the file's header against the mapping (a file whose columns cannot be matched is
   * refused here, before any job exists) and records the job, queued.
   */
  async create(input: NewImport): Promise<StoredImportJob> {
    const { sha256, size } = await digest(this.openFile(input.filePath));
    const { headers } = await this.plan(input.kind, input.filePath, input.mapping);
    const { job } = await this.jobs.create({
      ...input,
      headers,
      fileSha256: sha256,
      fileSize: size,
    });
    return job;
  }

  /** The studio's unfinished import of the same bytes, which running again resumes. */
  async unfinishedOf(
    studioId: string,
    kind: ImportKind,
    filePath: string,
  ): Promise<StoredImportJob | null> {
    const { sha256 } = await digest(this.openFile(filePath));
    return this.jobs.unfinished(studioId, kind, sha256);
  }

  /** Runs the job in the background (once, however often asked); answers when it ends. */
  start(job: StoredImportJob, onProgress?: ProgressListener): Promise<ImportJob> {
    const running = this.running.get(job.id);
    if (running) return running;
    const run = this.run(job, onProgress).finally(() => this.running.delete(job.id));
    this.running.set(job.id, run);
    return run;
  }

  /** Resumes what a stopped process left running (the API does this when it starts). */
  async resumeUnfinished(): Promise<void> {
    for (const job of await this.jobs.allUnfinished()) {
      void this.start(job).catch((error: unknown) =>
        console.error(`import ${job.id} could not resume`, error),
      );
    }
  }

  /** Stops every job between rows and waits: they stay `running`, and resume later. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled(this.running.values());
  }

  private async plan(
    kind: ImportKind,
    filePath: string,
    mapping: ColumnMapping,
  ): Promise<{ headers: string[]; plan: ColumnPlan }> {
    const columns = this.kinds[kind].columns;
    for await (const headers of csvRecords(this.openFile(filePath))) {
      return { headers, plan: planColumns(headers, mapping, columns) };
    }
    throw new InvalidInput(
      `The file is empty: it needs a header row and a row per line of ${columns.rows}.`,
      [{ field: 'file', message: 'is empty' }],
    );
  }

  private async run(job: StoredImportJob, onProgress?: ProgressListener): Promise<ImportJob> {
    try {
      const { plan } = await this.plan(job.kind, job.filePath, job.mapping);
      let { total, dateOrder } = job;
      if (total === null) ({ total, dateOrder } = await this.count(job, plan));
      await this.jobs.start(job.id, total, dateOrder);
      await this.importRows({ ...job, total, dateOrder }, plan, onProgress);
      await this.jobs.finish(job.id, 'completed', null);
      await this.forgetUpload(job.filePath);
      return publicJob(await this.jobs.get(job.studioId, job.id));
    } catch (error) {
      if (error instanceof Stopped) return publicJob(job);
      // Bad rows never get here (they are the job's failed rows): this is the file or the
      // database failing. Running the import again resumes after the rows saved.
      const message = error instanceof Error ? error.message : String(error);
      await this.jobs.finish(job.id, 'failed', message).catch(() => undefined);
      throw error;
    }
  }

  /** The first pass: how many rows, and which date order the file's own dates prove. */
  private async count(
    job: StoredImportJob,
    plan: ColumnPlan,
  ): Promise<{ total: number; dateOrder: DateOrder }> {
    const evidence = new DateOrderEvidence();
    const dated = this.kinds[job.kind].columns.dateFields
      .map((field) => plan[field])
      .filter((index) => index !== undefined);
    let total = -1;
    for await (const record of csvRecords(this.openFile(job.filePath))) {
      if (isBlankRow(record)) continue;
      total++;
      for (const index of dated) evidence.see((record[index] ?? '').trim());
      if (this.stopping.signal.aborted) throw new Stopped();
    }
    return { total, dateOrder: job.dateOrder === 'auto' ? evidence.order : job.dateOrder };
  }

  private async importRows(
    job: StoredImportJob & { total: number },
    plan: ColumnPlan,
    onProgress?: ProgressListener,
  ): Promise<void> {
    const counts: RowCounts = {
      processed: job.processed,
      created: job.created,
      updated: job.updated,
      skipped: job.skipped,
      errors: job.errors,
    };
    const thisYear = new Date().getUTCFullYear();
    const kind = this.kinds[job.kind];
    const importChunk = await kind.prepare(job);
    const reading = { dateOrder: job.dateOrder, thisYear };
    /** A row's key (a client's email) → the row that had it first: later ones are duplicates. */
    const seen = new Map<string, number>();
    const done = new Map<number, { result: RowOutcome; failed?: FailedRow }>();
    let unsaved: FailedRow[] = [];
    let savedAt = { processed: counts.processed, time: Date.now() };
    const inFlight = new Set<Promise<void>>();
    let failure: unknown = null;

    // Rows finish out of order; the job's progress is the prefix of the file that is done.
    const advance = () => {
      for (let next = done.get(counts.processed); next; next = done.get(counts.processed)) {
        done.delete(counts.processed);
        counts.processed++;
        if (next.result.outcome === 'failed') counts.errors++;
        else counts[next.result.outcome]++;
        if (next.failed) unsaved.push(next.failed);
      }
    };
    const save = async (force: boolean) => {
      const due =
        counts.processed - savedAt.processed >= this.saveEvery || Date.now() - savedAt.time > 1_000;
      if (!force && !due) return;
      await this.jobs.progress(job.id, counts, unsaved);
      unsaved = [];
      savedAt = { processed: counts.processed, time: Date.now() };
      onProgress?.(publicJob({ ...job, ...counts, status: 'running' }));
    };

    // Rows go to their kind in chunks (a chunk of clients is written together); one chunk is in
    // the database while the next is read. A chunk's rows finish together, chunks in any order.
    let chunk: PendingRow[] = [];
    const send = async () => {
      const rows = chunk;
      chunk = [];
      const importing = rows.flatMap((r) => (r.failed ? [] : [{ cells: r.cells, row: r.line }]));
      const task = importChunk(importing, plan, reading).then(
        (outcomes) => {
          let next = 0;
          for (const { at, line, cells, failed } of rows) {
            const result = failed ?? outcomes[next++]!;
            const row =
              result.outcome === 'failed' ? { row: line, reason: result.reason, cells } : undefined;
            done.set(at, { result, failed: row });
          }
          advance();
        },
        (error: unknown) => {
          failure ??= error;
        },
      );
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
      if (inFlight.size >= CHUNKS_IN_FLIGHT) await Promise.race(inFlight);
      await save(false);
    };

    let index = -1;
    let header = true;
    try {
      for await (const record of csvRecords(this.openFile(job.filePath))) {
        if (header || isBlankRow(record)) {
          header = false;
          continue;
        }
        const at = ++index;
        // Spreadsheet numbering: the header is row 1 (blank lines are not counted).
        const line = at + 2;
        const key = kind.unique?.key(record, plan);
        const first = key ? seen.get(key) : undefined;
        if (key && first === undefined) seen.set(key, line);
        if (at < counts.processed) continue;
        if (this.stopping.signal.aborted) throw new Stopped();
        if (failure) break;
        const pending: PendingRow = { at, line, cells: record };
        if (first !== undefined && kind.unique) {
          pending.failed = { outcome: 'failed', reason: kind.unique.reason(first) };
        }
        chunk.push(pending);
        if (chunk.length >= this.chunkSize) await send();
      }
      if (chunk.length > 0 && !failure) await send();
    } finally {
      // Rows in flight finish (or fail) before the job is said to have stopped.
      await Promise.allSettled(inFlight);
    }
    if (failure) throw failure;
    await save(true);
  }

  /** An upload is personal data: once its job is done, the copy goes. */
  private async forgetUpload(filePath: string): Promise<void> {
    const dir = this.options.uploadsDir;
    if (!dir) return;
    const inside = relative(dir, filePath);
    if (inside.startsWith('..') || isAbsolute(inside)) return;
    await unlink(filePath).catch(() => undefined);
  }
}

async function digest(source: AsyncIterable<Buffer>): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

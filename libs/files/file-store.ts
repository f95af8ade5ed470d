import { createHash } from 'node:crypto';
import type { Database } from '@clientele/database';
import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Files a studio keeps about a client (a profile image, PDF documents), stored in PostgreSQL
 * beside the read models: the event records that a file was attached, with its size and hash;
 * the bytes live here, so erasing or removing a file deletes them and the log keeps no copy.
 */
export interface StoredFile {
  fileId: string;
  studioId: string;
  clientId: string;
  mediaType: string;
  bytes: Buffer;
}

export const FILE_STORE = Symbol('FileStore');

export const filesMigrations: Record<string, Migration> = {
  '2026-11-27T1100_client_files': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('client_files')
        .addColumn('file_id', 'uuid', (c) => c.primaryKey())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('client_id', 'uuid', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('bytes', 'bytea', (c) => c.notNull())
        .addColumn('stored_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`CREATE INDEX client_files_by_client ON client_files (client_id)`.execute(db);
    },
  },
  '2026-11-29T0904_client_file_erasures': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      // What erasing a client deleted, counted by the statement that deletes it (ADR 0015).
      await db.schema
        .createTable('client_file_erasures')
        .addColumn('client_id', 'uuid', (c) => c.primaryKey())
        .addColumn('files', 'integer', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};

/** Files deleted by erasing clients: how many, how many bytes. */
export interface ErasedFiles {
  files: number;
  bytes: number;
}

/*
 * One statement deletes the bytes and adds what it deleted to the clients' counts: a crash
 * cannot delete without counting, and running it again deletes and adds nothing.
 */
const ERASE_FILES = `WITH gone AS (
    DELETE FROM client_files WHERE client_id = ANY($1::uuid[]) RETURNING client_id, size),
  counted AS (
    SELECT c AS client_id, count(gone.size)::int AS files, coalesce(sum(gone.size), 0)::bigint AS bytes
    FROM unnest($1::uuid[]) AS t(c) LEFT JOIN gone ON gone.client_id = t.c GROUP BY c),
  saved AS (
    INSERT INTO client_file_erasures (client_id, files, bytes) SELECT * FROM counted
    ON CONFLICT (client_id) DO UPDATE SET files = client_file_erasures.files + excluded.files,
      bytes = client_file_erasures.bytes + excluded.bytes)
  SELECT files, bytes FROM counted`;

const ERASED_FILES = `SELECT coalesce(sum(files), 0)::int AS files, coalesce(sum(bytes), 0)::bigint AS bytes
  FROM client_file_erasures WHERE client_id = ANY($1::uuid[])`;

const toCounts = (rows: { files: number | string; bytes: number | string }[]): ErasedFiles => ({
  files: rows.reduce((sum, row) => sum + Number(row.files), 0),
  bytes: rows.reduce((sum, row) => sum + Number(row.bytes), 0),
});

export const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export class FileStore {
  constructor(private readonly db: Database) {}

  /** Stores the bytes under their id; the same id stored again (a retry) keeps the first. */
  async put(file: StoredFile): Promise<void> {
    await this.db.kysely
      .insertInto('client_files')
      .values({
        file_id: file.fileId,
        studio_id: file.studioId,
        client_id: file.clientId,
        media_type: file.mediaType,
        size: file.bytes.length,
        sha256: sha256Of(file.bytes),
        bytes: file.bytes,
      })
      .onConflict((oc) => oc.column('file_id').doNothing())
      .execute();
  }

  /** The file, if the studio's client has it. */
  async get(studioId: string, clientId: string, fileId: string): Promise<StoredFile | null> {
    const row = await this.db.kysely
      .selectFrom('client_files')
      .select(['file_id', 'studio_id', 'client_id', 'media_type', 'bytes'])
      .where('file_id', '=', fileId)
      .where('studio_id', '=', studioId)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    if (!row) return null;
    return {
      fileId: row.file_id as string,
      studioId: row.studio_id as string,
      clientId: row.client_id as string,
      mediaType: row.media_type as string,
      bytes: Buffer.from(row.bytes as Uint8Array),
    };
  }

  async delete(fileId: string): Promise<void> {
    await this.db.kysely.deleteFrom('client_files').where('file_id', '=', fileId).execute();
  }

  /** Deletes every file of these (erased) clients: what this call deleted. */
  async eraseClients(clientIds: readonly string[]): Promise<ErasedFiles> {
    return toCounts(await this.db.sql.query(ERASE_FILES, [clientIds]));
  }

  /** What erasing these clients deleted, over every attempt. */
  async erasedOf(clientIds: readonly string[]): Promise<ErasedFiles> {
    return toCounts(await this.db.sql.query(ERASED_FILES, [clientIds]));
  }
}

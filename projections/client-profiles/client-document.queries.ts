import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { DATABASE, type Database } from '@clientele/database';
import type { Actor } from '@clientele/shared';
import { answeredFor, assertProfileOfStudio } from './client-merge.queries';

export interface ClientDocument {
  documentId: string;
  /** The client it was attached to: a client merged into this one, or this one. */
  clientId: string;
  /** Null once the client was erased (the file's bytes are gone too). */
  name: string | null;
  mediaType: string;
  size: number;
  sha256: string;
  uploadedAt: string;
  uploadedBy: Actor;
}

export class ListClientDocuments extends Query<ClientDocument[]> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
  ) {
    super();
  }
}

/** A client's documents (and those of clients merged into it), newest first. */
export function documentsQuery(db: Database, studioId: string, clientId: string) {
  return db.kysely
    .selectFrom('client_documents')
    .selectAll()
    .where('client_id', 'in', answeredFor(clientId))
    .where('studio_id', '=', studioId)
    .orderBy('uploaded_at', 'desc')
    .orderBy('document_id');
}

export function toDocument(row: Record<string, unknown>): ClientDocument {
  return {
    documentId: row.document_id as string,
    clientId: row.client_id as string,
    name: row.name as string | null,
    mediaType: row.media_type as string,
    size: Number(row.size),
    sha256: row.sha256 as string,
    uploadedAt: new Date(row.uploaded_at as string).toISOString(),
    uploadedBy: row.uploaded_by as Actor,
  };
}

@QueryHandler(ListClientDocuments)
export class ListClientDocumentsHandler implements IQueryHandler<ListClientDocuments> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, clientId }: ListClientDocuments): Promise<ClientDocument[]> {
    await assertProfileOfStudio(this.db, studioId, clientId);
    const rows = await documentsQuery(this.db, studioId, clientId).execute();
    return rows.map(toDocument);
  }
}

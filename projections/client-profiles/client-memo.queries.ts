import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import type { ClientMemo } from '@clientele/clients';
import { DATABASE, type Database } from '@clientele/database';
import { NotFound } from '@clientele/shared';
import { answeredFor } from './client-merge.queries';
import type { ClientMemoRow } from './client-profiles.table';

/**
 * A client's memos (or the one asked for), starred first, then newest first. One query says both
 * whether the client is the studio's (invariant 6) and what memos it has.
 */
async function memosOf(
  db: Database,
  studioId: string,
  clientId: string,
  memoId?: string,
): Promise<ClientMemo[]> {
  const rows = (await db.kysely
    .selectFrom('client_profiles as c')
    .leftJoin('client_memos as m', (join) => {
      // With the memos of clients merged into this one (ADR 0016).
      const mine = join.on('m.client_id', 'in', answeredFor(clientId)).on('m.removed', '=', false);
      return memoId === undefined ? mine : mine.on('m.memo_id', '=', memoId);
    })
    .select([
      'm.memo_id',
      'm.client_id',
      'm.text',
      'm.starred',
      'm.created_at',
      'm.created_by',
      'm.updated_at',
      'm.updated_by',
    ])
    .where('c.client_id', '=', clientId)
    .where('c.studio_id', '=', studioId)
    .orderBy('m.starred', 'desc')
    .orderBy('m.created_at', 'desc')
    .orderBy('m.memo_id', 'desc')
    .execute()) as (ClientMemoRow | { memo_id: null })[];
  if (rows.length === 0) throw new NotFound('client', clientId);
  return rows
    .filter((row): row is ClientMemoRow => row.memo_id !== null)
    .map((row) => ({
      id: row.memo_id,
      clientId: row.client_id,
      // Null once the client was erased.
      text: row.text,
      starred: row.starred,
      createdAt: new Date(row.created_at).toISOString(),
      createdBy: row.created_by,
      updatedAt: new Date(row.updated_at).toISOString(),
      updatedBy: row.updated_by,
    }));
}

/** Not paged: a client has a handful. Staff routes only: memos are never shown to the client. */
export class ListClientMemos extends Query<{ items: ClientMemo[] }> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
  ) {
    super();
  }
}

@QueryHandler(ListClientMemos)
export class ListClientMemosHandler implements IQueryHandler<ListClientMemos> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, clientId }: ListClientMemos): Promise<{ items: ClientMemo[] }> {
    return { items: await memosOf(this.db, studioId, clientId) };
  }
}

export class GetClientMemo extends Query<ClientMemo> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
    readonly memoId: string,
  ) {
    super();
  }
}

@QueryHandler(GetClientMemo)
export class GetClientMemoHandler implements IQueryHandler<GetClientMemo> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, clientId, memoId }: GetClientMemo): Promise<ClientMemo> {
    const [memo] = await memosOf(this.db, studioId, clientId, memoId);
    if (!memo) throw new NotFound('memo', memoId);
    return memo;
  }
}

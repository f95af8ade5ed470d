import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import type { ClientMemo } from '@clientele/clients';
import { DATABASE, type Database } from '@clientele/database';
import { NotFound } from '@clientele/shared';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { answeredFor } from './client-merge.queries';
import type { ClientMemoRow } from './client-profiles.table';

/** A client's memos (with those of clients merged into it: ADR 0016), starred first, then newest. */
export function memosQuery(db: Database, clientId: string, memoId?: string) {
  const mine = db.kysely
    .selectFrom('client_memos')
    .select([
      'memo_id',
      'client_id',
      'text',
      'starred',
      'created_at',
      'created_by',
      'updated_at',
      'updated_by',
    ])
    .where('client_id', 'in', answeredFor(clientId))
    .where('removed', '=', false)
    .orderBy('starred', 'desc')
    .orderBy('created_at', 'desc')
    .orderBy('memo_id', 'desc');
  return memoId === undefined ? mine : mine.where('memo_id', '=', memoId);
}

export function toMemo(row: ClientMemoRow): ClientMemo {
  return {
    id: row.memo_id,
    clientId: row.client_id,
    // Null once the client was erased.
    text: row.text,
    starred: row.starred,
    createdAt: new Date(row.created_at).toISOString(),
    createdBy: row.created_by,
    updatedAt: new Date(row.updated_at).toISOString(),
    updatedBy: row.updated_by,
  };
}

/**
 * A client's memos (or the one asked for). One query says both whether the client is the
 * studio's (invariant 6) and what memos it has.
 */
async function memosOf(
  db: Database,
  studioId: string,
  clientId: string,
  memoId?: string,
): Promise<ClientMemo[]> {
  const row = await db.kysely
    .selectFrom('client_profiles')
    .select(jsonArrayFrom(memosQuery(db, clientId, memoId)).as('memos'))
    .where('client_id', '=', clientId)
    .where('studio_id', '=', studioId)
    .executeTakeFirst();
  if (!row) throw new NotFound('client', clientId);
  return (row.memos as ClientMemoRow[]).map(toMemo);
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

import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { DATABASE, type Database } from '@clientele/database';
import { NotFound, type Actor } from '@clientele/shared';
import { sql, type Expression, type RawBuilder } from 'kysely';

/**
 * The client and the clients merged into it now, as a subquery: the rows a survivor's profile,
 * lists and roster show (ADR 0016). A duplicate's rows stay its own; the merge only links them.
 */
export function answeredFor(clientId: string | Expression<string>): RawBuilder<string> {
  const id = typeof clientId === 'string' ? sql`${clientId}::uuid` : clientId;
  return sql<string>`(SELECT ${id} UNION ALL SELECT duplicate_id FROM client_merges WHERE survivor_id = ${id} AND unmerged_at IS NULL)`;
}

/**
 * Refuses a read about a client that is not the studio's (unknown, or another studio's:
 * invariant 6) with a 404, so a list of a client's things is never an empty 200 for a stranger.
 */
export async function assertProfileOfStudio(
  db: Database,
  studioId: string,
  clientId: string,
): Promise<void> {
  const found = await db.kysely
    .selectFrom('client_profiles')
    .select('client_id')
    .where('client_id', '=', clientId)
    .where('studio_id', '=', studioId)
    .executeTakeFirst();
  if (!found) throw new NotFound('client', clientId);
}

/** The survivor answering for a client, or the client itself. */
export function survivorOf(column: string): RawBuilder<string> {
  return sql<string>`coalesce((SELECT m.survivor_id FROM client_merges m WHERE m.duplicate_id = ${sql.ref(column)} AND m.unmerged_at IS NULL LIMIT 1), ${sql.ref(column)})`;
}

export interface MergedClient {
  clientId: string;
  firstName: string;
  lastName: string;
  email: string;
  mergeId: string;
  mergedAt: string;
  mergedBy: Actor;
}

/** The clients merged into this one now, oldest merge first: what its profile answers for. */
export class ListMergedClients extends Query<MergedClient[]> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
  ) {
    super();
  }
}

/** The clients merged into this one now, as rows for `toMergedClient`. */
export function mergedClientsQuery(db: Database, studioId: string, clientId: string) {
  return db.kysely
    .selectFrom('client_merges as m')
    .innerJoin('client_profiles as p', 'p.client_id', 'm.duplicate_id')
    .select([
      'm.duplicate_id',
      'p.first_name',
      'p.last_name',
      'p.email',
      'm.merge_id',
      'm.merged_at',
      'm.merged_by',
    ])
    .where('m.survivor_id', '=', clientId)
    .where('m.studio_id', '=', studioId)
    .where('m.unmerged_at', 'is', null)
    .orderBy('m.merged_at');
}

export function toMergedClient(row: Record<string, unknown>): MergedClient {
  return {
    clientId: row.duplicate_id as string,
    firstName: row.first_name as string,
    lastName: row.last_name as string,
    email: row.email as string,
    mergeId: row.merge_id as string,
    mergedAt: new Date(row.merged_at as Date).toISOString(),
    mergedBy: row.merged_by as Actor,
  };
}

@QueryHandler(ListMergedClients)
export class ListMergedClientsHandler implements IQueryHandler<ListMergedClients> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, clientId }: ListMergedClients): Promise<MergedClient[]> {
    const rows = await mergedClientsQuery(this.db, studioId, clientId).execute();
    return rows.map(toMergedClient);
  }
}

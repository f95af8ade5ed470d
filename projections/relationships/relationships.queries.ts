import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import type { RelationshipRole } from '@clientele/clients';
import { DATABASE, type Database } from '@clientele/database';
import { answeredFor, assertProfileOfStudio } from '@projections/client-profiles';

export interface ClientRelationship {
  clientId: string;
  /** Null when the other client was erased. */
  firstName: string | null;
  lastName: string | null;
  /** What this client is to the profile's client: their guardian, child, partner, family. */
  role: RelationshipRole;
  since: string;
}

export class ListClientRelationships extends Query<ClientRelationship[]> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
  ) {
    super();
  }
}

/** The client's ties (and those of clients merged into it) to others, by the other's name. */
export function relationshipsQuery(db: Database, studioId: string, clientId: string) {
  return (
    db.kysely
      .selectFrom('client_relationships as r')
      .innerJoin('client_profiles as p', 'p.client_id', 'r.other_client_id')
      .select(['r.other_client_id', 'p.first_name', 'p.last_name', 'r.role', 'r.since'])
      // A duplicate's family is the survivor's now; ties between the two are not shown.
      .where('r.client_id', 'in', answeredFor(clientId))
      .where('r.other_client_id', 'not in', answeredFor(clientId))
      .where('r.ended', '=', false)
      .where('r.studio_id', '=', studioId)
      .orderBy('p.last_name')
      .orderBy('p.first_name')
  );
}

export function toRelationship(row: Record<string, unknown>): ClientRelationship {
  return {
    clientId: row.other_client_id as string,
    firstName: row.first_name as string | null,
    lastName: row.last_name as string | null,
    role: row.role as RelationshipRole,
    since: new Date(row.since as string).toISOString(),
  };
}

@QueryHandler(ListClientRelationships)
export class ListClientRelationshipsHandler implements IQueryHandler<ListClientRelationships> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, clientId }: ListClientRelationships): Promise<ClientRelationship[]> {
    await assertProfileOfStudio(this.db, studioId, clientId);
    const rows = await relationshipsQuery(this.db, studioId, clientId).execute();
    return rows.map(toRelationship);
  }
}

import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { readClientHistory, type ClientHistory, type StreamsTouching } from '@clientele/audit';
import { relationshipId, relationshipStream } from '@clientele/clients';
import { DATABASE, type Database } from '@clientele/database';
import { EVENT_STORE, type EventStore } from '@clientele/eventstore';
import { recurringStream, sessionStream } from '@clientele/scheduling';
import { sql } from 'kysely';

/**
 * Where the read models say the clients appear in streams that are not theirs alone: sessions
 * they held a place in, the pair streams of their relationships (ended ones too), their
 * recurring registrations. The audit reads those streams; it takes nothing else from here.
 */
export function streamsTouching(db: Database): StreamsTouching {
  return async (studioId, clientIds) => {
    if (clientIds.length === 0) return [];
    const ids = sql.join(clientIds.map((id) => sql`${id}::uuid`));
    const { rows } = await sql<{ kind: string; id: string; client_id: string }>`
      SELECT DISTINCT 'session' AS kind, session_id::text AS id, client_id::text AS client_id
        FROM session_places WHERE studio_id = ${studioId} AND client_id IN (${ids})
      UNION ALL
      SELECT 'relationship', other_client_id::text, client_id::text
        FROM client_relationships WHERE studio_id = ${studioId} AND client_id IN (${ids})
      UNION ALL
      SELECT 'recurring', registration_id::text, client_id::text
        FROM recurring_registrations WHERE studio_id = ${studioId} AND client_id IN (${ids})
      ORDER BY 1, 2`.execute(db.kysely);
    return rows.map((row) => ({
      clientId: row.client_id,
      stream:
        row.kind === 'session'
          ? sessionStream(row.id)
          : row.kind === 'relationship'
            ? relationshipStream(relationshipId(row.client_id, row.id))
            : recurringStream(row.id),
    }));
  };
}

/** The audit history (`GET /v1/clients/{id}/history`): the log, replayed to `asOf`. */
export class GetClientHistory extends Query<ClientHistory> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
    readonly asOf: Date,
  ) {
    super();
  }
}

@QueryHandler(GetClientHistory)
export class GetClientHistoryHandler implements IQueryHandler<GetClientHistory> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(DATABASE) private readonly db: Database,
  ) {}

  execute({ studioId, clientId, asOf }: GetClientHistory): Promise<ClientHistory> {
    return readClientHistory(this.store, streamsTouching(this.db), { studioId, clientId, asOf });
  }
}

import { reverseRole, type RelationshipEvent } from '@clientele/clients';
import type { RecordedEvent } from '@clientele/eventstore';
import type { Projection } from '@clientele/projector';
import { assertNever } from '@clientele/shared';
import { sql, type Transaction } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables typed per query
type Trx = Transaction<any>;

/** Who is related to whom, both sides: each profile shows what the other is to its client. */
export const relationshipsProjection: Projection = {
  name: 'client_relationships',
  eventTypes: new Set<RelationshipEvent['type']>(['RelationshipAdded', 'RelationshipEnded']),

  async apply(trx: Trx, events: RecordedEvent[]) {
    for (const recorded of events) {
      const event = recorded as RecordedEvent & RelationshipEvent;
      const { clientId, otherClientId, studioId } = event.data;
      switch (event.type) {
        case 'RelationshipAdded': {
          const since = event.recordedAt;
          const { role } = event.data;
          // Replayed, the same rows are written again.
          await trx
            .insertInto('client_relationships')
            .values([
              {
                client_id: clientId,
                other_client_id: otherClientId,
                studio_id: studioId,
                role,
                since,
              },
              {
                client_id: otherClientId,
                other_client_id: clientId,
                studio_id: studioId,
                role: reverseRole(role),
                since,
              },
            ])
            .onConflict((oc) =>
              oc.columns(['client_id', 'other_client_id']).doUpdateSet({
                role: sql`excluded.role`,
                since: sql`excluded.since`,
              }),
            )
            .execute();
          break;
        }
        case 'RelationshipEnded':
          await trx
            .deleteFrom('client_relationships')
            .where((eb) =>
              eb.or([
                eb.and([eb('client_id', '=', clientId), eb('other_client_id', '=', otherClientId)]),
                eb.and([eb('client_id', '=', otherClientId), eb('other_client_id', '=', clientId)]),
              ]),
            )
            .execute();
          break;
        default:
          assertNever(event);
      }
    }
  },

  async reset(trx: Trx) {
    await sql`TRUNCATE client_relationships`.execute(trx);
  },
};

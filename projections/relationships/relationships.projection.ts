import { reverseRole, type RelationshipEvent } from '@clientele/clients';
import type { RecordedEvent } from '@clientele/eventstore';
import type { Projection } from '@clientele/projector';
import { assertNever } from '@clientele/shared';
import { sql, type Transaction } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables typed per query
type Trx = Transaction<any>;

/**
 * Who is related to whom, both sides: each profile shows what the other is to its client. A row
 * carries the pair stream's revision, so a batch delivered again changes nothing.
 */
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
          const revision = event.revision;
          const side = (client: string, other: string, r: string) => ({
            client_id: client,
            other_client_id: other,
            studio_id: studioId,
            role: r,
            since,
            revision,
            ended: false,
          });
          await trx
            .insertInto('client_relationships')
            .values([
              side(clientId, otherClientId, role),
              side(otherClientId, clientId, reverseRole(role)),
            ])
            .onConflict((oc) =>
              oc
                .columns(['client_id', 'other_client_id'])
                .doUpdateSet({
                  role: sql`excluded.role`,
                  since: sql`excluded.since`,
                  revision: sql`excluded.revision`,
                  ended: false,
                })
                .where('client_relationships.revision', '<', revision),
            )
            .execute();
          break;
        }
        case 'RelationshipEnded':
          await trx
            .updateTable('client_relationships')
            .set({ ended: true, revision: event.revision })
            .where((eb) =>
              eb.or([
                eb.and([eb('client_id', '=', clientId), eb('other_client_id', '=', otherClientId)]),
                eb.and([eb('client_id', '=', otherClientId), eb('other_client_id', '=', clientId)]),
              ]),
            )
            .where('revision', '<', event.revision)
            .execute();
          break;
        default:
          assertNever(event);
      }
    }
  },
  tables: ['client_relationships'],
};

import type { ClientEvent } from '@clientele/clients';
import type { SignatureEvent, WaiverEvent } from '@clientele/waivers';
import type { RecordedEvent } from '@clientele/eventstore';
import type { Projection } from '@clientele/projector';
import { assertNever } from '@clientele/shared';
import { sql, type Transaction } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables typed per query
type Trx = Transaction<any>;

const WAIVER_EVENTS = new Set<string>([
  'WaiverCreated',
  'WaiverVersionPublished',
  'WaiverSigned',
  'SignatureRequested',
  'ClientErased',
]);

type ErasureEvent = Extract<ClientEvent, { type: 'ClientErased' }>;

/** Waivers with their versions; who signed which version, when; signatures asked for. */
export const waiversProjection: Projection = {
  name: 'waivers',
  eventTypes: WAIVER_EVENTS,

  async apply(trx: Trx, events: RecordedEvent[]) {
    for (const recorded of events) {
      await applyEvent(
        trx,
        recorded as RecordedEvent & (WaiverEvent | SignatureEvent | ErasureEvent),
      );
    }
  },
  tables: ['waivers', 'waiver_signatures', 'signature_requests', 'waiver_erased_clients'],
};

/**
 * Whether a signature's personal data may be kept: not once its client was erased, even if a
 * process whose cached key outlived the erasure still opened it (ADR 0015).
 */
async function keepsPersonal(trx: Trx, clientId: string): Promise<boolean> {
  const erased = await trx
    .selectFrom('waiver_erased_clients')
    .select('client_id')
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  return !erased;
}

async function applyEvent(
  trx: Trx,
  event: RecordedEvent & (WaiverEvent | SignatureEvent | ErasureEvent),
): Promise<void> {
  switch (event.type) {
    case 'ClientErased': {
      const { covers } = event.data;
      await trx
        .insertInto('waiver_erased_clients')
        .values(covers.map((clientId) => ({ client_id: clientId })))
        .onConflict((oc) => oc.column('client_id').doNothing())
        .execute();
      await trx
        .updateTable('waiver_signatures')
        .set({ personal: null })
        .where('client_id', 'in', covers)
        .execute();
      return;
    }
    case 'WaiverCreated': {
      const { waiverId, studioId, title, body } = event.data;
      await trx
        .insertInto('waivers')
        .values({
          waiver_id: waiverId,
          studio_id: studioId,
          title,
          version: 1,
          oldest_valid_version: 1,
          versions: JSON.stringify([
            { version: 1, title, body, requiresResigning: false, publishedAt: event.recordedAt },
          ]),
          created_at: event.recordedAt,
          updated_at: event.recordedAt,
          revision: event.revision,
        })
        .onConflict((oc) => oc.column('waiver_id').doNothing())
        .execute();
      return;
    }
    case 'WaiverVersionPublished': {
      const { waiverId, version, title, body, requiresResigning } = event.data;
      const published = { version, title, body, requiresResigning, publishedAt: event.recordedAt };
      await trx
        .updateTable('waivers')
        .set({
          title,
          version,
          ...(requiresResigning ? { oldest_valid_version: version } : {}),
          versions: sql`versions || ${JSON.stringify([published])}::jsonb`,
          updated_at: event.recordedAt,
          revision: event.revision,
        })
        .where('waiver_id', '=', waiverId)
        .where('revision', '<', event.revision)
        .execute();
      return;
    }
    case 'WaiverSigned': {
      const d = event.data;
      await trx
        .insertInto('waiver_signatures')
        .values({
          client_id: d.clientId,
          revision: event.revision,
          studio_id: d.studioId,
          waiver_id: d.waiverId,
          version: d.version,
          title: d.title,
          signed_by: JSON.stringify(d.signedBy),
          signed_at: d.signedAt,
          personal:
            d.personal && (await keepsPersonal(trx, d.clientId))
              ? JSON.stringify(d.personal)
              : null,
        })
        .onConflict((oc) => oc.columns(['client_id', 'revision']).doNothing())
        .execute();
      await trx
        .updateTable('signature_requests')
        .set({ open: false, revision: event.revision })
        .where('client_id', '=', d.clientId)
        .where('waiver_id', '=', d.waiverId)
        .where('version', '<=', d.version)
        .where('revision', '<', event.revision)
        .execute();
      return;
    }
    case 'SignatureRequested': {
      const d = event.data;
      await trx
        .insertInto('signature_requests')
        .values({
          client_id: d.clientId,
          waiver_id: d.waiverId,
          studio_id: d.studioId,
          version: d.version,
          title: d.title,
          requested_at: event.recordedAt,
          revision: event.revision,
          open: true,
        })
        .onConflict((oc) =>
          oc
            .columns(['client_id', 'waiver_id'])
            .doUpdateSet({
              version: sql`excluded.version`,
              title: sql`excluded.title`,
              requested_at: sql`excluded.requested_at`,
              revision: sql`excluded.revision`,
              open: true,
            })
            .where('signature_requests.revision', '<', event.revision),
        )
        .execute();
      return;
    }
    default:
      assertNever(event);
  }
}

import type { StaffEvent, StudioEvent } from '@clientele/staff';
import type { RecordedEvent } from '@clientele/eventstore';
import type { Projection } from '@clientele/projector';
import type { Transaction } from 'kysely';

/** Studios, their staff and the hashes of staff tokens: what authentication reads. */
export const staffDirectoryProjection: Projection = {
  name: 'staff_directory',
  eventTypes: new Set<(StaffEvent | StudioEvent)['type']>([
    'StudioCreated',
    'BookingPolicySet',
    'StaffMemberAdded',
    'StaffRoleChanged',
    'StaffTokenIssued',
    'StaffTokenRevoked',
  ]),

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async apply(trx: Transaction<any>, events: RecordedEvent[]) {
    for (const recorded of events) {
      const event = recorded as unknown as (StaffEvent | StudioEvent) & RecordedEvent;
      switch (event.type) {
        case 'StudioCreated':
          await trx
            .insertInto('studios')
            .values({ ...pick(event.data), created_at: recorded.recordedAt })
            .onConflict((oc) => oc.column('studio_id').doNothing())
            .execute();
          break;
        case 'BookingPolicySet':
          await trx
            .updateTable('studios')
            .set({ late_cancel_minutes: event.data.lateCancelMinutes })
            .where('studio_id', '=', event.data.studioId)
            .execute();
          break;
        case 'StaffMemberAdded':
          await trx
            .insertInto('staff_members')
            .values({
              staff_id: event.data.staffId,
              studio_id: event.data.studioId,
              name: event.data.name,
              email: event.data.email,
              role: event.data.role,
              added_at: recorded.recordedAt,
              version: recorded.revision,
            })
            .onConflict((oc) => oc.column('staff_id').doNothing())
            .execute();
          break;
        case 'StaffRoleChanged':
          await trx
            .updateTable('staff_members')
            .set({ role: event.data.role, version: recorded.revision })
            .where('staff_id', '=', event.data.staffId)
            .where('version', '<', recorded.revision)
            .execute();
          break;
        case 'StaffTokenIssued':
          await trx
            .insertInto('staff_tokens')
            .values({
              token_hash: event.data.tokenHash,
              token_id: event.data.tokenId,
              staff_id: event.data.staffId,
              studio_id: recorded.metadata.studioId,
              label: event.data.label,
              issued_at: recorded.recordedAt,
            })
            .onConflict((oc) => oc.column('token_hash').doNothing())
            .execute();
          break;
        case 'StaffTokenRevoked':
          await trx
            .updateTable('staff_tokens')
            .set({ revoked_at: recorded.recordedAt })
            .where('token_id', '=', event.data.tokenId)
            .where('revoked_at', 'is', null)
            .execute();
          break;
      }
    }
  },
  tables: ['studios', 'staff_members', 'staff_tokens'],
};

function pick(data: Extract<StudioEvent, { type: 'StudioCreated' }>['data']) {
  return {
    studio_id: data.studioId,
    name: data.name,
    currency: data.currency,
    timezone: data.timezone,
  };
}

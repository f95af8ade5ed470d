import type { RecordedEvent } from '@clientele/eventstore';
import type { Projection } from '@clientele/projector';
import type { RecurringEvent } from '@clientele/scheduling';
import type { Transaction } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables typed per query
type Trx = Transaction<any>;

/**
 * Recurring registrations and what each booked or failed to book, session by session: the desk
 * sees the standing booking and every place it could not take, with the reason. Rows are keyed by
 * registration and session, so a replayed batch writes nothing twice.
 */
export const recurringProjection: Projection = {
  name: 'recurring_registrations',
  eventTypes: new Set<RecurringEvent['type']>([
    'RecurringRegistrationCreated',
    'RecurringSessionBooked',
    'RecurringSessionFailed',
    'RecurringRegistrationEnded',
  ]),

  async apply(trx: Trx, events: RecordedEvent[]) {
    for (const recorded of events) {
      const event = recorded as unknown as RecurringEvent;
      switch (event.type) {
        case 'RecurringRegistrationCreated': {
          const d = event.data;
          await trx
            .insertInto('recurring_registrations')
            .values({
              registration_id: d.registrationId,
              studio_id: d.studioId,
              client_id: d.clientId,
              class_type_id: d.classTypeId,
              weekday: d.weekday,
              local_time: d.time,
              until: d.until,
              pay_with: d.payWith,
              channel: d.channel,
              status: 'active',
              created_by: JSON.stringify(recorded.metadata.actor),
              created_at: recorded.recordedAt,
            })
            .onConflict((oc) => oc.column('registration_id').doNothing())
            .execute();
          break;
        }
        case 'RecurringSessionBooked':
        case 'RecurringSessionFailed': {
          const d = event.data;
          const failed = event.type === 'RecurringSessionFailed' ? event.data : null;
          await trx
            .insertInto('recurring_outcomes')
            .values({
              registration_id: d.registrationId,
              session_id: d.sessionId,
              starts_at: new Date(d.startsAt),
              outcome: failed ? 'failed' : 'booked',
              enrollment_id:
                event.type === 'RecurringSessionBooked' ? event.data.enrollmentId : null,
              code: failed?.code ?? null,
              message: failed?.message ?? null,
              recorded_at: recorded.recordedAt,
            })
            .onConflict((oc) => oc.columns(['registration_id', 'session_id']).doNothing())
            .execute();
          break;
        }
        case 'RecurringRegistrationEnded':
          await trx
            .updateTable('recurring_registrations')
            .set({ status: 'ended', ended_at: recorded.recordedAt })
            .where('registration_id', '=', event.data.registrationId)
            .execute();
          break;
      }
    }
  },
  tables: ['recurring_registrations', 'recurring_outcomes'],
};

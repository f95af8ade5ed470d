import type { RecordedEvent } from '@clientele/eventstore';
import type { Projection } from '@clientele/projector';
import type { ClassTypeEvent, SessionEvent } from '@clientele/scheduling';
import { sql, type Transaction } from 'kysely';

/** The calendar: class types and sessions, for the front desk's schedule. */
export const scheduleProjection: Projection = {
  name: 'schedule',
  eventTypes: new Set(['ClassTypeCreated', 'SessionScheduled']),

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables typed per query
  async apply(trx: Transaction<any>, events: RecordedEvent[]) {
    for (const recorded of events) {
      const event = recorded as unknown as ClassTypeEvent | SessionEvent;
      if (event.type === 'ClassTypeCreated') {
        const d = event.data;
        await trx
          .insertInto('class_types')
          .values({
            class_type_id: d.classTypeId,
            studio_id: d.studioId,
            name: d.name,
            format: d.format,
            event_type: d.eventType,
          })
          .onConflict((oc) => oc.column('class_type_id').doNothing())
          .execute();
      } else if (event.type === 'SessionScheduled') {
        const d = event.data;
        const startsAt = new Date(d.startsAt);
        await trx
          .insertInto('sessions')
          .values({
            session_id: d.sessionId,
            studio_id: d.studioId,
            class_type_id: d.classTypeId,
            title: d.title,
            format: d.format,
            event_type: d.eventType,
            starts_at: startsAt,
            ends_at: new Date(startsAt.getTime() + d.durationMinutes * 60_000),
            duration_minutes: d.durationMinutes,
            capacity: d.capacity,
            instructor_id: d.instructorId,
            place: d.place,
            link: d.link,
            waiver_id: d.waiverId,
            version: recorded.revision,
          })
          .onConflict((oc) => oc.column('session_id').doNothing())
          .execute();
      }
    }
  },

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async reset(trx: Transaction<any>) {
    await sql`TRUNCATE class_types, sessions`.execute(trx);
  },
};

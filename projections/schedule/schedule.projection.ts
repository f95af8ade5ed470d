import type { RecordedEvent } from '@clientele/eventstore';
import type { Projection } from '@clientele/projector';
import { sessionStream, type ClassTypeEvent, type SessionEvent } from '@clientele/scheduling';
import { sql, type Transaction } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables typed per query
type Trx = Transaction<any>;

const SESSION_STREAM = sessionStream('');
const isSessionEvent = (recorded: RecordedEvent) => recorded.streamName.startsWith(SESSION_STREAM);

/**
 * The events it reads. A session event added here without a case in `applySessionEvent` only
 * moves the session's version, so the set can grow ahead of the read model.
 */
export const SCHEDULE_EVENTS: ReadonlySet<string> = new Set<
  ClassTypeEvent['type'] | SessionEvent['type']
>([
  'ClassTypeCreated',
  'SessionScheduled',
  'ClientInvited',
  'InvitationDeclined',
  'SeatHeld',
  'Waitlisted',
  'EnrollmentConfirmed',
  'HoldReleased',
  'EnrollmentCancelled',
  'EnrollmentRefunded',
  'ClientCheckedIn',
  'ClientMarkedNoShow',
  'PenaltyForgiven',
]);

/**
 * The calendar and its rosters: class types, sessions with their counts, and a row per place
 * (held, confirmed, waitlisted, released, cancelled) with how it was booked and paid. A session's
 * row holds the last revision applied: events at or below it are skipped, so a replayed batch
 * changes nothing.
 */
export const scheduleProjection: Projection = {
  name: 'schedule',
  eventTypes: SCHEDULE_EVENTS,

  async apply(trx: Trx, events: RecordedEvent[]) {
    const sessionIds = [
      ...new Set(
        events.filter(isSessionEvent).map((e) => (e.data as { sessionId: string }).sessionId),
      ),
    ];
    const versions = new Map<string, number>();
    if (sessionIds.length > 0) {
      const rows = await trx
        .selectFrom('sessions')
        .select(['session_id', 'version'])
        .where('session_id', 'in', sessionIds)
        .execute();
      for (const row of rows) versions.set(row.session_id as string, row.version as number);
    }
    const touched = new Set<string>();
    for (const recorded of events) {
      if (isSessionEvent(recorded)) {
        const event = recorded as unknown as SessionEvent;
        const sessionId = event.data.sessionId;
        if (recorded.revision <= (versions.get(sessionId) ?? -1)) continue;
        await applySessionEvent(trx, recorded, event);
        versions.set(sessionId, recorded.revision);
        touched.add(sessionId);
        continue;
      }
      const event = recorded as unknown as ClassTypeEvent;
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
            drop_in_price: d.dropInPrice ? JSON.stringify(d.dropInPrice) : null,
          })
          .onConflict((oc) => oc.column('class_type_id').doNothing())
          .execute();
      }
    }
    for (const sessionId of touched) {
      await sql`
        UPDATE sessions AS s
        SET version = ${versions.get(sessionId)!},
            enrolled = c.enrolled, held = c.held, waitlisted = c.waitlisted
        FROM (
          SELECT count(*) FILTER (WHERE status = 'confirmed')::int AS enrolled,
                 count(*) FILTER (WHERE status = 'held')::int AS held,
                 count(*) FILTER (WHERE status = 'waitlisted')::int AS waitlisted
          FROM session_places WHERE session_id = ${sessionId}
        ) AS c
        WHERE s.session_id = ${sessionId}`.execute(trx);
    }
  },
  tables: ['class_types', 'sessions', 'session_places', 'session_invitations'],
};

async function applySessionEvent(
  trx: Trx,
  recorded: RecordedEvent,
  event: SessionEvent,
): Promise<void> {
  const at = recorded.recordedAt;
  const place = (enrollmentId: string) =>
    trx.updateTable('session_places').where('enrollment_id', '=', enrollmentId);
  switch (event.type) {
    case 'SessionScheduled': {
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
          drop_in_price: d.dropInPrice ? JSON.stringify(d.dropInPrice) : null,
          version: recorded.revision,
        })
        .onConflict((oc) => oc.column('session_id').doNothing())
        .execute();
      return;
    }
    case 'SeatHeld':
    case 'Waitlisted': {
      const d = event.data;
      const held = event.type === 'SeatHeld';
      // The session keeps one place per client: a new one replaces a hold that lapsed unpaid.
      await trx
        .updateTable('session_places')
        .set({ status: 'released', changed_at: at })
        .where('session_id', '=', d.sessionId)
        .where('client_id', '=', d.clientId)
        .where('enrollment_id', '<>', d.enrollmentId)
        .where('status', '=', 'held')
        .execute();
      // A waitlisted place promoted to a hold keeps its booking time and joins the line anew.
      await trx
        .insertInto('session_places')
        .values({
          enrollment_id: d.enrollmentId,
          session_id: d.sessionId,
          studio_id: recorded.metadata.studioId,
          client_id: d.clientId,
          status: held ? 'held' : 'waitlisted',
          channel: d.channel,
          pay_with: d.payWith,
          held_until: held ? event.data.heldUntil : null,
          arrival: recorded.revision,
          make_up: held ? event.data.makeUp : false,
          waitlisted_at: held ? null : at,
          booked_at: at,
          booked_by: JSON.stringify(recorded.metadata.actor),
          changed_at: at,
        })
        .onConflict((oc) =>
          oc.column('enrollment_id').doUpdateSet({
            status: sql`excluded.status`,
            held_until: sql`excluded.held_until`,
            arrival: sql`excluded.arrival`,
            make_up: sql`excluded.make_up`,
            waitlisted_at: sql`coalesce(session_places.waitlisted_at, excluded.waitlisted_at)`,
            changed_at: sql`excluded.changed_at`,
          }),
        )
        .execute();
      return;
    }
    case 'EnrollmentConfirmed':
      await place(event.data.enrollmentId)
        .set({ status: 'confirmed', payment: JSON.stringify(event.data.payment), changed_at: at })
        .execute();
      return;
    case 'HoldReleased':
      await place(event.data.enrollmentId).set({ status: 'released', changed_at: at }).execute();
      return;
    case 'EnrollmentCancelled': {
      const { late, outcome, giveBack } = event.data;
      // As the decider has it: a late cancel that kept what paid for the place (a credit or
      // money, not yet refunded) can be forgiven later; a chosen no-refund cancel cannot.
      const forgivable = late && outcome === 'cancel_and_refund' && giveBack === 'none';
      await place(event.data.enrollmentId)
        .set({
          status: 'cancelled',
          cancelled_late: late,
          refunded: giveBack === 'none' ? sql`refunded` : true,
          penalty: forgivable
            ? sql`CASE WHEN NOT refunded AND payment->>'kind' IN ('credit', 'card', 'hold')
                THEN 'late_cancel' END`
            : null,
          changed_at: at,
        })
        .execute();
      return;
    }
    case 'EnrollmentRefunded':
      await place(event.data.enrollmentId).set({ refunded: true, changed_at: at }).execute();
      return;
    case 'ClientCheckedIn':
      await place(event.data.enrollmentId)
        .set({ attendance: 'checked_in', changed_at: at })
        .execute();
      return;
    case 'ClientMarkedNoShow':
      await place(event.data.enrollmentId)
        .set({ attendance: 'no_show', penalty: 'no_show', changed_at: at })
        .execute();
      return;
    case 'ClientInvited':
      await trx
        .insertInto('session_invitations')
        .values({
          session_id: event.data.sessionId,
          client_id: event.data.clientId,
          invitation_id: event.data.invitationId,
          status: 'pending',
          invited_at: at,
          invited_by: JSON.stringify(recorded.metadata.actor),
          changed_at: at,
        })
        .onConflict((oc) =>
          oc.columns(['session_id', 'client_id']).doUpdateSet({
            invitation_id: event.data.invitationId,
            status: 'pending',
            changed_at: at,
          }),
        )
        .execute();
      return;
    case 'InvitationDeclined':
      await trx
        .updateTable('session_invitations')
        .set({ status: 'declined', changed_at: at })
        .where('session_id', '=', event.data.sessionId)
        .where('client_id', '=', event.data.clientId)
        .execute();
      return;
    case 'PenaltyForgiven':
      await place(event.data.enrollmentId)
        .set({
          penalty: null,
          refunded: event.data.giveBack === 'none' ? sql`refunded` : true,
          changed_at: at,
        })
        .execute();
      return;
    default:
      // A session event this read model does not show yet (see SCHEDULE_EVENTS).
      return;
  }
}

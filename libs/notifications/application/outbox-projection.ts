import type { Projection } from '@clientele/projector';
import { NOTIFYING_EVENT_TYPES } from '../domain/notification';
import { notificationOutbox } from './outbox-mapping';

/** Older than this when first read, an event makes no notification: it would come too late. */
const FRESH_FOR_MS = 24 * 60 * 60_000;

/**
 * The outbox on EventStoreDB, whose appends share no transaction with PostgreSQL: a projection
 * fills it from the log instead, in the transaction that moves its checkpoint. A batch read
 * twice inserts the same ids again, which changes nothing: at least once into the outbox,
 * once out of it. Events more than a day old are skipped, so a first start on a long log, or
 * a rebuild, mails nobody about the past (ADR 0014).
 */
export const notificationOutboxProjection: Projection = {
  name: 'notification_outbox',
  eventTypes: NOTIFYING_EVENT_TYPES,
  async apply(trx, events) {
    const now = Date.now();
    const rows = events
      .filter((event) => now - event.recordedAt.getTime() <= FRESH_FOR_MS)
      .flatMap((event) =>
        notificationOutbox(event).map((message) => ({
          message_id: message.id,
          event_id: event.id,
          kind: message.kind,
          studio_id: message.studioId,
          subject_id: message.subjectId,
          payload: JSON.stringify(message.payload),
        })),
      );
    if (rows.length === 0) return;
    await trx
      .insertInto('outbox')
      .values(rows)
      .onConflict((conflict) => conflict.column('message_id').doNothing())
      .execute();
  },
  // The outbox is the record of what was sent: a rebuild keeps it, and finds it complete.
  // Never rebuilt: replaying the log into the outbox would send every message again.
  tables: [],
};

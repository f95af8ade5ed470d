import type { OutboxMapper } from '@clientele/eventstore';
import { notificationsFor, type Notification } from '../domain/notification';

/** The event store's outbox mapper: an event's notifications as outbox messages. */
export const notificationOutbox: OutboxMapper = (event) =>
  notificationsFor(event).map((notification) => ({
    id: notification.id,
    kind: notification.kind,
    studioId: notification.studioId,
    subjectId: notification.clientId,
    payload: notification.data,
  }));

/** A claimed outbox row, as the notification it was made from. */
export function notificationOfRow(row: {
  message_id: string;
  kind: string;
  studio_id: string;
  subject_id: string;
  payload: unknown;
}): Notification {
  return {
    id: row.message_id,
    kind: row.kind,
    studioId: row.studio_id,
    clientId: row.subject_id,
    data: row.payload,
  } as Notification;
}

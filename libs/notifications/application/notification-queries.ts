import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { DATABASE, decodePageCursor, encodePageCursor, type Database } from '@clientele/database';
import { sql } from 'kysely';
import type { NotificationKind } from '../domain/notification';

/** A notification as staff see it: what, how far it got; never its words or the address. */
export interface NotificationView {
  id: string;
  kind: NotificationKind;
  status: 'pending' | 'sent' | 'failed' | 'cancelled';
  attempts: number;
  createdAt: string;
  /** When a pending one is tried next. */
  nextAttemptAt: string | null;
  sentAt: string | null;
  lastError: string | null;
}

export interface NotificationPage {
  items: NotificationView[];
  nextCursor: string | null;
}

/** A client's notifications, newest first: sent, waiting for a try, or given up on. */
export class ListClientNotifications extends Query<NotificationPage> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
    readonly limit: number,
    readonly cursor: string | undefined,
  ) {
    super();
  }
}

interface Row {
  message_id: string;
  kind: NotificationKind;
  status: NotificationView['status'];
  attempts: number;
  created_at: Date;
  /** created_at as PostgreSQL prints it, to the microsecond: the cursor's key. */
  created_key: string;
  next_attempt_at: Date;
  sent_at: Date | null;
  last_error: string | null;
}

@QueryHandler(ListClientNotifications)
export class ListClientNotificationsHandler implements IQueryHandler<ListClientNotifications> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({
    studioId,
    clientId,
    limit,
    cursor,
  }: ListClientNotifications): Promise<NotificationPage> {
    let query = this.db.kysely
      .selectFrom('outbox')
      .select([
        'message_id',
        'kind',
        'status',
        'attempts',
        'created_at',
        sql<string>`created_at::text`.as('created_key'),
        'next_attempt_at',
        'sent_at',
        'last_error',
      ])
      .where('studio_id', '=', studioId)
      .where('subject_id', '=', clientId);
    if (cursor) {
      const [key, id] = decodePageCursor(cursor);
      query = query.where(
        sql<boolean>`(created_at, message_id) < (${key}::timestamptz, ${id}::uuid)`,
      );
    }
    const rows = (await query
      .orderBy('created_at', 'desc')
      .orderBy('message_id', 'desc')
      .limit(limit + 1)
      .execute()) as Row[];
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => ({
        id: row.message_id,
        kind: row.kind,
        status: row.status,
        attempts: row.attempts,
        createdAt: new Date(row.created_at).toISOString(),
        nextAttemptAt:
          row.status === 'pending' ? new Date(row.next_attempt_at).toISOString() : null,
        sentAt: row.sent_at ? new Date(row.sent_at).toISOString() : null,
        lastError: row.last_error,
      })),
      nextCursor:
        rows.length > limit && last ? encodePageCursor(last.created_key, last.message_id) : null,
    };
  }
}

export interface OutboxBacklog {
  pending: number;
  /** How long the oldest message still to send has waited; 0 when none waits. */
  oldestPendingSeconds: number;
  failed: number;
}

/** For /health: what waits to be sent, since when, and what was given up on. */
export async function outboxBacklog(db: Database): Promise<OutboxBacklog> {
  const [row] = await db.sql.query<{ pending: string; oldest: number | null; failed: string }>(
    `SELECT
       (SELECT count(*) FROM outbox WHERE status = 'pending') AS pending,
       (SELECT EXTRACT(EPOCH FROM now() - min(created_at))::float
          FROM outbox WHERE status = 'pending') AS oldest,
       (SELECT count(*) FROM outbox WHERE status = 'failed') AS failed`,
  );
  return {
    pending: Number(row?.pending ?? 0),
    oldestPendingSeconds: Math.max(0, Math.round(row?.oldest ?? 0)),
    failed: Number(row?.failed ?? 0),
  };
}

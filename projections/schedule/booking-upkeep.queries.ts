import type { Database } from '@clientele/database';
import { sql } from 'kysely';

/** How long after a hold lapses the upkeep steps in: the booking request may still be at work. */
const GRACE = '1 minute';
/** How far back a refund owed or a lost place is looked for: the upkeep runs every minute. */
const LOOKBACK = '7 days';

/**
 * Places whose client account may not match them (ADR 0010): a hold that lapsed unconfirmed; a
 * credit still only reserved for a place confirmed or lost; a refund owed by a cancellation,
 * a refund-only or a forgiveness that the account does not show yet; a lost place's booking
 * bill still open or paid. Settling one the account already matches changes nothing.
 */
export async function placesToSettle(
  db: Database,
  now: Date,
  limit: number,
): Promise<{ studioId: string; sessionId: string; enrollmentId: string }[]> {
  const { rows } = await sql<{ studio_id: string; session_id: string; enrollment_id: string }>`
    WITH reserved_only AS (
      SELECT r.reservation_id
        FROM credit_grants g
        JOIN credit_ledger r ON r.grant_id = g.grant_id AND r.kind = 'reserved'
       WHERE g.reserved > 0
         AND r.recorded_at < ${now}::timestamptz - ${GRACE}::interval
         AND NOT EXISTS (
           SELECT 1 FROM credit_ledger d
            WHERE d.reservation_id = r.reservation_id AND d.kind IN ('spent', 'returned'))
    )
    SELECT p.studio_id, p.session_id, p.enrollment_id
      FROM session_places p
     WHERE (p.status = 'held' AND p.held_until < ${now}::timestamptz - ${GRACE}::interval)
        OR (p.status IN ('confirmed', 'released')
            AND p.enrollment_id::text IN (SELECT reservation_id FROM reserved_only))
        OR (p.changed_at > ${now}::timestamptz - ${LOOKBACK}::interval
            AND p.refunded AND p.payment->>'kind' = 'credit'
            AND NOT EXISTS (
              SELECT 1 FROM credit_ledger l
               WHERE l.reservation_id = p.enrollment_id::text AND l.kind = 'returned'))
        OR (p.changed_at > ${now}::timestamptz - ${LOOKBACK}::interval
            AND (p.refunded OR p.status = 'released')
            AND EXISTS (
              SELECT 1 FROM bills b
               WHERE b.origin->>'kind' = 'booking'
                 AND b.origin->>'enrollmentId' = p.enrollment_id::text
                 AND (b.status = 'open'
                      OR EXISTS (SELECT 1 FROM payments m
                                  WHERE m.bill_id = b.bill_id AND m.refunded < m.amount))))
     LIMIT ${limit}
  `.execute(db.kysely);
  return rows.map((row) => ({
    studioId: row.studio_id,
    sessionId: row.session_id,
    enrollmentId: row.enrollment_id,
  }));
}

/** Sessions that have ended with confirmed places nobody checked in: their no-shows are due. */
export async function sessionsToClose(
  db: Database,
  now: Date,
  limit: number,
): Promise<{ studioId: string; sessionId: string }[]> {
  const { rows } = await sql<{ studio_id: string; session_id: string }>`
    SELECT s.studio_id, s.session_id
      FROM sessions s
     WHERE s.ends_at <= ${now}
       AND EXISTS (
         SELECT 1 FROM session_places p
          WHERE p.session_id = s.session_id AND p.status = 'confirmed' AND p.attendance IS NULL)
     ORDER BY s.ends_at
     LIMIT ${limit}
  `.execute(db.kysely);
  return rows.map((row) => ({ studioId: row.studio_id, sessionId: row.session_id }));
}

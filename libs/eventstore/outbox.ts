import type { SqlExecutor } from '@clientele/database';
import type { RecordedEvent } from './event-store.port';

/**
 * A message for the world outside (an email, later perhaps a webhook) that an event causes. The
 * outbox table holds it until its consumer has delivered it; on PostgreSQL it is written by the
 * statement that appends its event, so it exists exactly when the event does (ADR 0014).
 */
export interface OutboxMessage {
  /** Derived from the event's id, so the same event never makes two. */
  id: string;
  /** What the consumer makes of it: `welcome`, `password_reset`… */
  kind: string;
  studioId: string;
  /** Whom it is about (a client's id): what its history is listed by. */
  subjectId: string;
  /** What the consumer needs to deliver it; emptied once it is delivered. */
  payload: unknown;
}

/** An event as an outbox mapper sees it, before or after it is stored: personal data sealed. */
export type OutboxSource = Pick<RecordedEvent, 'id' | 'type' | 'data' | 'metadata' | 'streamName'>;

/** Zero or more messages an event causes. Pure: it runs inside the append. */
export type OutboxMapper = (event: OutboxSource) => OutboxMessage[];

/** An outbox row as `OUTBOX_ROWS` reads it from JSON; `append` numbers the appends of a batch. */
export interface OutboxRow {
  id: string;
  event_id: string;
  kind: string;
  studio_id: string;
  subject_id: string;
  payload: unknown;
  append?: number;
}

export function outboxRowsOf(mapper: OutboxMapper, events: OutboxSource[]): OutboxRow[] {
  return events.flatMap((event) =>
    mapper(event).map((message) => ({
      id: message.id,
      event_id: event.id,
      kind: message.kind,
      studio_id: message.studioId,
      subject_id: message.subjectId,
      payload: message.payload ?? null,
    })),
  );
}

/** Rows of `OutboxRow` JSON in the statement parameter `param`, as a row source `m`. */
export const outboxRowSource = (param: string) => `jsonb_to_recordset(${param}::jsonb)
  AS m(id uuid, event_id uuid, kind text, studio_id text, subject_id text, payload jsonb, append int)`;

/** Inserts the rows of source `m` (add a FROM/WHERE that decides which). */
export const INSERT_OUTBOX = `INSERT INTO outbox (message_id, event_id, kind, studio_id, subject_id, payload)
  SELECT m.id, m.event_id, m.kind, m.studio_id, m.subject_id, m.payload`;

const CANCEL_OUTBOX = `UPDATE outbox SET status = 'cancelled', payload = NULL, last_error = $2
  WHERE subject_id = ANY($1::text[]) AND status = 'pending' RETURNING message_id`;

/**
 * Cancels what is still to be sent about these clients (they were erased): the words go, kind,
 * client and `last_error` (why) stay. A row a dispatcher holds at this instant is sent or fails
 * by itself (no address is left to send to once the key is destroyed). Answers how many.
 */
export async function cancelOutboxOf(
  sql: SqlExecutor,
  subjectIds: readonly string[],
  reason: string,
): Promise<number> {
  return (await sql.query(CANCEL_OUTBOX, [subjectIds, reason])).length;
}

/** How many messages about these clients were cancelled. */
export async function cancelledOutboxOf(
  sql: SqlExecutor,
  subjectIds: readonly string[],
): Promise<number> {
  const [row] = await sql.query<{ n: string | number }>(
    `SELECT count(*) AS n FROM outbox WHERE subject_id = ANY($1::text[]) AND status = 'cancelled'`,
    [subjectIds],
  );
  return Number(row?.n ?? 0);
}

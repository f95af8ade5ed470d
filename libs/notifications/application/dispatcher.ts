import type { SqlExecutor } from '@clientele/database';
import { composeMessage, type Recipient } from '../domain/message';
import { DEFAULT_RETRY, nextAttempt, type RetryPolicy } from '../domain/retry';
import type { MailTransport } from './mail-transport';
import { notificationOfRow } from './outbox-mapping';
import type { RecipientDirectory } from './recipients';

export interface DispatcherOptions {
  /** MAIL_FROM: `Sunrise Yoga <desk@sunrise.example>`; its domain ends each Message-ID. */
  from: string;
  retry?: RetryPolicy;
  /** Rows claimed at a time. */
  batchSize?: number;
  /**
   * How long a claim keeps other dispatchers off a row. A dispatcher that dies holding it leaves
   * the row to be tried again once it lapses: longer than any try may take (mail-transport.ts).
   */
  leaseMs?: number;
}

export interface DispatchReport {
  sent: number;
  /** Refused or unreachable this time: due again later. */
  retrying: number;
  /** Given up on: out of tries, or nobody to send it to. */
  failed: number;
}

interface ClaimedRow {
  message_id: string;
  kind: string;
  studio_id: string;
  subject_id: string;
  payload: unknown;
  attempts: number;
}

/*
 * One statement claims due rows and moves each one's next attempt past the lease, so no other
 * dispatcher takes it meanwhile; SKIP LOCKED lets two dispatchers claim at once without waiting
 * on, or taking, each other's rows. No transaction stays open while mail is sent (ADR 0014).
 */
const CLAIM = `
  UPDATE outbox o SET attempts = o.attempts + 1, next_attempt_at = $2::timestamptz
  FROM (SELECT message_id FROM outbox
        WHERE status = 'pending' AND next_attempt_at <= $1::timestamptz
        ORDER BY next_attempt_at
        LIMIT $3
        FOR UPDATE SKIP LOCKED) due
  WHERE o.message_id = due.message_id
  RETURNING o.message_id, o.kind, o.studio_id, o.subject_id, o.payload, o.attempts`;

// Once sent or given up on, only what an auditor needs stays: kind, client, when, how often.
const SENT = `UPDATE outbox SET status = 'sent', sent_at = now(), payload = NULL, last_error = NULL
  WHERE message_id = $1`;
const FAILED = `UPDATE outbox SET status = 'failed', payload = NULL, last_error = $2
  WHERE message_id = $1`;
const RETRY = `UPDATE outbox SET next_attempt_at = $2::timestamptz, last_error = $3
  WHERE message_id = $1`;

/**
 * Sends what the outbox holds: claims due rows, sends each, then marks it sent. A failure waits
 * longer each time (RetryPolicy) until the last try marks the row failed, visible on the
 * client's notifications. Runs in the API (embedded database) or apps/worker, and as
 * `npx clientele notifications send`; any number of them at once send each message once.
 */
export class NotificationDispatcher {
  private readonly retry: RetryPolicy;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly domain: string;

  constructor(
    private readonly sql: SqlExecutor,
    readonly transport: MailTransport,
    private readonly directory: RecipientDirectory,
    private readonly options: DispatcherOptions,
  ) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.batchSize = options.batchSize ?? 20;
    this.leaseMs = options.leaseMs ?? 5 * 60_000;
    this.domain = /@([^@\s>]+)>?\s*$/.exec(options.from)?.[1] ?? 'localhost';
  }

  /** Sends everything due at `now`; what fails is due again later. */
  async runOnce(now = new Date()): Promise<DispatchReport> {
    const report: DispatchReport = { sent: 0, retrying: 0, failed: 0 };
    for (;;) {
      const claimed = await this.sql.query<ClaimedRow>(CLAIM, [
        now.toISOString(),
        new Date(now.getTime() + this.leaseMs).toISOString(),
        this.batchSize,
      ]);
      for (const row of claimed) report[await this.deliver(row, now)]++;
      if (claimed.length < this.batchSize) return report;
    }
  }

  private async deliver(row: ClaimedRow, now: Date): Promise<keyof DispatchReport> {
    const notification = notificationOfRow(row);
    let recipient: Recipient | null = null;
    try {
      recipient = await this.directory.recipient(notification.studioId, notification.clientId);
      if (!recipient) {
        await this.sql.query(FAILED, [row.message_id, 'The client has no email address to use.']);
        return 'failed';
      }
      const studio = await this.directory.studio(notification.studioId);
      await this.transport.send({
        messageId: `<${notification.id}@${this.domain}>`,
        from: this.options.from,
        to: { name: `${recipient.firstName} ${recipient.lastName}`, address: recipient.email },
        ...composeMessage(notification, recipient, studio),
      });
    } catch (error) {
      const reason = describe(error, recipient?.email);
      const next = nextAttempt(this.retry, row.attempts, now);
      if (next === null) {
        await this.sql.query(FAILED, [row.message_id, reason]);
        return 'failed';
      }
      await this.sql.query(RETRY, [row.message_id, next.toISOString(), reason]);
      return 'retrying';
    }
    // A crash here, after the server took the message, sends it again once the claim lapses:
    // with the same Message-ID, which mail stores use to show it once.
    await this.sql.query(SENT, [row.message_id]);
    return 'sent';
  }
}

/** What went wrong, as the SMTP server said it, without the recipient's address. */
function describe(error: unknown, address: string | undefined): string {
  const { response, message } = error as { response?: string; message?: string };
  const text = String(response ?? message ?? error);
  return (address ? text.split(address).join('<recipient>') : text).slice(0, 500);
}

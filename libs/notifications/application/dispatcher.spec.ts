import { randomUUID } from 'node:crypto';
import { clientStream } from '@clientele/clients';
import { migrateToLatest, type Database, type SqlExecutor } from '@clientele/database';
import { eventStoreMigrations, PostgresEventStore, type NewEvent } from '@clientele/eventstore';
import { uuidFrom } from '@clientele/shared';
import { studioStream } from '@clientele/staff';
import { startTestSmtpServer, type TestSmtpServer } from '../../../test/support/smtp-server';
import { openTestDatabase } from '../../../test/support/test-database';
import { DEFAULT_RETRY } from '../domain/retry';
import { NotificationDispatcher, type DispatcherOptions } from './dispatcher';
import { logTransport, smtpTransport, type MailTransport } from './mail-transport';
import { notificationOutbox } from './outbox-mapping';
import { eventStoreDirectory } from './recipients';

const studioId = randomUUID();
const FROM = 'Sunrise Yoga <desk@sunrise.example>';
let db: Database;
let store: PostgresEventStore;
let smtp: TestSmtpServer | undefined;

const metadata = {
  studioId,
  actor: { type: 'staff' as const, id: 'staff-1' },
  correlationId: 'c1',
  schemaVersion: 1,
};

beforeAll(async () => {
  db = await openTestDatabase();
  await migrateToLatest(db, eventStoreMigrations);
  store = new PostgresEventStore(db.sql, { name: db.kind, outbox: notificationOutbox });
  await store.append(
    studioStream(studioId),
    [
      {
        type: 'StudioCreated',
        data: { studioId, name: 'Sunrise Yoga', currency: 'USD', timezone: 'America/New_York' },
        metadata,
      },
    ],
    { expectedRevision: 'no_stream' },
  );
});
afterAll(() => db.close());
// Each test sends only its own messages.
beforeEach(() => db.sql.query('DELETE FROM outbox'));
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

let n = 0;
/** Registers a client: the append also writes their welcome to the outbox. */
async function register(): Promise<{ clientId: string; email: string; notificationId: string }> {
  const clientId = randomUUID();
  const email = `ada${++n}@example.com`;
  const event: NewEvent = {
    id: randomUUID(),
    type: 'ClientRegistered',
    data: {
      clientId,
      studioId,
      registeredAt: new Date().toISOString(),
      personal: {
        firstName: 'Ada',
        lastName: `Lovelace ${n}`,
        email,
        phone: null,
        birthday: null,
        address: null,
        username: null,
      },
    },
    metadata,
  };
  await store.append(clientStream(clientId), [event], { expectedRevision: 'no_stream' });
  return { clientId, email, notificationId: uuidFrom(`notification:welcome:${event.id}`) };
}

function dispatcher(
  transport: MailTransport,
  options: Partial<DispatcherOptions> = {},
  sql: SqlExecutor = db.sql,
) {
  return new NotificationDispatcher(sql, transport, eventStoreDirectory(store), {
    from: FROM,
    ...options,
  });
}

async function row(messageId: string) {
  const [found] = await db.sql.query<{
    status: string;
    attempts: number;
    payload: unknown;
    last_error: string | null;
    sent_at: Date | null;
    next_attempt_at: Date;
  }>('SELECT * FROM outbox WHERE message_id = $1', [messageId]);
  return found!;
}

const later = (from: Date, ms: number) => new Date(from.getTime() + ms);
/**
 * A row is due from PostgreSQL's now(), kept in microseconds; a Date made in the same millisecond
 * rounds down and could come before it.
 */
const justAfterNow = () => later(new Date(), 1);

describe('sending notifications', () => {
  it('mails a welcome to the client, from the studio, under the notification’s Message-ID', async () => {
    smtp = await startTestSmtpServer();
    const ada = await register();
    const report = await dispatcher(smtpTransport(smtp.url)).runOnce();
    expect(report).toEqual({ sent: 1, retrying: 0, failed: 0 });
    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail!.to).toEqual([ada.email]);
    expect(mail!.from).toBe('desk@sunrise.example');
    expect(mail!.header('subject')).toBe('Welcome to Sunrise Yoga');
    expect(mail!.header('message-id')).toBe(`<${ada.notificationId}@sunrise.example>`);
    expect(mail!.text).toMatch(/^Hello Ada,\n\nWelcome to Sunrise Yoga!/);
    // Sent: only what an auditor needs is kept.
    expect(await row(ada.notificationId)).toMatchObject({
      status: 'sent',
      attempts: 1,
      payload: null,
      last_error: null,
    });
    // Nothing is due any more.
    expect(await dispatcher(smtpTransport(smtp.url)).runOnce()).toEqual({
      sent: 0,
      retrying: 0,
      failed: 0,
    });
    expect(smtp.offered()).toBe(1);
  });

  it('tries again later, each time later, when the server refuses, and delivers once', async () => {
    smtp = await startTestSmtpServer({ refuse: [451, 554] });
    const ada = await register();
    const sender = dispatcher(smtpTransport(smtp.url));
    const t0 = justAfterNow();
    expect(await sender.runOnce(t0)).toMatchObject({ retrying: 1 });
    const first = await row(ada.notificationId);
    expect(first).toMatchObject({ status: 'pending', attempts: 1 });
    expect(first.last_error).toMatch(/^451 /);
    // The address the server echoed is not kept.
    expect(first.last_error).not.toContain(ada.email);
    expect(new Date(first.next_attempt_at).getTime()).toBe(later(t0, 30_000).getTime());
    // Not due before its time.
    expect(await sender.runOnce(later(t0, 29_000))).toEqual({ sent: 0, retrying: 0, failed: 0 });
    expect(await sender.runOnce(later(t0, 30_000))).toMatchObject({ retrying: 1 });
    const second = await row(ada.notificationId);
    expect(second.last_error).toMatch(/^554 /);
    // Twice as long after the second refusal.
    expect(new Date(second.next_attempt_at).getTime()).toBe(later(t0, 90_000).getTime());
    expect(await sender.runOnce(later(t0, 89_000))).toEqual({ sent: 0, retrying: 0, failed: 0 });
    expect(await sender.runOnce(later(t0, 90_000))).toEqual({ sent: 1, retrying: 0, failed: 0 });
    expect(smtp.offered()).toBe(3);
    expect(smtp.received).toHaveLength(1);
    expect(await row(ada.notificationId)).toMatchObject({
      status: 'sent',
      attempts: 3,
      last_error: null,
    });
  });

  it('gives up after the last try, keeping why and not the words', async () => {
    smtp = await startTestSmtpServer({ refuse: [550, 550] });
    const ada = await register();
    const sender = dispatcher(smtpTransport(smtp.url), {
      retry: { ...DEFAULT_RETRY, maxAttempts: 2 },
    });
    const t0 = justAfterNow();
    expect(await sender.runOnce(t0)).toMatchObject({ retrying: 1 });
    expect(await sender.runOnce(later(t0, 30_000))).toMatchObject({ failed: 1 });
    const failed = await row(ada.notificationId);
    expect(failed).toMatchObject({ status: 'failed', attempts: 2, payload: null });
    expect(failed.last_error).toBe('550 Not now for <recipient>');
    expect(await sender.runOnce(later(t0, 86_400_000))).toEqual({
      sent: 0,
      retrying: 0,
      failed: 0,
    });
    expect(smtp.received).toHaveLength(0);
  });

  it('fails at once a notification for a client the studio does not have', async () => {
    smtp = await startTestSmtpServer();
    const stranger = randomUUID();
    const event = { id: randomUUID(), type: 'PasswordResetRequested', metadata };
    await store.append(clientStream(stranger), [{ ...event, data: { clientId: stranger } }], {
      expectedRevision: 'no_stream',
    });
    expect(await dispatcher(smtpTransport(smtp.url)).runOnce()).toMatchObject({ failed: 1 });
    expect(await row(uuidFrom(`notification:password_reset:${event.id}`))).toMatchObject({
      status: 'failed',
      last_error: 'The client has no email address to use.',
    });
    expect(smtp.offered()).toBe(0);
  });

  it('sends each message once with two dispatchers at work at the same time', async () => {
    smtp = await startTestSmtpServer();
    const clients = await Promise.all(Array.from({ length: 24 }, () => register()));
    const a = dispatcher(smtpTransport(smtp.url), { batchSize: 3 });
    const b = dispatcher(smtpTransport(smtp.url), { batchSize: 3 });
    const reports = await Promise.all([a.runOnce(), b.runOnce(), a.runOnce(), b.runOnce()]);
    expect(reports.reduce((sum, report) => sum + report.sent, 0)).toBe(24);
    expect(smtp.offered()).toBe(24);
    const ids = smtp.received.map((mail) => mail.header('message-id'));
    expect(new Set(ids).size).toBe(24);
    expect(new Set(smtp.received.flatMap((mail) => mail.to))).toEqual(
      new Set(clients.map((c) => c.email)),
    );
  });

  it('sends again, under the same Message-ID, what a dispatcher that died had sent', async () => {
    smtp = await startTestSmtpServer();
    const ada = await register();
    // It dies after the server took the message, before it could mark it sent.
    const dying: SqlExecutor = {
      query: (text, params, options) =>
        text.includes("status = 'sent'")
          ? Promise.reject(new Error('the process died'))
          : db.sql.query(text, params, options),
      transaction: (fn) => db.sql.transaction(fn),
    };
    const t0 = justAfterNow();
    await expect(
      dispatcher(smtpTransport(smtp.url), { leaseMs: 60_000 }, dying).runOnce(t0),
    ).rejects.toThrow('the process died');
    const survivor = dispatcher(smtpTransport(smtp.url));
    // Its claim holds others off until it lapses.
    expect(await survivor.runOnce(later(t0, 59_000))).toMatchObject({ sent: 0 });
    expect(await survivor.runOnce(later(t0, 60_000))).toMatchObject({ sent: 1 });
    expect(smtp.received.map((mail) => mail.header('message-id'))).toEqual([
      `<${ada.notificationId}@sunrise.example>`,
      `<${ada.notificationId}@sunrise.example>`,
    ]);
    expect(await row(ada.notificationId)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('without an SMTP server, writes each message to the log and counts it sent', async () => {
    const lines: string[] = [];
    const ada = await register();
    expect(await dispatcher(logTransport((line) => lines.push(line))).runOnce()).toMatchObject({
      sent: 1,
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`To: "Ada Lovelace ${n}" <${ada.email}>`);
    expect(lines[0]).toContain('Subject: Welcome to Sunrise Yoga');
    expect(await row(ada.notificationId)).toMatchObject({ status: 'sent', payload: null });
  });
});

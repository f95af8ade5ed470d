import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { startTestApp, type TestApp } from '../support/test-app';

let smtp: TestSmtpServer;
let t: TestApp;
let token: string;
let instructor: string;

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  t = await startTestApp({
    config: { smtpUrl: smtp.url, mailFrom: 'Sunrise Yoga <desk@sunrise.example>' },
  });
  ({ token } = await t.createStudio('Sunrise Yoga'));
  instructor = await t.hire(token, 'instructor');
});
afterAll(async () => {
  await t.close();
  await smtp.close();
});

let n = 0;
async function register(): Promise<{ id: string; email: string }> {
  const email = `ada${++n}@example.com`;
  const created = await t.call('POST', '/v1/clients', {
    token,
    body: { firstName: 'Ada', lastName: 'Lovelace', email },
  });
  expect(created.status).toBe(201);
  return { id: created.body.id, email };
}

const notifications = async (clientId: string, query = '') => {
  const listed = await t.call('GET', `/v1/clients/${clientId}/notifications${query}`, { token });
  expect(listed.status).toBe(200);
  return listed.body;
};

const send = () => t.runtime.notifications.runOnce();

describe('notifications over HTTP', () => {
  it('mails one message for each thing a client is told, and lists each as sent', async () => {
    const ada = await register();
    const credits = await t.call('POST', `/v1/clients/${ada.id}/credits`, {
      token,
      body: { eventTypes: ['yoga'], count: 3, reason: 'Cold room on Tuesday' },
    });
    expect(credits.status).toBe(201);
    const waiver = await t.call('POST', '/v1/waivers', {
      token,
      body: { title: 'Liability waiver', body: 'At my own risk.' },
    });
    const asked = await t.call('POST', `/v1/clients/${ada.id}/signature-requests`, {
      token,
      body: { waiverId: waiver.body.waiverId },
    });
    expect(asked.status).toBe(201);
    const reset = await t.call('POST', `/v1/clients/${ada.id}/password-reset`, { token });
    expect(reset.status).toBe(202);
    expect(reset.body).toMatchObject({ clientId: ada.id, message: 'password_reset' });

    // Waiting in the outbox until a dispatcher runs.
    const pending = await notifications(ada.id);
    expect(pending.items.map((item: { status: string }) => item.status)).toEqual([
      'pending',
      'pending',
      'pending',
      'pending',
    ]);

    expect(await send()).toEqual({ sent: 4, retrying: 0, failed: 0 });
    expect(await send()).toEqual({ sent: 0, retrying: 0, failed: 0 });
    const mails = smtp.received.filter((mail) => mail.to.includes(ada.email));
    expect(mails.map((mail) => mail.header('subject'))).toEqual([
      'Welcome to Sunrise Yoga',
      '3 credits added to your Sunrise Yoga account',
      'Please sign "Liability waiver"',
      'Resetting your Sunrise Yoga password',
    ]);
    // Staff's reason for the credits stays with the studio.
    expect(mails[1]!.text).not.toContain('Cold room');

    const sent = await notifications(ada.id);
    expect(sent.items).toEqual([
      expect.objectContaining({ kind: 'password_reset', status: 'sent', attempts: 1 }),
      expect.objectContaining({ kind: 'signature_request', status: 'sent', attempts: 1 }),
      expect.objectContaining({ kind: 'credits_issued', status: 'sent', attempts: 1 }),
      expect.objectContaining({ kind: 'welcome', status: 'sent', attempts: 1 }),
    ]);
    for (const item of sent.items) {
      expect(item.sentAt).toEqual(expect.any(String));
      expect(item).toMatchObject({ nextAttemptAt: null, lastError: null });
    }
    expect(sent.nextCursor).toBeNull();
    // The reference the password reset gave is the notification's id.
    expect(mails[3]!.text).toContain(`reference, it is ${sent.items[0].id}.`);
  });

  it('sends the welcome again when asked, once per Idempotency-Key', async () => {
    const ada = await register();
    const headers = { 'idempotency-key': `welcome-again-${ada.id}` };
    const first = await t.call('POST', `/v1/clients/${ada.id}/welcome`, { token, headers });
    const again = await t.call('POST', `/v1/clients/${ada.id}/welcome`, { token, headers });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    await send();
    const listed = await notifications(ada.id);
    expect(listed.items.map((item: { kind: string }) => item.kind)).toEqual(['welcome', 'welcome']);
    expect(smtp.received.filter((mail) => mail.to.includes(ada.email))).toHaveLength(2);
  });

  it('pages the list, newest first', async () => {
    const ada = await register();
    for (let i = 0; i < 3; i++) {
      await t.call('POST', `/v1/clients/${ada.id}/password-reset`, { token });
    }
    const first = await notifications(ada.id, '?limit=3');
    expect(first.items).toHaveLength(3);
    const rest = await notifications(ada.id, `?limit=3&cursor=${first.nextCursor}`);
    expect(rest.items.map((item: { kind: string }) => item.kind)).toEqual(['welcome']);
    expect(rest.nextCursor).toBeNull();
    const bad = await t.call('GET', `/v1/clients/${ada.id}/notifications?cursor=nope`, { token });
    expect(bad.status).toBe(400);
  });

  it('knows no other studio’s client, and asks clients:write to send', async () => {
    const ada = await register();
    const other = await t.createStudio('Other Studio');
    for (const [method, path] of [
      ['GET', 'notifications'],
      ['POST', 'password-reset'],
      ['POST', 'welcome'],
    ] as const) {
      const answer = await t.call(method, `/v1/clients/${ada.id}/${path}`, { token: other.token });
      expect(answer.status).toBe(404);
    }
    const refused = await t.call('POST', `/v1/clients/${ada.id}/password-reset`, {
      token: instructor,
    });
    expect(refused.status).toBe(403);
    expect(
      (await t.call('GET', `/v1/clients/${ada.id}/notifications`, { token: instructor })).status,
    ).toBe(200);
  });

  it('shows the outbox on /health', async () => {
    await register();
    const before = await t.call('GET', '/health');
    expect(before.body.notifications).toMatchObject({ transport: 'smtp', failed: 0 });
    expect(before.body.notifications.pending).toBeGreaterThan(0);
    await send();
    const after = await t.call('GET', '/health');
    expect(after.body.notifications).toEqual({
      transport: 'smtp',
      pending: 0,
      oldestPendingSeconds: 0,
      failed: 0,
    });
  });
});

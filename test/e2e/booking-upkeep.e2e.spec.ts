import { randomUUID } from 'node:crypto';
import { CreditSpending } from '@clientele/entitlements';
import { BookingWorkflow, readSession } from '@clientele/scheduling';
import type { RequestContext } from '@clientele/shared';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;
let studioId: string;
let flow: string;
let workflow: BookingWorkflow;
let credits: CreditSpending;

beforeAll(async () => {
  t = await startTestApp();
  ({ token, studioId } = await t.createStudio('Upkeep Studio'));
  flow = (
    await t.call('POST', '/v1/class-types', {
      token,
      body: { name: 'Flow', format: 'in_person', eventType: 'yoga' },
    })
  ).body.id;
  workflow = new BookingWorkflow(t.runtime.store, t.runtime.gateway);
  credits = new CreditSpending(t.runtime.store);
});
afterAll(() => t.close());

const context = (now = new Date()): RequestContext => ({
  studioId,
  actor: { type: 'staff', id: 'test' },
  correlationId: randomUUID(),
  now,
});

let n = 0;
async function client(count = 1): Promise<string> {
  const id = (
    await t.call('POST', '/v1/clients', {
      token,
      body: { firstName: 'Up', lastName: 'Keep', email: `up${++n}@upkeep.example` },
    })
  ).body.id as string;
  await t.call('POST', `/v1/clients/${id}/credits`, {
    token,
    body: { eventTypes: ['yoga'], count, reason: 'test' },
  });
  return id;
}

async function session(startsAt: Date, capacity = 5): Promise<string> {
  return (
    await t.call('POST', '/v1/sessions', {
      token,
      body: { classTypeId: flow, startsAt: startsAt.toISOString(), durationMinutes: 60, capacity },
    })
  ).body.id;
}

const available = async (clientId: string) =>
  (await t.call('GET', `/v1/clients/${clientId}`, { token })).body.balances.credits[0]?.available ??
  0;

const ledger = async (clientId: string) =>
  (await t.call('GET', `/v1/clients/${clientId}/credits`, { token })).body.grants[0].ledger.map(
    (line: { kind: string }) => line.kind,
  );

/** Runs the upkeep as of `now`, once the read models it reads have caught up. */
async function upkeep(now: Date) {
  await t.runtime.runner.catchUp('client_accounts');
  await t.runtime.runner.catchUp('schedule');
  return t.runtime.bookingUpkeep.runOnce(now);
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);

describe('settling what a crash left half done', () => {
  it('releases a hold that lapsed after its credit was reserved, and gives the credit back', async () => {
    const sessionId = await session(inDays(2));
    const clientId = await client();
    const enrollmentId = randomUUID();
    // The process died after reserving the credit, before confirming the place.
    await workflow.decide(sessionId, context(), {
      type: 'HoldSeat',
      data: {
        sessionId,
        enrollmentId,
        clientId,
        channel: 'online',
        payWith: 'credit',
        heldUntil: new Date(Date.now() + 120_000).toISOString(),
        waitlist: false,
        makeUp: false,
      },
    });
    await credits.reserve(context(), clientId, enrollmentId, 'yoga', 'Flow');
    expect(await available(clientId)).toBe(0);

    // Before the hold lapses nothing is touched: the booking may still be at work.
    expect((await upkeep(new Date())).settled).toBe(0);
    const later = new Date(Date.now() + 10 * 60_000);
    expect((await upkeep(later)).settled).toBe(1);
    expect(await available(clientId)).toBe(1);
    const { places } = await readSession(t.runtime.store, sessionId, studioId);
    expect(places.get(clientId)).toMatchObject({ status: 'released' });
    expect(await ledger(clientId)).toEqual(['granted', 'reserved', 'returned']);
    // Twice: nothing more to do.
    expect((await upkeep(later)).settled).toBe(0);
  });

  it('spends the credit of a place confirmed before the crash', async () => {
    const sessionId = await session(inDays(2));
    const clientId = await client();
    const enrollmentId = randomUUID();
    const now = new Date();
    await workflow.decide(sessionId, context(now), {
      type: 'HoldSeat',
      data: {
        sessionId,
        enrollmentId,
        clientId,
        channel: 'studio',
        payWith: 'credit',
        heldUntil: new Date(now.getTime() + 120_000).toISOString(),
        waitlist: false,
        makeUp: false,
      },
    });
    await credits.reserve(context(now), clientId, enrollmentId, 'yoga', 'Flow');
    await workflow.decide(sessionId, context(now), {
      type: 'ConfirmEnrollment',
      data: { sessionId, enrollmentId, payment: { kind: 'credit', reservationId: enrollmentId } },
    });
    const report = await upkeep(new Date(now.getTime() + 10 * 60_000));
    expect(report).toMatchObject({ settled: 1, failed: [] });
    expect(await ledger(clientId)).toEqual(['granted', 'reserved', 'spent']);
    const { places } = await readSession(t.runtime.store, sessionId, studioId);
    expect(places.get(clientId)).toMatchObject({ status: 'confirmed' });
  });

  it('gives back what a cancellation owed, even after the client booked the session again', async () => {
    const sessionId = await session(inDays(3));
    const clientId = await client(2);
    const first = await t.call('POST', `/v1/sessions/${sessionId}/enrollments`, {
      token,
      body: { clientId, payWith: 'credit', channel: 'studio' },
    });
    // The cancellation was recorded on the session; the process died before the credit went back.
    await workflow.decide(sessionId, context(), {
      type: 'CancelEnrollment',
      data: {
        sessionId,
        clientId,
        outcome: 'cancel_and_refund',
        lateCancelMinutes: 720,
        override: false,
        reason: 'asked',
      },
    });
    const again = await t.call('POST', `/v1/sessions/${sessionId}/enrollments`, {
      token,
      body: { clientId, payWith: 'credit', channel: 'studio' },
    });
    expect(again.status).toBe(201);
    expect(again.body.enrollmentId).not.toBe(first.body.enrollmentId);
    expect(await available(clientId)).toBe(0);
    expect((await upkeep(new Date(Date.now() + 5 * 60_000))).settled).toBe(1);
    expect(await available(clientId)).toBe(1);
  });
});

describe('a seat freed by a lapsed hold', () => {
  it('goes to the first on the waitlist who can pay', async () => {
    const sessionId = await session(inDays(2), 1);
    const crashed = await client();
    const waiting = await client();
    const now = new Date();
    // A booking that died holding the only seat.
    await workflow.decide(sessionId, context(now), {
      type: 'HoldSeat',
      data: {
        sessionId,
        enrollmentId: randomUUID(),
        clientId: crashed,
        channel: 'online',
        payWith: 'credit',
        heldUntil: new Date(now.getTime() + 120_000).toISOString(),
        waitlist: false,
        makeUp: false,
      },
    });
    const queued = await t.call('POST', `/v1/sessions/${sessionId}/enrollments`, {
      token,
      body: { clientId: waiting, payWith: 'credit', channel: 'online', waitlist: true },
    });
    expect(queued.body.status).toBe('waitlisted');
    await upkeep(new Date(now.getTime() + 10 * 60_000));
    const { places } = await readSession(t.runtime.store, sessionId, studioId);
    expect(places.get(crashed)).toMatchObject({ status: 'released' });
    expect(places.get(waiting)).toMatchObject({ status: 'confirmed' });
    expect(await available(waiting)).toBe(0);
  });
});

describe('no-shows', () => {
  it('marks who was not checked in once the session ended, once', async () => {
    const startsAt = new Date(Date.now() + 60 * 60_000);
    const sessionId = await session(startsAt);
    const came = await client();
    const absent = await client();
    for (const clientId of [came, absent]) {
      await t.call('POST', `/v1/sessions/${sessionId}/enrollments`, {
        token,
        body: { clientId, payWith: 'credit', channel: 'online' },
      });
    }
    await t.call('POST', `/v1/sessions/${sessionId}/enrollments/${came}/check-in`, { token });
    expect((await upkeep(new Date())).noShows).toBe(0);
    const afterEnd = new Date(startsAt.getTime() + 61 * 60_000);
    expect(await upkeep(afterEnd)).toMatchObject({ sessionsClosed: 1, noShows: 1, failed: [] });
    expect((await upkeep(afterEnd)).noShows).toBe(0);
    const { places } = await readSession(t.runtime.store, sessionId, studioId);
    expect(places.get(absent)).toMatchObject({ attendance: 'no_show', penalty: 'no_show' });
    expect(places.get(came)).toMatchObject({ attendance: 'checked_in', penalty: null });

    // A no-show forgiven gets the credit back.
    const forgiven = await t.call(
      'POST',
      `/v1/sessions/${sessionId}/enrollments/${absent}/forgive`,
      { token, body: { reason: 'flat tyre' } },
    );
    expect(forgiven.body).toMatchObject({ gaveBack: 'credit' });
    expect(await available(absent)).toBe(1);
  });
});

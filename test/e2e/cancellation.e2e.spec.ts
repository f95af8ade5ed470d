import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;
let desk: string;
let flow: string;
let dropIn: string;

beforeAll(async () => {
  t = await startTestApp();
  ({ token } = await t.createStudio('Cancellation Studio'));
  const classType = async (body: object) =>
    (await t.call('POST', '/v1/class-types', { token, body })).body.id as string;
  flow = await classType({ name: 'Flow', format: 'in_person', eventType: 'yoga' });
  dropIn = await classType({
    name: 'Spin',
    format: 'in_person',
    eventType: 'spin',
    dropInPrice: { amount: 2500, currency: 'USD' },
  });
  desk = await t.hire(token, 'front_desk');
});
afterAll(() => t.close());

let n = 0;
async function client(credits = 0): Promise<string> {
  const id = (
    await t.call('POST', '/v1/clients', {
      token,
      body: { firstName: 'Cal', lastName: 'Cancel', email: `cal${++n}@cancel.example` },
    })
  ).body.id as string;
  if (credits > 0) {
    await t.call('POST', `/v1/clients/${id}/credits`, {
      token,
      body: { eventTypes: ['yoga'], count: credits, reason: 'test' },
    });
  }
  return id;
}

async function session(capacity: number, classTypeId = flow, inDays = 3): Promise<string> {
  const created = await t.call('POST', '/v1/sessions', {
    token,
    body: {
      classTypeId,
      startsAt: new Date(Date.now() + inDays * 86_400_000).toISOString(),
      durationMinutes: 60,
      capacity,
    },
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

const enroll = (sessionId: string, clientId: string, extra: object = {}, as = token) =>
  t.call('POST', `/v1/sessions/${sessionId}/enrollments`, {
    token: as,
    body: { clientId, payWith: 'credit', channel: 'studio', ...extra },
  });

const cancel = (sessionId: string, clientId: string, body: object, as = token) =>
  t.call('POST', `/v1/sessions/${sessionId}/enrollments/${clientId}/cancel`, { token: as, body });

const available = async (clientId: string) => {
  const profile = await t.call('GET', `/v1/clients/${clientId}`, { token });
  return (profile.body.balances.credits[0]?.available ?? 0) as number;
};

const bills = async (clientId: string) =>
  (await t.call('GET', `/v1/clients/${clientId}/bills`, { token })).body.items;

describe('cancelling with a credit', () => {
  it('gives the credit back in time, and the place to the first on the waitlist who can pay', async () => {
    const sessionId = await session(1);
    const holder = await client(1);
    const broke = await client(0);
    const next = await client(1);
    expect((await enroll(sessionId, holder)).status).toBe(201);
    expect((await enroll(sessionId, broke, { waitlist: true })).body.status).toBe('waitlisted');
    expect((await enroll(sessionId, next, { waitlist: true })).body.status).toBe('waitlisted');
    expect(await available(holder)).toBe(0);

    const cancelled = await cancel(sessionId, holder, { outcome: 'cancel_and_refund' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      status: 'cancelled',
      gaveBack: 'credit',
      penalty: null,
      // The first waitlisted has no credit: the place goes to the next, who can pay.
      promotedClientId: next,
    });
    expect(await available(holder)).toBe(1);
    expect(await available(next)).toBe(0);
    const again = await cancel(sessionId, holder, { outcome: 'cancel_and_refund' });
    expect(again.status).toBe(200);
    expect(await available(holder)).toBe(1);
  });

  it('keeps the credit on cancel_no_refund, and refund_only keeps the place', async () => {
    const sessionId = await session(3);
    const a = await client(1);
    const b = await client(1);
    await enroll(sessionId, a);
    await enroll(sessionId, b);
    const kept = await cancel(sessionId, a, { outcome: 'cancel_no_refund' });
    expect(kept.body).toMatchObject({ status: 'cancelled', gaveBack: 'none', penalty: null });
    expect(await available(a)).toBe(0);
    const refunded = await cancel(sessionId, b, { outcome: 'refund_only' });
    expect(refunded.body).toMatchObject({ status: 'confirmed', gaveBack: 'credit' });
    expect(await available(b)).toBe(1);
    const checkIn = `/v1/sessions/${sessionId}/enrollments/${b}/check-in`;
    expect((await t.call('POST', checkIn, { token })).status).toBe(200);
  });

  it('forfeits inside the late window unless a manager overrides; a late cancel is forgiven once', async () => {
    const policy = await t.call('PUT', '/v1/studio/booking-policy', {
      token,
      body: { lateCancelMinutes: 2 * 24 * 60 },
    });
    expect(policy.status).toBe(200);
    expect(policy.body).toEqual({ lateCancelMinutes: 2880 });
    const studio = await t.call('GET', '/v1/studio', { token });
    expect(studio.body.bookingPolicy).toEqual({ lateCancelMinutes: 2880 });
    try {
      const sessionId = await session(5, flow, 1);
      const late = await client(1);
      const excused = await client(1);
      await enroll(sessionId, late);
      await enroll(sessionId, excused);
      const forfeited = await cancel(sessionId, late, { outcome: 'cancel_and_refund' }, desk);
      expect(forfeited.body).toMatchObject({ gaveBack: 'none', penalty: 'late_cancel' });
      expect(await available(late)).toBe(0);

      const deskOverride = await cancel(
        sessionId,
        excused,
        { outcome: 'cancel_and_refund', override: true },
        desk,
      );
      expect(deskOverride.status).toBe(403);
      const managerOverride = await cancel(sessionId, excused, {
        outcome: 'cancel_and_refund',
        override: true,
        reason: 'studio closed the road',
      });
      expect(managerOverride.body).toMatchObject({ gaveBack: 'credit', penalty: null });
      expect(await available(excused)).toBe(1);

      const forgive = (as: string) =>
        t.call('POST', `/v1/sessions/${sessionId}/enrollments/${late}/forgive`, {
          token: as,
          body: { reason: 'family emergency' },
        });
      expect((await forgive(desk)).status).toBe(403);
      const forgiven = await forgive(token);
      expect(forgiven.status).toBe(200);
      expect(forgiven.body).toMatchObject({ gaveBack: 'credit' });
      expect(await available(late)).toBe(1);
      const twice = await forgive(token);
      expect(twice.status).toBe(422);
      expect(twice.body.code).toBe('nothing_to_forgive');
      expect(await available(late)).toBe(1);
    } finally {
      await t.call('PUT', '/v1/studio/booking-policy', { token, body: { lateCancelMinutes: 720 } });
    }
  });

  it('refuses bad input and another studio’s session without changing anything', async () => {
    const sessionId = await session(2);
    const a = await client(1);
    await enroll(sessionId, a);
    const bad = await cancel(sessionId, a, { outcome: 'maybe' });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    const other = await t.createStudio('Other Cancellation Studio');
    expect((await cancel(sessionId, a, { outcome: 'cancel_and_refund' }, other.token)).status).toBe(
      404,
    );
    expect(await available(a)).toBe(0);
    const stranger = await client(0);
    const notEnrolled = await cancel(sessionId, stranger, { outcome: 'cancel_and_refund' });
    expect(notEnrolled.status).toBe(422);
    expect(notEnrolled.body.code).toBe('not_enrolled');
  });
});

describe('drop-in: a card or a held payment', () => {
  it('charges a card, and refunds it to the card on cancel_and_refund', async () => {
    const sessionId = await session(3, dropIn);
    const shown = await t.call('GET', `/v1/sessions/${sessionId}`, { token });
    expect(shown.body.dropInPrice).toEqual({ amount: 2500, currency: 'USD' });
    const types = await t.call('GET', '/v1/class-types', { token });
    expect(types.body.items.find((c: { id: string }) => c.id === dropIn).dropInPrice).toEqual({
      amount: 2500,
      currency: 'USD',
    });
    const rider = await client();
    const paid = await enroll(sessionId, rider, { payWith: 'card' });
    expect(paid.status).toBe(201);
    expect(paid.body.payment).toMatchObject({ kind: 'card', reference: expect.any(String) });
    const [bill] = await bills(rider);
    expect(bill).toMatchObject({
      status: 'paid',
      total: { amount: 2500, currency: 'USD' },
      origin: { kind: 'booking', sessionId },
    });
    const cancelled = await cancel(sessionId, rider, { outcome: 'cancel_and_refund' });
    expect(cancelled.body).toMatchObject({ status: 'cancelled', gaveBack: 'payment' });
    const [after] = await bills(rider);
    expect(after.payments).toMatchObject([
      { amount: { amount: 2500 }, refunded: { amount: 2500, currency: 'USD' }, method: 'card' },
    ]);
    // Asked again, nothing is refunded twice.
    await cancel(sessionId, rider, { outcome: 'cancel_and_refund' });
    expect((await bills(rider))[0].payments[0].refunded.amount).toBe(2500);
  });

  it('holds a place on an open bill, voided when cancelled with a refund', async () => {
    const sessionId = await session(3, dropIn);
    const rider = await client();
    const held = await enroll(sessionId, rider, { payWith: 'hold' });
    expect(held.status).toBe(201);
    expect(held.body.payment).toMatchObject({ kind: 'hold', billId: expect.any(String) });
    const profile = await t.call('GET', `/v1/clients/${rider}`, { token });
    expect(profile.body.balances.outstanding).toEqual({ amount: 2500, currency: 'USD' });
    // The desk sees on the profile that the next class is still to be paid.
    expect(profile.body.upcomingRegistrations).toMatchObject([
      { sessionId, title: 'Spin', requires: ['payment'] },
    ]);
    await cancel(sessionId, rider, { outcome: 'cancel_and_refund' });
    const [bill] = await bills(rider);
    expect(bill).toMatchObject({ status: 'voided', outstanding: { amount: 0 } });
    const after = await t.call('GET', `/v1/clients/${rider}`, { token });
    expect(after.body.balances.outstanding).toEqual({ amount: 0, currency: 'USD' });
  });

  it('says why a card or a hold cannot pay', async () => {
    const noPrice = await session(3, flow);
    const refused = await enroll(noPrice, await client(), { payWith: 'card' });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('no_way_to_pay');
    expect(refused.body.detail).toContain('drop-in price');

    const strict = await client();
    await t.call('PUT', `/v1/clients/${strict}/payment-settings`, {
      token,
      body: { payLater: false, useAccountCreditForRecurring: false },
    });
    const sessionId = await session(1, dropIn);
    const noHold = await enroll(sessionId, strict, { payWith: 'hold' });
    expect(noHold.status).toBe(422);
    expect(noHold.body.code).toBe('pay_later_disabled');
    // The refused hold freed its seat.
    expect((await enroll(sessionId, await client(), { payWith: 'card' })).status).toBe(201);
  });
});

describe('invitations and make-up visits', () => {
  it('enrolls an invited client who accepts, by the usual rules', async () => {
    const sessionId = await session(2);
    const guest = await client(1);
    const invited = await t.call('POST', `/v1/sessions/${sessionId}/invitations`, {
      token: desk,
      body: { clientId: guest },
    });
    expect(invited.status).toBe(201);
    expect(invited.body).toMatchObject({ status: 'pending', invitationId: expect.any(String) });
    const accepted = await t.call('POST', `/v1/sessions/${sessionId}/invitations/${guest}/accept`, {
      token: desk,
      body: { payWith: 'credit', channel: 'online' },
    });
    expect(accepted.status).toBe(201);
    expect(accepted.body).toMatchObject({ status: 'confirmed', payment: { kind: 'credit' } });
    expect(await available(guest)).toBe(0);
    const roster = await t.call('GET', `/v1/sessions/${sessionId}/roster`, { token });
    expect(roster.body.invitations).toEqual([
      expect.objectContaining({ clientId: guest, status: 'accepted', firstName: 'Cal' }),
    ]);
  });

  it('refuses to accept a declined invitation, or one never made', async () => {
    const sessionId = await session(2);
    const guest = await client(1);
    await t.call('POST', `/v1/sessions/${sessionId}/invitations`, {
      token,
      body: { clientId: guest },
    });
    const declined = await t.call(
      'POST',
      `/v1/sessions/${sessionId}/invitations/${guest}/decline`,
      { token },
    );
    expect(declined.body).toMatchObject({ status: 'declined' });
    const roster = await t.call('GET', `/v1/sessions/${sessionId}/roster`, { token });
    expect(roster.body.invitations).toEqual([
      expect.objectContaining({ clientId: guest, status: 'declined' }),
    ]);
    const accept = (clientId: string) =>
      t.call('POST', `/v1/sessions/${sessionId}/invitations/${clientId}/accept`, {
        token,
        body: { payWith: 'credit', channel: 'online' },
      });
    expect((await accept(guest)).body.code).toBe('no_invitation');
    expect((await accept(await client(1))).body.code).toBe('no_invitation');
    expect(await available(guest)).toBe(1);
  });

  it('books a make-up visit without spending a credit, only for staff who may override', async () => {
    const sessionId = await session(2);
    const regular = await client(1);
    expect((await enroll(sessionId, regular, { makeUp: true }, desk)).status).toBe(403);
    const madeUp = await enroll(sessionId, regular, { makeUp: true });
    expect(madeUp.status).toBe(201);
    expect(madeUp.body.payment).toEqual({ kind: 'make_up' });
    expect(await available(regular)).toBe(1);
    const refund = await cancel(sessionId, regular, { outcome: 'refund_only' });
    expect(refund.status).toBe(422);
    expect(refund.body.code).toBe('nothing_to_refund');
  });
});

import { PRODUCTS, studioFixtures } from '../support/studio-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;
let flow: string;

beforeAll(async () => {
  t = await startTestApp();
  ({ token } = await t.createStudio('Enrollment Studio'));
  flow = (
    await t.call('POST', '/v1/class-types', {
      token,
      body: { name: 'Flow', format: 'in_person', eventType: 'yoga' },
    })
  ).body.id;
});
afterAll(() => t.close());

let n = 0;
async function clientWithCredits(count: number): Promise<string> {
  const id = (
    await t.call('POST', '/v1/clients', {
      token,
      body: { firstName: 'Ena', lastName: 'Roll', email: `ena${++n}@enroll.example` },
    })
  ).body.id as string;
  if (count > 0) {
    await t.call('POST', `/v1/clients/${id}/credits`, {
      token,
      body: { eventTypes: ['yoga'], count, reason: 'test' },
    });
  }
  return id;
}

async function session(capacity: number): Promise<string> {
  const created = await t.call('POST', '/v1/sessions', {
    token,
    body: {
      classTypeId: flow,
      startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      durationMinutes: 60,
      capacity,
    },
  });
  return created.body.id;
}

const enroll = (sessionId: string, clientId: string, extra: object = {}) =>
  t.call('POST', `/v1/sessions/${sessionId}/enrollments`, {
    token,
    body: { clientId, payWith: 'credit', channel: 'studio', ...extra },
  });

const available = async (clientId: string) => {
  const profile = await t.call('GET', `/v1/clients/${clientId}`, { token });
  return profile.body.balances.credits[0]?.available ?? 0;
};

describe('enrolling with a credit', () => {
  it('spends one credit, and refuses a second place for the same client', async () => {
    const sessionId = await session(5);
    const clientId = await clientWithCredits(2);
    const first = await enroll(sessionId, clientId);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'confirmed', payment: { kind: 'credit' } });
    expect(await available(clientId)).toBe(1);
    const credits = await t.call('GET', `/v1/clients/${clientId}/credits`, { token });
    expect(credits.body.grants[0].ledger.map((l: { kind: string }) => l.kind)).toEqual([
      'granted',
      'reserved',
      'spent',
    ]);
    const again = await enroll(sessionId, clientId);
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('already_enrolled');
    expect(await available(clientId)).toBe(1);
  });

  it('says why when there is no credit, and frees the held seat', async () => {
    const sessionId = await session(1);
    const broke = await clientWithCredits(0);
    const refused = await enroll(sessionId, broke);
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('no_credit_available');
    const other = await clientWithCredits(1);
    expect((await enroll(sessionId, other)).status).toBe(201);
  });

  it('answers session_full, or a place on the waitlist when asked', async () => {
    const sessionId = await session(1);
    await enroll(sessionId, await clientWithCredits(1));
    const late = await clientWithCredits(1);
    const full = await enroll(sessionId, late);
    expect(full.status).toBe(422);
    expect(full.body.code).toBe('session_full');
    const waiting = await enroll(sessionId, late, { waitlist: true });
    expect(waiting.status).toBe(201);
    expect(waiting.body).toMatchObject({ status: 'waitlisted', payment: null });
    expect(await available(late)).toBe(1);
  });

  it('enrolls with a membership that covers the class, not with a frozen one', async () => {
    const monthly = await studioFixtures(t, token).product({
      ...PRODUCTS.monthly,
      name: 'Unlimited',
      price: { amount: 9900, currency: 'USD' },
    });
    const member = await clientWithCredits(0);
    const sale = await t.call('POST', '/v1/sales', {
      token,
      body: { clientId: member, items: [{ productId: monthly }], payment: { method: 'cash' } },
    });
    const sessionId = await session(5);
    const enrolled = await enroll(sessionId, member, { payWith: 'membership' });
    expect(enrolled.status).toBe(201);
    expect(enrolled.body.payment).toEqual({
      kind: 'membership',
      membershipId: sale.body.granted[0].membershipId,
    });
    const day = (offset: number) =>
      new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    await t.call(
      'POST',
      `/v1/clients/${member}/memberships/${sale.body.granted[0].membershipId}/freeze`,
      {
        token,
        body: { from: day(1), until: day(10), reason: 'travel' },
      },
    );
    const frozen = await enroll(await session(5), member, { payWith: 'membership' });
    expect(frozen.status).toBe(422);
    expect(frozen.body.code).toBe('no_way_to_pay');
  });
});

describe('under parallel requests (invariants 1 and 2)', () => {
  it('60 clients into a session of 10: exactly 10 confirmed, 50 refused', async () => {
    const sessionId = await session(10);
    const clients = await Promise.all(Array.from({ length: 60 }, () => clientWithCredits(1)));
    const replies = await Promise.all(clients.map((clientId) => enroll(sessionId, clientId)));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(replies.filter((r) => r.status === 422).map((r) => r.body.code)).toEqual(
      Array(50).fill('session_full'),
    );
    // Nobody refused lost a credit; the ten paid one each.
    const left = await Promise.all(clients.map(available));
    expect(left.filter((c) => c === 0)).toHaveLength(10);
    expect(left.filter((c) => c === 1)).toHaveLength(50);
  });

  it('a client with one credit booking five sessions at once gets exactly one', async () => {
    const clientId = await clientWithCredits(1);
    const sessions = await Promise.all(Array.from({ length: 5 }, () => session(10)));
    const replies = await Promise.all(sessions.map((sessionId) => enroll(sessionId, clientId)));
    expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 422).map((r) => r.body.code)).toEqual(
      Array(4).fill('no_credit_available'),
    );
    expect(await available(clientId)).toBe(0);
    // The four refused places were released: each session still has all ten seats but one.
    const spare = await enroll(sessions[0]!, await clientWithCredits(1));
    expect(spare.status).toBe(201);
  });
});

describe('checking in', () => {
  it('marks a confirmed client present once; an instructor may; nobody else is checked in', async () => {
    const sessionId = await session(5);
    const clientId = await clientWithCredits(1);
    await enroll(sessionId, clientId);
    const instructor = await t.hire(token, 'instructor');
    const url = `/v1/sessions/${sessionId}/enrollments/${clientId}/check-in`;
    // Sent as JSON with no body, as many HTTP clients do: nothing to parse, nothing refused.
    const first = await t.call('POST', url, {
      token: instructor,
      headers: { 'content-type': 'application/json' },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ checkedIn: true });
    expect((await t.call('POST', url, { token: instructor })).status).toBe(200);
    const stranger = await clientWithCredits(0);
    const notEnrolled = await t.call(
      'POST',
      `/v1/sessions/${sessionId}/enrollments/${stranger}/check-in`,
      { token },
    );
    expect(notEnrolled.status).toBe(422);
    expect(notEnrolled.body.code).toBe('not_enrolled');
    const other = await t.createStudio('Other Enrollment Studio');
    expect((await t.call('POST', url, { token: other.token })).status).toBe(404);
  });
});

import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;
let frontDesk: string;

beforeAll(async () => {
  t = await startTestApp();
  ({ token } = await t.createStudio('Credit Studio'));
  frontDesk = await t.hire(token, 'front_desk');
});
afterAll(() => t.close());

let n = 0;
async function client(): Promise<string> {
  const created = await t.call('POST', '/v1/clients', {
    token,
    body: { firstName: 'Cora', lastName: 'Credit', email: `cora${++n}@credit.example` },
  });
  return created.body.id;
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

describe('complimentary credits', () => {
  it('issues credits to one client and shows them on the profile, soonest expiry first', async () => {
    const id = await client();
    const later = await t.call('POST', `/v1/clients/${id}/credits`, {
      token: frontDesk,
      body: { eventTypes: ['yoga'], count: 2, expiresAt: inDays(60), reason: 'Welcome offer' },
    });
    expect(later.status).toBe(201);
    expect(later.body).toMatchObject({ count: 2, available: 2, eventTypes: ['yoga'] });
    const sooner = await t.call('POST', `/v1/clients/${id}/credits`, {
      token: frontDesk,
      body: { eventTypes: ['yoga', 'pilates'], count: 1, expiresAt: inDays(10), reason: 'Sorry' },
    });
    const forever = await t.call('POST', `/v1/clients/${id}/credits`, {
      token: frontDesk,
      body: { eventTypes: ['yoga'], count: 3, reason: 'Loyalty' },
    });
    expect(forever.body.expiresAt).toBeNull();

    const profile = await t.call('GET', `/v1/clients/${id}`, { token: frontDesk });
    expect(profile.status).toBe(200);
    const byType = Object.fromEntries(
      profile.body.balances.credits.map((c: { eventType: string }) => [c.eventType, c]),
    );
    expect(byType.yoga.available).toBe(6);
    expect(byType.yoga.grants.map((g: { grantId: string }) => g.grantId)).toEqual([
      sooner.body.grantId,
      later.body.grantId,
      forever.body.grantId,
    ]);
    expect(byType.pilates.available).toBe(1);
  });

  it('corrects a grant with a reason, never below what is used, and shows the ledger', async () => {
    const id = await client();
    const grant = await t.call('POST', `/v1/clients/${id}/credits`, {
      token,
      body: { eventTypes: ['boxing'], count: 5, reason: 'Prepaid outside the app' },
    });
    const url = `/v1/clients/${id}/credits/${grant.body.grantId}/adjustments`;
    const down = await t.call('POST', url, {
      token,
      body: { delta: -2, reason: 'Typed 5, meant 3' },
    });
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ count: 3, available: 3 });
    const tooFar = await t.call('POST', url, { token, body: { delta: -4, reason: 'oops' } });
    expect(tooFar.status).toBe(422);
    expect(tooFar.body.code).toBe('credit_grant_below_used');
    // Correcting a grant is a manager's: the desk may issue, not adjust.
    expect(
      (await t.call('POST', url, { token: frontDesk, body: { delta: 1, reason: 'x' } })).status,
    ).toBe(403);

    const credits = await t.call('GET', `/v1/clients/${id}/credits`, { token: frontDesk });
    expect(credits.status).toBe(200);
    const [only] = credits.body.grants;
    expect(only.ledger.map((l: { kind: string; change: number }) => [l.kind, l.change])).toEqual([
      ['granted', 5],
      ['adjusted', -2],
    ]);
    expect(only.ledger[1]).toMatchObject({
      reason: 'Typed 5, meant 3',
      actor: { type: 'staff' },
    });
  });

  it('issues to 500 clients in one request, naming the ones that failed', async () => {
    const ids = await Promise.all(Array.from({ length: 498 }, () => client()));
    const unknown = randomUUID();
    const other = await t.createStudio('Elsewhere');
    const foreign = (
      await t.call('POST', '/v1/clients', {
        token: other.token,
        body: { firstName: 'Far', lastName: 'Away', email: 'far@elsewhere.example' },
      })
    ).body.id;
    const body = {
      clientIds: [...ids, unknown, foreign],
      eventTypes: ['yoga'],
      count: 1,
      expiresAt: inDays(30),
      reason: 'Studio anniversary',
    };
    const headers = { 'idempotency-key': 'bulk-1' };
    const bulk = await t.call('POST', '/v1/credits/bulk', { token: frontDesk, headers, body });
    expect(bulk.status).toBe(200);
    expect({ issued: bulk.body.issued, failed: bulk.body.failed }).toEqual({
      issued: 498,
      failed: 2,
    });
    const failures = bulk.body.results.filter((r: { status: string }) => r.status === 'failed');
    expect(failures.map((f: { clientId: string }) => f.clientId).sort()).toEqual(
      [unknown, foreign].sort(),
    );
    expect(failures[0].problem).toMatchObject({ status: 404, code: 'client_not_found' });

    // The same request again with its key: the same answer, nothing issued twice.
    const again = await t.call('POST', '/v1/credits/bulk', { token: frontDesk, headers, body });
    expect(again.body).toEqual(bulk.body);
    const credits = await t.call('GET', `/v1/clients/${ids[0]}/credits`, { token });
    expect(credits.body.grants).toHaveLength(1);
  });

  it('refuses bad input with a field list, never a 500', async () => {
    const id = await client();
    for (const body of [
      { eventTypes: [], count: 1, reason: 'x' },
      { eventTypes: ['Yoga Class'], count: 1, reason: 'x' },
      { eventTypes: ['yoga'], count: 0, reason: 'x' },
      { eventTypes: ['yoga'], count: 1.5, reason: 'x' },
      { eventTypes: ['yoga'], count: 1, reason: '' },
      { eventTypes: ['yoga'], count: 1, reason: 'x', expiresAt: 'tomorrow' },
      { eventTypes: ['yoga'], count: 1, reason: 'x', surprise: true },
    ]) {
      const reply = await t.call('POST', `/v1/clients/${id}/credits`, { token, body });
      expect(reply.status).toBe(400);
      expect(reply.body.errors.length).toBeGreaterThan(0);
    }
    const past = await t.call('POST', `/v1/clients/${id}/credits`, {
      token,
      body: { eventTypes: ['yoga'], count: 1, reason: 'x', expiresAt: '2020-01-01T00:00:00Z' },
    });
    expect(past.status).toBe(400);
    expect(past.body.errors).toEqual([
      { field: 'expiresAt', message: 'must be a time in the future' },
    ]);
  });
});

describe('account credit and payment settings', () => {
  it('adds and deducts account credit with a reason, never below zero', async () => {
    const id = await client();
    const url = `/v1/clients/${id}/account-credit`;
    const added = await t.call('POST', url, { token, body: { amount: 2500, reason: 'Gift card' } });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({ accountCredit: { amount: 2500, currency: 'USD' } });
    const deducted = await t.call('POST', url, {
      token,
      body: { amount: -1000, reason: 'Cashed out' },
    });
    expect(deducted.body.accountCredit.amount).toBe(1500);
    const overdrawn = await t.call('POST', url, {
      token,
      body: { amount: -1501, reason: 'Too much' },
    });
    expect(overdrawn.status).toBe(422);
    expect(overdrawn.body.code).toBe('account_credit_insufficient');
    for (const amount of [0, 12.5, '100']) {
      expect((await t.call('POST', url, { token, body: { amount, reason: 'x' } })).status).toBe(
        400,
      );
    }
    // Moving money by hand is a manager's.
    expect(
      (await t.call('POST', url, { token: frontDesk, body: { amount: 1, reason: 'x' } })).status,
    ).toBe(403);
    const profile = await t.call('GET', `/v1/clients/${id}`, { token });
    expect(profile.body.balances.accountCredit).toEqual({ amount: 1500, currency: 'USD' });
  });

  it('turns pay later off for a client, and the profile shows it', async () => {
    const id = await client();
    const put = await t.call('PUT', `/v1/clients/${id}/payment-settings`, {
      token: frontDesk,
      body: { payLater: false, useAccountCreditForRecurring: true },
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ payLater: false, useAccountCreditForRecurring: true });
    const profile = await t.call('GET', `/v1/clients/${id}`, { token: frontDesk });
    expect(profile.body.paymentSettings).toEqual({
      payLater: false,
      useAccountCreditForRecurring: true,
    });
  });

  it('answers 404 for another studio’s client on every account route', async () => {
    const other = await t.createStudio('Other Credit Studio');
    const id = await client();
    const grant = await t.call('POST', `/v1/clients/${id}/credits`, {
      token,
      body: { eventTypes: ['yoga'], count: 1, reason: 'mine' },
    });
    const calls: [string, string, object?][] = [
      ['GET', `/v1/clients/${id}/credits`],
      ['POST', `/v1/clients/${id}/credits`, { eventTypes: ['yoga'], count: 1, reason: 'x' }],
      [
        'POST',
        `/v1/clients/${id}/credits/${grant.body.grantId}/adjustments`,
        { delta: 1, reason: 'x' },
      ],
      ['POST', `/v1/clients/${id}/account-credit`, { amount: 1, reason: 'x' }],
      [
        'PUT',
        `/v1/clients/${id}/payment-settings`,
        { payLater: false, useAccountCreditForRecurring: false },
      ],
    ];
    for (const [method, url, body] of calls) {
      const reply = await t.call(method as 'GET', url, { token: other.token, body });
      expect([url, reply.status]).toEqual([url, 404]);
    }
  });
});

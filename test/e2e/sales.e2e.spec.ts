import { randomUUID } from 'node:crypto';
import { PRODUCTS, studioFixtures } from '../support/studio-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;
let pack: string;
let monthly: string;
let video: string;
let make: ReturnType<typeof studioFixtures>;

beforeAll(async () => {
  t = await startTestApp();
  ({ token } = await t.createStudio('Sales Studio'));
  make = studioFixtures(t, token);
  pack = await make.product(PRODUCTS.tenClasses);
  monthly = await make.product({ ...PRODUCTS.monthly, eventTypes: ['yoga', 'pilates'] });
  video = await make.product(PRODUCTS.onDemand);
});
afterAll(() => t.close());

const client = () => make.client({ firstName: 'Sal', lastName: 'Buyer' });

const sell = (body: object, headers: Record<string, string> = {}) =>
  t.call('POST', '/v1/sales', { token, body, headers });

describe('selling at the desk', () => {
  it('sells a pack for cash: a paid bill, and ten credits on the profile', async () => {
    const clientId = await client();
    const sale = await sell({
      clientId,
      items: [{ productId: pack }],
      payment: { method: 'cash', reference: 'till 2' },
    });
    expect(sale.status).toBe(201);
    expect(sale.body).toMatchObject({
      clientId,
      total: { amount: 12000, currency: 'USD' },
      paymentMethod: 'cash',
      bill: { status: 'paid' },
      payment: { amount: { amount: 12000, currency: 'USD' }, method: 'cash', reference: 'till 2' },
      granted: [{ kind: 'credits', count: 10 }],
    });
    expect(sale.headers.location).toBe(`/v1/bills/${sale.body.bill.billId}`);

    const profile = await t.call('GET', `/v1/clients/${clientId}`, { token });
    expect(profile.body.balances.credits).toMatchObject([{ eventType: 'yoga', available: 10 }]);
    expect(profile.body.activeItems.packs).toMatchObject([
      { productName: '10 classes', available: 10 },
    ]);
    expect(profile.body.recentSales).toMatchObject([{ saleId: sale.body.saleId }]);
    expect(profile.body.openBills).toEqual([]);
    expect(profile.body.balances.outstanding).toEqual({ amount: 0, currency: 'USD' });
  });

  it('sells a membership to pay later, then takes the bill in two payments', async () => {
    const clientId = await client();
    const sale = await sell({
      clientId,
      items: [{ productId: monthly }, { productId: video }],
      payment: { method: 'pay_later' },
    });
    expect(sale.status).toBe(201);
    expect(sale.body.total).toEqual({ amount: 17400, currency: 'USD' });
    expect(sale.body.bill.status).toBe('open');
    const billId = sale.body.bill.billId;

    let profile = await t.call('GET', `/v1/clients/${clientId}`, { token });
    expect(profile.body.balances.outstanding).toEqual({ amount: 17400, currency: 'USD' });
    expect(profile.body.activeItems.memberships).toMatchObject([
      { name: 'Unlimited monthly', status: 'active', nextPaymentDue: expect.any(String) },
    ]);
    expect(profile.body.activeItems.vod).toMatchObject([{ name: 'On demand' }]);
    expect(profile.body.openBills).toMatchObject([{ billId, outstanding: { amount: 17400 } }]);

    const part = await t.call('POST', `/v1/bills/${billId}/payments`, {
      token,
      body: { amount: 10000, method: 'external' },
    });
    expect(part.status).toBe(201);
    expect(part.body.bill).toMatchObject({ outstanding: { amount: 7400 }, status: 'open' });
    const tooMuch = await t.call('POST', `/v1/bills/${billId}/payments`, {
      token,
      body: { amount: 7401, method: 'cash' },
    });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.code).toBe('payment_exceeds_balance');
    const rest = await t.call('POST', `/v1/bills/${billId}/payments`, {
      token,
      body: { amount: 7400, method: 'card', reference: 'terminal 0042' },
    });
    expect(rest.body.bill).toMatchObject({ outstanding: { amount: 0 }, status: 'paid' });

    const bill = await t.call('GET', `/v1/bills/${billId}`, { token });
    expect(bill.body.payments.map((p: { method: string }) => p.method)).toEqual([
      'external',
      'card',
    ]);
    expect(bill.body.payments[1].reference).toBe('offline:terminal 0042');
    profile = await t.call('GET', `/v1/clients/${clientId}`, { token });
    expect(profile.body.balances.outstanding.amount).toBe(0);
  });

  it('refuses pay later for a client who may not, and takes account credit only as far as it goes', async () => {
    const clientId = await client();
    await t.call('PUT', `/v1/clients/${clientId}/payment-settings`, {
      token,
      body: { payLater: false, useAccountCreditForRecurring: false },
    });
    const later = await sell({
      clientId,
      items: [{ productId: pack }],
      payment: { method: 'pay_later' },
    });
    expect(later.status).toBe(422);
    expect(later.body.code).toBe('pay_later_disabled');

    await t.call('POST', `/v1/clients/${clientId}/account-credit`, {
      token,
      body: { amount: 13000, reason: 'Gift card' },
    });
    const byCredit = await sell({
      clientId,
      items: [{ productId: pack }],
      payment: { method: 'account_credit' },
    });
    expect(byCredit.status).toBe(201);
    const again = await sell({
      clientId,
      items: [{ productId: pack }],
      payment: { method: 'account_credit' },
    });
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('account_credit_insufficient');
    const profile = await t.call('GET', `/v1/clients/${clientId}`, { token });
    expect(profile.body.balances.accountCredit).toEqual({ amount: 1000, currency: 'USD' });
  });

  it('records one sale for a retried request with the same Idempotency-Key', async () => {
    const clientId = await client();
    const body = {
      clientId,
      items: [{ productId: pack, quantity: 2 }],
      payment: { method: 'cash' },
    };
    const first = await sell(body, { 'idempotency-key': 'sale-retry-1' });
    const second = await sell(body, { 'idempotency-key': 'sale-retry-1' });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    const profile = await t.call('GET', `/v1/clients/${clientId}`, { token });
    expect(profile.body.balances.credits[0].available).toBe(20);
    expect(profile.body.recentSales).toHaveLength(1);
  });

  it('freezes a membership (its next payment moves), then cancels it at period end', async () => {
    const clientId = await client();
    const sale = await sell({
      clientId,
      items: [{ productId: monthly }],
      payment: { method: 'cash' },
    });
    const membershipId = sale.body.granted[0].membershipId;
    const due = sale.body.granted[0].nextPaymentDue as string;
    const day = (offset: number) =>
      new Date(Date.parse(`${due}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
    const today = new Date().toISOString().slice(0, 10);
    const inTen = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const inTwenty = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
    const url = `/v1/clients/${clientId}/memberships/${membershipId}`;
    const frozen = await t.call('POST', `${url}/freeze`, {
      token,
      body: { from: inTen, until: inTwenty, reason: 'Travelling' },
    });
    expect(frozen.status).toBe(200);
    expect(frozen.body.nextPaymentDue).toBe(day(10));
    const twice = await t.call('POST', `${url}/freeze`, {
      token,
      body: { from: inTen, until: inTwenty, reason: 'Again' },
    });
    expect(twice.status).toBe(422);
    expect(twice.body.code).toBe('membership_freeze_invalid');
    const thawed = await t.call('POST', `${url}/unfreeze`, { token });
    expect(thawed.body).toMatchObject({ nextPaymentDue: due, freeze: null });

    const cancelled = await t.call('POST', `${url}/cancel`, {
      token,
      body: { when: 'period_end', reason: 'Moving away' },
    });
    expect(cancelled.body.cancelledOn).toBe(due);
    const profile = await t.call('GET', `/v1/clients/${clientId}`, { token });
    expect(profile.body.activeItems.memberships).toMatchObject([
      { membershipId, status: 'ending', nextPaymentDue: null, cancelledOn: due },
    ]);
    expect(today < due).toBe(true);
  });

  it('answers bad sales with a clear 4xx, never a 500', async () => {
    const clientId = await client();
    const cases: [object, number, string?][] = [
      [{ clientId, items: [], payment: { method: 'cash' } }, 400],
      [{ clientId, items: [{ productId: pack, quantity: 0 }], payment: { method: 'cash' } }, 400],
      [{ clientId, items: [{ productId: pack }], payment: { method: 'bitcoin' } }, 400],
      [{ clientId, items: [{ productId: 'nope' }], payment: { method: 'cash' } }, 400],
      [{ clientId, items: [{ productId: pack }] }, 400],
      [
        { clientId, items: [{ productId: randomUUID() }], payment: { method: 'cash' } },
        422,
        'product_not_for_sale',
      ],
      [
        { clientId: randomUUID(), items: [{ productId: pack }], payment: { method: 'cash' } },
        404,
        'client_not_found',
      ],
      [
        { clientId, items: [{ productId: monthly, quantity: 2 }], payment: { method: 'cash' } },
        400,
      ],
    ];
    for (const [body, status, code] of cases) {
      const reply = await sell(body);
      expect([JSON.stringify(body), reply.status]).toEqual([JSON.stringify(body), status]);
      if (code) expect(reply.body.code).toBe(code);
    }
    const unknownBill = await t.call('POST', `/v1/bills/${randomUUID()}/payments`, {
      token,
      body: { amount: 1, method: 'cash' },
    });
    expect(unknownBill.status).toBe(404);
  });

  it('keeps another studio out of sales, bills and memberships', async () => {
    const other = await t.createStudio('Other Sales Studio');
    const clientId = await client();
    const sale = await sell({
      clientId,
      items: [{ productId: monthly }],
      payment: { method: 'pay_later' },
    });
    const billId = sale.body.bill.billId;
    const membershipId = sale.body.granted[0].membershipId;
    const calls: [string, string, object?][] = [
      [
        'POST',
        '/v1/sales',
        { clientId, items: [{ productId: pack }], payment: { method: 'cash' } },
      ],
      ['GET', `/v1/bills/${billId}`],
      ['POST', `/v1/bills/${billId}/payments`, { amount: 1, method: 'cash' }],
      ['GET', `/v1/clients/${clientId}/bills`],
      ['GET', `/v1/clients/${clientId}/sales`],
      ['GET', `/v1/clients/${clientId}/active-items`],
      [
        'POST',
        `/v1/clients/${clientId}/memberships/${membershipId}/cancel`,
        { when: 'now', reason: 'x' },
      ],
    ];
    for (const [method, url, body] of calls) {
      const reply = await t.call(method as 'GET', url, { token: other.token, body });
      expect([url, reply.status]).toEqual([url, 404]);
    }
  });
});

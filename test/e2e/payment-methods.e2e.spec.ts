import { StripePaymentGateway } from '@clientele/billing';
import { FakeStripe } from '../../libs/billing/testing/fake-stripe';
import { PRODUCTS, studioFixtures } from '../support/studio-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/** The desk with Stripe on, Stripe being a fake started here (issue 5, items 2 and 3). */
let t: TestApp;
let stripe: FakeStripe;
let token: string;
let pack: string;
let monthly: string;
let make: ReturnType<typeof studioFixtures>;

beforeAll(async () => {
  stripe = new FakeStripe();
  const at = await stripe.start();
  t = await startTestApp({
    gateway: new StripePaymentGateway({ secretKey: 'sk_test_fake', maxNetworkRetries: 0, ...at }),
  });
  ({ token } = await t.createStudio('Stripe Studio'));
  make = studioFixtures(t, token);
  pack = await make.product(PRODUCTS.tenClasses);
  monthly = await make.product(PRODUCTS.monthly);
});
afterAll(async () => {
  await t.close();
  await stripe.stop();
});

const client = () => make.client({ firstName: 'Card', lastName: 'Holder' });

describe('saved payment methods', () => {
  it('sets up a customer once, lists saved cards, makes one default, removes one', async () => {
    const clientId = await client();
    const url = `/v1/clients/${clientId}/payment-methods`;
    const first = await t.call('POST', `${url}/setup`, { token });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      customerId: expect.stringMatching(/^cus_/),
      clientSecret: expect.stringMatching(/^seti_.+_secret_/),
    });
    const again = await t.call('POST', `${url}/setup`, { token });
    expect(again.body.customerId).toBe(first.body.customerId);

    // The client's device completes the SetupIntents: two cards saved at Stripe.
    stripe.attach(first.body.customerId, { id: 'pm_visa', brand: 'visa', last4: '4242' });
    stripe.attach(first.body.customerId, { id: 'pm_mc', brand: 'mastercard', last4: '4444' });
    const listed = await t.call('GET', url, { token });
    expect(listed.body.methods).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'pm_visa', brand: 'visa', last4: '4242' }),
        expect.objectContaining({ id: 'pm_mc', brand: 'mastercard', last4: '4444' }),
      ]),
    );
    const madeDefault = await t.call('POST', `${url}/pm_mc/default`, { token });
    expect(madeDefault.status).toBe(200);
    expect(madeDefault.body.methods.find((m: { id: string }) => m.id === 'pm_mc').default).toBe(
      true,
    );
    const profile = await t.call('GET', `/v1/clients/${clientId}`, { token });
    expect(profile.body.paymentMethods).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'pm_mc', brand: 'mastercard', last4: '4444', default: true }),
      ]),
    );
    const removed = await t.call('DELETE', `${url}/pm_visa`, { token });
    expect(removed.body.methods.map((m: { id: string }) => m.id)).toEqual(['pm_mc']);
    expect((await t.call('DELETE', `${url}/pm_visa`, { token })).status).toBe(404);
    expect((await t.call('DELETE', `${url}/not-an-id!`, { token })).status).toBe(400);
  });

  it('lists nothing before a customer exists; another studio’s client is not there', async () => {
    const clientId = await client();
    const listed = await t.call('GET', `/v1/clients/${clientId}/payment-methods`, { token });
    expect(listed.body).toEqual({ customerId: null, methods: [] });
    const other = await t.createStudio('Other Stripe Studio');
    const foreign = await t.call('POST', `/v1/clients/${clientId}/payment-methods/setup`, {
      token: other.token,
    });
    expect(foreign.status).toBe(404);
  });
});

describe('charging the saved card', () => {
  it('charges the default method at the desk, once, and refunds it through Stripe', async () => {
    const clientId = await client();
    const { body } = await t.call('POST', `/v1/clients/${clientId}/payment-methods/setup`, {
      token,
    });
    stripe.attach(body.customerId, { id: 'pm_card_visa', brand: 'visa', last4: '4242' });
    await t.call('POST', `/v1/clients/${clientId}/payment-methods/pm_card_visa/default`, { token });
    const headers = { 'idempotency-key': `sale-${clientId}` };
    const sale = () =>
      t.call('POST', '/v1/sales', {
        token,
        headers,
        body: { clientId, items: [{ productId: pack }], payment: { method: 'card' } },
      });
    const sold = await sale();
    expect(sold.status).toBe(201);
    expect(sold.body.payment.reference).toMatch(/^pi_/);
    await sale();
    expect(stripe.charges.filter((c) => c.customer === body.customerId)).toHaveLength(1);

    const refunded = await t.call('POST', `/v1/payments/${sold.body.payment.paymentId}/refunds`, {
      token,
      body: { amount: 2000, reason: 'price match' },
    });
    expect(refunded.status).toBe(201);
    expect(stripe.refunds).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ payment_intent: sold.body.payment.reference, amount: 2000 }),
      ]),
    );
  });

  it('says why a card cannot be charged: no saved card, a decline', async () => {
    const clientId = await client();
    const sell = () =>
      t.call('POST', '/v1/sales', {
        token,
        body: { clientId, items: [{ productId: pack }], payment: { method: 'card' } },
      });
    const none = await sell();
    expect(none.status).toBe(422);
    expect(none.body.code).toBe('no_saved_card');
    const { body } = await t.call('POST', `/v1/clients/${clientId}/payment-methods/setup`, {
      token,
    });
    stripe.attach(body.customerId, { id: 'pm_card_chargeDeclinedInsufficientFunds' });
    await t.call(
      'POST',
      `/v1/clients/${clientId}/payment-methods/pm_card_chargeDeclinedInsufficientFunds/default`,
      { token },
    );
    const declined = await sell();
    expect(declined.status).toBe(422);
    expect(declined.body.code).toBe('card_declined');
    // Nothing was sold: no bill, no credits.
    expect((await t.call('GET', `/v1/clients/${clientId}/bills`, { token })).body.items).toEqual(
      [],
    );
  });

  it('records a card the desk took on its own terminal without charging Stripe', async () => {
    const clientId = await client();
    const before = stripe.charges.length;
    const sold = await t.call('POST', '/v1/sales', {
      token,
      body: {
        clientId,
        items: [{ productId: pack }],
        payment: { method: 'card', reference: 'terminal 7, receipt 0042' },
      },
    });
    expect(sold.status).toBe(201);
    expect(sold.body.payment.reference).toBe('offline:terminal 7, receipt 0042');
    expect(stripe.charges.length).toBe(before);
  });
});

describe('the profile when Stripe cannot be reached', () => {
  it('still answers, with saved methods unknown (null)', async () => {
    const clientId = await client();
    const { body } = await t.call('POST', `/v1/clients/${clientId}/payment-methods/setup`, {
      token,
    });
    stripe.attach(body.customerId, { id: 'pm_card_visa' });
    stripe.failNext({ status: 500, code: 'api_error' });
    const profile = await t.call('GET', `/v1/clients/${clientId}`, { token });
    expect(profile.status).toBe(200);
    expect(profile.body.paymentMethods).toBeNull();
    expect(profile.body.firstName).toBe('Card');
  });
});

describe('membership renewals', () => {
  async function member(method: string): Promise<string> {
    const clientId = await client();
    const { body } = await t.call('POST', `/v1/clients/${clientId}/payment-methods/setup`, {
      token,
    });
    stripe.attach(body.customerId, { id: method });
    await t.call('POST', `/v1/clients/${clientId}/payment-methods/${method}/default`, { token });
    const sold = await t.call('POST', '/v1/sales', {
      token,
      body: { clientId, items: [{ productId: monthly }], payment: { method: 'card' } },
    });
    expect(sold.status).toBe(201);
    return clientId;
  }

  const upkeepAsOf = async (asOf: Date) => {
    await t.runtime.runner.catchUp('client_accounts');
    return t.runtime.upkeep.runOnce(asOf);
  };

  it('charges a renewal to the saved card once, and leaves a declined one open, reported', async () => {
    const paying = await member('pm_card_visa');
    const declining = await member('pm_card_mastercard');
    // Paid at the sale with one card; the card saved since, made default, is declined.
    stripe.attach(
      (await t.call('GET', `/v1/clients/${declining}/payment-methods`, { token })).body.customerId,
      { id: 'pm_card_chargeDeclinedInsufficientFunds' },
    );
    await t.call(
      'POST',
      `/v1/clients/${declining}/payment-methods/pm_card_chargeDeclinedInsufficientFunds/default`,
      { token },
    );
    const nextMonth = new Date(Date.now() + 32 * 86_400_000);
    const before = stripe.charges.length;
    const report = await upkeepAsOf(nextMonth);
    expect(report.declined).toEqual([
      expect.objectContaining({ clientId: declining, code: 'card_declined' }),
    ]);
    expect(report.charged).toBe(1);
    const again = await upkeepAsOf(nextMonth);
    expect(again.charged).toBe(0);
    expect(stripe.charges.length - before).toBe(report.charged);

    const bills = async (clientId: string) =>
      (await t.call('GET', `/v1/clients/${clientId}/bills`, { token })).body.items as {
        status: string;
        origin: { kind: string };
      }[];
    expect((await bills(paying)).map((b) => b.status)).toEqual(['paid', 'paid']);
    const declined = await bills(declining);
    expect(declined.find((b) => b.origin.kind === 'membership')).toMatchObject({ status: 'open' });
  });
});

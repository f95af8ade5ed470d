import { PRODUCTS, studioFixtures } from '../support/studio-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;
let desk: string;
let pack: string;
let make: ReturnType<typeof studioFixtures>;

beforeAll(async () => {
  t = await startTestApp();
  ({ token } = await t.createStudio('Refund Studio'));
  make = studioFixtures(t, token);
  pack = await make.product(PRODUCTS.tenClasses);
  desk = await t.hire(token, 'front_desk');
});
afterAll(() => t.close());

async function paidSale(payment: object): Promise<{ clientId: string; paymentId: string }> {
  const clientId = await make.client({ firstName: 'Re', lastName: 'Fund' });
  const sale = await t.call('POST', '/v1/sales', {
    token,
    body: { clientId, items: [{ productId: pack }], payment },
  });
  expect(sale.status).toBe(201);
  return { clientId, paymentId: sale.body.payment.paymentId };
}

const refund = (paymentId: string, body: object, as = token, headers = {}) =>
  t.call('POST', `/v1/payments/${paymentId}/refunds`, { token: as, body, headers });

describe('refunding a payment', () => {
  it('refunds a card in parts, then all that is left, and never more', async () => {
    const { clientId, paymentId } = await paidSale({ method: 'card' });
    const part = await refund(paymentId, { amount: 5000, reason: 'moved away' });
    expect(part.status).toBe(201);
    expect(part.body).toMatchObject({
      paymentId,
      amount: { amount: 5000, currency: 'USD' },
      payment: { amount: { amount: 12000 }, refunded: { amount: 5000 }, method: 'card' },
    });
    const over = await refund(paymentId, { amount: 7001, reason: 'moved away' });
    expect(over.status).toBe(422);
    expect(over.body.code).toBe('refund_exceeds_payment');
    const rest = await refund(paymentId, { reason: 'moved away' });
    expect(rest.body).toMatchObject({
      amount: { amount: 7000 },
      payment: { refunded: { amount: 12000 } },
    });
    const none = await refund(paymentId, { reason: 'again' });
    expect(none.status).toBe(422);
    expect(none.body.code).toBe('payment_fully_refunded');
    const [bill] = (await t.call('GET', `/v1/clients/${clientId}/bills`, { token })).body.items;
    expect(bill.payments[0].refunded).toEqual({ amount: 12000, currency: 'USD' });
  });

  it('refunds once when the same request is retried with its Idempotency-Key', async () => {
    const { paymentId } = await paidSale({ method: 'cash' });
    const headers = { 'idempotency-key': `refund-${paymentId}` };
    const first = await refund(paymentId, { amount: 3000, reason: 'overcharged' }, token, headers);
    const again = await refund(paymentId, { amount: 3000, reason: 'overcharged' }, token, headers);
    expect(again.status).toBe(201);
    expect(again.body.refundId).toBe(first.body.refundId);
    const payment = await refund(paymentId, { amount: 9001, reason: 'check' });
    // 12000 paid, 3000 refunded once: 9000 is all that is left.
    expect(payment.body.code).toBe('refund_exceeds_payment');
  });

  it('gives account credit back to the account it came from', async () => {
    const clientId = await make.client({ firstName: 'Ac', lastName: 'Credit' });
    await t.call('POST', `/v1/clients/${clientId}/account-credit`, {
      token,
      body: { amount: 20000, reason: 'gift card' },
    });
    const sale = await t.call('POST', '/v1/sales', {
      token,
      body: { clientId, items: [{ productId: pack }], payment: { method: 'account_credit' } },
    });
    await refund(sale.body.payment.paymentId, { reason: 'changed mind' });
    const profile = await t.call('GET', `/v1/clients/${clientId}`, { token });
    expect(profile.body.balances.accountCredit).toEqual({ amount: 20000, currency: 'USD' });
  });

  it('is for staff who may refund, in their own studio, with a reason', async () => {
    const { paymentId } = await paidSale({ method: 'cash' });
    expect((await refund(paymentId, { reason: 'x' }, desk)).status).toBe(403);
    const other = await t.createStudio('Other Refund Studio');
    expect((await refund(paymentId, { reason: 'x' }, other.token)).status).toBe(404);
    const bad = await refund(paymentId, { amount: -5 });
    expect(bad.status).toBe(400);
    expect(new Set(bad.body.errors.map((e: { field: string }) => e.field))).toEqual(
      new Set(['amount', 'reason']),
    );
  });
});

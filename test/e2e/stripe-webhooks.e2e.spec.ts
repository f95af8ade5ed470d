import Stripe from 'stripe';
import { StripePaymentGateway } from '@clientele/billing';
import { decideOnAccount } from '@clientele/entitlements';
import { FakeStripe } from '../../libs/billing/testing/fake-stripe';
import { startTestApp, type TestApp } from '../support/test-app';

const SECRET = 'whsec_test_clientele';
let t: TestApp;
let fake: FakeStripe;
let token: string;
let studioId: string;
let product: string;

beforeAll(async () => {
  fake = new FakeStripe();
  const at = await fake.start();
  t = await startTestApp({
    gateway: new StripePaymentGateway({ secretKey: 'sk_test_fake', maxNetworkRetries: 0, ...at }),
  });
  ({ token, studioId } = await t.createStudio('Webhook Studio'));
  product = (
    await t.call('POST', '/v1/products', {
      token,
      body: { kind: 'service', name: 'Private class', price: { amount: 5000, currency: 'USD' } },
    })
  ).body.id;
});
afterAll(async () => {
  await t.close();
  await fake.stop();
});

let n = 0;
/** A client whose card sale was charged through (the fake) Stripe: its PaymentIntent id. */
async function paidByCard() {
  const clientId = (
    await t.call('POST', '/v1/clients', {
      token,
      body: { firstName: 'Web', lastName: 'Hook', email: `hook${++n}@webhook.example` },
    })
  ).body.id as string;
  const setup = await t.call('POST', `/v1/clients/${clientId}/payment-methods/setup`, { token });
  fake.attach(setup.body.customerId, { id: `pm_${n}` });
  await t.call('POST', `/v1/clients/${clientId}/payment-methods/pm_${n}/default`, { token });
  const sale = await t.call('POST', '/v1/sales', {
    token,
    body: { clientId, items: [{ productId: product }], payment: { method: 'card' } },
  });
  expect(sale.status).toBe(201);
  const reference = sale.body.payment.reference as string;
  expect(reference).toMatch(/^pi_/);
  return {
    clientId,
    customerId: setup.body.customerId as string,
    billId: sale.body.bill.billId as string,
    pi: reference,
  };
}

let events = 0;
function stripeEvent(
  type: string,
  object: object,
  request: { idempotency_key?: string } = {},
  previous?: object,
) {
  return {
    id: `evt_test_${++events}_${Date.now()}`,
    object: 'event',
    api_version: '2025-10-29.clover',
    created: Math.floor(Date.now() / 1000),
    type,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: request.idempotency_key ?? null },
    data: { object, ...(previous ? { previous_attributes: previous } : {}) },
  };
}

const intent = (id: string, extra: object = {}) => ({
  id,
  object: 'payment_intent',
  amount: 5000,
  amount_received: 5000,
  currency: 'usd',
  status: 'succeeded',
  metadata: {},
  last_payment_error: null,
  ...extra,
});

function deliver(event: object, options: { secret?: string; signature?: string } = {}) {
  const payload = JSON.stringify(event);
  const signature =
    options.signature ??
    Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? SECRET });
  return t.call('POST', '/v1/webhooks/stripe', {
    raw: payload,
    headers: { 'stripe-signature': signature },
  });
}

async function accountEvents(clientId: string) {
  return (await t.runtime.store.readStream(`account-${clientId}`)).map((e) => e.type);
}

const bill = async (billId: string) => (await t.call('GET', `/v1/bills/${billId}`, { token })).body;

describe('POST /v1/webhooks/stripe', () => {
  it('answers 503 while no webhook secret is configured, and records nothing', async () => {
    const event = stripeEvent('payment_intent.succeeded', intent('pi_unconfigured'));
    const reply = await deliver(event);
    expect(reply.status).toBe(503);
    expect(reply.headers['content-type']).toContain('application/problem+json');
    expect(reply.body.detail).toContain('STRIPE_WEBHOOK_SECRET');
    expect(await t.runtime.store.readStream(`stripeEvent-${event.id}`)).toEqual([]);
    const health = async () => (await t.call('GET', '/health')).body.paymentGateway;
    expect(await health()).toMatchObject({ webhooksConfigured: false });
    t.runtime.config.stripeWebhookSecret = SECRET;
    // The operator can tell from /health that the secret is set now.
    expect(await health()).toMatchObject({ webhooksConfigured: true });
  });

  it('refuses a forged, missing or stale signature with 400 and records nothing', async () => {
    const { clientId, pi } = await paidByCard();
    const before = await accountEvents(clientId);
    const event = stripeEvent(
      'payment_intent.payment_failed',
      intent(pi, { metadata: { studioId, clientId } }),
    );
    const forged = await deliver(event, { secret: 'whsec_not_ours' });
    expect(forged.status).toBe(400);
    expect(forged.headers['content-type']).toContain('application/problem+json');
    expect(forged.body.errors[0].field).toBe('Stripe-Signature');
    const missing = await t.call('POST', '/v1/webhooks/stripe', { raw: JSON.stringify(event) });
    expect(missing.status).toBe(400);
    const payload = JSON.stringify(event);
    const stale = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: SECRET,
      timestamp: Math.floor(Date.now() / 1000) - 3600,
    });
    expect((await deliver(event, { signature: stale })).status).toBe(400);
    // The body changed after signing.
    const signed = Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
    const tampered = await t.call('POST', '/v1/webhooks/stripe', {
      raw: payload.replace('"amount":5000', '"amount":5001'),
      headers: { 'stripe-signature': signed },
    });
    expect(tampered.status).toBe(400);
    expect(await t.runtime.store.readStream(`stripeEvent-${event.id}`)).toEqual([]);
    expect(await accountEvents(clientId)).toEqual(before);
  });

  it('needs no bearer token, and other routes keep their strict JSON parser', async () => {
    const reply = await deliver(
      stripeEvent('customer.created', { id: 'cus_1', object: 'customer' }),
    );
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ outcome: 'not_handled', replayed: false });
    const strict = await t.call('POST', '/v1/clients', {
      token,
      raw: '{"firstName":"a\\u0000b","lastName":"X","email":"nul@webhook.example"}',
    });
    expect(strict.status).toBe(400);
  });

  it('a payment the desk recorded changes nothing; one it lost is recorded once', async () => {
    const { clientId, pi } = await paidByCard();
    const before = await accountEvents(clientId);
    const known = await deliver(
      stripeEvent('payment_intent.succeeded', intent(pi, { metadata: { studioId, clientId } })),
    );
    expect(known.body).toMatchObject({ outcome: 'already_recorded', replayed: false });
    expect(await accountEvents(clientId)).toEqual(before);

    const lost = stripeEvent(
      'payment_intent.succeeded',
      intent('pi_lost', { metadata: { studioId, clientId, idempotencyKey: 'sale:lost' } }),
    );
    expect((await deliver(lost)).body).toMatchObject({ outcome: 'recorded', replayed: false });
    expect((await deliver(lost)).body).toMatchObject({ outcome: 'recorded', replayed: true });
    // Stripe may send the same fact again under another event id.
    const again = stripeEvent(
      'payment_intent.succeeded',
      intent('pi_lost', { metadata: { studioId, clientId, idempotencyKey: 'sale:lost' } }),
    );
    expect((await deliver(again)).body.outcome).toBe('already_recorded');
    const history = await t.runtime.store.readStream(`account-${clientId}`);
    const confirmed = history.filter((e) => e.type === 'ProcessorPaymentConfirmed');
    expect(confirmed).toHaveLength(1);
    expect(confirmed[0]!.data).toMatchObject({
      reference: 'pi_lost',
      amount: { amount: 5000, currency: 'USD' },
      idempotencyKey: 'sale:lost',
    });
    expect(confirmed[0]!.metadata.actor).toEqual({ type: 'system', id: 'stripe' });
  });

  it('records a refund made in the dashboard once, found by the PaymentIntent, and skips our own', async () => {
    const { clientId, billId, pi } = await paidByCard();
    const charge = (amountRefunded: number) => ({
      id: 'ch_refunded',
      object: 'charge',
      amount: 5000,
      amount_refunded: amountRefunded,
      currency: 'usd',
      payment_intent: pi,
      metadata: {},
    });
    const first = stripeEvent('charge.refunded', charge(2000));
    expect((await deliver(first)).body.outcome).toBe('recorded');
    expect((await deliver(first)).body).toMatchObject({ replayed: true });
    // The same total told by another event: still one refund of 2000.
    expect((await deliver(stripeEvent('charge.refunded', charge(2000)))).body.outcome).toBe(
      'already_recorded',
    );
    // Our own refund carries our key: the command that made it records it.
    const own = stripeEvent('charge.refunded', charge(3000), { idempotency_key: 'refund:abc' });
    expect((await deliver(own)).body.outcome).toBe('own_refund');
    const after = await bill(billId);
    expect(after.payments[0].refunded).toEqual({ amount: 2000, currency: 'USD' });
    expect((await accountEvents(clientId)).filter((e) => e === 'PaymentRefunded')).toHaveLength(1);
  });

  it('a failed debit reopens the bill; a dispute shows on it; each once', async () => {
    const { clientId, billId, pi } = await paidByCard();
    expect((await bill(billId)).status).toBe('paid');
    const failed = stripeEvent(
      'payment_intent.payment_failed',
      intent(pi, {
        status: 'requires_payment_method',
        metadata: { studioId, clientId },
        last_payment_error: { code: 'insufficient_funds', message: 'The debit bounced.' },
      }),
    );
    expect((await deliver(failed)).body.outcome).toBe('recorded');
    expect((await deliver(failed)).body.replayed).toBe(true);
    const dispute = stripeEvent('charge.dispute.created', {
      id: 'dp_1',
      object: 'dispute',
      amount: 5000,
      currency: 'usd',
      charge: 'ch_bounced',
      payment_intent: pi,
      reason: 'fraudulent',
      status: 'needs_response',
      metadata: {},
    });
    expect((await deliver(dispute)).body.outcome).toBe('recorded');
    expect((await deliver(dispute)).body.replayed).toBe(true);
    const reopened = await bill(billId);
    expect(reopened).toMatchObject({
      status: 'open',
      paid: { amount: 0 },
      outstanding: { amount: 5000, currency: 'USD' },
    });
    expect(reopened.payments[0].failed).toMatchObject({
      amount: { amount: 5000 },
      reason: 'The debit bounced.',
    });
    expect(reopened.payments[0].disputes).toEqual([
      expect.objectContaining({ disputeId: 'dp_1', reason: 'fraudulent' }),
    ]);
    const profile = (await t.call('GET', `/v1/clients/${clientId}`, { token })).body;
    expect(profile.balances.outstanding).toEqual({ amount: 5000, currency: 'USD' });
    const types = await accountEvents(clientId);
    expect(types.filter((e) => e === 'PaymentFailed')).toHaveLength(1);
    expect(types.filter((e) => e === 'PaymentDisputed')).toHaveLength(1);
  });

  it('a dispute lost reopens the bill and leaves nothing to refund; one won keeps it paid', async () => {
    const dispute = (id: string, pi: string, status: string) => ({
      id,
      object: 'dispute',
      amount: 5000,
      currency: 'usd',
      payment_intent: pi,
      reason: 'fraudulent',
      status,
      metadata: {},
    });
    const lost = await paidByCard();
    // Closed before Stripe's `created` arrives: the dispute opens and closes at once.
    const closed = stripeEvent('charge.dispute.closed', dispute('dp_lost', lost.pi, 'lost'));
    expect((await deliver(closed)).body.outcome).toBe('recorded');
    expect((await deliver(closed)).body.replayed).toBe(true);
    const created = stripeEvent(
      'charge.dispute.created',
      dispute('dp_lost', lost.pi, 'needs_response'),
    );
    expect((await deliver(created)).body.outcome).toBe('already_recorded');
    expect(await bill(lost.billId)).toMatchObject({
      status: 'open',
      outstanding: { amount: 5000, currency: 'USD' },
      payments: [
        {
          disputes: [
            expect.objectContaining({
              disputeId: 'dp_lost',
              outcome: 'lost',
              closedAt: expect.any(String),
            }),
          ],
        },
      ],
    });
    const paymentId = (await bill(lost.billId)).payments[0].paymentId as string;
    const refund = await t.call('POST', `/v1/payments/${paymentId}/refunds`, {
      token,
      body: { amount: null, reason: 'goodwill' },
    });
    expect(refund.status).toBe(422);
    expect(refund.body.code).toBe('payment_taken_back');

    const won = await paidByCard();
    await deliver(
      stripeEvent('charge.dispute.created', dispute('dp_won', won.pi, 'needs_response')),
    );
    await deliver(stripeEvent('charge.dispute.closed', dispute('dp_won', won.pi, 'won')));
    expect(await bill(won.billId)).toMatchObject({
      status: 'paid',
      payments: [{ disputes: [expect.objectContaining({ disputeId: 'dp_won', outcome: 'won' })] }],
    });
    const types = await accountEvents(lost.clientId);
    expect(types.filter((e) => e === 'PaymentDisputeClosed')).toHaveLength(1);
  });

  it('gives back, a day later and once, a charge that no sale or booking recorded', async () => {
    const { clientId, customerId } = await paidByCard();
    const asClient = { studioId, clientId, customerId, description: 'Private class' };
    // Charged at Stripe, then the process died before the sale was recorded.
    const { reference: lost } = await t.runtime.gateway.charge({
      ...asClient,
      amount: { amount: 5000, currency: 'USD' },
      idempotencyKey: 'sale:crashed',
    });
    // Charged, told by Stripe first, and recorded a moment later: the usual race.
    const { reference: late } = await t.runtime.gateway.charge({
      ...asClient,
      amount: { amount: 2500, currency: 'USD' },
      idempotencyKey: 'payment:late',
    });
    const succeeded = (pi: string, amount: number) =>
      deliver(
        stripeEvent(
          'payment_intent.succeeded',
          intent(pi, { amount, amount_received: amount, metadata: { studioId, clientId } }),
        ),
      );
    expect((await succeeded(lost, 5000)).body.outcome).toBe('recorded');
    expect((await succeeded(late, 2500)).body.outcome).toBe('recorded');
    const { bill: owing } = await t
      .call('POST', '/v1/sales', {
        token,
        body: { clientId, items: [{ productId: product }], payment: { method: 'pay_later' } },
      })
      .then((r) => r.body);
    const context = {
      studioId,
      actor: { type: 'staff' as const, id: 'desk' },
      correlationId: 'late',
      now: new Date(),
    };
    await decideOnAccount(t.runtime.store, context, clientId, (scope) => ({
      type: 'PayBill',
      data: {
        ...scope,
        billId: owing.billId,
        paymentId: 'a3c5e0d2-1b9f-4c1e-9a57-6f2f0f7c1d01',
        amount: 2500,
        method: 'card',
        reference: late,
      },
    }));

    // Other tests' charges are in the same database: this client's part of each report.
    const upkeep = async (hoursLater: number) => {
      await t.runtime.runner.catchUp('client_accounts');
      const report = await t.runtime.upkeep.runOnce(new Date(Date.now() + hoursLater * 3_600_000));
      const mine = <T extends { clientId: string }>(list: T[]) =>
        list.filter((item) => item.clientId === clientId);
      return { givenBack: mine(report.givenBack), failed: mine(report.failed) };
    };
    // Within Stripe's idempotency window a retry could still record it: nothing is given back.
    expect(await upkeep(1)).toEqual({ givenBack: [], failed: [] });
    // Two workers at once: one refund at Stripe, one record, one report of it.
    const [first, second] = await Promise.all([upkeep(26), upkeep(26)]);
    expect([...first.givenBack, ...second.givenBack]).toEqual([
      { clientId, reference: lost, amount: { amount: 5000, currency: 'USD' } },
    ]);
    expect([...first.failed, ...second.failed]).toEqual([]);
    expect(await upkeep(27)).toEqual({ givenBack: [], failed: [] });
    expect(fake.refunds.filter((r) => r.payment_intent === lost)).toEqual([
      expect.objectContaining({ amount: 5000 }),
    ]);
    expect(fake.refunds.filter((r) => r.payment_intent === late)).toEqual([]);
    const givenBack = (await t.runtime.store.readStream(`account-${clientId}`)).filter(
      (e) => e.type === 'UnrecordedChargeRefunded',
    );
    expect(givenBack.map((e) => e.data)).toEqual([
      expect.objectContaining({
        reference: lost,
        amount: { amount: 5000, currency: 'USD' },
        by: 'upkeep',
      }),
    ]);
    // A retry that late cannot record the charge given back.
    const retried = await decideOnAccount(t.runtime.store, context, clientId, (scope) => ({
      type: 'PayBill',
      data: {
        ...scope,
        billId: owing.billId,
        paymentId: 'a3c5e0d2-1b9f-4c1e-9a57-6f2f0f7c1d02',
        amount: 2500,
        method: 'card',
        reference: lost,
      },
    })).catch((error: { code?: string }) => error.code);
    expect(retried).toBe('charge_given_back');
  });

  it('takes events in any order: a refund before the success, a removal before the saving', async () => {
    const { clientId, billId, pi } = await paidByCard();
    const refunded = stripeEvent('charge.refunded', {
      id: 'ch_reordered',
      object: 'charge',
      amount: 5000,
      amount_refunded: 5000,
      currency: 'usd',
      payment_intent: pi,
      metadata: {},
    });
    const succeeded = stripeEvent(
      'payment_intent.succeeded',
      intent(pi, { metadata: { studioId, clientId } }),
    );
    expect((await deliver(refunded)).body.outcome).toBe('recorded');
    expect((await deliver(succeeded)).body.outcome).toBe('already_recorded');
    expect((await deliver(refunded)).body.replayed).toBe(true);
    expect((await bill(billId)).payments[0].refunded.amount).toBe(5000);

    const removed = stripeEvent('payment_method.detached', {
      id: 'pm_card_1',
      object: 'payment_method',
      customer: null,
      metadata: { studioId, clientId },
    });
    const saved = stripeEvent('setup_intent.succeeded', {
      id: 'seti_1',
      object: 'setup_intent',
      payment_method: 'pm_card_1',
      customer: 'cus_1',
      metadata: { studioId, clientId },
    });
    expect((await deliver(removed)).body.outcome).toBe('recorded');
    expect((await deliver(saved)).body.outcome).toBe('already_recorded');
    const saved2 = stripeEvent('setup_intent.succeeded', {
      id: 'seti_2',
      object: 'setup_intent',
      payment_method: 'pm_card_2',
      customer: 'cus_1',
      metadata: { studioId, clientId },
    });
    expect((await deliver(saved2)).body.outcome).toBe('recorded');
    const types = await accountEvents(clientId);
    expect(types.filter((e) => e === 'PaymentMethodRemoved')).toHaveLength(1);
    expect(types.filter((e) => e === 'PaymentMethodSaved')).toHaveLength(1);
  });

  it('finds the client of a saved or removed method by their Stripe customer', async () => {
    const clientId = (
      await t.call('POST', '/v1/clients', {
        token,
        body: { firstName: 'Set', lastName: 'Up', email: `setup${++n}@webhook.example` },
      })
    ).body.id as string;
    const { customerId } = (
      await t.call('POST', `/v1/clients/${clientId}/payment-methods/setup`, { token })
    ).body;
    const saved = stripeEvent('setup_intent.succeeded', {
      id: 'seti_by_customer',
      object: 'setup_intent',
      payment_method: 'pm_by_customer',
      customer: customerId,
      metadata: {},
    });
    expect((await deliver(saved)).body.outcome).toBe('recorded');
    const removed = stripeEvent(
      'payment_method.detached',
      { id: 'pm_by_customer', object: 'payment_method', customer: null, metadata: {} },
      {},
      { customer: customerId },
    );
    expect((await deliver(removed)).body.outcome).toBe('recorded');
    const history = await t.runtime.store.readStream(`account-${clientId}`);
    expect(history.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'ProcessorCustomerLinked',
        'PaymentMethodSaved',
        'PaymentMethodRemoved',
      ]),
    );
    const stranger = stripeEvent('setup_intent.succeeded', {
      id: 'seti_stranger',
      object: 'setup_intent',
      payment_method: 'pm_stranger',
      customer: 'cus_not_ours',
      metadata: {},
    });
    expect((await deliver(stranger)).body.outcome).toBe('unmatched');
  });

  it('after a crash between the account and the event id, a delivery again repeats nothing', async () => {
    const { clientId, pi } = await paidByCard();
    const event = stripeEvent(
      'payment_intent.payment_failed',
      intent(pi, { metadata: { studioId, clientId } }),
    );
    // The first delivery recorded the fact on the account, then the process died.
    await decideOnAccount(
      t.runtime.store,
      {
        studioId,
        actor: { type: 'system', id: 'stripe' },
        correlationId: event.id,
        idempotencyKey: `stripe:${event.id}`,
        now: new Date(),
      },
      clientId,
      (scope) => ({
        type: 'ReconcileWithProcessor',
        data: { ...scope, notice: { kind: 'payment_failed', reference: pi, reason: 'bounced' } },
      }),
    );
    const again = await deliver(event);
    expect(again.body).toMatchObject({ outcome: 'already_recorded', replayed: false });
    expect((await accountEvents(clientId)).filter((e) => e === 'PaymentFailed')).toHaveLength(1);
  });

  it('takes the content type Stripe sends, with its charset', async () => {
    const payload = JSON.stringify(stripeEvent('balance.available', { object: 'balance' }));
    const reply = await t.call('POST', '/v1/webhooks/stripe', {
      raw: payload,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }),
      },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.outcome).toBe('not_handled');
  });

  it('acknowledges an event about nobody of ours, once', async () => {
    const stranger = stripeEvent('charge.dispute.created', {
      id: 'dp_stranger',
      object: 'dispute',
      amount: 100,
      currency: 'usd',
      payment_intent: 'pi_never_seen',
      reason: 'general',
      metadata: {},
    });
    expect((await deliver(stranger)).body).toMatchObject({ outcome: 'unmatched', replayed: false });
    expect((await deliver(stranger)).body).toMatchObject({ outcome: 'unmatched', replayed: true });
  });

  it('records one outcome when the same event arrives twice at once', async () => {
    const { clientId, pi } = await paidByCard();
    const event = stripeEvent(
      'payment_intent.payment_failed',
      intent(pi, { metadata: { studioId, clientId } }),
    );
    const replies = await Promise.all([deliver(event), deliver(event), deliver(event)]);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(replies.filter((r) => !r.body.replayed)).toHaveLength(1);
    expect((await accountEvents(clientId)).filter((e) => e === 'PaymentFailed')).toHaveLength(1);
    expect(await t.runtime.store.readStream(`stripeEvent-${event.id}`)).toHaveLength(1);
  });
});

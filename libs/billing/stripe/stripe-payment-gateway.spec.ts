import { createServer } from 'node:net';
import { NotFound, money } from '@clientele/shared';
import { FakeStripe } from '../testing/fake-stripe';
import { StripePaymentGateway, type StripeGatewayOptions } from './stripe-payment-gateway';

const USD = (cents: number) => money(cents, 'USD');
const studioId = 'studio-1';
const clientId = 'client-1';

describe('StripePaymentGateway against a fake Stripe', () => {
  let fake: FakeStripe;
  let gateway: StripePaymentGateway;
  let api: Pick<StripeGatewayOptions, 'host' | 'port' | 'protocol'>;

  beforeEach(async () => {
    fake = new FakeStripe();
    api = await fake.start();
    gateway = new StripePaymentGateway({ secretKey: 'sk_test_fake', timeoutMs: 500, ...api });
    fake.addCustomer('cus_1');
    fake.attach('cus_1', { id: 'pm_card_visa' });
  });

  afterEach(() => fake.stop());

  const charge = (over: Record<string, unknown> = {}) =>
    gateway.charge({
      studioId,
      clientId,
      amount: USD(2500),
      description: 'Drop-in: Vinyasa',
      idempotencyKey: 'booking:enrollment-1',
      customerId: 'cus_1',
      paymentMethodId: 'pm_card_visa',
      ...over,
    });

  describe('charge', () => {
    it('confirms a PaymentIntent off-session under our idempotency key, naming who it is for', async () => {
      const { reference } = await charge();

      expect(reference).toMatch(/^pi_/);
      expect(fake.charges).toEqual([
        expect.objectContaining({
          id: reference,
          amount: 2500,
          currency: 'usd',
          customer: 'cus_1',
          paymentMethod: 'pm_card_visa',
          idempotencyKey: 'booking:enrollment-1',
          metadata: { studioId, clientId, idempotencyKey: 'booking:enrollment-1' },
        }),
      ]);
    });

    it('charges the same command once, however often it is asked', async () => {
      const first = await charge();
      const again = await charge();

      expect(again).toEqual(first);
      expect(fake.charges).toHaveLength(1);
    });

    it("uses the customer's default method when the caller names none", async () => {
      fake.attach('cus_1', { id: 'pm_card_mastercard', brand: 'mastercard', last4: '4444' });
      await gateway.setDefaultPaymentMethod('cus_1', 'pm_card_mastercard');

      await charge({ paymentMethodId: null });

      expect(fake.charges[0]!.paymentMethod).toBe('pm_card_mastercard');
    });

    it('charges the only saved method when none was made the default, and lists it so', async () => {
      await charge({ paymentMethodId: null });

      expect(fake.charges[0]!.paymentMethod).toBe('pm_card_visa');
      expect(await gateway.listPaymentMethods('cus_1')).toEqual([
        expect.objectContaining({ id: 'pm_card_visa', default: true }),
      ]);
    });

    it('refuses with no_saved_card without a customer or a method, and asks for a default among several', async () => {
      await expect(charge({ customerId: null })).rejects.toMatchObject({
        kind: 'rule_violated',
        code: 'no_saved_card',
      });
      await gateway.detachPaymentMethod('cus_1', 'pm_card_visa');
      await expect(charge({ paymentMethodId: null })).rejects.toMatchObject({
        code: 'no_saved_card',
      });
      fake.attach('cus_1', { id: 'pm_card_visa' });
      fake.attach('cus_1', { id: 'pm_card_mastercard', brand: 'mastercard', last4: '4444' });
      await expect(charge({ paymentMethodId: null })).rejects.toMatchObject({
        code: 'no_default_payment_method',
        extensions: { count: 2 },
      });
      expect((await gateway.listPaymentMethods('cus_1')).map((m) => m.default)).toEqual([
        false,
        false,
      ]);
      expect(fake.charges).toHaveLength(0);
    });

    it("answers a decline as 422 card_declined with Stripe's decline code", async () => {
      fake.attach('cus_1', { id: 'pm_card_chargeDeclinedInsufficientFunds' });

      await expect(
        charge({ paymentMethodId: 'pm_card_chargeDeclinedInsufficientFunds' }),
      ).rejects.toMatchObject({
        kind: 'rule_violated',
        code: 'card_declined',
        extensions: { declineCode: 'insufficient_funds' },
      });
      expect(fake.charges).toHaveLength(0);
    });

    it('answers a card that needs 3-D Secure as 422 authentication_required', async () => {
      fake.attach('cus_1', { id: 'pm_card_authenticationRequired' });

      await expect(
        charge({ paymentMethodId: 'pm_card_authenticationRequired' }),
      ).rejects.toMatchObject({ kind: 'rule_violated', code: 'authentication_required' });
    });

    it('retries a 429 Stripe marks retryable with the same key, and charges once', async () => {
      fake.failNext({ status: 429, code: 'lock_timeout', shouldRetry: true });

      const { reference } = await charge();

      const attempts = fake.requests.filter((r) => r.path === '/v1/payment_intents');
      expect(attempts.map((r) => r.idempotencyKey)).toEqual([
        'booking:enrollment-1',
        'booking:enrollment-1',
      ]);
      expect(fake.charges.map((c) => c.id)).toEqual([reference]);
    });

    it('answers 503 to a 429 Stripe does not mark retryable; the desk retrying charges once', async () => {
      fake.failNext({ status: 429, code: 'rate_limit' });

      await expect(charge()).rejects.toMatchObject({ kind: 'unavailable' });
      expect(fake.charges).toHaveLength(0);

      const { reference } = await charge();
      await charge();
      expect(fake.charges.map((c) => c.id)).toEqual([reference]);
    });

    it('retries after a timeout once Stripe had charged: the retry gets the first answer', async () => {
      fake.delayNext(1500); // Stripe charges, then the answer comes after our 500 ms timeout

      const { reference } = await charge();

      expect(fake.requests.filter((r) => r.path === '/v1/payment_intents')).toHaveLength(2);
      expect(fake.charges.map((c) => c.id)).toEqual([reference]);
    });

    it('answers 503 when Stripe cannot be reached at all', async () => {
      const down = new StripePaymentGateway({
        secretKey: 'sk_test_fake',
        maxNetworkRetries: 1,
        ...api,
        port: await closedPort(),
      });

      await expect(
        down.charge({
          studioId,
          clientId,
          amount: USD(2500),
          description: 'Drop-in',
          idempotencyKey: 'booking:enrollment-2',
          customerId: 'cus_1',
          paymentMethodId: 'pm_card_visa',
        }),
      ).rejects.toMatchObject({ kind: 'unavailable', code: 'unavailable' });
    });
  });

  describe('refund', () => {
    it('refunds in part, then the rest, and never more than was charged', async () => {
      const { reference } = await charge();

      await gateway.refund(reference, USD(1000), 'refund:r1');
      await gateway.refund(reference, USD(1000), 'refund:r1'); // a retry: no second refund
      await gateway.refund(reference, USD(1500), 'refund:r2');
      await expect(gateway.refund(reference, USD(1), 'refund:r3')).rejects.toMatchObject({
        kind: 'rule_violated',
        code: 'refund_exceeds_payment',
      });

      expect(fake.refunds.map((r) => r.amount)).toEqual([1000, 1500]);
    });

    it('refuses a refund above what is left unrefunded', async () => {
      const { reference } = await charge();
      await gateway.refund(reference, USD(2000), 'refund:r1');

      await expect(gateway.refund(reference, USD(600), 'refund:r2')).rejects.toMatchObject({
        code: 'refund_exceeds_payment',
      });
      expect(fake.refunds.map((r) => r.amount)).toEqual([2000]);
    });

    it("leaves a payment taken on the desk's terminal to the terminal", async () => {
      await gateway.refund('offline:receipt-42', USD(500), 'refund:r1');

      expect(fake.requests).toHaveLength(0);
    });
  });

  describe('customers and saved methods', () => {
    it('creates a customer when first needed, once, and keeps an existing one', async () => {
      const first = await gateway.ensureCustomer(studioId, 'client-2', null);
      const again = await gateway.ensureCustomer(studioId, 'client-2', null);

      expect(first).toMatch(/^cus_/);
      expect(again).toBe(first);
      expect(await gateway.ensureCustomer(studioId, 'client-2', first)).toBe(first);
      expect(fake.requests.filter((r) => r.path === '/v1/customers')).toHaveLength(2);
    });

    it('answers the client secret of a SetupIntent for cards and SEPA debits', async () => {
      const { clientSecret } = await gateway.createSetupIntent('cus_1');

      expect(clientSecret).toMatch(/^seti_.+_secret_/);
    });

    it('lists saved methods with brand, last 4, expiry and which is the default', async () => {
      fake.attach('cus_1', { id: 'pm_sepa', type: 'sepa_debit', last4: '3000' });
      await gateway.setDefaultPaymentMethod('cus_1', 'pm_sepa');

      expect(await gateway.listPaymentMethods('cus_1')).toEqual([
        {
          id: 'pm_card_visa',
          type: 'card',
          brand: 'visa',
          last4: '4242',
          expMonth: 12,
          expYear: 2034,
          default: false,
        },
        {
          id: 'pm_sepa',
          type: 'sepa_debit',
          brand: '37040044',
          last4: '3000',
          expMonth: null,
          expYear: null,
          default: true,
        },
      ]);
    });

    it('removes a saved method', async () => {
      await gateway.detachPaymentMethod('cus_1', 'pm_card_visa');

      expect(await gateway.listPaymentMethods('cus_1')).toEqual([]);
    });

    it("answers 404 for another customer's method or an unknown one", async () => {
      fake.addCustomer('cus_other');
      fake.attach('cus_other', { id: 'pm_theirs' });

      await expect(gateway.detachPaymentMethod('cus_1', 'pm_theirs')).rejects.toBeInstanceOf(
        NotFound,
      );
      await expect(gateway.setDefaultPaymentMethod('cus_1', 'pm_nope')).rejects.toBeInstanceOf(
        NotFound,
      );
      expect(await gateway.listPaymentMethods('cus_other')).toHaveLength(1);
    });
  });
});

/** A port nothing listens on: Stripe down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

import Stripe from 'stripe';
import { NotFound, type Money } from '@clientele/shared';
import type {
  CardCharge,
  ChargeResult,
  PaymentGateway,
  SavedPaymentMethod,
} from '../application/payment-gateway';
import {
  AuthenticationRequired,
  CardDeclined,
  NoDefaultPaymentMethod,
  NoSavedCard,
  fromStripeError,
} from './stripe-errors';

export interface StripeGatewayOptions {
  secretKey: string;
  /** Per attempt. A desk is waiting: well under Stripe's own default of 80 s. */
  timeoutMs?: number;
  /**
   * Retries of the library itself, on a connection error, a timeout, a 409, a 5xx, and a 429
   * Stripe marks `Stripe-Should-Retry: true`; each with the same Idempotency-Key.
   */
  maxNetworkRetries?: number;
  /** Another API base than api.stripe.com (the tests' fake Stripe). */
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
}

/**
 * Payments through Stripe. Stateless: the customer id comes from the caller, who records it on
 * the client's account. Each money movement carries our command's idempotency key as Stripe's,
 * so a retried command, or the library's own retry after a timeout, moves money once (ADR 0011).
 */
export class StripePaymentGateway implements PaymentGateway {
  readonly name = 'stripe';
  private readonly stripe: Stripe;

  constructor(options: StripeGatewayOptions) {
    this.stripe = new Stripe(options.secretKey, {
      timeout: options.timeoutMs ?? 15_000,
      maxNetworkRetries: options.maxNetworkRetries ?? 2,
      appInfo: { name: 'Clientele' },
      telemetry: false,
      ...(options.host ? { host: options.host } : {}),
      ...(options.port ? { port: options.port } : {}),
      ...(options.protocol ? { protocol: options.protocol } : {}),
    });
  }

  async charge(charge: CardCharge): Promise<ChargeResult> {
    const customer = charge.customerId;
    if (!customer) throw new NoSavedCard();
    const paymentMethod = charge.paymentMethodId ?? (await this.methodToCharge(customer));
    const intent = await this.call(() =>
      this.stripe.paymentIntents.create(
        {
          amount: charge.amount.amount,
          currency: charge.amount.currency.toLowerCase(),
          customer,
          payment_method: paymentMethod,
          confirm: true,
          off_session: true,
          // Whatever types the account enables, but never one that needs a redirect: no one
          // is there to follow it.
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
          description: charge.description,
          // What the webhooks reconcile the payment from.
          metadata: {
            studioId: charge.studioId,
            clientId: charge.clientId,
            idempotencyKey: charge.idempotencyKey,
          },
        },
        { idempotencyKey: charge.idempotencyKey },
      ),
    );
    switch (intent.status) {
      // A debit (SEPA) settles days later: a failure then arrives as a webhook.
      case 'succeeded':
      case 'processing':
        return { reference: intent.id };
      case 'requires_action':
        throw new AuthenticationRequired();
      default: {
        const failure = intent.last_payment_error;
        throw new CardDeclined(
          failure?.decline_code ?? failure?.code ?? intent.status,
          failure?.message ?? `The payment ended as ${intent.status}.`,
        );
      }
    }
  }

  async refund(reference: string, amount: Money, idempotencyKey: string): Promise<void> {
    // A payment taken on the desk's terminal before Stripe was set up: refunded there too.
    if (!reference.startsWith('pi_')) return;
    await this.call(() =>
      this.stripe.refunds.create(
        { payment_intent: reference, amount: amount.amount, metadata: { idempotencyKey } },
        { idempotencyKey },
      ),
    );
  }

  async ensureCustomer(
    studioId: string,
    clientId: string,
    existingCustomerId: string | null,
  ): Promise<string> {
    if (existingCustomerId) return existingCustomerId;
    // Two first needs at once (or a retry before the id was recorded) make one customer.
    const customer = await this.call(() =>
      this.stripe.customers.create(
        { metadata: { studioId, clientId } },
        { idempotencyKey: `customer:${studioId}:${clientId}` },
      ),
    );
    return customer.id;
  }

  async createSetupIntent(customerId: string): Promise<{ clientSecret: string }> {
    const intent = await this.call(() =>
      this.stripe.setupIntents.create({
        customer: customerId,
        allowed_payment_method_types: ['card', 'sepa_debit'],
        // Saved to be charged later without the client: Stripe asks for the right mandate.
        usage: 'off_session',
      }),
    );
    return { clientSecret: intent.client_secret! };
  }

  async listPaymentMethods(customerId: string): Promise<SavedPaymentMethod[]> {
    const [defaultId, methods] = await Promise.all([
      this.defaultPaymentMethodId(customerId),
      this.savedMethods(customerId),
    ]);
    const charged = defaultId ?? soleMethod(methods);
    return methods.map((method) => describe(method, method.id === charged));
  }

  async setDefaultPaymentMethod(customerId: string, paymentMethodId: string): Promise<void> {
    await this.ownMethod(customerId, paymentMethodId);
    await this.call(() =>
      this.stripe.customers.update(customerId, {
        invoice_settings: { default_payment_method: paymentMethodId },
      }),
    );
  }

  async detachPaymentMethod(customerId: string, paymentMethodId: string): Promise<void> {
    await this.ownMethod(customerId, paymentMethodId);
    await this.call(() => this.stripe.paymentMethods.detach(paymentMethodId));
  }

  /**
   * The customer's default method; with none set, their only saved method (a SetupIntent does
   * not make the card it saves the default, yet the desk expects that card to be charged).
   */
  private async methodToCharge(customerId: string): Promise<string> {
    const defaultId = await this.defaultPaymentMethodId(customerId);
    if (defaultId) return defaultId;
    const methods = await this.savedMethods(customerId);
    if (methods.length === 0) throw new NoSavedCard();
    const sole = soleMethod(methods);
    if (!sole) throw new NoDefaultPaymentMethod(methods.length);
    return sole;
  }

  private async savedMethods(customerId: string): Promise<Stripe.PaymentMethod[]> {
    const page = await this.call(() =>
      this.stripe.customers.listPaymentMethods(customerId, { limit: 100 }),
    );
    return page.data;
  }

  private async defaultPaymentMethodId(customerId: string): Promise<string | null> {
    const customer = await this.call(() => this.stripe.customers.retrieve(customerId));
    if (customer.deleted) return null;
    const method = customer.invoice_settings.default_payment_method;
    return typeof method === 'string' ? method : (method?.id ?? null);
  }

  /** A method of another customer (another client, another studio) is as good as unknown. */
  private async ownMethod(customerId: string, paymentMethodId: string): Promise<void> {
    const method = await this.call(() =>
      this.stripe.paymentMethods.retrieve(paymentMethodId),
    ).catch((error: unknown) => {
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 404)
        return null;
      throw error;
    });
    const owner = typeof method?.customer === 'string' ? method.customer : method?.customer?.id;
    if (owner !== customerId) throw new NotFound('payment_method', paymentMethodId);
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw fromStripeError(error);
    }
  }
}

function describe(method: Stripe.PaymentMethod, isDefault: boolean): SavedPaymentMethod {
  if (method.card) {
    return {
      id: method.id,
      type: method.type,
      brand: method.card.brand,
      last4: method.card.last4,
      expMonth: method.card.exp_month,
      expYear: method.card.exp_year,
      default: isDefault,
    };
  }
  return {
    id: method.id,
    type: method.type,
    brand: method.sepa_debit?.bank_code ?? null,
    last4: method.sepa_debit?.last4 ?? null,
    expMonth: null,
    expYear: null,
    default: isDefault,
  };
}

const soleMethod = (methods: Stripe.PaymentMethod[]): string | null =>
  methods.length === 1 ? methods[0]!.id : null;

import { randomUUID } from 'node:crypto';
import { RuleViolation, type Money } from '@clientele/shared';

export interface CardCharge {
  studioId: string;
  clientId: string;
  amount: Money;
  description: string;
  /** Derived from our command: the same charge asked twice is one charge at the processor. */
  idempotencyKey: string;
  /** A reference the desk typed in (a terminal's receipt number), when it has one. */
  reference?: string | null;
  /** The client's customer at the processor, for a charge on a saved method. */
  customerId?: string | null;
  /** The saved method to charge; absent means the customer's default one. */
  paymentMethodId?: string | null;
}

export interface ChargeResult {
  /** The processor's id of the payment, recorded on it, for refunds and reconciliation. */
  reference: string;
}

/** A card or a debit mandate saved at the processor, as the desk shows it. */
export interface SavedPaymentMethod {
  id: string;
  /** `card`, `sepa_debit`, … as the processor names it. */
  type: string;
  /** The card's brand (`visa`), or the bank's code for a debit; null when unknown. */
  brand: string | null;
  last4: string | null;
  /** A card's expiry; null for a debit mandate. */
  expMonth: number | null;
  expYear: number | null;
  default: boolean;
}

/**
 * How card payments are taken. A decline or a card that needs the client's authentication is a
 * RuleViolation (422, the bill stays open); the processor out of reach is Unavailable (503).
 */
export interface PaymentGateway {
  readonly name: 'offline' | 'stripe';
  charge(charge: CardCharge): Promise<ChargeResult>;
  /** Gives back a charge whose sale could not be recorded after all. */
  refund(reference: string, amount: Money, idempotencyKey: string): Promise<void>;
  /**
   * The client's customer at the processor: `existingCustomerId` when there is one, else a new
   * one. The caller records the id; asked twice for the same client, it answers the same one.
   */
  ensureCustomer(
    studioId: string,
    clientId: string,
    existingCustomerId: string | null,
  ): Promise<string>;
  /** The secret a client's device needs to save a card or a SEPA debit mandate. */
  createSetupIntent(customerId: string): Promise<{ clientSecret: string }>;
  listPaymentMethods(customerId: string): Promise<SavedPaymentMethod[]>;
  setDefaultPaymentMethod(customerId: string, paymentMethodId: string): Promise<void>;
  /** Removes a saved method; one that is not this customer's answers 404. */
  detachPaymentMethod(customerId: string, paymentMethodId: string): Promise<void>;
}

/** Saved methods live at Stripe: without it, the desk takes cards on its own terminal. */
export class StripeNotConfigured extends RuleViolation {
  constructor() {
    super(
      'stripe_not_configured',
      'Saved payment methods need Stripe; set STRIPE_SECRET_KEY to use them.',
    );
  }
}

export const PAYMENT_GATEWAY = Symbol('PaymentGateway');

/**
 * Cards taken on the studio's own terminal, outside Clientele: nothing is charged here. The
 * payment is recorded with the terminal's receipt number when the desk gives one, or a reference
 * of ours, so a sale paid by card at the desk reads as such in bills and reports.
 */
export class OfflinePaymentGateway implements PaymentGateway {
  readonly name = 'offline';

  charge(charge: CardCharge): Promise<ChargeResult> {
    return Promise.resolve({ reference: `offline:${charge.reference ?? randomUUID()}` });
  }

  refund(): Promise<void> {
    // Nothing was charged here; the desk refunds on its terminal.
    return Promise.resolve();
  }

  ensureCustomer(): Promise<string> {
    return Promise.reject(new StripeNotConfigured());
  }

  createSetupIntent(): Promise<{ clientSecret: string }> {
    return Promise.reject(new StripeNotConfigured());
  }

  listPaymentMethods(): Promise<SavedPaymentMethod[]> {
    return Promise.reject(new StripeNotConfigured());
  }

  setDefaultPaymentMethod(): Promise<void> {
    return Promise.reject(new StripeNotConfigured());
  }

  detachPaymentMethod(): Promise<void> {
    return Promise.reject(new StripeNotConfigured());
  }
}

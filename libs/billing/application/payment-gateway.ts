import { randomUUID } from 'node:crypto';
import type { Money } from '@clientele/shared';

export interface CardCharge {
  studioId: string;
  clientId: string;
  amount: Money;
  description: string;
  /** Derived from our command: the same charge asked twice is one charge at the processor. */
  idempotencyKey: string;
  /** A reference the desk typed in (a terminal's receipt number), when it has one. */
  reference?: string | null;
}

export interface ChargeResult {
  /** The processor's id of the payment, recorded on it, for refunds and reconciliation. */
  reference: string;
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
}

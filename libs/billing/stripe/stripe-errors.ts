import Stripe from 'stripe';
import { Conflict, RuleViolation, Unavailable } from '@clientele/shared';

/** The issuer said no. `declineCode` is Stripe's (`insufficient_funds`, `expired_card`…). */
export class CardDeclined extends RuleViolation {
  constructor(
    readonly declineCode: string,
    message: string,
  ) {
    super('card_declined', `The card was declined (${declineCode}): ${message}`, { declineCode });
  }
}

/** The bank wants the client present (3-D Secure): an off-session charge cannot do that. */
export class AuthenticationRequired extends RuleViolation {
  constructor() {
    super(
      'authentication_required',
      'The bank asks the client to authenticate this payment; it cannot be charged without them.',
    );
  }
}

export class NoSavedCard extends RuleViolation {
  constructor() {
    super('no_saved_card', 'The client has no saved payment method to charge.');
  }
}

/** Several saved methods and none made the default: which one to charge is the client's call. */
export class NoDefaultPaymentMethod extends RuleViolation {
  constructor(count: number) {
    super(
      'no_default_payment_method',
      `The client has ${count} saved payment methods and none is the default; make one the default first.`,
      { count },
    );
  }
}

/** Stripe's own check of invariant 3: a refund above what is left on the payment. */
export class RefundExceedsCharge extends RuleViolation {
  constructor(message: string) {
    super('refund_exceeds_payment', message);
  }
}

/**
 * Our errors for Stripe's. Anything not named here (an invalid request) is a bug of ours and
 * stays a 500 with Stripe's message.
 */
export function fromStripeError(error: unknown): unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error;
  if (error instanceof Stripe.errors.StripeCardError) {
    if (
      error.code === 'authentication_required' ||
      error.decline_code === 'authentication_required'
    )
      return new AuthenticationRequired();
    return new CardDeclined(error.decline_code ?? error.code ?? 'declined', error.message);
  }
  if (error instanceof Stripe.errors.StripeIdempotencyError) {
    // Our key was reused with other parameters: a command's key named two different charges.
    return new Conflict('idempotency_key_reused', error.message);
  }
  if (error instanceof Stripe.errors.StripeInvalidRequestError) {
    if (error.code === 'amount_too_large' || error.code === 'charge_already_refunded')
      return new RefundExceedsCharge(error.message);
    return error;
  }
  if (
    error instanceof Stripe.errors.StripeRateLimitError ||
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeAPIError
  ) {
    return new Unavailable(`Stripe cannot be reached just now: ${error.message}`, 2);
  }
  if (
    error instanceof Stripe.errors.StripeAuthenticationError ||
    error instanceof Stripe.errors.StripePermissionError
  ) {
    // A revoked or wrong key: nothing the desk can fix by retrying, but not their input either.
    return new Unavailable(`Stripe refused our API key: ${error.message}`, 60);
  }
  return error;
}

import { RuleViolation, type Money } from '@clientele/shared';

export class NoCreditAvailable extends RuleViolation {
  constructor(eventType: string, count: number) {
    super(
      'no_credit_available',
      `The client has no valid credit for "${eventType}" (${count} needed): none left, or all expired.`,
      { eventType, needed: count },
    );
  }
}

export class CreditGrantCannotGoBelowUsed extends RuleViolation {
  constructor(grantId: string, used: number, countAfter: number) {
    super(
      'credit_grant_below_used',
      `Grant ${grantId} would hold ${countAfter} credits, fewer than the ${used} already spent, reserved or expired.`,
      { grantId, used, countAfter },
    );
  }
}

export class AccountCreditInsufficient extends RuleViolation {
  constructor(balance: Money, needed: Money) {
    super(
      'account_credit_insufficient',
      `The client has ${balance.amount} ${balance.currency} (minor units) of account credit; ${needed.amount} is needed.`,
      { balance, needed },
    );
  }
}

export class PayLaterDisabled extends RuleViolation {
  constructor(clientId: string) {
    super(
      'pay_later_disabled',
      'Pay later is disabled for this client: every purchase needs an immediate payment.',
      { clientId },
    );
  }
}

export class PaymentExceedsBalance extends RuleViolation {
  constructor(billId: string, outstanding: Money, amount: Money) {
    super(
      'payment_exceeds_balance',
      `Bill ${billId} has ${outstanding.amount} left to pay; a payment of ${amount.amount} is more.`,
      { billId, outstanding, amount },
    );
  }
}

export class BillAlreadyPaid extends RuleViolation {
  constructor(billId: string) {
    super('bill_already_paid', `Bill ${billId} is already paid.`, { billId });
  }
}

export class ProductNotForSale extends RuleViolation {
  constructor(productId: string, why: string) {
    super('product_not_for_sale', `Product ${productId} cannot be sold: ${why}.`, { productId });
  }
}

export class MembershipNotActive extends RuleViolation {
  constructor(membershipId: string, status: string) {
    super('membership_not_active', `Membership ${membershipId} is ${status}.`, {
      membershipId,
      membershipStatus: status,
    });
  }
}

export class MembershipFreezeInvalid extends RuleViolation {
  constructor(membershipId: string, why: string) {
    super('membership_freeze_invalid', `Membership ${membershipId} cannot be frozen: ${why}.`, {
      membershipId,
    });
  }
}

export class ReservationNotSpendable extends RuleViolation {
  constructor(reservationId: string, status: string) {
    super(
      'reservation_not_spendable',
      `Reservation ${reservationId} was ${status}; it cannot be spent.`,
      { reservationId, reservationStatus: status },
    );
  }
}

export class RefundExceedsPayment extends RuleViolation {
  constructor(paymentId: string, refundable: Money, amount: Money) {
    super(
      'refund_exceeds_payment',
      `Payment ${paymentId} has ${refundable.amount} left to refund; a refund of ${amount.amount} is more.`,
      { paymentId, refundable, amount },
    );
  }
}

export class BillVoided extends RuleViolation {
  constructor(billId: string) {
    super('bill_voided', `Bill ${billId} was voided: nothing is owed on it.`, { billId });
  }
}

/**
 * A charge the upkeep gave back as never recorded (ADR 0012) cannot pay a bill after all: a retry
 * that late must charge anew.
 */
export class ChargeGivenBack extends RuleViolation {
  constructor(reference: string) {
    super(
      'charge_given_back',
      `The card charge ${reference} was given back because no sale or booking recorded it; take the payment again.`,
      { reference },
    );
  }
}

/** A bounced debit or a lost dispute: the money is no longer the studio's to give back. */
export class PaymentTakenBack extends RuleViolation {
  constructor(paymentId: string) {
    super(
      'payment_taken_back',
      `Payment ${paymentId} failed or was lost to a dispute at the card processor: there is nothing left to refund.`,
      { paymentId },
    );
  }
}

export class PaymentFullyRefunded extends RuleViolation {
  constructor(paymentId: string) {
    super('payment_fully_refunded', `Payment ${paymentId} was refunded in full already.`, {
      paymentId,
    });
  }
}

/** What a row of an import would add is already on the account from another file or a sale. */
export class AlreadyImported extends RuleViolation {
  constructor(what: string, existingId: string) {
    super('already_imported', `The client already holds ${what} (${existingId}).`, {
      existingId,
    });
  }
}

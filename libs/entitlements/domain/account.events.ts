import type { ImportedFrom, Money } from '@clientele/shared';

/**
 * A client's account: what they hold (credits, memberships, video access, account credit) and
 * what they owe and paid (sales, bills, payments). One stream per client, because every rule
 * here is about one client's balance, and one stream makes each of those rules one expected
 * revision (ADR 0009).
 */
export const accountStream = (clientId: string) => `account-${clientId}`;

/** Where credits came from: the ledger shows it on every grant. */
export type CreditSource =
  | { kind: 'sale'; saleId: string; productId: string; productName: string }
  | { kind: 'membership'; membershipId: string; periodFrom: string }
  | { kind: 'complimentary'; reason: string }
  /** What the client had left in the product the studio used before (ADR 0021). */
  | {
      kind: 'import';
      /** The catalog's pack or pass, when the row named one; null for a plain count of credits. */
      productId: string | null;
      productName: string | null;
      /** When the client bought them there, if the file said. */
      purchasedOn: LocalDate | null;
      importedFrom: ImportedFrom;
    };

/**
 * The product a grant's credits are a pack of (bought here, or imported as a pack), or null for
 * credits of a membership, a complimentary grant or a plain imported count: packs are these.
 */
export function packName(source: CreditSource): string | null {
  if (source.kind === 'sale') return source.productName;
  if (source.kind === 'import') return source.productName;
  return null;
}

export interface BillingPeriod {
  unit: 'week' | 'month' | 'year';
  count: number;
}

/** A day in the studio's time zone, YYYY-MM-DD: memberships run by days, not instants. */
export type LocalDate = string;

export type PaymentMethod = 'cash' | 'external' | 'card' | 'account_credit';

/** How a bank closed a dispute, in Stripe's words. */
export type DisputeOutcome = 'won' | 'lost' | 'warning_closed';

export interface SaleLine {
  lineId: string;
  productId: string;
  kind: 'membership' | 'class_pack' | 'private_pass' | 'vod' | 'service';
  name: string;
  quantity: number;
  unitPrice: Money;
  total: Money;
}

export interface BillLine {
  description: string;
  amount: Money;
}

export type AccountEvent =
  | {
      type: 'CreditsGranted';
      data: {
        clientId: string;
        grantId: string;
        eventTypes: string[];
        count: number;
        /** null: never expires, or (validityDays set) not until its first use starts the clock. */
        expiresAt: string | null;
        /** Days of validity counted from the first use; null when the clock started at grant. */
        validityDaysFromFirstUse: number | null;
        source: CreditSource;
      };
    }
  | {
      type: 'CreditGrantActivated';
      data: { clientId: string; grantId: string; expiresAt: string };
    }
  | {
      type: 'CreditGrantAdjusted';
      data: {
        clientId: string;
        grantId: string;
        delta: number;
        reason: string;
        countAfter: number;
      };
    }
  | {
      type: 'CreditsReserved';
      data: {
        clientId: string;
        reservationId: string;
        grantId: string;
        eventType: string;
        count: number;
        /** What it is for: the booking, in words. */
        reason: string;
      };
    }
  | {
      type: 'CreditsSpent';
      data: {
        clientId: string;
        reservationId: string;
        grantId: string;
        count: number;
        reason: string;
      };
    }
  | {
      type: 'CreditsReturned';
      data: {
        clientId: string;
        reservationId: string;
        grantId: string;
        count: number;
        /** Given back after it was spent (a cancelled booking), not just held. */
        wasSpent: boolean;
        reason: string;
      };
    }
  | { type: 'CreditsExpired'; data: { clientId: string; grantId: string; count: number } }
  | {
      type: 'AccountCreditAdded';
      data: { clientId: string; amount: Money; reason: string; balanceAfter: Money };
    }
  | {
      type: 'AccountCreditDeducted';
      data: { clientId: string; amount: Money; reason: string; balanceAfter: Money };
    }
  | {
      type: 'SaleRecorded';
      data: {
        clientId: string;
        saleId: string;
        billId: string;
        lines: SaleLine[];
        total: Money;
        paymentMethod: PaymentMethod | 'pay_later';
      };
    }
  | {
      type: 'BillIssued';
      data: {
        clientId: string;
        billId: string;
        origin:
          | { kind: 'sale'; saleId: string }
          | { kind: 'membership'; membershipId: string; periodFrom: LocalDate }
          /** A place in a session paid by card or held with the payment pending. */
          | { kind: 'booking'; sessionId: string; enrollmentId: string };
        lines: BillLine[];
        total: Money;
        dueOn: LocalDate;
      };
    }
  | {
      type: 'PaymentRecorded';
      data: {
        clientId: string;
        paymentId: string;
        billId: string;
        amount: Money;
        method: PaymentMethod;
        /** The card processor's or the desk's reference (a receipt number), when there is one. */
        reference: string | null;
        /** Account credit left after a payment with it. */
        accountCreditAfter: Money | null;
      };
    }
  | { type: 'BillPaid'; data: { clientId: string; billId: string } }
  | {
      /** Money back to where it came from: the card, the account credit, or the desk's till. */
      type: 'PaymentRefunded';
      data: {
        clientId: string;
        refundId: string;
        paymentId: string;
        billId: string;
        amount: Money;
        method: PaymentMethod;
        /** The processor's id of the refund, or the desk's reference. */
        reference: string | null;
        reason: string;
        accountCreditAfter: Money | null;
      };
    }
  | {
      /** What is left unpaid on a bill is no longer owed (its booking was cancelled). */
      type: 'BillVoided';
      data: { clientId: string; billId: string; unpaid: Money; reason: string };
    }
  | {
      /** The card processor took a payment the account has no record of (a crash lost it). */
      type: 'ProcessorPaymentConfirmed';
      data: { clientId: string; reference: string; amount: Money; idempotencyKey: string | null };
    }
  | {
      /** A payment counted as taken failed later (a debit bounced): its bill owes it again. */
      type: 'PaymentFailed';
      data: {
        clientId: string;
        paymentId: string;
        billId: string;
        /** What the bill owes again: the payment less what had been refunded. */
        amount: Money;
        reference: string;
        reason: string;
      };
    }
  | {
      /** The cardholder disputed a payment with their bank (a chargeback is pending). */
      type: 'PaymentDisputed';
      data: {
        clientId: string;
        paymentId: string;
        billId: string;
        disputeId: string;
        amount: Money;
        reason: string;
      };
    }
  | {
      /**
       * The bank decided a dispute. `lost`: the money went back to the cardholder, so the bill
       * owes it again; `won` or `warning_closed`: the studio keeps it. A lost dispute's `amount`
       * is what it took back: at most what a refund or a bounced debit had not taken already.
       */
      type: 'PaymentDisputeClosed';
      data: {
        clientId: string;
        paymentId: string;
        billId: string;
        disputeId: string;
        amount: Money;
        outcome: DisputeOutcome;
      };
    }
  | {
      /**
       * A charge the processor took that the account never recorded (a crash between the two)
       * was given back: by the upkeep once nothing could record it any more, or at the processor.
       */
      type: 'UnrecordedChargeRefunded';
      data: {
        clientId: string;
        reference: string;
        amount: Money;
        refundReference: string | null;
        by: 'upkeep' | 'processor';
      };
    }
  | {
      type: 'PaymentMethodSaved';
      data: { clientId: string; paymentMethodId: string; setupIntentId: string };
    }
  | { type: 'PaymentMethodRemoved'; data: { clientId: string; paymentMethodId: string } }
  | {
      type: 'MembershipStarted';
      data: {
        clientId: string;
        membershipId: string;
        saleId: string;
        productId: string;
        name: string;
        price: Money;
        billingPeriod: BillingPeriod;
        eventTypes: string[];
        creditsPerPeriod: number | null;
        startsOn: LocalDate;
        currentPeriod: { from: LocalDate; until: LocalDate };
        nextPaymentDue: LocalDate;
      };
    }
  | {
      /**
       * A membership the client held in the product the studio used before, as it stands:
       * nothing was sold or paid here; its first renewal bills on `nextPaymentDue` (ADR 0021).
       */
      type: 'MembershipImported';
      data: {
        clientId: string;
        membershipId: string;
        productId: string;
        name: string;
        price: Money;
        billingPeriod: BillingPeriod;
        eventTypes: string[];
        creditsPerPeriod: number | null;
        startsOn: LocalDate;
        currentPeriod: { from: LocalDate; until: LocalDate };
        nextPaymentDue: LocalDate;
        importedFrom: ImportedFrom;
      };
    }
  | {
      type: 'MembershipRenewed';
      data: {
        clientId: string;
        membershipId: string;
        billId: string;
        period: { from: LocalDate; until: LocalDate };
        nextPaymentDue: LocalDate;
      };
    }
  | {
      type: 'MembershipFrozen';
      data: {
        clientId: string;
        membershipId: string;
        from: LocalDate;
        until: LocalDate;
        reason: string;
        nextPaymentDue: LocalDate;
      };
    }
  | {
      type: 'MembershipUnfrozen';
      data: { clientId: string; membershipId: string; on: LocalDate; nextPaymentDue: LocalDate };
    }
  | {
      type: 'MembershipCancelled';
      data: {
        clientId: string;
        membershipId: string;
        when: 'now' | 'period_end';
        effectiveOn: LocalDate;
        reason: string;
      };
    }
  | {
      type: 'VodAccessGranted';
      data: {
        clientId: string;
        accessId: string;
        saleId: string;
        productId: string;
        name: string;
        from: string;
        until: string;
      };
    }
  | {
      type: 'PaymentSettingsChanged';
      data: { clientId: string; payLater: boolean; useAccountCreditForRecurring: boolean };
    }
  | {
      /** The client's customer at the card processor, where their saved methods live. */
      type: 'ProcessorCustomerLinked';
      data: { clientId: string; processor: 'stripe'; customerId: string };
    };

export type AccountEventType = AccountEvent['type'];
export type AccountEventOf<T extends AccountEventType> = Extract<AccountEvent, { type: T }>;

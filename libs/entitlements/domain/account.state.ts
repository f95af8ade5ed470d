import { assertNever, type ImportedFrom, type Money } from '@clientele/shared';
import type {
  AccountEvent,
  BillingPeriod,
  CreditSource,
  DisputeOutcome,
  LocalDate,
  PaymentMethod,
} from './account.events';

export interface Grant {
  grantId: string;
  eventTypes: string[];
  /** Granted plus adjustments. */
  count: number;
  reserved: number;
  spent: number;
  expired: number;
  expiresAt: string | null;
  validityDaysFromFirstUse: number | null;
  source: CreditSource;
}

export interface Reservation {
  grantId: string;
  count: number;
  status: 'reserved' | 'spent' | 'returned';
  /** Whether it was spent before it was returned (a cancelled booking gives back a spent credit). */
  wasSpent: boolean;
}

export interface Bill {
  billId: string;
  total: Money;
  paid: number;
  settled: boolean;
  voided: boolean;
}

export interface Payment {
  billId: string;
  amount: number;
  method: PaymentMethod;
  reference: string | null;
  refunded: number;
  /** The processor said later that the money never came (a bounced debit). */
  failed: boolean;
  /** Taken back by the cardholder's bank: disputes the studio lost. */
  chargedBack: number;
}

export interface Membership {
  membershipId: string;
  productId: string;
  name: string;
  price: Money;
  billingPeriod: BillingPeriod;
  eventTypes: string[];
  creditsPerPeriod: number | null;
  /** Day of the month periods renew on (Jan 31 renews on the last day of shorter months). */
  anchorDay: number;
  currentPeriod: { from: LocalDate; until: LocalDate };
  nextPaymentDue: LocalDate;
  startsOn: LocalDate;
  freeze: { from: LocalDate; until: LocalDate } | null;
  cancellation: { effectiveOn: LocalDate } | null;
  /** The row it was imported from; null for one sold here. */
  importedFrom: ImportedFrom | null;
}

export interface UnrecordedCharge {
  amount: number;
  refunded: number;
}

export interface Dispute {
  paymentId: string;
  billId: string;
  amount: number;
  outcome: DisputeOutcome | null;
}

export interface AccountState {
  currency: string | null;
  grants: ReadonlyMap<string, Grant>;
  reservations: ReadonlyMap<string, Reservation>;
  /** Account credit in minor units of `currency`. */
  accountCredit: number;
  bills: ReadonlyMap<string, Bill>;
  sales: ReadonlySet<string>;
  payments: ReadonlyMap<string, Payment>;
  refunds: ReadonlySet<string>;
  /**
   * Charges the processor confirmed that the account had no record of, by reference: how much,
   * and how much of it was given back since.
   */
  unrecordedCharges: ReadonlyMap<string, UnrecordedCharge>;
  disputes: ReadonlyMap<string, Dispute>;
  /** Saved payment methods told by the processor, and those removed since. */
  savedMethods: ReadonlyMap<string, 'saved' | 'removed'>;
  memberships: ReadonlyMap<string, Membership>;
  vodAccess: ReadonlySet<string>;
  payLater: boolean;
  useAccountCreditForRecurring: boolean;
  /** The client's customer at the card processor, once one was needed. */
  processorCustomerId: string | null;
}

export const initialAccountState: AccountState = {
  currency: null,
  grants: new Map(),
  reservations: new Map(),
  accountCredit: 0,
  bills: new Map(),
  sales: new Set(),
  payments: new Map(),
  refunds: new Set(),
  unrecordedCharges: new Map(),
  disputes: new Map(),
  savedMethods: new Map(),
  memberships: new Map(),
  vodAccess: new Set(),
  payLater: true,
  useAccountCreditForRecurring: false,
  processorCustomerId: null,
};

/** Credits of a grant still free to reserve (not reserved, spent or expired). */
export const remaining = (grant: Grant) =>
  grant.count - grant.reserved - grant.spent - grant.expired;

function withGrant(state: AccountState, grantId: string, change: (grant: Grant) => Grant) {
  const grant = state.grants.get(grantId);
  if (!grant) return state;
  return { ...state, grants: new Map(state.grants).set(grantId, change(grant)) };
}

function withMembership(
  state: AccountState,
  membershipId: string,
  change: (membership: Membership) => Membership,
) {
  const membership = state.memberships.get(membershipId);
  if (!membership) return state;
  return {
    ...state,
    memberships: new Map(state.memberships).set(membershipId, change(membership)),
  };
}

/** Money the processor took back from a bill's payment: the bill owes it again. */
function takenBack(bills: ReadonlyMap<string, Bill>, billId: string, amount: number) {
  const bill = bills.get(billId);
  if (!bill) return bills;
  const paid = bill.paid - amount;
  return new Map(bills).set(billId, { ...bill, paid, settled: bill.total.amount === paid });
}

export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'CreditsGranted': {
      const { grantId, eventTypes, count, expiresAt, validityDaysFromFirstUse, source } =
        event.data;
      const grant: Grant = {
        grantId,
        eventTypes,
        count,
        reserved: 0,
        spent: 0,
        expired: 0,
        expiresAt,
        validityDaysFromFirstUse,
        source,
      };
      return { ...state, grants: new Map(state.grants).set(grantId, grant) };
    }
    case 'CreditGrantActivated':
      return withGrant(state, event.data.grantId, (g) => ({
        ...g,
        expiresAt: event.data.expiresAt,
      }));
    case 'CreditGrantAdjusted':
      return withGrant(state, event.data.grantId, (g) => ({ ...g, count: event.data.countAfter }));
    case 'CreditsReserved': {
      const { reservationId, grantId, count } = event.data;
      const next = withGrant(state, grantId, (g) => ({ ...g, reserved: g.reserved + count }));
      return {
        ...next,
        reservations: new Map(next.reservations).set(reservationId, {
          grantId,
          count,
          status: 'reserved',
          wasSpent: false,
        }),
      };
    }
    case 'CreditsSpent': {
      const { reservationId, grantId, count } = event.data;
      const next = withGrant(state, grantId, (g) => ({
        ...g,
        reserved: g.reserved - count,
        spent: g.spent + count,
      }));
      return {
        ...next,
        reservations: new Map(next.reservations).set(reservationId, {
          grantId,
          count,
          status: 'spent',
          wasSpent: true,
        }),
      };
    }
    case 'CreditsReturned': {
      const { reservationId, grantId, count, wasSpent } = event.data;
      const next = withGrant(state, grantId, (g) =>
        wasSpent ? { ...g, spent: g.spent - count } : { ...g, reserved: g.reserved - count },
      );
      return {
        ...next,
        reservations: new Map(next.reservations).set(reservationId, {
          grantId,
          count,
          status: 'returned',
          wasSpent,
        }),
      };
    }
    case 'CreditsExpired':
      return withGrant(state, event.data.grantId, (g) => ({
        ...g,
        expired: g.expired + event.data.count,
      }));
    case 'AccountCreditAdded':
    case 'AccountCreditDeducted':
      return {
        ...state,
        currency: event.data.balanceAfter.currency,
        accountCredit: event.data.balanceAfter.amount,
      };
    case 'SaleRecorded':
      return {
        ...state,
        currency: event.data.total.currency,
        sales: new Set(state.sales).add(event.data.saleId),
      };
    case 'BillIssued':
      return {
        ...state,
        currency: event.data.total.currency,
        bills: new Map(state.bills).set(event.data.billId, {
          billId: event.data.billId,
          total: event.data.total,
          paid: 0,
          settled: event.data.total.amount === 0,
          voided: false,
        }),
      };
    case 'PaymentRecorded': {
      const { paymentId, billId, amount, method, reference, accountCreditAfter } = event.data;
      const bill = state.bills.get(billId);
      return {
        ...state,
        accountCredit: accountCreditAfter ? accountCreditAfter.amount : state.accountCredit,
        payments: new Map(state.payments).set(paymentId, {
          billId,
          amount: amount.amount,
          method,
          reference,
          refunded: 0,
          failed: false,
          chargedBack: 0,
        }),
        bills: bill
          ? new Map(state.bills).set(billId, { ...bill, paid: bill.paid + amount.amount })
          : state.bills,
      };
    }
    case 'BillPaid': {
      const bill = state.bills.get(event.data.billId);
      if (!bill) return state;
      return {
        ...state,
        bills: new Map(state.bills).set(bill.billId, { ...bill, settled: true }),
      };
    }
    case 'PaymentRefunded': {
      const { refundId, paymentId, amount, accountCreditAfter } = event.data;
      const paid = state.payments.get(paymentId);
      return {
        ...state,
        accountCredit: accountCreditAfter ? accountCreditAfter.amount : state.accountCredit,
        refunds: new Set(state.refunds).add(refundId),
        payments: paid
          ? new Map(state.payments).set(paymentId, {
              ...paid,
              refunded: paid.refunded + amount.amount,
            })
          : state.payments,
      };
    }
    case 'BillVoided': {
      const bill = state.bills.get(event.data.billId);
      if (!bill) return state;
      return {
        ...state,
        bills: new Map(state.bills).set(bill.billId, { ...bill, voided: true }),
      };
    }
    case 'ProcessorPaymentConfirmed':
      return {
        ...state,
        unrecordedCharges: new Map(state.unrecordedCharges).set(event.data.reference, {
          amount: event.data.amount.amount,
          refunded: 0,
        }),
      };
    case 'UnrecordedChargeRefunded': {
      const charge = state.unrecordedCharges.get(event.data.reference);
      if (!charge) return state;
      return {
        ...state,
        unrecordedCharges: new Map(state.unrecordedCharges).set(event.data.reference, {
          ...charge,
          refunded: charge.refunded + event.data.amount.amount,
        }),
      };
    }
    case 'PaymentFailed': {
      const { paymentId, billId, amount } = event.data;
      const paid = state.payments.get(paymentId);
      return {
        ...state,
        payments: paid
          ? new Map(state.payments).set(paymentId, { ...paid, failed: true })
          : state.payments,
        bills: takenBack(state.bills, billId, amount.amount),
      };
    }
    case 'PaymentDisputed': {
      const { disputeId, paymentId, billId, amount } = event.data;
      return {
        ...state,
        disputes: new Map(state.disputes).set(disputeId, {
          paymentId,
          billId,
          amount: amount.amount,
          outcome: null,
        }),
      };
    }
    case 'PaymentDisputeClosed': {
      const { disputeId, paymentId, billId, amount, outcome } = event.data;
      const dispute = state.disputes.get(disputeId);
      const paid = state.payments.get(paymentId);
      return {
        ...state,
        payments:
          paid && outcome === 'lost'
            ? new Map(state.payments).set(paymentId, {
                ...paid,
                chargedBack: paid.chargedBack + amount.amount,
              })
            : state.payments,
        disputes: dispute
          ? new Map(state.disputes).set(disputeId, { ...dispute, outcome })
          : state.disputes,
        // A lost dispute took the money back: the bill owes it again.
        bills: outcome === 'lost' ? takenBack(state.bills, billId, amount.amount) : state.bills,
      };
    }
    case 'PaymentMethodSaved':
      return {
        ...state,
        savedMethods: new Map(state.savedMethods).set(event.data.paymentMethodId, 'saved'),
      };
    case 'PaymentMethodRemoved':
      return {
        ...state,
        savedMethods: new Map(state.savedMethods).set(event.data.paymentMethodId, 'removed'),
      };
    case 'MembershipStarted':
    case 'MembershipImported': {
      const d = event.data;
      const membership: Membership = {
        membershipId: d.membershipId,
        productId: d.productId,
        name: d.name,
        price: d.price,
        billingPeriod: d.billingPeriod,
        eventTypes: d.eventTypes,
        creditsPerPeriod: d.creditsPerPeriod,
        // An imported membership renews on the day its next payment falls, as it did before.
        anchorDay: Number(
          (event.type === 'MembershipStarted' ? d.startsOn : d.nextPaymentDue).slice(8, 10),
        ),
        startsOn: d.startsOn,
        currentPeriod: d.currentPeriod,
        nextPaymentDue: d.nextPaymentDue,
        freeze: null,
        cancellation: null,
        importedFrom: event.type === 'MembershipImported' ? event.data.importedFrom : null,
      };
      return { ...state, memberships: new Map(state.memberships).set(d.membershipId, membership) };
    }
    case 'MembershipRenewed':
      return withMembership(state, event.data.membershipId, (m) => ({
        ...m,
        currentPeriod: event.data.period,
        nextPaymentDue: event.data.nextPaymentDue,
      }));
    // A moved payment date is the day the following periods renew on.
    case 'MembershipFrozen':
      return withMembership(state, event.data.membershipId, (m) => ({
        ...m,
        freeze: { from: event.data.from, until: event.data.until },
        nextPaymentDue: event.data.nextPaymentDue,
        anchorDay: Number(event.data.nextPaymentDue.slice(8, 10)),
      }));
    case 'MembershipUnfrozen':
      return withMembership(state, event.data.membershipId, (m) => ({
        ...m,
        freeze: null,
        nextPaymentDue: event.data.nextPaymentDue,
        anchorDay: Number(event.data.nextPaymentDue.slice(8, 10)),
      }));
    case 'MembershipCancelled':
      return withMembership(state, event.data.membershipId, (m) => ({
        ...m,
        cancellation: { effectiveOn: event.data.effectiveOn },
      }));
    case 'VodAccessGranted':
      return { ...state, vodAccess: new Set(state.vodAccess).add(event.data.accessId) };
    case 'ProcessorCustomerLinked':
      return { ...state, processorCustomerId: event.data.customerId };
    case 'PaymentSettingsChanged':
      return {
        ...state,
        payLater: event.data.payLater,
        useAccountCreditForRecurring: event.data.useAccountCreditForRecurring,
      };
    default:
      return assertNever(event);
  }
}

/**
 * The membership that lets the client book a session of `eventType` on `day`, if any: begun,
 * not cancelled by then, not frozen that day, and covering the event type. Scheduling books
 * with it instead of a credit when it has no credits per period (unlimited visits).
 */
export function membershipCovering(
  state: AccountState,
  eventType: string,
  day: LocalDate,
): Membership | null {
  for (const m of state.memberships.values()) {
    if (!m.eventTypes.includes(eventType)) continue;
    if (day < m.startsOn) continue;
    if (m.cancellation && m.cancellation.effectiveOn <= day) continue;
    if (m.freeze && m.freeze.from <= day && day < m.freeze.until) continue;
    return m;
  }
  return null;
}

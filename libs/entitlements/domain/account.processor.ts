import { money, uuidFrom, type Money } from '@clientele/shared';
import type { AccountEvent, DisputeOutcome } from './account.events';
import type { AccountState, Payment } from './account.state';

/**
 * What the card processor (Stripe) tells us about money and methods after the fact, by webhook:
 * facts, not requests. Each is decided against what the account recorded, so the same notice
 * told twice, or notices told out of order, change the account once (ADR 0011, 0012).
 */
export type ProcessorNotice =
  /** A payment went through: recorded already (the usual case), or lost by a crash. */
  | {
      kind: 'payment_succeeded';
      reference: string;
      amount: Money;
      /** Our key the charge was made under (`sale:…`, `payment:…`, `booking:…`). */
      idempotencyKey: string | null;
    }
  /** A payment we counted as taken failed later (a SEPA debit bounced). */
  | { kind: 'payment_failed'; reference: string; reason: string }
  /** Refunded in total so far, as the processor counts it (refunds made in its dashboard). */
  | { kind: 'refunded'; reference: string; refundedTotal: Money; refundReference: string | null }
  | { kind: 'disputed'; reference: string; disputeId: string; amount: Money; reason: string }
  /** The bank decided; told with the whole dispute, so it stands even before `disputed`. */
  | {
      kind: 'dispute_closed';
      reference: string;
      disputeId: string;
      amount: Money;
      reason: string;
      outcome: DisputeOutcome;
    }
  | { kind: 'method_saved'; paymentMethodId: string; setupIntentId: string }
  | { kind: 'method_removed'; paymentMethodId: string };

/** Whose account, in which money, and the notice (the command's data). */
export interface ReconcileCommand {
  clientId: string;
  currency: string;
  notice: ProcessorNotice;
}

function paymentByReference(
  state: AccountState,
  reference: string,
): { paymentId: string; paid: Payment } | null {
  for (const [paymentId, paid] of state.payments) {
    if (paid.reference === reference) return { paymentId, paid };
  }
  return null;
}

/**
 * What of a payment the processor can still take back: not refunded, not taken back already. A
 * bounced debit takes all of it, a lost dispute its amount; whichever comes second takes only what
 * the first left, or a bill would owe more than it was for.
 */
function stillHeld(paid: Payment): number {
  if (paid.failed) return 0;
  return Math.max(0, paid.amount - paid.refunded - paid.chargedBack);
}

/**
 * Turns a processor's notice into the account's events, or none when the account already says
 * so. A notice about a payment the account never recorded changes nothing but a success, which
 * is recorded once as confirmed by the processor, for the desk to match by hand.
 */
export function reconcileWithProcessor(state: AccountState, c: ReconcileCommand): AccountEvent[] {
  const { notice, clientId } = c;
  switch (notice.kind) {
    case 'payment_succeeded': {
      if (paymentByReference(state, notice.reference)) return [];
      if (state.unrecordedCharges.has(notice.reference)) return [];
      return [
        {
          type: 'ProcessorPaymentConfirmed',
          data: {
            clientId,
            reference: notice.reference,
            amount: notice.amount,
            idempotencyKey: notice.idempotencyKey,
          },
        },
      ];
    }
    case 'payment_failed': {
      const found = paymentByReference(state, notice.reference);
      if (!found || found.paid.failed) return [];
      const { paymentId, paid } = found;
      return [
        {
          type: 'PaymentFailed',
          data: {
            clientId,
            paymentId,
            billId: paid.billId,
            // What the bill owes again: the payment less what was already given back.
            amount: money(stillHeld(paid), c.currency),
            reference: notice.reference,
            reason: notice.reason,
          },
        },
      ];
    }
    case 'refunded': {
      const found = paymentByReference(state, notice.reference);
      if (!found) return refundedUnrecorded(state, c, notice);
      if (found.paid.failed) return [];
      const { paymentId, paid } = found;
      // A lost dispute gave back its part already: never more back in all than was paid.
      const missing =
        Math.min(notice.refundedTotal.amount, paid.amount - paid.chargedBack) - paid.refunded;
      if (missing <= 0) return [];
      // Named by the total it brings the payment to: the same total told again is the same refund.
      const refundId = uuidFrom(`processor-refund:${notice.reference}:${paid.refunded + missing}`);
      if (state.refunds.has(refundId)) return [];
      return [
        {
          type: 'PaymentRefunded',
          data: {
            clientId,
            refundId,
            paymentId,
            billId: paid.billId,
            amount: money(missing, c.currency),
            method: paid.method,
            reference: notice.refundReference,
            reason: 'refunded at the card processor',
            accountCreditAfter: null,
          },
        },
      ];
    }
    case 'disputed':
      return disputed(state, c, notice);
    case 'dispute_closed': {
      const opened = disputed(state, c, notice);
      const dispute = state.disputes.get(notice.disputeId);
      const found = paymentByReference(state, notice.reference);
      if (!found || dispute?.outcome) return opened;
      const takenBack = Math.min(notice.amount.amount, stillHeld(found.paid));
      return [
        ...opened,
        {
          type: 'PaymentDisputeClosed',
          data: {
            clientId,
            paymentId: found.paymentId,
            billId: found.paid.billId,
            disputeId: notice.disputeId,
            amount: notice.outcome === 'lost' ? money(takenBack, c.currency) : notice.amount,
            outcome: notice.outcome,
          },
        },
      ];
    }
    // A removal told before the saving (webhooks come in any order) keeps the method removed.
    case 'method_saved':
      if (state.savedMethods.has(notice.paymentMethodId)) return [];
      return [
        {
          type: 'PaymentMethodSaved',
          data: {
            clientId,
            paymentMethodId: notice.paymentMethodId,
            setupIntentId: notice.setupIntentId,
          },
        },
      ];
    case 'method_removed':
      if (state.savedMethods.get(notice.paymentMethodId) === 'removed') return [];
      return [
        {
          type: 'PaymentMethodRemoved',
          data: { clientId, paymentMethodId: notice.paymentMethodId },
        },
      ];
  }
}

function disputed(
  state: AccountState,
  c: ReconcileCommand,
  notice: { reference: string; disputeId: string; amount: Money; reason: string },
): AccountEvent[] {
  if (state.disputes.has(notice.disputeId)) return [];
  const found = paymentByReference(state, notice.reference);
  if (!found) return [];
  return [
    {
      type: 'PaymentDisputed',
      data: {
        clientId: c.clientId,
        paymentId: found.paymentId,
        billId: found.paid.billId,
        disputeId: notice.disputeId,
        amount: notice.amount,
        reason: notice.reason,
      },
    },
  ];
}

/** A refund at the processor of a charge the account never recorded: counted against it. */
function refundedUnrecorded(
  state: AccountState,
  c: ReconcileCommand,
  notice: { reference: string; refundedTotal: Money; refundReference: string | null },
): AccountEvent[] {
  const charge = state.unrecordedCharges.get(notice.reference);
  if (!charge) return [];
  const missing = Math.min(notice.refundedTotal.amount, charge.amount) - charge.refunded;
  if (missing <= 0) return [];
  return [
    {
      type: 'UnrecordedChargeRefunded',
      data: {
        clientId: c.clientId,
        reference: notice.reference,
        amount: money(missing, c.currency),
        refundReference: notice.refundReference,
        by: 'processor',
      },
    },
  ];
}

/**
 * What is left to give back of a charge the processor took and the account never recorded, or
 * null when there is nothing (it was recorded after all, or given back already).
 */
export function unrecordedChargeLeft(state: AccountState, reference: string): number | null {
  if (paymentByReference(state, reference)) return null;
  const charge = state.unrecordedCharges.get(reference);
  if (!charge || charge.refunded >= charge.amount) return null;
  return charge.amount - charge.refunded;
}

/** The upkeep gave back an unrecorded charge at the processor; recorded once. */
export function refundUnrecordedCharge(
  state: AccountState,
  c: { clientId: string; currency: string; reference: string; amount: number },
): AccountEvent[] {
  const left = unrecordedChargeLeft(state, c.reference);
  if (left === null) return [];
  return [
    {
      type: 'UnrecordedChargeRefunded',
      data: {
        clientId: c.clientId,
        reference: c.reference,
        amount: money(Math.min(left, c.amount), c.currency),
        refundReference: null,
        by: 'upkeep',
      },
    },
  ];
}

import Stripe from 'stripe';
import { InvalidInput, money, type Decider, type Money } from '@clientele/shared';

/**
 * Stripe's webhooks (ADR 0011, 0012): the signature checked on the raw bytes, each event turned
 * into a processor fact about one client's account, and each event id recorded once.
 */

/** What Stripe told, in our words; structurally the account's `ProcessorNotice`. */
export type ProcessorFact =
  | { kind: 'payment_succeeded'; reference: string; amount: Money; idempotencyKey: string | null }
  | { kind: 'payment_failed'; reference: string; reason: string }
  | { kind: 'refunded'; reference: string; refundedTotal: Money; refundReference: string | null }
  | { kind: 'disputed'; reference: string; disputeId: string; amount: Money; reason: string }
  | {
      kind: 'dispute_closed';
      reference: string;
      disputeId: string;
      amount: Money;
      reason: string;
      outcome: (typeof CLOSED)[number];
    }
  | { kind: 'method_saved'; paymentMethodId: string; setupIntentId: string }
  | { kind: 'method_removed'; paymentMethodId: string };

export interface StripeWebhookEvent {
  id: string;
  type: string;
  /** The client and studio the object names in its metadata (ours, set when we created it). */
  owner: { studioId: string; clientId: string } | null;
  /** The Stripe customer the object belongs (or belonged) to: whose account, failing metadata. */
  customer: string | null;
  /** The fact to record; null when the event is not one we act on (or is our own refund). */
  fact: ProcessorFact | null;
  /** Why there is no fact. */
  skipped: 'not_handled' | 'own_refund' | null;
}

/** Stripe signs with HMAC-SHA256 over the exact bytes sent: a 400 for anything not signed by it. */
export function verifyStripeWebhook(
  rawBody: Buffer,
  signature: string | string[] | undefined,
  secret: string,
): Stripe.Event {
  if (typeof signature !== 'string' || signature.length === 0) {
    throw new InvalidInput('The Stripe-Signature header is missing.', [
      { field: 'Stripe-Signature', message: 'is required' },
    ]);
  }
  try {
    return Stripe.webhooks.constructEvent(rawBody, signature, secret);
  } catch (error) {
    throw new InvalidInput(`The Stripe signature does not verify: ${(error as Error).message}`, [
      { field: 'Stripe-Signature', message: 'does not match the body and the webhook secret' },
    ]);
  }
}

/** A Stripe event id as a stream name may hold it. */
export const STRIPE_EVENT_ID = /^evt_[A-Za-z0-9_]{1,200}$/;

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  typeof value === 'string' ? value : (value?.id ?? null);

const amountOf = (minor: number, currency: string): Money => money(minor, currency.toUpperCase());

function ownerOf(metadata: Stripe.Metadata | null | undefined) {
  const studioId = metadata?.studioId;
  const clientId = metadata?.clientId;
  return studioId && clientId ? { studioId, clientId } : null;
}

/** How a dispute closes for good; `warning_closed` was an inquiry that never became one. */
const CLOSED = ['won', 'lost', 'warning_closed'] as const;

/** The fact an event carries, and whose account it is about when the object says. */
export function readStripeEvent(event: Stripe.Event): StripeWebhookEvent {
  const base = { id: event.id, type: event.type };
  const none = (skipped: 'not_handled' | 'own_refund') => ({
    ...base,
    owner: null,
    customer: null,
    fact: null,
    skipped,
  });
  switch (event.type) {
    case 'payment_intent.succeeded': {
      const intent = event.data.object;
      return {
        ...base,
        owner: ownerOf(intent.metadata),
        customer: null,
        fact: {
          kind: 'payment_succeeded',
          reference: intent.id,
          amount: amountOf(intent.amount_received || intent.amount, intent.currency),
          idempotencyKey: intent.metadata?.idempotencyKey ?? null,
        },
        skipped: null,
      };
    }
    case 'payment_intent.payment_failed': {
      const intent = event.data.object;
      const failure = intent.last_payment_error;
      return {
        ...base,
        owner: ownerOf(intent.metadata),
        customer: null,
        fact: {
          kind: 'payment_failed',
          reference: intent.id,
          reason: failure?.message ?? failure?.decline_code ?? failure?.code ?? 'payment failed',
        },
        skipped: null,
      };
    }
    case 'charge.refunded': {
      const charge = event.data.object;
      const reference = idOf(charge.payment_intent);
      // Our own refunds carry our key (`refund:<refundId>`): the command that made them records them.
      if (event.request?.idempotency_key?.startsWith('refund:')) return none('own_refund');
      if (!reference) return none('not_handled');
      const latest = charge.refunds?.data?.[0]?.id ?? null;
      return {
        ...base,
        owner: ownerOf(charge.metadata),
        customer: null,
        fact: {
          kind: 'refunded',
          reference,
          refundedTotal: amountOf(charge.amount_refunded, charge.currency),
          refundReference: latest,
        },
        skipped: null,
      };
    }
    case 'charge.dispute.created': {
      const dispute = event.data.object;
      const reference = idOf(dispute.payment_intent);
      if (!reference) return none('not_handled');
      return {
        ...base,
        owner: ownerOf(dispute.metadata),
        customer: null,
        fact: {
          kind: 'disputed',
          reference,
          disputeId: dispute.id,
          amount: amountOf(dispute.amount, dispute.currency),
          reason: dispute.reason,
        },
        skipped: null,
      };
    }
    case 'charge.dispute.closed': {
      const dispute = event.data.object;
      const reference = idOf(dispute.payment_intent);
      const outcome = CLOSED.find((status) => status === dispute.status);
      if (!reference || !outcome) return none('not_handled');
      return {
        ...base,
        owner: ownerOf(dispute.metadata),
        customer: null,
        fact: {
          kind: 'dispute_closed',
          reference,
          disputeId: dispute.id,
          amount: amountOf(dispute.amount, dispute.currency),
          reason: dispute.reason,
          outcome,
        },
        skipped: null,
      };
    }
    case 'setup_intent.succeeded': {
      const intent = event.data.object;
      const method = idOf(intent.payment_method);
      if (!method) return none('not_handled');
      return {
        ...base,
        owner: ownerOf(intent.metadata),
        customer: idOf(intent.customer),
        fact: { kind: 'method_saved', paymentMethodId: method, setupIntentId: intent.id },
        skipped: null,
      };
    }
    case 'payment_method.detached': {
      const method = event.data.object;
      // Detached: the customer it had is in the previous attributes.
      const previous = event.data.previous_attributes as { customer?: string | null } | undefined;
      return {
        ...base,
        owner: ownerOf(method.metadata),
        customer: previous?.customer ?? idOf(method.customer),
        fact: { kind: 'method_removed', paymentMethodId: method.id },
        skipped: null,
      };
    }
    default:
      return none('not_handled');
  }
}

/** What became of an event: the answer to Stripe, and what a replay answers again. */
export type WebhookOutcome =
  /** Recorded on the client's account. */
  | 'recorded'
  /** The account already said so (the desk recorded it, or an earlier event did). */
  | 'already_recorded'
  /** No account of ours is named by it: acknowledged, recorded here for the audit. */
  | 'unmatched'
  /** Our own refund, recorded by the command that made it. */
  | 'own_refund'
  /** A type we do not act on. */
  | 'not_handled';

/** `stripeEvent-<evt id>`: one stream per Stripe event, holding what became of it. */
export const stripeEventStream = (eventId: string) => `stripeEvent-${eventId}`;

export type StripeEventRecord = {
  type: 'StripeEventHandled';
  data: {
    eventId: string;
    eventType: string;
    outcome: WebhookOutcome;
    clientId: string | null;
  };
};

export type RecordStripeEvent = { type: 'RecordStripeEvent'; data: StripeEventRecord['data'] };

/** Records an event id once: the first outcome stays, a delivery again records nothing. */
export const stripeEventDecider: Decider<
  RecordStripeEvent,
  StripeEventRecord,
  { handled: StripeEventRecord['data'] | null }
> = {
  initialState: { handled: null },
  evolve: (state, event) => (state.handled ? state : { handled: event.data }),
  decide: (command, state) =>
    state.handled ? [] : [{ type: 'StripeEventHandled', data: command.data }],
};

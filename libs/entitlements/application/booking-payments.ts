import type { PaymentGateway } from '@clientele/billing';
import type { EventStore } from '@clientele/eventstore';
import { fold, uuidFrom, type Money, type RequestContext } from '@clientele/shared';
import { accountDecider, bookingBillId } from '../domain/account.decider';
import { accountStream, type AccountEvent, type LocalDate } from '../domain/account.events';
import type { AccountState } from '../domain/account.state';
import { decideOnAccount, previewOnAccount } from './account-commands';
import { chargeThenRecord } from './card-charges';

/** Keyed by the booking or the refund, never replayed by the request's Idempotency-Key. */
const ONCE_PER_BOOKING = { replayByKey: false };

export interface Booking {
  clientId: string;
  sessionId: string;
  enrollmentId: string;
  /** The line on the bill: the class and when. */
  description: string;
  price: Money;
  dueOn: LocalDate;
}

export type BookingPaid =
  | { kind: 'card'; billId: string; paymentId: string; reference: string }
  | { kind: 'hold'; billId: string };

/**
 * The port scheduling takes money for a place through: a drop-in price charged to a card, or
 * held on an open bill; and given back to where it came from when the place is cancelled with
 * a refund or never became a place. Every step is keyed by the enrollment, so any of them may be
 * repeated after a crash or a retry: the card is charged under one idempotency key, the bill is
 * issued once, each payment refunded once.
 */
export class BookingPayments {
  constructor(
    private readonly store: EventStore,
    private readonly gateway: PaymentGateway,
  ) {}

  async charge(context: RequestContext, booking: Booking): Promise<BookingPaid> {
    // A free drop-in charges nothing: its bill is issued paid.
    if (booking.price.amount === 0) return this.hold(context, booking);
    const billId = bookingBillId(booking.enrollmentId);
    const account = await this.account(booking.clientId);
    const recorded = this.paymentOf(account, billId);
    if (recorded) return recorded;
    // Refused before the card is charged: another currency, an unknown client.
    await previewOnAccount(this.store, context, booking.clientId, (scope) => ({
      type: 'BillBooking',
      data: { ...scope, ...booking, payment: { method: 'card', reference: '' } },
    }));
    const { state } = await chargeThenRecord(this.gateway, booking.price, {
      studioId: context.studioId,
      clientId: booking.clientId,
      description: booking.description,
      idempotencyKey: `booking:${booking.enrollmentId}`,
      reference: null,
      customerId: () => Promise.resolve(account.processorCustomerId),
      record: (reference) =>
        decideOnAccount(
          this.store,
          context,
          booking.clientId,
          (scope) => ({
            type: 'BillBooking',
            data: { ...scope, ...booking, payment: { method: 'card', reference } },
          }),
          ONCE_PER_BOOKING,
        ),
    });
    const paid = this.paymentOf(state, billId);
    if (!paid) throw new Error(`Booking bill ${billId} was recorded without its card payment.`);
    return paid;
  }

  async hold(context: RequestContext, booking: Booking): Promise<BookingPaid> {
    await decideOnAccount(
      this.store,
      context,
      booking.clientId,
      (scope) => ({
        type: 'BillBooking',
        data: { ...scope, ...booking, payment: { method: 'pay_later' } },
      }),
      ONCE_PER_BOOKING,
    );
    return { kind: 'hold', billId: bookingBillId(booking.enrollmentId) };
  }

  /**
   * Gives back what the booking's bill took: each payment refunded to where it came from (a
   * card through the gateway), and what is unpaid voided. Nothing when the booking has no bill.
   */
  async giveBack(
    context: RequestContext,
    clientId: string,
    enrollmentId: string,
    reason: string,
  ): Promise<void> {
    const billId = bookingBillId(enrollmentId);
    const state = await this.account(clientId);
    if (!state.bills.has(billId)) return;
    for (const [paymentId, paid] of state.payments) {
      const left = paid.amount - paid.refunded;
      if (paid.billId !== billId || left <= 0) continue;
      const refundId = uuidFrom(`refund:${paymentId}:${enrollmentId}`);
      if (state.refunds.has(refundId)) continue;
      await refundPayment(this.store, this.gateway, context, {
        clientId,
        paymentId,
        refundId,
        amount: left,
        reason,
      });
    }
    await decideOnAccount(
      this.store,
      context,
      clientId,
      (scope) => ({ type: 'VoidBill', data: { ...scope, billId, reason } }),
      ONCE_PER_BOOKING,
    );
  }

  /** The client's account as recorded now. */
  async account(clientId: string): Promise<AccountState> {
    return fold(
      accountDecider,
      (await this.store.readStream(accountStream(clientId))) as unknown as AccountEvent[],
    );
  }

  private paymentOf(state: AccountState, billId: string): BookingPaid | null {
    if (!state.bills.has(billId)) return null;
    for (const [paymentId, paid] of state.payments) {
      if (paid.billId === billId && paid.method === 'card') {
        return { kind: 'card', billId, paymentId, reference: paid.reference ?? '' };
      }
    }
    return null;
  }
}

export interface Refund {
  clientId: string;
  paymentId: string;
  /** Derived from the request: the same refund asked twice is one refund. */
  refundId: string;
  /** Minor units, at most what is left unrefunded on the payment; null: all of that. */
  amount: number | null;
  reason: string;
}

/**
 * Money back to where it came from: a card through the gateway (under an idempotency key made
 * from the refund's id, so a retry never refunds twice), account credit to the account, cash or
 * an external payment by the desk. Checked on the account before the gateway is asked.
 */
export async function refundPayment(
  store: EventStore,
  gateway: PaymentGateway,
  context: RequestContext,
  refund: Refund,
) {
  const preview = await previewOnAccount(store, context, refund.clientId, (scope) => ({
    type: 'RefundPayment',
    data: { ...scope, ...refund, reference: null },
  }));
  const refunded = preview.find((event) => event.type === 'PaymentRefunded');
  if (refunded?.type === 'PaymentRefunded' && refunded.data.method === 'card') {
    const paid = fold(
      accountDecider,
      (await store.readStream(accountStream(refund.clientId))) as unknown as AccountEvent[],
    ).payments.get(refund.paymentId);
    if (paid?.reference) {
      await gateway.refund(paid.reference, refunded.data.amount, `refund:${refund.refundId}`);
    }
  }
  return decideOnAccount(
    store,
    context,
    refund.clientId,
    (scope) => ({ type: 'RefundPayment', data: { ...scope, ...refund, reference: null } }),
    ONCE_PER_BOOKING,
  );
}

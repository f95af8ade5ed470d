import fc from 'fast-check';
import { uuidFrom, type Money } from '@clientele/shared';
import { pick, stepsOf, type Step } from '../../shared/testing/decider-property';
import type { AccountCommand, AccountScope, ProductOnSale } from '../domain/account.commands';
import type { ProcessorNotice } from '../domain/account.processor';
import type { AccountState, Payment } from '../domain/account.state';
import { localDate } from '../domain/dates';

/**
 * Random commands of a client's account for property tests (issue 8): the decider's own test and
 * the logs the projections are fed.
 */

export const CURRENCY = 'USD';

export type AccountStep = Step<AccountCommand, AccountState>;

const eventType = fc.constantFrom('yoga', 'pilates');
const index = fc.nat({ max: 20 });
const reason = fc.constantFrom('goodwill', 'a reason', 'welcome', 'make-up', ' ');
// Mostly the studio's currency; now and then another, which must be refused.
const price = fc.record({
  amount: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.constant(1999)),
  currency: fc.constantFrom(CURRENCY, CURRENCY, CURRENCY, CURRENCY, 'EUR'),
});

const product: fc.Arbitrary<ProductOnSale> = fc.oneof(
  fc.record({
    productId: fc.constantFrom(uuidFrom('pack-5'), uuidFrom('pass-1')),
    name: fc.constant('Pack'),
    price,
    archived: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    kind: fc.constantFrom('class_pack' as const, 'private_pass' as const),
    credits: fc.record({
      count: fc.integer({ min: 1, max: 5 }),
      eventTypes: fc.subarray(['yoga', 'pilates'], { minLength: 1 }),
    }),
    validityDays: fc.option(fc.integer({ min: 1, max: 30 })),
    validityStarts: fc.constantFrom('purchase' as const, 'first_use' as const),
  }),
  fc.record({
    productId: fc.constantFrom(uuidFrom('monthly'), uuidFrom('weekly')),
    name: fc.constant('Membership'),
    price,
    archived: fc.constant(false),
    kind: fc.constant('membership' as const),
    billingPeriod: fc.record({
      unit: fc.constantFrom('week' as const, 'month' as const),
      count: fc.integer({ min: 1, max: 2 }),
    }),
    eventTypes: fc.constant<string[]>(['yoga']),
    creditsPerPeriod: fc.option(fc.integer({ min: 1, max: 4 })),
  }),
  fc.record({
    productId: fc.constant(uuidFrom('vod')),
    name: fc.constant('Videos'),
    price,
    archived: fc.constant(false),
    kind: fc.constant('vod' as const),
    accessDays: fc.integer({ min: 1, max: 30 }),
  }),
  fc.record({
    productId: fc.constant(uuidFrom('towel')),
    name: fc.constant('Towel'),
    price,
    archived: fc.constant(false),
    kind: fc.constant('service' as const),
  }),
);

const method = fc.constantFrom('cash' as const, 'card' as const, 'account_credit' as const);

/** A payment of the account picked by index, with its id (or an unknown one). */
function paymentAt(state: AccountState, i: number, unknownId: string) {
  const [paymentId, paid] = pick<[string, Payment | undefined]>([...state.payments], i, [
    unknownId,
    undefined,
  ]);
  return { paymentId, paid };
}

const step = stepsOf<AccountCommand, AccountState>();

/**
 * Steps of one client's account: every command, valid or not, about the account's own grants,
 * reservations, bills, payments and memberships (picked by index from the state) or unknown ones.
 * Ids are UUIDs of the client's own, so several accounts can share a log.
 */
export function accountSteps(clientId: string): fc.WeightedArbitrary<AccountStep>[] {
  const scopeAt = (now: Date): AccountScope => ({
    clientId,
    currency: CURRENCY,
    today: localDate(now, 'UTC'),
    timeZone: 'UTC',
  });
  const id = (prefix: string) =>
    fc.integer({ min: 0, max: 4 }).map((n) => uuidFrom(`${clientId}:${prefix}-${n}`));
  const unknown = (what: string) => uuidFrom(`${clientId}:${what}-unknown`);
  return [
    step(
      fc.record({
        grantId: id('grant'),
        eventType,
        count: fc.integer({ min: -1, max: 5 }),
        expiresInHours: fc.option(fc.integer({ min: -2, max: 24 * 20 })),
        reason,
      }),
      (v, _state, now) => ({
        type: 'IssueCredits',
        data: {
          ...scopeAt(now),
          grantId: v.grantId,
          eventTypes: [v.eventType],
          count: v.count,
          expiresAt:
            v.expiresInHours === null
              ? null
              : new Date(now.getTime() + v.expiresInHours * 3_600_000).toISOString(),
          reason: v.reason,
        },
      }),
      3,
    ),
    step(
      fc.record({ grantId: id('grant'), i: index, delta: fc.integer({ min: -5, max: 5 }) }),
      (v, state, now) => ({
        type: 'AdjustCreditGrant',
        data: {
          ...scopeAt(now),
          grantId: pick([...state.grants.keys(), v.grantId], v.i, v.grantId),
          delta: v.delta,
          reason: 'correction',
        },
      }),
    ),
    step(
      fc.record({
        reservationId: id('reservation'),
        eventType,
        count: fc.integer({ min: 0, max: 3 }),
      }),
      (v, _state, now) => ({
        type: 'ReserveCredit',
        data: { ...scopeAt(now), ...v, reason: 'booking' },
      }),
      4,
    ),
    step(
      index,
      (i, state, now) => ({
        type: 'ConfirmCreditSpend',
        data: {
          ...scopeAt(now),
          reservationId: pick([...state.reservations.keys()], i, unknown('reservation')),
          reason: 'booking paid',
        },
      }),
      3,
    ),
    step(
      index,
      (i, state, now) => ({
        type: 'ReturnCredit',
        data: {
          ...scopeAt(now),
          reservationId: pick([...state.reservations.keys()], i, unknown('reservation')),
          reason: 'booking cancelled',
        },
      }),
      2,
    ),
    step(fc.constant(null), (_v, _state, now) => ({ type: 'ExpireCredits', data: scopeAt(now) })),
    step(fc.integer({ min: -3000, max: 3000 }), (amount, _state, now) => ({
      type: 'AdjustAccountCredit',
      data: { ...scopeAt(now), amount, reason: 'goodwill' },
    })),
    step(
      fc.record({
        saleId: id('sale'),
        items: fc.array(fc.record({ product, quantity: fc.integer({ min: 0, max: 3 }) }), {
          minLength: 1,
          maxLength: 3,
        }),
        method: fc.constantFrom(
          'cash' as const,
          'card' as const,
          'account_credit' as const,
          'pay_later' as const,
        ),
      }),
      (v, _state, now) => ({
        type: 'SellProducts',
        data: {
          ...scopeAt(now),
          saleId: v.saleId,
          items: v.items,
          payment:
            v.method === 'card'
              ? { method: 'card', reference: `ch-${v.saleId}` }
              : { method: v.method },
        },
      }),
      3,
    ),
    step(
      fc.record({
        i: index,
        paymentId: id('payment'),
        amount: fc.oneof(fc.integer({ min: -10, max: 6000 }), fc.constant(1999)),
        method,
      }),
      (v, state, now) => ({
        type: 'PayBill',
        data: {
          ...scopeAt(now),
          billId: pick([...state.bills.keys()], v.i, unknown('bill')),
          paymentId: v.paymentId,
          amount: v.amount,
          method: v.method,
          reference: v.method === 'card' ? `ch-${v.paymentId}` : null,
        },
      }),
      2,
    ),
    step(
      fc.record({
        enrollmentId: id('enrollment'),
        price,
        card: fc.boolean(),
      }),
      (v, _state, now) => ({
        type: 'BillBooking',
        data: {
          ...scopeAt(now),
          sessionId: uuidFrom('session-1'),
          enrollmentId: v.enrollmentId,
          description: 'Drop-in',
          price: v.price,
          dueOn: localDate(now, 'UTC'),
          payment: v.card
            ? { method: 'card', reference: `ch-${v.enrollmentId}` }
            : { method: 'pay_later' },
        },
      }),
    ),
    step(
      fc.record({
        refundId: id('refund'),
        i: index,
        amount: fc.option(fc.oneof(fc.integer({ min: -5, max: 6000 }), fc.constant(1))),
      }),
      (v, state, now) => ({
        type: 'RefundPayment',
        data: {
          ...scopeAt(now),
          refundId: v.refundId,
          paymentId: paymentAt(state, v.i, unknown('payment')).paymentId,
          amount: v.amount,
          reference: null,
          reason: 'refund',
        },
      }),
      3,
    ),
    step(index, (i, state, now) => ({
      type: 'VoidBill',
      data: {
        ...scopeAt(now),
        billId: pick([...state.bills.keys()], i, unknown('bill')),
        reason: 'x',
      },
    })),
    step(fc.record({ payLater: fc.boolean(), credit: fc.boolean() }), (v, _state, now) => ({
      type: 'ChangePaymentSettings',
      data: { ...scopeAt(now), payLater: v.payLater, useAccountCreditForRecurring: v.credit },
    })),
    step(fc.constant(null), (_v, _state, now) => ({
      type: 'RenewMemberships',
      data: scopeAt(now),
    })),
    step(
      fc.record({
        i: index,
        fromDays: fc.integer({ min: -2, max: 20 }),
        days: fc.integer({ min: -1, max: 40 }),
      }),
      (v, state, now) => {
        const today = Date.parse(`${localDate(now, 'UTC')}T00:00:00Z`);
        const day = (offset: number) =>
          new Date(today + offset * 86_400_000).toISOString().slice(0, 10);
        return {
          type: 'FreezeMembership',
          data: {
            ...scopeAt(now),
            membershipId: pick([...state.memberships.keys()], v.i, unknown('membership')),
            from: day(v.fromDays),
            until: day(v.fromDays + v.days),
            reason: 'travel',
          },
        };
      },
    ),
    step(index, (i, state, now) => ({
      type: 'UnfreezeMembership',
      data: { ...scopeAt(now), membershipId: pick([...state.memberships.keys()], i, unknown('m')) },
    })),
    step(
      fc.record({ i: index, when: fc.constantFrom('now' as const, 'period_end' as const) }),
      (v, state, now) => ({
        type: 'CancelMembership',
        data: {
          ...scopeAt(now),
          membershipId: pick([...state.memberships.keys()], v.i, unknown('m')),
          when: v.when,
          reason: 'moving away',
        },
      }),
    ),
    // The processor's notices about the account's own card payments, as Stripe would tell them.
    step(
      fc.record({
        i: index,
        kind: fc.constantFrom(
          'payment_failed',
          'refunded',
          'disputed',
          'dispute_lost',
          'dispute_won',
        ),
        share: fc.integer({ min: 0, max: 100 }),
      }),
      (v, state, now) => {
        const { paymentId, paid } = paymentAt(state, v.i, unknown('payment'));
        const reference = paid?.reference ?? `ch-${paymentId}`;
        const amount: Money = { amount: paid?.amount ?? 1000, currency: CURRENCY };
        const partial: Money = {
          amount: Math.floor((amount.amount * v.share) / 100),
          currency: CURRENCY,
        };
        const dispute = { reference, disputeId: `dp-${reference}`, amount, reason: 'fraudulent' };
        const notice: ProcessorNotice =
          v.kind === 'payment_failed'
            ? { kind: 'payment_failed', reference, reason: 'insufficient funds' }
            : v.kind === 'refunded'
              ? { kind: 'refunded', reference, refundedTotal: partial, refundReference: null }
              : v.kind === 'disputed'
                ? { kind: 'disputed', ...dispute }
                : {
                    kind: 'dispute_closed',
                    ...dispute,
                    outcome: v.kind === 'dispute_lost' ? 'lost' : 'won',
                  };
        return { type: 'ReconcileWithProcessor', data: { ...scopeAt(now), notice } };
      },
      2,
    ),
  ];
}

import fc from 'fast-check';
import { isCurrency, type Money } from '@clientele/shared';
import {
  advance,
  describedStep,
  pick,
  propertyParameters,
  runSteps,
  type Decided,
  type Step,
} from '../../shared/testing/decider-property';
import type { AccountCommand, AccountScope, ProductOnSale } from './account.commands';
import { accountDecider } from './account.decider';
import type { AccountEvent } from './account.events';
import type { ProcessorNotice } from './account.processor';
import { remaining, type AccountState, type Payment } from './account.state';
import { localDate } from './dates';

/**
 * DESIGN.md invariants 2 and 3 on one account, for any sequence of commands: credits, packs,
 * memberships, sales, bills, payments, refunds, account credit and the processor's notices.
 */

type AccountStep = Step<AccountCommand, AccountState>;

const CURRENCY = 'USD';
const scopeAt = (now: Date): AccountScope => ({
  clientId: 'client-1',
  currency: CURRENCY,
  today: localDate(now, 'UTC'),
  timeZone: 'UTC',
});

const id = (prefix: string) => fc.integer({ min: 0, max: 4 }).map((n) => `${prefix}-${n}`);
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
    productId: fc.constantFrom('pack-5', 'pass-1'),
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
    productId: fc.constantFrom('monthly', 'weekly'),
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
    productId: fc.constant('vod'),
    name: fc.constant('Videos'),
    price,
    archived: fc.constant(false),
    kind: fc.constant('vod' as const),
    accessDays: fc.integer({ min: 1, max: 30 }),
  }),
  fc.record({
    productId: fc.constant('towel'),
    name: fc.constant('Towel'),
    price,
    archived: fc.constant(false),
    kind: fc.constant('service' as const),
  }),
);

const method = fc.constantFrom('cash' as const, 'card' as const, 'account_credit' as const);

/** A payment of the account picked by index, with its id (or an unknown one). */
function paymentAt(state: AccountState, i: number) {
  const [paymentId, paid] = pick<[string, Payment | undefined]>([...state.payments], i, [
    'payment-unknown',
    undefined,
  ]);
  return { paymentId, paid };
}

/** A kind of step, `weight` times as likely as a plain one. */
const step = <T>(
  command: fc.Arbitrary<T>,
  make: (value: T, state: AccountState, now: Date) => AccountCommand,
  weight = 1,
): fc.WeightedArbitrary<AccountStep> => ({
  weight,
  arbitrary: fc
    .record({ advanceMinutes: advance, value: command })
    .map(({ advanceMinutes, value }) => describedStep(advanceMinutes, value, make)),
});

const accountSteps: fc.WeightedArbitrary<AccountStep>[] = [
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
        reservationId: pick([...state.reservations.keys()], i, 'reservation-unknown'),
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
        reservationId: pick([...state.reservations.keys()], i, 'reservation-unknown'),
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
        billId: pick([...state.bills.keys()], v.i, 'bill-unknown'),
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
        sessionId: 'session-1',
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
        paymentId: paymentAt(state, v.i).paymentId,
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
      billId: pick([...state.bills.keys()], i, 'bill-unknown'),
      reason: 'x',
    },
  })),
  step(fc.record({ payLater: fc.boolean(), credit: fc.boolean() }), (v, _state, now) => ({
    type: 'ChangePaymentSettings',
    data: { ...scopeAt(now), payLater: v.payLater, useAccountCreditForRecurring: v.credit },
  })),
  step(fc.constant(null), (_v, _state, now) => ({ type: 'RenewMemberships', data: scopeAt(now) })),
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
          membershipId: pick([...state.memberships.keys()], v.i, 'membership-unknown'),
          from: day(v.fromDays),
          until: day(v.fromDays + v.days),
          reason: 'travel',
        },
      };
    },
  ),
  step(index, (i, state, now) => ({
    type: 'UnfreezeMembership',
    data: { ...scopeAt(now), membershipId: pick([...state.memberships.keys()], i, 'm-unknown') },
  })),
  step(
    fc.record({ i: index, when: fc.constantFrom('now' as const, 'period_end' as const) }),
    (v, state, now) => ({
      type: 'CancelMembership',
      data: {
        ...scopeAt(now),
        membershipId: pick([...state.memberships.keys()], v.i, 'm-unknown'),
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
      const { paymentId, paid } = paymentAt(state, v.i);
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

/** Every Money in an event: whole minor units in the account's one currency (invariant 3). */
function moneyIn(value: unknown, found: Money[] = []): Money[] {
  if (value && typeof value === 'object') {
    if ('amount' in value && 'currency' in value) found.push(value as Money);
    else for (const inner of Object.values(value)) moneyIn(inner, found);
  }
  return found;
}

/** What the events said so far, kept apart from the state so the state is checked against it. */
interface Ledger {
  /** Per reservation: how many times it was spent. */
  spends: Map<string, number>;
  /** Per payment: what was paid, what was given back, whether the money was taken back. */
  payments: Map<string, { paid: number; refunded: number; takenBack: boolean }>;
}

function checkStep(ledger: Ledger, d: Decided<AccountCommand, AccountEvent, AccountState>) {
  let state = d.before;
  for (const event of d.events) {
    for (const m of moneyIn(event.data)) {
      expect(Number.isSafeInteger(m.amount)).toBe(true);
      expect(isCurrency(m.currency) && m.currency === CURRENCY).toBe(true);
    }
    switch (event.type) {
      case 'CreditsReserved': {
        // Invariant 2: an expired credit is never taken.
        const grant = state.grants.get(event.data.grantId)!;
        expect(grant.expiresAt === null || Date.parse(grant.expiresAt) > d.now.getTime()).toBe(
          true,
        );
        expect(remaining(grant)).toBeGreaterThanOrEqual(event.data.count);
        break;
      }
      case 'CreditsSpent': {
        const spends = (ledger.spends.get(event.data.reservationId) ?? 0) + 1;
        ledger.spends.set(event.data.reservationId, spends);
        expect(spends).toBe(1);
        break;
      }
      case 'PaymentRecorded':
        expect(event.data.amount.amount).toBeGreaterThan(0);
        ledger.payments.set(event.data.paymentId, {
          paid: event.data.amount.amount,
          refunded: 0,
          takenBack: false,
        });
        break;
      case 'PaymentRefunded': {
        const payment = ledger.payments.get(event.data.paymentId)!;
        expect(event.data.amount.amount).toBeGreaterThan(0);
        expect(payment.takenBack).toBe(false);
        payment.refunded += event.data.amount.amount;
        // Invariant 3: never more back than was paid on that payment.
        expect(payment.refunded).toBeLessThanOrEqual(payment.paid);
        break;
      }
      case 'PaymentFailed':
        ledger.payments.get(event.data.paymentId)!.takenBack = true;
        break;
      case 'PaymentDisputeClosed':
        if (event.data.outcome === 'lost') {
          ledger.payments.get(event.data.paymentId)!.takenBack = true;
        }
        break;
      default:
        break;
    }
    state = accountDecider.evolve(state, event);
  }
  checkState(d.after);
}

function checkState(state: AccountState) {
  // Invariant 2: no grant below zero, and its counts agree with its reservations.
  for (const grant of state.grants.values()) {
    const of = [...state.reservations.values()].filter((r) => r.grantId === grant.grantId);
    const total = (status: string) =>
      of.filter((r) => r.status === status).reduce((n, r) => n + r.count, 0);
    expect({ reserved: grant.reserved, spent: grant.spent }).toEqual({
      reserved: total('reserved'),
      spent: total('spent'),
    });
    expect(grant.expired).toBeGreaterThanOrEqual(0);
    expect(remaining(grant)).toBeGreaterThanOrEqual(0);
  }
  expect(Number.isSafeInteger(state.accountCredit)).toBe(true);
  expect(state.accountCredit).toBeGreaterThanOrEqual(0);
  for (const payment of state.payments.values()) {
    expect(payment.refunded).toBeGreaterThanOrEqual(0);
    expect(payment.refunded).toBeLessThanOrEqual(payment.amount);
  }
  for (const bill of state.bills.values()) {
    expect(bill.paid).toBeGreaterThanOrEqual(0);
    expect(bill.paid).toBeLessThanOrEqual(bill.total.amount);
    if (bill.settled) expect(bill.paid).toBe(bill.total.amount);
  }
}

describe('the account decider, for any sequence of commands', () => {
  it('keeps credits, account credit, bills and refunds within their invariants', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(...accountSteps), { maxLength: 60, size: 'max' }), (steps) => {
        const ledger: Ledger = { spends: new Map(), payments: new Map() };
        runSteps(accountDecider, new Date('2026-11-23T10:00:00Z'), steps, (d) =>
          checkStep(ledger, d),
        );
      }),
      propertyParameters(200),
    );
  });
});

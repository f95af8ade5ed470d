import fc from 'fast-check';
import { isCurrency, type Money } from '@clientele/shared';
import { propertyParameters, runSteps, type Decided } from '../../shared/testing/decider-property';
import { accountSteps, CURRENCY } from '../testing/account-steps';
import type { AccountCommand } from './account.commands';
import { accountDecider } from './account.decider';
import type { AccountEvent } from './account.events';
import { remaining, type AccountState } from './account.state';

/**
 * DESIGN.md invariants 2 and 3 on one account, for any sequence of commands: credits, packs,
 * memberships, sales, bills, payments, refunds, account credit and the processor's notices.
 */

const steps = accountSteps('7a1c0f3e-0000-4000-a000-000000000001');

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
      fc.property(fc.array(fc.oneof(...steps), { maxLength: 60, size: 'max' }), (steps) => {
        const ledger: Ledger = { spends: new Map(), payments: new Map() };
        runSteps(accountDecider, new Date('2026-11-23T10:00:00Z'), steps, (d) =>
          checkStep(ledger, d),
        );
      }),
      propertyParameters(200),
    );
  });
});

import { CurrencyMismatch, InvalidInput, money, NotFound, uuidFrom } from '@clientele/shared';
import { deciderSpec } from '../../shared/testing/decider-spec';
import type { AccountCommand, MembershipOnSale, ProductOnSale } from './account.commands';
import { accountDecider, bookingBillId } from './account.decider';
import type { AccountEvent } from './account.events';
import {
  AlreadyImported,
  AccountCreditInsufficient,
  BillAlreadyPaid,
  BillVoided,
  CreditGrantCannotGoBelowUsed,
  MembershipFreezeInvalid,
  MembershipNotActive,
  NoCreditAvailable,
  PayLaterDisabled,
  PaymentExceedsBalance,
  PaymentFullyRefunded,
  ProductNotForSale,
  RefundExceedsPayment,
  ReservationNotSpendable,
} from './account.rules';
import { membershipCovering } from './account.state';
import { addPeriod, localDate, startOfDay } from './dates';

const fold = (events: AccountEvent[]) =>
  events.reduce(accountDecider.evolve, accountDecider.initialState);

const now = new Date('2026-11-23T10:00:00Z');
const scope = { clientId: 'client-1', currency: 'USD', today: '2026-11-23', timeZone: 'UTC' };
const spec = deciderSpec(accountDecider, now);
const usd = (amount: number) => money(amount, 'USD');

function granted(
  grantId: string,
  count: number,
  expiresAt: string | null,
  eventTypes = ['yoga'],
  validityDaysFromFirstUse: number | null = null,
): AccountEvent {
  return {
    type: 'CreditsGranted',
    data: {
      clientId: 'client-1',
      grantId,
      eventTypes,
      count,
      expiresAt,
      validityDaysFromFirstUse,
      source: { kind: 'complimentary', reason: 'welcome' },
    },
  };
}

const reserved = (reservationId: string, grantId: string, count = 1): AccountEvent => ({
  type: 'CreditsReserved',
  data: {
    clientId: 'client-1',
    reservationId,
    grantId,
    eventType: 'yoga',
    count,
    reason: 'Flow 9:00',
  },
});
const spent = (reservationId: string, grantId: string, count = 1): AccountEvent => ({
  type: 'CreditsSpent',
  data: { clientId: 'client-1', reservationId, grantId, count, reason: 'Flow 9:00' },
});
const reserve = (reservationId: string, eventType = 'yoga', count = 1): AccountCommand => ({
  type: 'ReserveCredit',
  data: { ...scope, reservationId, eventType, count, reason: ' Flow 9:00 ' },
});
const creditAdded = (amount: number, balance: number): AccountEvent => ({
  type: 'AccountCreditAdded',
  data: { clientId: 'client-1', amount: usd(amount), reason: 'gift', balanceAfter: usd(balance) },
});

const pack: ProductOnSale = {
  productId: 'pack-10',
  name: '10 Yoga Classes',
  price: usd(15000),
  archived: false,
  kind: 'class_pack',
  credits: { count: 10, eventTypes: ['yoga'] },
  validityDays: 90,
  validityStarts: 'purchase',
};
const monthly: ProductOnSale = {
  productId: 'monthly',
  name: 'Monthly Unlimited',
  price: usd(9900),
  archived: false,
  kind: 'membership',
  billingPeriod: { unit: 'month', count: 1 },
  eventTypes: ['yoga', 'pilates'],
  creditsPerPeriod: null,
};
const sell = (
  items: { product: ProductOnSale; quantity: number }[],
  payment: Extract<AccountCommand, { type: 'SellProducts' }>['data']['payment'] = {
    method: 'cash',
  },
): AccountCommand => ({
  type: 'SellProducts',
  data: { ...scope, saleId: 'sale-1', items, payment },
});

describe('credits', () => {
  it('issues complimentary credits with a reason', () => {
    spec
      .given([])
      .when({
        type: 'IssueCredits',
        data: {
          ...scope,
          grantId: 'g1',
          eventTypes: ['yoga'],
          count: 3,
          expiresAt: '2027-01-01T00:00:00Z',
          reason: ' Welcome offer ',
        },
      })
      .then([
        {
          type: 'CreditsGranted',
          data: {
            clientId: 'client-1',
            grantId: 'g1',
            eventTypes: ['yoga'],
            count: 3,
            expiresAt: '2027-01-01T00:00:00Z',
            validityDaysFromFirstUse: null,
            source: { kind: 'complimentary', reason: 'Welcome offer' },
          },
        },
      ]);
  });

  it('refuses a count out of range, bad event types, a past expiry and an empty reason', () => {
    spec
      .given([])
      .when({
        type: 'IssueCredits',
        data: {
          ...scope,
          grantId: 'g1',
          eventTypes: ['Yoga Class', 'yoga', 'yoga'],
          count: 0,
          expiresAt: '2026-11-01T00:00:00Z',
          reason: ' ',
        },
      })
      .thenThrows(InvalidInput, (error) =>
        expect(error.errors.map((e) => e.field)).toEqual([
          'count',
          'eventTypes',
          'eventTypes',
          'reason',
          'expiresAt',
        ]),
      );
  });

  it('spends from the valid grant that expires first, never an expired one', () => {
    spec
      .given([
        granted('never', 5, null),
        granted('late', 5, '2027-06-01T00:00:00Z'),
        granted('soon', 5, '2026-12-01T00:00:00Z'),
        granted('gone', 5, '2026-11-01T00:00:00Z'),
        granted('pilates', 5, '2026-11-30T00:00:00Z', ['pilates']),
      ])
      .when(reserve('r1'))
      .then([reserved('r1', 'soon')]);
  });

  it('says why when no credit is left, or all that is left expired', () => {
    spec
      .given([
        granted('gone', 5, '2026-11-01T00:00:00Z'),
        granted('used', 1, null),
        reserved('r0', 'used'),
      ])
      .when(reserve('r1'))
      .thenThrows(NoCreditAvailable, (error) =>
        expect(error.extensions).toEqual({ eventType: 'yoga', needed: 1 }),
      );
  });

  it('starts a first-use grant’s validity on its first reservation', () => {
    spec
      .given([granted('pack', 10, null, ['yoga'], 30)])
      .when(reserve('r1'))
      .then([
        {
          type: 'CreditGrantActivated',
          data: { clientId: 'client-1', grantId: 'pack', expiresAt: '2026-12-23T10:00:00.000Z' },
        },
        reserved('r1', 'pack'),
      ]);
  });

  it('prefers a grant that expires sooner over a first-use grant that would start now', () => {
    spec
      .given([
        granted('first-use', 10, null, ['yoga'], 30),
        granted('dated', 1, '2026-12-01T00:00:00Z'),
      ])
      .when(reserve('r1'))
      .then([reserved('r1', 'dated')]);
  });

  it('says what a credit is reserved for', () => {
    spec
      .given([granted('g', 1, null)])
      .when({ ...reserve('r1'), data: { ...reserve('r1').data, reason: ' ' } } as AccountCommand)
      .thenThrows(InvalidInput, (error) =>
        expect(error.errors.map((e) => e.field)).toEqual(['reason']),
      );
  });

  it('reserves once per reservation id, and confirms a reservation once', () => {
    spec
      .given([granted('g', 2, null), reserved('r1', 'g')])
      .when(reserve('r1'))
      .then([]);
    const confirm: AccountCommand = {
      type: 'ConfirmCreditSpend',
      data: { ...scope, reservationId: 'r1', reason: 'Flow 9:00' },
    };
    spec
      .given([granted('g', 2, null), reserved('r1', 'g')])
      .when(confirm)
      .then([spent('r1', 'g')]);
    spec
      .given([granted('g', 2, null), reserved('r1', 'g'), spent('r1', 'g')])
      .when(confirm)
      .then([]);
    spec.given([]).when(confirm).thenThrows(NotFound);
  });

  it('returns a credit to its own grant with its own expiry, whether reserved or spent', () => {
    const back: AccountCommand = {
      type: 'ReturnCredit',
      data: { ...scope, reservationId: 'r1', reason: 'class cancelled' },
    };
    const returned = (wasSpent: boolean): AccountEvent => ({
      type: 'CreditsReturned',
      data: {
        clientId: 'client-1',
        reservationId: 'r1',
        grantId: 'g',
        count: 1,
        wasSpent,
        reason: 'class cancelled',
      },
    });
    spec
      .given([granted('g', 1, '2026-12-01T00:00:00Z'), reserved('r1', 'g')])
      .when(back)
      .then([returned(false)]);
    spec
      .given([granted('g', 1, '2026-12-01T00:00:00Z'), reserved('r1', 'g'), spent('r1', 'g')])
      .when(back)
      .then([returned(true)]);
    spec
      .given([granted('g', 1, null), reserved('r1', 'g'), returned(false)])
      .when(back)
      .then([]);
    // The returned credit can be reserved again, from the same grant.
    spec
      .given([
        granted('g', 1, '2026-12-01T00:00:00Z'),
        reserved('r1', 'g'),
        spent('r1', 'g'),
        returned(true),
      ])
      .when(reserve('r2'))
      .then([reserved('r2', 'g')]);
    // A returned reservation cannot be spent.
    spec
      .given([granted('g', 1, null), reserved('r1', 'g'), returned(false)])
      .when({
        type: 'ConfirmCreditSpend',
        data: { ...scope, reservationId: 'r1', reason: 'Flow 9:00' },
      })
      .thenThrows(ReservationNotSpendable);
  });

  it('expires what is left of expired grants, once', () => {
    const expire: AccountCommand = { type: 'ExpireCredits', data: scope };
    const history = [
      granted('gone', 5, '2026-11-01T00:00:00Z'),
      reserved('r1', 'gone', 2),
      spent('r1', 'gone', 2),
      granted('valid', 5, '2026-12-01T00:00:00Z'),
    ];
    const expired: AccountEvent = {
      type: 'CreditsExpired',
      data: { clientId: 'client-1', grantId: 'gone', count: 3 },
    };
    spec.given(history).when(expire).then([expired]);
    spec
      .given([...history, expired])
      .when(expire)
      .then([]);
  });

  it('adjusts a grant with a reason, never below what is spent, reserved or expired', () => {
    const adjust = (delta: number): AccountCommand => ({
      type: 'AdjustCreditGrant',
      data: { ...scope, grantId: 'g', delta, reason: 'miscounted' },
    });
    const history = [
      granted('g', 5, null),
      reserved('r1', 'g'),
      spent('r1', 'g'),
      reserved('r2', 'g'),
    ];
    spec
      .given(history)
      .when(adjust(-3))
      .then([
        {
          type: 'CreditGrantAdjusted',
          data: {
            clientId: 'client-1',
            grantId: 'g',
            delta: -3,
            reason: 'miscounted',
            countAfter: 2,
          },
        },
      ]);
    spec.given(history).when(adjust(-4)).thenThrows(CreditGrantCannotGoBelowUsed);
    spec.given(history).when(adjust(0)).thenThrows(InvalidInput);
    spec.given([]).when(adjust(1)).thenThrows(NotFound);
  });
});

describe('account credit', () => {
  const adjust = (amount: number): AccountCommand => ({
    type: 'AdjustAccountCredit',
    data: { ...scope, amount, reason: 'gift' },
  });

  it('adds and deducts with a reason and the balance after', () => {
    spec
      .given([])
      .when(adjust(2500))
      .then([creditAdded(2500, 2500)]);
    spec
      .given([creditAdded(2500, 2500)])
      .when(adjust(-1000))
      .then([
        {
          type: 'AccountCreditDeducted',
          data: {
            clientId: 'client-1',
            amount: usd(1000),
            reason: 'gift',
            balanceAfter: usd(1500),
          },
        },
      ]);
  });

  it('never goes below zero, and takes whole minor units only', () => {
    spec
      .given([creditAdded(500, 500)])
      .when(adjust(-501))
      .thenThrows(AccountCreditInsufficient);
    spec.given([]).when(adjust(12.5)).thenThrows(InvalidInput);
  });
});

describe('selling', () => {
  const billId = uuidFrom('bill:sale-1');
  const paymentId = uuidFrom('payment:sale-1');

  it('sells a pack for cash: a sale, a paid bill and the credits, valid from purchase', () => {
    const events = accountDecider.decide(
      sell([{ product: pack, quantity: 2 }]),
      accountDecider.initialState,
      now,
    );
    expect(events.map((e) => e.type)).toEqual([
      'SaleRecorded',
      'BillIssued',
      'PaymentRecorded',
      'BillPaid',
      'CreditsGranted',
      'CreditsGranted',
    ]);
    expect(events[0]!.data).toMatchObject({ billId, total: usd(30000), paymentMethod: 'cash' });
    expect(events[1]!.data).toMatchObject({
      lines: [{ description: '10 Yoga Classes × 2', amount: usd(30000) }],
      dueOn: '2026-11-23',
    });
    expect(events[2]!.data).toMatchObject({ paymentId, amount: usd(30000), method: 'cash' });
    expect(events[4]!.data).toMatchObject({
      count: 10,
      expiresAt: '2027-02-21T10:00:00.000Z',
      source: { kind: 'sale', saleId: 'sale-1', productId: 'pack-10' },
    });
    expect(events[4]!.data).not.toEqual(events[5]!.data);
  });

  it('starts a membership with its next payment due one period later', () => {
    const events = accountDecider.decide(
      sell([{ product: monthly, quantity: 1 }]),
      accountDecider.initialState,
      now,
    );
    const started = events.find((e) => e.type === 'MembershipStarted')!;
    expect(started.data).toMatchObject({
      startsOn: '2026-11-23',
      currentPeriod: { from: '2026-11-23', until: '2026-12-23' },
      nextPaymentDue: '2026-12-23',
    });
  });

  it('leaves the bill open when paying later, unless pay later is disabled', () => {
    const later = sell([{ product: pack, quantity: 1 }], { method: 'pay_later' });
    expect(
      accountDecider.decide(later, accountDecider.initialState, now).map((e) => e.type),
    ).toEqual(['SaleRecorded', 'BillIssued', 'CreditsGranted']);
    spec
      .given([
        {
          type: 'PaymentSettingsChanged',
          data: { clientId: 'client-1', payLater: false, useAccountCreditForRecurring: false },
        },
      ])
      .when(later)
      .thenThrows(PayLaterDisabled);
  });

  it('pays with account credit only as far as it goes', () => {
    const byCredit = sell([{ product: pack, quantity: 1 }], { method: 'account_credit' });
    spec
      .given([creditAdded(14999, 14999)])
      .when(byCredit)
      .thenThrows(AccountCreditInsufficient);
    const rich = [creditAdded(20000, 20000)].reduce(
      accountDecider.evolve,
      accountDecider.initialState,
    );
    const events = accountDecider.decide(byCredit, rich, now);
    expect(events[2]!.data).toMatchObject({
      method: 'account_credit',
      accountCreditAfter: usd(5000),
    });
  });

  it('refuses an archived product, a foreign currency and odd quantities; a sale is recorded once', () => {
    spec
      .given([])
      .when(sell([{ product: { ...pack, archived: true }, quantity: 1 }]))
      .thenThrows(ProductNotForSale);
    spec
      .given([])
      .when(sell([{ product: { ...pack, price: money(100, 'EUR') }, quantity: 1 }]))
      .thenThrows(CurrencyMismatch);
    spec
      .given([])
      .when(sell([{ product: monthly, quantity: 2 }]))
      .thenThrows(InvalidInput);
    spec.given([]).when(sell([])).thenThrows(InvalidInput);
    const first = accountDecider.decide(
      sell([{ product: pack, quantity: 1 }]),
      accountDecider.initialState,
      now,
    );
    spec
      .given(first)
      .when(sell([{ product: pack, quantity: 1 }]))
      .then([]);
  });
});

describe('bills', () => {
  const later = accountDecider.decide(
    sell([{ product: pack, quantity: 1 }], { method: 'pay_later' }),
    accountDecider.initialState,
    now,
  );
  const billId = uuidFrom('bill:sale-1');
  const pay = (
    paymentId: string,
    amount: number,
    method: 'cash' | 'account_credit' = 'cash',
  ): AccountCommand => ({
    type: 'PayBill',
    data: { ...scope, billId, paymentId, amount, method, reference: null },
  });

  it('takes a partial payment, then settles the bill with the rest', () => {
    const part = accountDecider.decide(
      pay('p1', 5000),
      [...later].reduce(accountDecider.evolve, accountDecider.initialState),
      now,
    );
    expect(part.map((e) => e.type)).toEqual(['PaymentRecorded']);
    spec
      .given([...later, ...part])
      .when(pay('p2', 10000))
      .then([
        {
          type: 'PaymentRecorded',
          data: {
            clientId: 'client-1',
            paymentId: 'p2',
            billId,
            amount: usd(10000),
            method: 'cash',
            reference: null,
            accountCreditAfter: null,
          },
        },
        { type: 'BillPaid', data: { clientId: 'client-1', billId } },
      ]);
    spec
      .given([...later, ...part])
      .when(pay('p1', 5000))
      .then([]);
  });

  it('never takes more than is owed, nor pays a paid bill', () => {
    spec.given(later).when(pay('p1', 15001)).thenThrows(PaymentExceedsBalance);
    const paid = accountDecider.decide(
      pay('p1', 15000),
      later.reduce(accountDecider.evolve, accountDecider.initialState),
      now,
    );
    spec
      .given([...later, ...paid])
      .when(pay('p2', 1))
      .thenThrows(BillAlreadyPaid);
    spec.given([]).when(pay('p1', 1)).thenThrows(NotFound);
    spec.given(later).when(pay('p1', 0)).thenThrows(InvalidInput);
  });
});

describe('booking bills, refunds and voids', () => {
  const billBooking = (
    payment: { method: 'card'; reference: string } | { method: 'pay_later' },
  ): AccountCommand => ({
    type: 'BillBooking',
    data: {
      ...scope,
      sessionId: 'session-1',
      enrollmentId: 'enrollment-1',
      description: 'Flow, 2026-11-24 09:00',
      price: usd(2500),
      dueOn: '2026-11-24',
      payment,
    },
  });
  const billId = bookingBillId('enrollment-1');
  const issued: AccountEvent = {
    type: 'BillIssued',
    data: {
      clientId: 'client-1',
      billId,
      origin: { kind: 'booking', sessionId: 'session-1', enrollmentId: 'enrollment-1' },
      lines: [{ description: 'Flow, 2026-11-24 09:00', amount: usd(2500) }],
      total: usd(2500),
      dueOn: '2026-11-24',
    },
  };
  const paymentId = uuidFrom('payment:booking:enrollment-1');
  const paidByCard: AccountEvent[] = [
    {
      type: 'PaymentRecorded',
      data: {
        clientId: 'client-1',
        paymentId,
        billId,
        amount: usd(2500),
        method: 'card',
        reference: 'ch_1',
        accountCreditAfter: null,
      },
    },
    { type: 'BillPaid', data: { clientId: 'client-1', billId } },
  ];
  const refund = (refundId: string, amount: number, id = paymentId): AccountCommand => ({
    type: 'RefundPayment',
    data: { ...scope, refundId, paymentId: id, amount, reference: 're_1', reason: 'cancelled' },
  });
  const refunded = (refundId: string, amount: number): AccountEvent => ({
    type: 'PaymentRefunded',
    data: {
      clientId: 'client-1',
      refundId,
      paymentId,
      billId,
      amount: usd(amount),
      method: 'card',
      reference: 're_1',
      reason: 'cancelled',
      accountCreditAfter: null,
    },
  });

  it('bills a place paid by card as a paid bill, once', () => {
    spec
      .given([])
      .when(billBooking({ method: 'card', reference: 'ch_1' }))
      .then([issued, ...paidByCard]);
    spec
      .given([issued, ...paidByCard])
      .when(billBooking({ method: 'card', reference: 'ch_2' }))
      .then([]);
  });

  it('holds a place on an open bill, unless pay later is disabled', () => {
    spec
      .given([])
      .when(billBooking({ method: 'pay_later' }))
      .then([issued]);
    spec
      .given([
        {
          type: 'PaymentSettingsChanged',
          data: { clientId: 'client-1', payLater: false, useAccountCreditForRecurring: false },
        },
      ])
      .when(billBooking({ method: 'pay_later' }))
      .thenThrows(PayLaterDisabled);
  });

  it('refunds in parts, never more than was paid, and a refund asked twice once', () => {
    spec
      .given([issued, ...paidByCard])
      .when(refund('r1', 1000))
      .then([refunded('r1', 1000)]);
    const after = [issued, ...paidByCard, refunded('r1', 1000)];
    spec.given(after).when(refund('r1', 1000)).then([]);
    spec.given(after).when(refund('r2', 1501)).thenThrows(RefundExceedsPayment);
    spec
      .given(after)
      .when(refund('r2', 1500))
      .then([refunded('r2', 1500)]);
    spec.given(after).when(refund('r2', 0)).thenThrows(InvalidInput);
    spec
      .given(after)
      .when(refund('r2', 1, 'nope'))
      .thenThrows(NotFound);
  });

  it('refunds all that is left when no amount is named, and nothing more after that', () => {
    const all: AccountCommand = {
      type: 'RefundPayment',
      data: {
        ...scope,
        refundId: 'r2',
        paymentId,
        amount: null,
        reference: 're_1',
        reason: 'cancelled',
      },
    };
    const after = [issued, ...paidByCard, refunded('r1', 1000)];
    spec
      .given(after)
      .when(all)
      .then([refunded('r2', 1500)]);
    spec
      .given([...after, refunded('r2', 1500)])
      .when({ ...all, data: { ...all.data, refundId: 'r3' } } as AccountCommand)
      .thenThrows(PaymentFullyRefunded);
  });

  it('refunds a payment made with account credit to the account credit', () => {
    const events = accountDecider.decide(
      refund('r1', 500, 'p1'),
      (
        [
          creditAdded(3000, 3000),
          issued,
          {
            type: 'PaymentRecorded',
            data: {
              clientId: 'client-1',
              paymentId: 'p1',
              billId,
              amount: usd(2500),
              method: 'account_credit',
              reference: null,
              accountCreditAfter: usd(500),
            },
          },
        ] as AccountEvent[]
      ).reduce(accountDecider.evolve, accountDecider.initialState),
      now,
    );
    expect(events).toMatchObject([
      { type: 'PaymentRefunded', data: { accountCreditAfter: usd(1000) } },
    ]);
  });

  it('voids what is unpaid on an open bill, after which it takes no payment', () => {
    const voided: AccountEvent = {
      type: 'BillVoided',
      data: { clientId: 'client-1', billId, unpaid: usd(2500), reason: 'cancelled' },
    };
    const voidIt: AccountCommand = {
      type: 'VoidBill',
      data: { ...scope, billId, reason: 'cancelled' },
    };
    spec.given([issued]).when(voidIt).then([voided]);
    spec.given([issued, voided]).when(voidIt).then([]);
    spec
      .given([issued, ...paidByCard])
      .when(voidIt)
      .then([]);
    spec
      .given([issued, voided])
      .when({
        type: 'PayBill',
        data: { ...scope, billId, paymentId: 'p9', amount: 100, method: 'cash', reference: null },
      })
      .thenThrows(BillVoided);
  });
});

describe('memberships', () => {
  const started = accountDecider.decide(
    sell([{ product: monthly, quantity: 1 }]),
    accountDecider.initialState,
    now,
  );
  const membershipId = uuidFrom('item:sale-1:0');
  const on = (today: string) => ({ ...scope, today });

  it('bills each period that came due, once, and grants the period’s credits', () => {
    const withCredits = accountDecider.decide(
      sell([{ product: { ...monthly, creditsPerPeriod: 8 }, quantity: 1 }]),
      accountDecider.initialState,
      now,
    );
    const state = withCredits.reduce(accountDecider.evolve, accountDecider.initialState);
    const renewals = accountDecider.decide(
      { type: 'RenewMemberships', data: on('2027-01-24') },
      state,
      now,
    );
    expect(renewals.filter((e) => e.type === 'MembershipRenewed').map((e) => e.data)).toMatchObject(
      [
        { period: { from: '2026-12-23', until: '2027-01-23' }, nextPaymentDue: '2027-01-23' },
        { period: { from: '2027-01-23', until: '2027-02-23' }, nextPaymentDue: '2027-02-23' },
      ],
    );
    expect(renewals.filter((e) => e.type === 'BillIssued')).toHaveLength(2);
    expect(renewals.filter((e) => e.type === 'CreditsGranted').map((e) => e.data)).toMatchObject([
      { count: 8, expiresAt: '2027-01-23T00:00:00.000Z' },
      { count: 8, expiresAt: '2027-02-23T00:00:00.000Z' },
    ]);
    spec
      .given([...withCredits, ...renewals])
      .when({ type: 'RenewMemberships', data: on('2027-01-24') })
      .then([]);
  });

  it('pays a renewal from account credit when the client asked for it and has enough', () => {
    const settings: AccountEvent = {
      type: 'PaymentSettingsChanged',
      data: { clientId: 'client-1', payLater: true, useAccountCreditForRecurring: true },
    };
    const state = [...started, settings, creditAdded(10000, 10000)].reduce(
      accountDecider.evolve,
      accountDecider.initialState,
    );
    const renewals = accountDecider.decide(
      { type: 'RenewMemberships', data: on('2026-12-23') },
      state,
      now,
    );
    expect(renewals.map((e) => e.type)).toEqual([
      'MembershipRenewed',
      'BillIssued',
      'PaymentRecorded',
      'BillPaid',
    ]);
    const poorer = [...started, settings, creditAdded(100, 100)].reduce(
      accountDecider.evolve,
      accountDecider.initialState,
    );
    expect(
      accountDecider
        .decide({ type: 'RenewMemberships', data: on('2026-12-23') }, poorer, now)
        .map((e) => e.type),
    ).toEqual(['MembershipRenewed', 'BillIssued']);
  });

  it('moves the next payment by the frozen days, and back by the days an early unfreeze saves', () => {
    const freeze: AccountCommand = {
      type: 'FreezeMembership',
      data: { ...scope, membershipId, from: '2026-12-01', until: '2026-12-15', reason: 'travel' },
    };
    const frozen = accountDecider.decide(
      freeze,
      started.reduce(accountDecider.evolve, accountDecider.initialState),
      now,
    );
    expect(frozen[0]!.data).toMatchObject({ nextPaymentDue: '2027-01-06' });
    spec
      .given([...started, ...frozen])
      .when({ type: 'RenewMemberships', data: on('2026-12-23') })
      .then([]);
    spec
      .given([...started, ...frozen])
      .when({ type: 'UnfreezeMembership', data: { ...on('2026-12-10'), membershipId } })
      .then([
        {
          type: 'MembershipUnfrozen',
          data: {
            clientId: 'client-1',
            membershipId,
            on: '2026-12-10',
            nextPaymentDue: '2027-01-01',
          },
        },
      ]);
    spec
      .given([...started, ...frozen])
      .when(freeze)
      .thenThrows(MembershipFreezeInvalid);
    spec
      .given(started)
      .when({ ...freeze, data: { ...freeze.data, from: '2026-11-01' } })
      .thenThrows(MembershipFreezeInvalid);
    spec
      .given(started)
      .when({ ...freeze, data: { ...freeze.data, until: '2026-12-01' } })
      .thenThrows(MembershipFreezeInvalid);
  });

  it('renews a whole period from the day a freeze moved the payment to', () => {
    const frozen: AccountEvent = {
      type: 'MembershipFrozen',
      data: {
        clientId: 'client-1',
        membershipId,
        from: '2026-12-01',
        until: '2026-12-15',
        reason: 'travel',
        nextPaymentDue: '2027-01-06',
      },
    };
    const state = [...started, frozen].reduce(accountDecider.evolve, accountDecider.initialState);
    const renewals = accountDecider.decide(
      { type: 'RenewMemberships', data: on('2027-02-06') },
      state,
      now,
    );
    expect(renewals.filter((e) => e.type === 'MembershipRenewed').map((e) => e.data)).toMatchObject(
      [
        { period: { from: '2027-01-06', until: '2027-02-06' } },
        { period: { from: '2027-02-06', until: '2027-03-06' } },
      ],
    );
  });

  it('cancels now or at period end; a cancelled membership is not renewed', () => {
    const cancel = (when: 'now' | 'period_end'): AccountCommand => ({
      type: 'CancelMembership',
      data: { ...scope, membershipId, when, reason: 'moving away' },
    });
    const atEnd = accountDecider.decide(
      cancel('period_end'),
      started.reduce(accountDecider.evolve, accountDecider.initialState),
      now,
    );
    expect(atEnd[0]!.data).toMatchObject({ effectiveOn: '2026-12-23', when: 'period_end' });
    spec
      .given([...started, ...atEnd])
      .when({ type: 'RenewMemberships', data: on('2026-12-23') })
      .then([]);
    spec
      .given([...started, ...atEnd])
      .when(cancel('period_end'))
      .then([]);
    const nowCancelled = accountDecider.decide(
      cancel('now'),
      started.reduce(accountDecider.evolve, accountDecider.initialState),
      now,
    );
    expect(nowCancelled[0]!.data).toMatchObject({ effectiveOn: '2026-11-23' });
    spec
      .given([...started, ...nowCancelled])
      .when(cancel('now'))
      .thenThrows(MembershipNotActive);
  });
});

describe('period credits in the studio’s time zone', () => {
  it('lapse when the period’s last day begins there, not at midnight UTC', () => {
    const command: AccountCommand = {
      type: 'SellProducts',
      data: {
        ...scope,
        timeZone: 'America/New_York',
        saleId: 'sale-1',
        items: [{ product: { ...monthly, creditsPerPeriod: 8 }, quantity: 1 }],
        payment: { method: 'cash' },
      },
    };
    const events = accountDecider.decide(command, accountDecider.initialState, now);
    const credits = events.find((e) => e.type === 'CreditsGranted')!;
    // The period ends on Dec 23; in New York that day begins at 05:00 UTC (EST, UTC-5).
    expect(credits.data).toMatchObject({ expiresAt: '2026-12-23T05:00:00.000Z' });
  });

  it('know the offset on either side of a daylight-saving change', () => {
    expect(startOfDay('2027-03-14', 'America/New_York')).toBe('2027-03-14T05:00:00.000Z');
    expect(startOfDay('2027-03-15', 'America/New_York')).toBe('2027-03-15T04:00:00.000Z');
    expect(startOfDay('2027-07-01', 'Europe/Berlin')).toBe('2027-06-30T22:00:00.000Z');
    expect(startOfDay('2027-01-01', 'Asia/Kolkata')).toBe('2026-12-31T18:30:00.000Z');
    expect(startOfDay('2027-01-01', 'UTC')).toBe('2027-01-01T00:00:00.000Z');
  });
});

describe('billing periods', () => {
  it('keep the day of the month, clamped to short months', () => {
    expect(addPeriod('2026-01-31', { unit: 'month', count: 1 })).toBe('2026-02-28');
    expect(addPeriod('2026-02-28', { unit: 'month', count: 1 }, 31)).toBe('2026-03-31');
    expect(addPeriod('2024-02-29', { unit: 'year', count: 1 })).toBe('2025-02-28');
    expect(addPeriod('2026-12-30', { unit: 'week', count: 2 })).toBe('2027-01-13');
  });
});

describe('booking with a membership', () => {
  const started = accountDecider.decide(
    sell([{ product: monthly, quantity: 1 }]),
    accountDecider.initialState,
    now,
  );
  const membershipId = uuidFrom('item:sale-1:0');
  const stateOf = (events: AccountEvent[]) =>
    events.reduce(accountDecider.evolve, accountDecider.initialState);

  it('covers its event types from its first day, not before and not other types', () => {
    const state = stateOf(started);
    expect(membershipCovering(state, 'yoga', '2026-11-23')?.membershipId).toBe(membershipId);
    expect(membershipCovering(state, 'pilates', '2027-03-01')?.membershipId).toBe(membershipId);
    expect(membershipCovering(state, 'yoga', '2026-11-22')).toBeNull();
    expect(membershipCovering(state, 'boxing', '2026-11-23')).toBeNull();
  });

  it('does not cover a frozen day, nor a day after it was cancelled', () => {
    const frozen: AccountEvent = {
      type: 'MembershipFrozen',
      data: {
        clientId: 'client-1',
        membershipId,
        from: '2026-12-01',
        until: '2026-12-15',
        reason: 'travel',
        nextPaymentDue: '2027-01-06',
      },
    };
    const cancelled: AccountEvent = {
      type: 'MembershipCancelled',
      data: {
        clientId: 'client-1',
        membershipId,
        when: 'now',
        effectiveOn: '2026-12-20',
        reason: 'x',
      },
    };
    const state = stateOf([...started, frozen, cancelled]);
    expect(membershipCovering(state, 'yoga', '2026-11-30')).not.toBeNull();
    expect(membershipCovering(state, 'yoga', '2026-12-01')).toBeNull();
    expect(membershipCovering(state, 'yoga', '2026-12-15')).not.toBeNull();
    expect(membershipCovering(state, 'yoga', '2026-12-20')).toBeNull();
  });
});

describe('local dates', () => {
  it('tell the studio’s today from an instant', () => {
    expect(localDate(new Date('2026-11-24T03:30:00Z'), 'America/New_York')).toBe('2026-11-23');
    expect(localDate(new Date('2026-11-23T23:30:00Z'), 'Europe/Berlin')).toBe('2026-11-24');
    expect(localDate(new Date('2026-11-23T12:00:00Z'), 'UTC')).toBe('2026-11-23');
  });
});

describe('imports (what clients have left elsewhere, ADR 0021)', () => {
  const from = (row: number, fileSha256 = 'a'.repeat(64)) => ({
    jobId: 'job-1',
    fileName: 'credits.csv',
    fileSha256,
    row,
  });
  const importCredits = (
    data: Partial<Extract<AccountCommand, { type: 'ImportCredits' }>['data']> = {},
  ): AccountCommand => ({
    type: 'ImportCredits',
    data: {
      ...scope,
      grantId: 'grant-imported',
      product: pack,
      eventTypes: ['yoga'],
      remaining: 3,
      expiresOn: '2027-01-31',
      purchasedOn: '2026-10-01',
      importedFrom: from(2),
      ...data,
    },
  });
  const importMembership = (
    data: Partial<Extract<AccountCommand, { type: 'ImportMembership' }>['data']> = {},
  ): AccountCommand => ({
    type: 'ImportMembership',
    data: {
      ...scope,
      membershipId: 'membership-imported',
      product: monthly as MembershipOnSale,
      startsOn: '2025-03-10',
      nextPaymentDue: '2026-12-10',
      freeze: null,
      importedFrom: from(5),
      ...data,
    },
  });

  it('records the credits left, not a full pack, as imported from their row, with no sale', () => {
    spec
      .given([])
      .when(importCredits())
      .then([
        {
          type: 'CreditsGranted',
          data: {
            clientId: 'client-1',
            grantId: 'grant-imported',
            eventTypes: ['yoga'],
            count: 3,
            // Usable through January 31st: gone when February 1st begins at the studio.
            expiresAt: '2027-02-01T00:00:00.000Z',
            validityDaysFromFirstUse: null,
            source: {
              kind: 'import',
              productId: 'pack-10',
              productName: '10 Yoga Classes',
              purchasedOn: '2026-10-01',
              importedFrom: from(2),
            },
          },
        },
      ]);
  });

  it('ends the imported credits as the expiry rule ends any others', () => {
    const [grant] = accountDecider.decide(importCredits(), accountDecider.initialState, now);
    const expire: AccountCommand = { type: 'ExpireCredits', data: scope };
    const later = new Date('2027-02-01T00:00:00Z');
    expect(accountDecider.decide(expire, fold([grant!]), now)).toEqual([]);
    expect(accountDecider.decide(expire, fold([grant!]), later)).toEqual([
      {
        type: 'CreditsExpired',
        data: { clientId: 'client-1', grantId: 'grant-imported', count: 3 },
      },
    ]);
  });

  it('imports a plain count of credits, and keeps a first-use pack unstarted when no expiry is given', () => {
    const plain = accountDecider.decide(
      importCredits({ product: null, eventTypes: ['pilates'], expiresOn: null }),
      accountDecider.initialState,
      now,
    );
    expect(plain[0]!.data).toMatchObject({
      eventTypes: ['pilates'],
      expiresAt: null,
      validityDaysFromFirstUse: null,
      source: { kind: 'import', productId: null, productName: null },
    });
    const firstUse = { ...pack, validityStarts: 'first_use' as const };
    const unstarted = accountDecider.decide(
      importCredits({ product: firstUse, expiresOn: null }),
      accountDecider.initialState,
      now,
    );
    expect(unstarted[0]!.data).toMatchObject({ expiresAt: null, validityDaysFromFirstUse: 90 });
  });

  it('refuses credits already expired, none left, a purchase to come and odd dates', () => {
    const refused = (data: Parameters<typeof importCredits>[0], field: string) =>
      spec
        .given([])
        .when(importCredits(data))
        .thenThrows(InvalidInput, (e) => expect(e.errors.map((x) => x.field)).toEqual([field]));
    refused({ expiresOn: '2026-11-22' }, 'expiresOn');
    refused({ expiresOn: '2026-02-30' }, 'expiresOn');
    refused({ remaining: 0 }, 'remaining');
    refused({ remaining: 2.5 }, 'remaining');
    refused({ purchasedOn: '2026-11-24' }, 'purchasedOn');
    refused({ product: null, eventTypes: [] }, 'eventTypes');
    // The last day is still usable.
    expect(
      accountDecider.decide(
        importCredits({ expiresOn: '2026-11-23' }),
        accountDecider.initialState,
        now,
      ),
    ).toHaveLength(1);
  });

  it('adds nothing for a row imported again, and refuses the same pack from another file', () => {
    const first = accountDecider.decide(importCredits(), accountDecider.initialState, now);
    spec.given(first).when(importCredits()).then([]);
    spec
      .given(first)
      .when(importCredits({ grantId: 'grant-2', importedFrom: from(2, 'b'.repeat(64)) }))
      .thenThrows(AlreadyImported);
    // Two packs of the same product in one file are two packs.
    expect(
      accountDecider.decide(
        importCredits({ grantId: 'grant-3', importedFrom: from(3) }),
        fold(first),
        now,
      ),
    ).toHaveLength(1);
  });

  it('records a membership as it stands: no sale or bill, the period ending on the next payment', () => {
    spec
      .given([])
      .when(importMembership())
      .then([
        {
          type: 'MembershipImported',
          data: {
            clientId: 'client-1',
            membershipId: 'membership-imported',
            productId: 'monthly',
            name: 'Monthly Unlimited',
            price: usd(9900),
            billingPeriod: { unit: 'month', count: 1 },
            eventTypes: ['yoga', 'pilates'],
            creditsPerPeriod: null,
            startsOn: '2025-03-10',
            currentPeriod: { from: '2026-11-10', until: '2026-12-10' },
            nextPaymentDue: '2026-12-10',
            importedFrom: from(5),
          },
        },
      ]);
  });

  it('bills its first renewal on the imported next payment date, not before', () => {
    const history = accountDecider.decide(importMembership(), accountDecider.initialState, now);
    const renew = (today: string): AccountCommand => ({
      type: 'RenewMemberships',
      data: { ...scope, today },
    });
    expect(accountDecider.decide(renew('2026-12-09'), fold(history), now)).toEqual([]);
    const renewal = accountDecider.decide(renew('2026-12-10'), fold(history), now);
    expect(renewal.map((e) => e.type)).toEqual(['MembershipRenewed', 'BillIssued']);
    expect(renewal[0]!.data).toMatchObject({
      period: { from: '2026-12-10', until: '2027-01-10' },
      nextPaymentDue: '2027-01-10',
    });
    expect(renewal[1]!.data).toMatchObject({ total: usd(9900), dueOn: '2026-12-10' });
  });

  it('records a running freeze as a freeze, leaving the imported next payment where it is', () => {
    const events = accountDecider.decide(
      importMembership({
        nextPaymentDue: '2027-01-20',
        freeze: { from: '2026-11-01', until: '2026-12-15' },
      }),
      accountDecider.initialState,
      now,
    );
    expect(events[1]).toEqual({
      type: 'MembershipFrozen',
      data: {
        clientId: 'client-1',
        membershipId: 'membership-imported',
        from: '2026-11-01',
        until: '2026-12-15',
        reason: 'imported from row 5 of credits.csv',
        nextPaymentDue: '2027-01-20',
      },
    });
    const state = fold(events);
    expect(membershipCovering(state, 'yoga', '2026-11-23')).toBeNull();
    expect(membershipCovering(state, 'yoga', '2026-12-15')?.membershipId).toBe(
      'membership-imported',
    );
    // A freeze that is over changes nothing any more: it is not recorded.
    const over = accountDecider.decide(
      importMembership({ freeze: { from: '2026-09-01', until: '2026-10-01' } }),
      accountDecider.initialState,
      now,
    );
    expect(over.map((e) => e.type)).toEqual(['MembershipImported']);
  });

  it('refuses a next payment that has passed, dates out of order, and a second one of the product', () => {
    const refused = (data: Parameters<typeof importMembership>[0], field: string) =>
      spec
        .given([])
        .when(importMembership(data))
        .thenThrows(InvalidInput, (e) => expect(e.errors.map((x) => x.field)).toEqual([field]));
    refused({ nextPaymentDue: '2026-11-22' }, 'nextPaymentDue');
    refused({ startsOn: '2026-12-11' }, 'nextPaymentDue');
    refused({ startsOn: '10/03/2025' }, 'startsOn');
    refused({ freeze: { from: '2026-12-01', until: '2026-12-01' } }, 'freeze.until');
    const first = accountDecider.decide(importMembership(), accountDecider.initialState, now);
    spec.given(first).when(importMembership()).then([]);
    spec
      .given(first)
      .when(
        importMembership({ membershipId: 'membership-2', importedFrom: from(9, 'b'.repeat(64)) }),
      )
      .thenThrows(AlreadyImported);
    spec
      .given([])
      .when(
        importMembership({
          product: { ...(monthly as MembershipOnSale), price: money(9900, 'EUR') },
        }),
      )
      .thenThrows(CurrencyMismatch);
  });
});

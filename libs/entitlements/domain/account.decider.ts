import {
  EVENT_TYPE,
  assertNever,
  assertSameCurrency,
  InvalidInput,
  money,
  NotFound,
  times,
  uuidFrom,
  sum,
  zero,
  type Decider,
  type FieldError,
  type Money,
} from '@clientele/shared';
import type { AccountCommand } from './account.commands';
import type { AccountEvent, AccountEventOf, BillLine, LocalDate, SaleLine } from './account.events';
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
  PaymentTakenBack,
  ChargeGivenBack,
  ProductNotForSale,
  RefundExceedsPayment,
  ReservationNotSpendable,
} from './account.rules';
import {
  evolveAccount,
  initialAccountState,
  remaining,
  type AccountState,
  type Grant,
  type Membership,
} from './account.state';
import { addDays, addPeriod, daysBetween, isLocalDate, startOfDay } from './dates';
import { reconcileWithProcessor, refundUnrecordedCharge } from './account.processor';

const MAX_CREDITS = 1000;
const DAY_MS = 86_400_000;

type Command<T extends AccountCommand['type']> = Extract<AccountCommand, { type: T }>['data'];

function invalid(errors: FieldError[]): void {
  if (errors.length > 0) throw new InvalidInput('The request is not valid.', errors);
}

function checkReason(reason: string, errors: FieldError[]) {
  if (reason.trim().length === 0 || reason.length > 500) {
    errors.push({ field: 'reason', message: 'must be 1 to 500 characters' });
  }
}

function checkEventTypes(field: string, eventTypes: string[], errors: FieldError[]) {
  if (eventTypes.length === 0) errors.push({ field, message: 'must name at least one event type' });
  for (const type of eventTypes) {
    if (!EVENT_TYPE.test(type)) {
      errors.push({ field, message: `"${type}" is not an event type (a-z, 0-9, _ and -)` });
    }
  }
  if (new Set(eventTypes).size !== eventTypes.length) {
    errors.push({ field, message: 'must not repeat an event type' });
  }
}

/** Whether a grant's credits can be used at `now`: not expired (a first-use grant not yet started never is). */
function usableAt(grant: Grant, now: Date): boolean {
  return grant.expiresAt === null || Date.parse(grant.expiresAt) > now.getTime();
}

/** When a grant would expire if used now: the order in which credits are spent. */
function effectiveExpiry(grant: Grant, now: Date): number {
  if (grant.expiresAt !== null) return Date.parse(grant.expiresAt);
  if (grant.validityDaysFromFirstUse !== null) {
    return now.getTime() + grant.validityDaysFromFirstUse * DAY_MS;
  }
  return Number.POSITIVE_INFINITY;
}

function issueCredits(state: AccountState, c: Command<'IssueCredits'>, now: Date): AccountEvent[] {
  const errors: FieldError[] = [];
  if (!Number.isSafeInteger(c.count) || c.count < 1 || c.count > MAX_CREDITS) {
    errors.push({ field: 'count', message: `must be a whole number from 1 to ${MAX_CREDITS}` });
  }
  checkEventTypes('eventTypes', c.eventTypes, errors);
  checkReason(c.reason, errors);
  if (c.expiresAt !== null && !(Date.parse(c.expiresAt) > now.getTime())) {
    errors.push({ field: 'expiresAt', message: 'must be a time in the future' });
  }
  invalid(errors);
  if (state.grants.has(c.grantId)) return [];
  return [
    {
      type: 'CreditsGranted',
      data: {
        clientId: c.clientId,
        grantId: c.grantId,
        eventTypes: c.eventTypes,
        count: c.count,
        expiresAt: c.expiresAt,
        validityDaysFromFirstUse: null,
        source: { kind: 'complimentary', reason: c.reason.trim() },
      },
    },
  ];
}

function grantOf(state: AccountState, grantId: string): Grant {
  const grant = state.grants.get(grantId);
  if (!grant) throw new NotFound('credit_grant', grantId);
  return grant;
}

function adjustCreditGrant(state: AccountState, c: Command<'AdjustCreditGrant'>): AccountEvent[] {
  const errors: FieldError[] = [];
  if (!Number.isSafeInteger(c.delta) || c.delta === 0 || Math.abs(c.delta) > MAX_CREDITS) {
    errors.push({
      field: 'delta',
      message: `must be a whole number, not 0, within ±${MAX_CREDITS}`,
    });
  }
  checkReason(c.reason, errors);
  invalid(errors);
  const grant = grantOf(state, c.grantId);
  const used = grant.reserved + grant.spent + grant.expired;
  const countAfter = grant.count + c.delta;
  if (countAfter < used) throw new CreditGrantCannotGoBelowUsed(c.grantId, used, countAfter);
  return [
    {
      type: 'CreditGrantAdjusted',
      data: {
        clientId: c.clientId,
        grantId: c.grantId,
        delta: c.delta,
        reason: c.reason.trim(),
        countAfter,
      },
    },
  ];
}

function reserveCredit(
  state: AccountState,
  c: Command<'ReserveCredit'>,
  now: Date,
): AccountEvent[] {
  const errors: FieldError[] = [];
  if (!Number.isSafeInteger(c.count) || c.count < 1 || c.count > MAX_CREDITS) {
    errors.push({ field: 'count', message: `must be a whole number from 1 to ${MAX_CREDITS}` });
  }
  checkReason(c.reason, errors);
  invalid(errors);
  // The same reservation asked again (a retried booking) is the one already made.
  if (state.reservations.has(c.reservationId)) return [];
  const candidates = [...state.grants.values()]
    .filter(
      (g) => g.eventTypes.includes(c.eventType) && usableAt(g, now) && remaining(g) >= c.count,
    )
    .sort((a, b) => effectiveExpiry(a, now) - effectiveExpiry(b, now));
  const grant = candidates[0];
  if (!grant) throw new NoCreditAvailable(c.eventType, c.count);
  const events: AccountEvent[] = [];
  if (grant.expiresAt === null && grant.validityDaysFromFirstUse !== null) {
    events.push({
      type: 'CreditGrantActivated',
      data: {
        clientId: c.clientId,
        grantId: grant.grantId,
        expiresAt: new Date(now.getTime() + grant.validityDaysFromFirstUse * DAY_MS).toISOString(),
      },
    });
  }
  events.push({
    type: 'CreditsReserved',
    data: {
      clientId: c.clientId,
      reservationId: c.reservationId,
      grantId: grant.grantId,
      eventType: c.eventType,
      count: c.count,
      reason: c.reason.trim(),
    },
  });
  return events;
}

function confirmCreditSpend(state: AccountState, c: Command<'ConfirmCreditSpend'>): AccountEvent[] {
  const errors: FieldError[] = [];
  checkReason(c.reason, errors);
  invalid(errors);
  const reservation = state.reservations.get(c.reservationId);
  if (!reservation) throw new NotFound('credit_reservation', c.reservationId);
  if (reservation.status === 'spent') return [];
  if (reservation.status === 'returned') {
    throw new ReservationNotSpendable(c.reservationId, reservation.status);
  }
  return [
    {
      type: 'CreditsSpent',
      data: {
        clientId: c.clientId,
        reservationId: c.reservationId,
        grantId: reservation.grantId,
        count: reservation.count,
        reason: c.reason.trim(),
      },
    },
  ];
}

function returnCredit(state: AccountState, c: Command<'ReturnCredit'>): AccountEvent[] {
  const errors: FieldError[] = [];
  checkReason(c.reason, errors);
  invalid(errors);
  const reservation = state.reservations.get(c.reservationId);
  if (!reservation) throw new NotFound('credit_reservation', c.reservationId);
  if (reservation.status === 'returned') return [];
  // Back to its own grant, which keeps its own expiry: a returned credit never moves or vanishes.
  return [
    {
      type: 'CreditsReturned',
      data: {
        clientId: c.clientId,
        reservationId: c.reservationId,
        grantId: reservation.grantId,
        count: reservation.count,
        wasSpent: reservation.status === 'spent',
        reason: c.reason.trim(),
      },
    },
  ];
}

function expireCredits(
  state: AccountState,
  c: Command<'ExpireCredits'>,
  now: Date,
): AccountEvent[] {
  return [...state.grants.values()]
    .filter((g) => !usableAt(g, now) && remaining(g) > 0)
    .map((g) => ({
      type: 'CreditsExpired' as const,
      data: { clientId: c.clientId, grantId: g.grantId, count: remaining(g) },
    }));
}

function adjustAccountCredit(
  state: AccountState,
  c: Command<'AdjustAccountCredit'>,
): AccountEvent[] {
  const errors: FieldError[] = [];
  if (!Number.isSafeInteger(c.amount) || c.amount === 0) {
    errors.push({ field: 'amount', message: 'must be a whole number of minor units, not 0' });
  }
  checkReason(c.reason, errors);
  invalid(errors);
  const balance = state.accountCredit + c.amount;
  if (balance < 0) {
    throw new AccountCreditInsufficient(
      money(state.accountCredit, c.currency),
      money(-c.amount, c.currency),
    );
  }
  const data = {
    clientId: c.clientId,
    amount: money(Math.abs(c.amount), c.currency),
    reason: c.reason.trim(),
    balanceAfter: money(balance, c.currency),
  };
  return [
    c.amount > 0 ? { type: 'AccountCreditAdded', data } : { type: 'AccountCreditDeducted', data },
  ];
}

/** Paying `amount` on a bill, with what else the payment settles. */
function payment(
  state: AccountState,
  clientId: string,
  bill: { billId: string; total: Money; paid: number },
  paymentId: string,
  amount: Money,
  method: AccountEventOf<'PaymentRecorded'>['data']['method'],
  reference: string | null,
): AccountEvent[] {
  if (reference !== null && (state.unrecordedCharges.get(reference)?.refunded ?? 0) > 0) {
    throw new ChargeGivenBack(reference);
  }
  let accountCreditAfter: Money | null = null;
  if (method === 'account_credit') {
    if (state.accountCredit < amount.amount) {
      throw new AccountCreditInsufficient(money(state.accountCredit, amount.currency), amount);
    }
    accountCreditAfter = money(state.accountCredit - amount.amount, amount.currency);
  }
  const events: AccountEvent[] = [
    {
      type: 'PaymentRecorded',
      data: {
        clientId,
        paymentId,
        billId: bill.billId,
        amount,
        method,
        reference,
        accountCreditAfter,
      },
    },
  ];
  if (bill.paid + amount.amount === bill.total.amount) {
    events.push({ type: 'BillPaid', data: { clientId, billId: bill.billId } });
  }
  return events;
}

function sellProducts(state: AccountState, c: Command<'SellProducts'>, now: Date): AccountEvent[] {
  const errors: FieldError[] = [];
  if (c.items.length === 0 || c.items.length > 50) {
    errors.push({ field: 'items', message: 'must hold 1 to 50 products' });
  }
  c.items.forEach((item, i) => {
    if (!Number.isSafeInteger(item.quantity) || item.quantity < 1 || item.quantity > 100) {
      errors.push({
        field: `items.${i}.quantity`,
        message: 'must be a whole number from 1 to 100',
      });
    } else if (item.product.kind === 'membership' && item.quantity !== 1) {
      errors.push({ field: `items.${i}.quantity`, message: 'a membership is sold one at a time' });
    }
  });
  invalid(errors);
  // The same sale decided again (a retry) changes nothing.
  if (state.sales.has(c.saleId)) return [];
  for (const { product } of c.items) {
    if (product.archived) throw new ProductNotForSale(product.productId, 'it is archived');
    assertSameCurrency(zero(c.currency), product.price);
  }
  const billId = uuidFrom(`bill:${c.saleId}`);
  const lines: SaleLine[] = c.items.map(({ product, quantity }, i) => ({
    lineId: uuidFrom(`line:${c.saleId}:${i}`),
    productId: product.productId,
    kind: product.kind,
    name: product.name,
    quantity,
    unitPrice: product.price,
    total: times(product.price, quantity),
  }));
  const total = sum(
    lines.map((line) => line.total),
    c.currency,
  );
  if (c.payment.method === 'pay_later' && !state.payLater) throw new PayLaterDisabled(c.clientId);
  const events: AccountEvent[] = [
    {
      type: 'SaleRecorded',
      data: {
        clientId: c.clientId,
        saleId: c.saleId,
        billId,
        lines,
        total,
        paymentMethod: c.payment.method,
      },
    },
    {
      type: 'BillIssued',
      data: {
        clientId: c.clientId,
        billId,
        origin: { kind: 'sale', saleId: c.saleId },
        lines: lines.map<BillLine>((line) => ({
          description: line.quantity > 1 ? `${line.name} × ${line.quantity}` : line.name,
          amount: line.total,
        })),
        total,
        dueOn: c.today,
      },
    },
  ];
  if (c.payment.method !== 'pay_later' && total.amount > 0) {
    events.push(
      ...payment(
        state,
        c.clientId,
        { billId, total, paid: 0 },
        uuidFrom(`payment:${c.saleId}`),
        total,
        c.payment.method,
        c.payment.reference ?? null,
      ),
    );
  }
  let unit = 0;
  c.items.forEach(({ product, quantity }) => {
    for (let n = 0; n < quantity; n++) {
      const itemId = uuidFrom(`item:${c.saleId}:${unit++}`);
      events.push(...entitlementsOf(product, itemId, c, now));
    }
  });
  return events;
}

function entitlementsOf(
  product: Command<'SellProducts'>['items'][number]['product'],
  itemId: string,
  c: Command<'SellProducts'>,
  now: Date,
): AccountEvent[] {
  switch (product.kind) {
    case 'class_pack':
    case 'private_pass': {
      const fromPurchase = product.validityStarts === 'purchase' && product.validityDays !== null;
      return [
        {
          type: 'CreditsGranted',
          data: {
            clientId: c.clientId,
            grantId: itemId,
            eventTypes: product.credits.eventTypes,
            count: product.credits.count,
            expiresAt: fromPurchase
              ? new Date(now.getTime() + product.validityDays! * DAY_MS).toISOString()
              : null,
            validityDaysFromFirstUse: fromPurchase ? null : product.validityDays,
            source: {
              kind: 'sale',
              saleId: c.saleId,
              productId: product.productId,
              productName: product.name,
            },
          },
        },
      ];
    }
    case 'membership': {
      const until = addPeriod(c.today, product.billingPeriod);
      const events: AccountEvent[] = [
        {
          type: 'MembershipStarted',
          data: {
            clientId: c.clientId,
            membershipId: itemId,
            saleId: c.saleId,
            productId: product.productId,
            name: product.name,
            price: product.price,
            billingPeriod: product.billingPeriod,
            eventTypes: product.eventTypes,
            creditsPerPeriod: product.creditsPerPeriod,
            startsOn: c.today,
            currentPeriod: { from: c.today, until },
            nextPaymentDue: until,
          },
        },
      ];
      if (product.creditsPerPeriod !== null) {
        events.push(
          periodCredits(c.clientId, itemId, product.eventTypes, product.creditsPerPeriod, {
            from: c.today,
            until,
            timeZone: c.timeZone,
          }),
        );
      }
      return events;
    }
    case 'vod':
      return [
        {
          type: 'VodAccessGranted',
          data: {
            clientId: c.clientId,
            accessId: itemId,
            saleId: c.saleId,
            productId: product.productId,
            name: product.name,
            from: now.toISOString(),
            until: new Date(now.getTime() + product.accessDays * DAY_MS).toISOString(),
          },
        },
      ];
    case 'service':
      return [];
    default:
      return assertNever(product);
  }
}

/** A membership's credits for one period: they lapse when the period ends. */
function periodCredits(
  clientId: string,
  membershipId: string,
  eventTypes: string[],
  count: number,
  period: { from: LocalDate; until: LocalDate; timeZone: string },
): AccountEvent {
  const { from, until, timeZone } = period;
  return {
    type: 'CreditsGranted',
    data: {
      clientId,
      grantId: uuidFrom(`grant:${membershipId}:${from}`),
      eventTypes,
      count,
      expiresAt: startOfDay(until, timeZone),
      validityDaysFromFirstUse: null,
      source: { kind: 'membership', membershipId, periodFrom: from },
    },
  };
}

function payBill(state: AccountState, c: Command<'PayBill'>): AccountEvent[] {
  if (!Number.isSafeInteger(c.amount) || c.amount < 1) {
    invalid([{ field: 'amount', message: 'must be a whole, positive number of minor units' }]);
  }
  const bill = state.bills.get(c.billId);
  if (!bill) throw new NotFound('bill', c.billId);
  if (state.payments.has(c.paymentId)) return [];
  if (bill.voided) throw new BillVoided(c.billId);
  if (bill.settled) throw new BillAlreadyPaid(c.billId);
  const amount = money(c.amount, c.currency);
  const outstanding = money(bill.total.amount - bill.paid, c.currency);
  if (amount.amount > outstanding.amount) {
    throw new PaymentExceedsBalance(c.billId, outstanding, amount);
  }
  return payment(state, c.clientId, bill, c.paymentId, amount, c.method, c.reference);
}

/** Ids of a booking's bill and payment, derived so that billing it twice is billing it once. */
export const bookingBillId = (enrollmentId: string) => uuidFrom(`bill:booking:${enrollmentId}`);
const bookingPaymentId = (enrollmentId: string) => uuidFrom(`payment:booking:${enrollmentId}`);

function billBooking(state: AccountState, c: Command<'BillBooking'>): AccountEvent[] {
  const billId = bookingBillId(c.enrollmentId);
  if (state.bills.has(billId)) return [];
  assertSameCurrency(zero(c.currency), c.price);
  if (c.payment.method === 'pay_later' && !state.payLater) throw new PayLaterDisabled(c.clientId);
  const events: AccountEvent[] = [
    {
      type: 'BillIssued',
      data: {
        clientId: c.clientId,
        billId,
        origin: { kind: 'booking', sessionId: c.sessionId, enrollmentId: c.enrollmentId },
        lines: [{ description: c.description, amount: c.price }],
        total: c.price,
        dueOn: c.dueOn,
      },
    },
  ];
  if (c.payment.method === 'card' && c.price.amount > 0) {
    const bill = { billId, total: c.price, paid: 0 };
    const paymentId = bookingPaymentId(c.enrollmentId);
    events.push(
      ...payment(state, c.clientId, bill, paymentId, c.price, 'card', c.payment.reference),
    );
  }
  return events;
}

function refundPayment(state: AccountState, c: Command<'RefundPayment'>): AccountEvent[] {
  const errors: FieldError[] = [];
  if (c.amount !== null && (!Number.isSafeInteger(c.amount) || c.amount < 1)) {
    errors.push({ field: 'amount', message: 'must be a whole, positive number of minor units' });
  }
  checkReason(c.reason, errors);
  invalid(errors);
  const paid = state.payments.get(c.paymentId);
  if (!paid) throw new NotFound('payment', c.paymentId);
  if (state.refunds.has(c.refundId)) return [];
  if (paid.failed || paid.chargedBack > 0) throw new PaymentTakenBack(c.paymentId);
  const refundable = paid.amount - paid.refunded;
  if (refundable === 0) throw new PaymentFullyRefunded(c.paymentId);
  const amount = money(c.amount ?? refundable, c.currency);
  if (amount.amount > refundable) {
    throw new RefundExceedsPayment(c.paymentId, money(refundable, c.currency), amount);
  }
  return [
    {
      type: 'PaymentRefunded',
      data: {
        clientId: c.clientId,
        refundId: c.refundId,
        paymentId: c.paymentId,
        billId: paid.billId,
        amount,
        method: paid.method,
        reference: c.reference,
        reason: c.reason,
        // Paid from account credit, refunded to it.
        accountCreditAfter:
          paid.method === 'account_credit'
            ? money(state.accountCredit + amount.amount, c.currency)
            : null,
      },
    },
  ];
}

function voidBill(state: AccountState, c: Command<'VoidBill'>): AccountEvent[] {
  const bill = state.bills.get(c.billId);
  if (!bill) throw new NotFound('bill', c.billId);
  if (bill.voided || bill.settled) return [];
  return [
    {
      type: 'BillVoided',
      data: {
        clientId: c.clientId,
        billId: c.billId,
        unpaid: money(bill.total.amount - bill.paid, c.currency),
        reason: c.reason,
      },
    },
  ];
}

function membershipOf(state: AccountState, membershipId: string): Membership {
  const membership = state.memberships.get(membershipId);
  if (!membership) throw new NotFound('membership', membershipId);
  return membership;
}

function assertActive(m: Membership, today: LocalDate): void {
  if (m.cancellation && m.cancellation.effectiveOn <= today) {
    throw new MembershipNotActive(m.membershipId, 'cancelled');
  }
}

function freezeMembership(state: AccountState, c: Command<'FreezeMembership'>): AccountEvent[] {
  const errors: FieldError[] = [];
  if (!isLocalDate(c.from)) errors.push({ field: 'from', message: 'must be a date (YYYY-MM-DD)' });
  if (!isLocalDate(c.until))
    errors.push({ field: 'until', message: 'must be a date (YYYY-MM-DD)' });
  checkReason(c.reason, errors);
  invalid(errors);
  const m = membershipOf(state, c.membershipId);
  assertActive(m, c.today);
  if (m.freeze) throw new MembershipFreezeInvalid(c.membershipId, 'it is already frozen');
  if (c.from < c.today)
    throw new MembershipFreezeInvalid(c.membershipId, 'a freeze cannot start in the past');
  if (c.until <= c.from)
    throw new MembershipFreezeInvalid(c.membershipId, 'it must end after it starts');
  const days = daysBetween(c.from, c.until);
  if (days > 366)
    throw new MembershipFreezeInvalid(c.membershipId, 'a freeze lasts a year at most');
  if (m.cancellation && c.from >= m.cancellation.effectiveOn) {
    throw new MembershipFreezeInvalid(c.membershipId, 'it ends before the freeze would start');
  }
  // The frozen days are not billed: the next payment moves by as many.
  return [
    {
      type: 'MembershipFrozen',
      data: {
        clientId: c.clientId,
        membershipId: c.membershipId,
        from: c.from,
        until: c.until,
        reason: c.reason.trim(),
        nextPaymentDue: addDays(m.nextPaymentDue, days),
      },
    },
  ];
}

function unfreezeMembership(state: AccountState, c: Command<'UnfreezeMembership'>): AccountEvent[] {
  const m = membershipOf(state, c.membershipId);
  if (!m.freeze) return [];
  // Ended early: the days not frozen after all are billed again.
  const end = c.today < m.freeze.from ? m.freeze.from : c.today;
  const unused = end < m.freeze.until ? daysBetween(end, m.freeze.until) : 0;
  return [
    {
      type: 'MembershipUnfrozen',
      data: {
        clientId: c.clientId,
        membershipId: c.membershipId,
        on: c.today,
        nextPaymentDue: addDays(m.nextPaymentDue, -unused),
      },
    },
  ];
}

function cancelMembership(state: AccountState, c: Command<'CancelMembership'>): AccountEvent[] {
  const errors: FieldError[] = [];
  checkReason(c.reason, errors);
  invalid(errors);
  const m = membershipOf(state, c.membershipId);
  assertActive(m, c.today);
  const effectiveOn = c.when === 'now' ? c.today : m.nextPaymentDue;
  if (m.cancellation && m.cancellation.effectiveOn <= effectiveOn) return [];
  return [
    {
      type: 'MembershipCancelled',
      data: {
        clientId: c.clientId,
        membershipId: c.membershipId,
        when: c.when,
        effectiveOn,
        reason: c.reason.trim(),
      },
    },
  ];
}

/**
 * Bills every period that has come due, one bill each, paid from account credit when the client
 * wants that and has enough. Deciding again finds nothing due: safe to run twice.
 */
function renewMemberships(state: AccountState, c: Command<'RenewMemberships'>): AccountEvent[] {
  const events: AccountEvent[] = [];
  let current = state;
  for (const initial of state.memberships.values()) {
    let m = initial;
    while (m.nextPaymentDue <= c.today) {
      if (m.cancellation && m.cancellation.effectiveOn <= m.nextPaymentDue) break;
      if (m.freeze && m.freeze.from <= c.today && c.today < m.freeze.until) break;
      const from = m.nextPaymentDue;
      const until = addPeriod(from, m.billingPeriod, m.anchorDay);
      const billId = uuidFrom(`bill:${m.membershipId}:${from}`);
      const price = money(m.price.amount, m.price.currency);
      const renewal: AccountEvent[] = [
        {
          type: 'MembershipRenewed',
          data: {
            clientId: c.clientId,
            membershipId: m.membershipId,
            billId,
            period: { from, until },
            nextPaymentDue: until,
          },
        },
        {
          type: 'BillIssued',
          data: {
            clientId: c.clientId,
            billId,
            origin: { kind: 'membership', membershipId: m.membershipId, periodFrom: from },
            lines: [{ description: `${m.name}, ${from} to ${until}`, amount: price }],
            total: price,
            dueOn: from,
          },
        },
      ];
      const billed = renewal.reduce(evolveAccount, current);
      if (
        current.useAccountCreditForRecurring &&
        price.amount > 0 &&
        billed.accountCredit >= price.amount
      ) {
        renewal.push(
          ...payment(
            billed,
            c.clientId,
            { billId, total: price, paid: 0 },
            uuidFrom(`payment:${billId}`),
            price,
            'account_credit',
            null,
          ),
        );
      }
      if (m.creditsPerPeriod !== null) {
        renewal.push(
          periodCredits(c.clientId, m.membershipId, m.eventTypes, m.creditsPerPeriod, {
            from,
            until,
            timeZone: c.timeZone,
          }),
        );
      }
      events.push(...renewal);
      current = renewal.reduce(evolveAccount, current);
      m = current.memberships.get(m.membershipId)!;
    }
  }
  return events;
}

function checkDate(field: string, value: LocalDate, errors: FieldError[]): boolean {
  if (isLocalDate(value)) return true;
  errors.push({ field, message: 'must be a date (YYYY-MM-DD)' });
  return false;
}

/**
 * Credits a client has left in the product the studio used before: a grant of exactly what is
 * left (nothing is reset to a pack's full count), expiring as it would have there, and no sale,
 * bill or payment. A row imported again (the same file) finds its grant and adds nothing; the
 * same pack imported from another file is refused, since it would count the credits twice.
 */
function importCredits(state: AccountState, c: Command<'ImportCredits'>): AccountEvent[] {
  const errors: FieldError[] = [];
  if (!Number.isSafeInteger(c.remaining) || c.remaining < 1 || c.remaining > MAX_CREDITS) {
    errors.push({
      field: 'remaining',
      message: `must be a whole number from 1 to ${MAX_CREDITS}`,
    });
  }
  checkEventTypes('eventTypes', c.eventTypes, errors);
  if (c.expiresOn !== null && checkDate('expiresOn', c.expiresOn, errors)) {
    if (c.expiresOn < c.today) {
      errors.push({
        field: 'expiresOn',
        message: `is past: the credits expired on ${c.expiresOn}, nothing is left to import`,
      });
    }
  }
  if (c.purchasedOn !== null && checkDate('purchasedOn', c.purchasedOn, errors)) {
    if (c.purchasedOn > c.today) errors.push({ field: 'purchasedOn', message: 'is in the future' });
  }
  invalid(errors);
  if (state.grants.has(c.grantId)) return [];
  const productId = c.product?.productId ?? null;
  const types = [...c.eventTypes].sort().join(',');
  for (const grant of state.grants.values()) {
    const s = grant.source;
    if (s.kind !== 'import' || s.importedFrom.fileSha256 === c.importedFrom.fileSha256) continue;
    const same =
      productId !== null
        ? s.productId === productId
        : s.productId === null && [...grant.eventTypes].sort().join(',') === types;
    if (same) {
      throw new AlreadyImported(
        `credits of ${s.productName ?? types} imported from row ${s.importedFrom.row} of ${s.importedFrom.fileName}`,
        grant.grantId,
      );
    }
  }
  // Without an expiry, a pack whose clock starts at first use keeps that rule: not yet started.
  const firstUse =
    c.expiresOn === null && c.product?.validityStarts === 'first_use'
      ? c.product.validityDays
      : null;
  return [
    {
      type: 'CreditsGranted',
      data: {
        clientId: c.clientId,
        grantId: c.grantId,
        eventTypes: c.eventTypes,
        count: c.remaining,
        // Usable through its last day: gone when the next day begins at the studio.
        expiresAt: c.expiresOn === null ? null : startOfDay(addDays(c.expiresOn, 1), c.timeZone),
        validityDaysFromFirstUse: firstUse,
        source: {
          kind: 'import',
          productId,
          productName: c.product?.name ?? null,
          purchasedOn: c.purchasedOn,
          importedFrom: c.importedFrom,
        },
      },
    },
  ];
}

/**
 * A membership as it stands in the product the studio used before: no sale, no bill; its
 * current period is the one that ends on the next payment date, when the first renewal bills.
 * A freeze still running (or to come) is recorded as a freeze; the imported next payment date
 * already counts it, so it is not moved again. One that is over changed nothing left to keep.
 * Credits per period start with the first renewal: what is left of the current period's comes
 * with `ImportCredits`.
 */
function importMembership(state: AccountState, c: Command<'ImportMembership'>): AccountEvent[] {
  const errors: FieldError[] = [];
  const dated =
    checkDate('startsOn', c.startsOn, errors) &&
    checkDate('nextPaymentDue', c.nextPaymentDue, errors);
  if (dated && c.nextPaymentDue < c.startsOn) {
    errors.push({ field: 'nextPaymentDue', message: 'must not be before the start' });
  }
  if (dated && c.nextPaymentDue < c.today) {
    errors.push({
      field: 'nextPaymentDue',
      message: `is past (${c.nextPaymentDue}): export the memberships again, with the payments to come`,
    });
  }
  const freeze = c.freeze;
  if (
    freeze &&
    checkDate('freeze.from', freeze.from, errors) &&
    checkDate('freeze.until', freeze.until, errors) &&
    freeze.until <= freeze.from
  ) {
    errors.push({ field: 'freeze.until', message: 'must be after the freeze starts' });
  }
  invalid(errors);
  if (state.memberships.has(c.membershipId)) return [];
  assertSameCurrency(zero(c.currency), c.product.price);
  for (const m of state.memberships.values()) {
    const ended = m.cancellation && m.cancellation.effectiveOn <= c.today;
    if (m.productId === c.product.productId && !ended) {
      throw new AlreadyImported(`a membership ${m.name}`, m.membershipId);
    }
  }
  const { product } = c;
  const periodBefore = addPeriod(c.nextPaymentDue, {
    unit: product.billingPeriod.unit,
    count: -product.billingPeriod.count,
  });
  const events: AccountEvent[] = [
    {
      type: 'MembershipImported',
      data: {
        clientId: c.clientId,
        membershipId: c.membershipId,
        productId: product.productId,
        name: product.name,
        price: product.price,
        billingPeriod: product.billingPeriod,
        eventTypes: product.eventTypes,
        creditsPerPeriod: product.creditsPerPeriod,
        startsOn: c.startsOn,
        currentPeriod: {
          from: periodBefore < c.startsOn ? c.startsOn : periodBefore,
          until: c.nextPaymentDue,
        },
        nextPaymentDue: c.nextPaymentDue,
        importedFrom: c.importedFrom,
      },
    },
  ];
  if (freeze && freeze.until > c.today) {
    events.push({
      type: 'MembershipFrozen',
      data: {
        clientId: c.clientId,
        membershipId: c.membershipId,
        from: freeze.from,
        until: freeze.until,
        reason: `imported from row ${c.importedFrom.row} of ${c.importedFrom.fileName}`,
        nextPaymentDue: c.nextPaymentDue,
      },
    });
  }
  return events;
}

/** The first customer linked stays: a second one asked for meanwhile is not recorded. */
function linkProcessorCustomer(
  state: AccountState,
  c: Command<'LinkProcessorCustomer'>,
): AccountEvent[] {
  if (state.processorCustomerId !== null) return [];
  return [
    {
      type: 'ProcessorCustomerLinked',
      data: { clientId: c.clientId, processor: c.processor, customerId: c.customerId },
    },
  ];
}

function changePaymentSettings(
  state: AccountState,
  c: Command<'ChangePaymentSettings'>,
): AccountEvent[] {
  if (
    state.payLater === c.payLater &&
    state.useAccountCreditForRecurring === c.useAccountCreditForRecurring
  ) {
    return [];
  }
  return [
    {
      type: 'PaymentSettingsChanged',
      data: {
        clientId: c.clientId,
        payLater: c.payLater,
        useAccountCreditForRecurring: c.useAccountCreditForRecurring,
      },
    },
  ];
}

export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  initialState: initialAccountState,
  evolve: evolveAccount,
  decide(command, state, now) {
    switch (command.type) {
      case 'IssueCredits':
        return issueCredits(state, command.data, now);
      case 'AdjustCreditGrant':
        return adjustCreditGrant(state, command.data);
      case 'ReserveCredit':
        return reserveCredit(state, command.data, now);
      case 'ConfirmCreditSpend':
        return confirmCreditSpend(state, command.data);
      case 'ReturnCredit':
        return returnCredit(state, command.data);
      case 'ExpireCredits':
        return expireCredits(state, command.data, now);
      case 'AdjustAccountCredit':
        return adjustAccountCredit(state, command.data);
      case 'SellProducts':
        return sellProducts(state, command.data, now);
      case 'PayBill':
        return payBill(state, command.data);
      case 'BillBooking':
        return billBooking(state, command.data);
      case 'RefundPayment':
        return refundPayment(state, command.data);
      case 'ReconcileWithProcessor':
        return reconcileWithProcessor(state, command.data);
      case 'RefundUnrecordedCharge':
        return refundUnrecordedCharge(state, command.data);
      case 'VoidBill':
        return voidBill(state, command.data);
      case 'LinkProcessorCustomer':
        return linkProcessorCustomer(state, command.data);
      case 'ChangePaymentSettings':
        return changePaymentSettings(state, command.data);
      case 'FreezeMembership':
        return freezeMembership(state, command.data);
      case 'UnfreezeMembership':
        return unfreezeMembership(state, command.data);
      case 'CancelMembership':
        return cancelMembership(state, command.data);
      case 'RenewMemberships':
        return renewMemberships(state, command.data);
      case 'ImportCredits':
        return importCredits(state, command.data);
      case 'ImportMembership':
        return importMembership(state, command.data);
      default:
        return assertNever(command);
    }
  },
};

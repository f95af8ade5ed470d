import type { AccountEvent } from '@clientele/entitlements';
import type { RecordedEvent } from '@clientele/eventstore';
import { assertNever } from '@clientele/shared';

/*
 * Rows as the fold keeps them: bigint columns as numbers (minor units, far below 2^53), jsonb
 * columns as JSON text, dates as the text PostgreSQL gives and takes.
 */

export interface BalanceRow {
  client_id: string;
  studio_id: string;
  currency: string | null;
  account_credit: number;
  outstanding: number;
  pay_later: boolean;
  use_account_credit_for_recurring: boolean;
  version: number;
}

/** An account's row before its first event: nothing owed, pay later allowed (the defaults). */
export function newBalanceRow(clientId: string, studioId: string): BalanceRow {
  return {
    client_id: clientId,
    studio_id: studioId,
    currency: null,
    account_credit: 0,
    outstanding: 0,
    pay_later: true,
    use_account_credit_for_recurring: false,
    version: -1,
  };
}

export interface GrantRow {
  grant_id: string;
  client_id: string;
  studio_id: string;
  event_types: string[];
  count: number;
  reserved: number;
  spent: number;
  expired: number;
  expires_at: Date | string | null;
  validity_days_from_first_use: number | null;
  source: string;
  granted_at: Date;
}

export interface BillRow {
  bill_id: string;
  client_id: string;
  studio_id: string;
  origin: string;
  lines: string;
  total: number;
  paid: number;
  currency: string;
  status: string;
  due_on: string;
  issued_at: Date;
}

export interface PaymentRow {
  payment_id: string;
  bill_id: string;
  client_id: string;
  studio_id: string;
  amount: number;
  currency: string;
  method: string;
  reference: string | null;
  taken_by: string;
  recorded_at: Date;
  refunded: number;
  failed: string | null;
  disputes: string;
}

export interface MembershipRow {
  membership_id: string;
  client_id: string;
  studio_id: string;
  product_id: string;
  name: string;
  price: number;
  currency: string;
  billing_period: string;
  event_types: string[];
  credits_per_period: number | null;
  starts_on: string;
  period_from: string;
  period_until: string;
  next_payment_due: string;
  frozen_from: string | null;
  frozen_until: string | null;
  cancelled_on: string | null;
}

export interface UnrecordedChargeRow {
  reference: string;
  client_id: string;
  studio_id: string;
  amount: number;
  currency: string;
  refunded: number;
  idempotency_key: string | null;
  confirmed_at: Date;
}

/** Rows that are only ever inserted (first write wins), as they are written. */
export interface Inserts {
  credit_ledger: Record<string, unknown>[];
  account_ledger: Record<string, unknown>[];
  sales: Record<string, unknown>[];
  refunds: Record<string, unknown>[];
  vod_access: Record<string, unknown>[];
  processor_customers: Record<string, unknown>[];
}

/** Rows a batch reads, changes and writes back, by key, with the keys it changed. */
export class Changing<Row> {
  readonly rows = new Map<string, Row>();
  readonly changed = new Set<string>();

  constructor(rows: Iterable<[string, Row]> = []) {
    for (const [key, row] of rows) this.rows.set(key, row);
  }

  /** An update of a row that is not there changes nothing, as `UPDATE … WHERE key` would. */
  update(key: string, edit: (row: Row) => void): void {
    const row = this.rows.get(key);
    if (!row) return;
    edit(row);
    this.changed.add(key);
  }

  /** `INSERT … ON CONFLICT DO NOTHING`: the first row stays. */
  insert(key: string, row: Row): void {
    if (this.rows.has(key)) return;
    this.rows.set(key, row);
    this.changed.add(key);
  }

  delete(key: string): void {
    this.rows.delete(key);
    this.changed.delete(key);
  }

  changedRows(): Row[] {
    return [...this.changed].map((key) => this.rows.get(key)!);
  }
}

/**
 * The rows of the accounts a batch touches, as read before it: the fold changes them in place.
 * Every payment whose reference the batch asks about is among `payments`.
 */
export interface AccountRows {
  grants: Changing<GrantRow>;
  bills: Changing<BillRow>;
  payments: Changing<PaymentRow>;
  memberships: Changing<MembershipRow>;
  unrecordedCharges: Changing<UnrecordedChargeRow>;
  /** References of unrecorded charges to delete (before the changed ones are written). */
  chargesGone: Set<string>;
  inserts: Inserts;
}

export function accountRows(read: {
  grants: GrantRow[];
  bills: BillRow[];
  payments: PaymentRow[];
  memberships: MembershipRow[];
  unrecordedCharges: UnrecordedChargeRow[];
}): AccountRows {
  return {
    grants: new Changing(read.grants.map((row) => [row.grant_id, row])),
    bills: new Changing(read.bills.map((row) => [row.bill_id, row])),
    payments: new Changing(read.payments.map((row) => [row.payment_id, row])),
    memberships: new Changing(read.memberships.map((row) => [row.membership_id, row])),
    unrecordedCharges: new Changing(read.unrecordedCharges.map((row) => [row.reference, row])),
    chargesGone: new Set(),
    inserts: {
      credit_ledger: [],
      account_ledger: [],
      sales: [],
      refunds: [],
      vod_access: [],
      processor_customers: [],
    },
  };
}

/** The keys of the rows an account event reads or changes, to read them before the fold. */
export interface AccountKeys {
  grantIds: Set<string>;
  billIds: Set<string>;
  paymentIds: Set<string>;
  /** References of payments the fold asks about (a processor's confirmation). */
  paymentReferences: Set<string>;
  membershipIds: Set<string>;
  chargeReferences: Set<string>;
}

export function accountKeys(events: readonly RecordedEvent[]): AccountKeys {
  const keys: AccountKeys = {
    grantIds: new Set(),
    billIds: new Set(),
    paymentIds: new Set(),
    paymentReferences: new Set(),
    membershipIds: new Set(),
    chargeReferences: new Set(),
  };
  for (const recorded of events) {
    const event = recorded as unknown as AccountEvent;
    const data = event.data as {
      grantId?: string;
      billId?: string;
      paymentId?: string;
      membershipId?: string;
      reference?: string | null;
    };
    if (data.grantId) keys.grantIds.add(data.grantId);
    if (data.billId) keys.billIds.add(data.billId);
    if (data.paymentId) keys.paymentIds.add(data.paymentId);
    if (data.membershipId) keys.membershipIds.add(data.membershipId);
    if (event.type === 'ProcessorPaymentConfirmed') {
      keys.paymentReferences.add(event.data.reference);
      keys.chargeReferences.add(event.data.reference);
    }
    if (event.type === 'UnrecordedChargeRefunded') keys.chargeReferences.add(event.data.reference);
    if (event.type === 'PaymentRecorded' && event.data.reference !== null) {
      keys.chargeReferences.add(event.data.reference);
    }
  }
  return keys;
}

function grantSourceReason(event: Extract<AccountEvent, { type: 'CreditsGranted' }>): string {
  const source = event.data.source;
  if (source.kind === 'complimentary') return source.reason;
  if (source.kind === 'sale') return `bought: ${source.productName}`;
  if (source.kind === 'import') {
    const { row, fileName } = source.importedFrom;
    return `imported${source.productName ? `: ${source.productName}` : ''} (row ${row} of ${fileName})`;
  }
  return `membership period from ${source.periodFrom}`;
}

/** One account event, not applied yet, on its account's balance and the rows it touches. */
export function foldAccountEvent(
  rows: AccountRows,
  recorded: RecordedEvent,
  balance: BalanceRow,
): void {
  const event = recorded as unknown as AccountEvent;
  const studioId = balance.studio_id;
  const clientId = balance.client_id;
  const actor = JSON.stringify(recorded.metadata.actor);
  const at = recorded.recordedAt;
  const ledger = (line: {
    grantId: string;
    kind: string;
    change: number;
    reason?: string;
    reservationId?: string;
  }) =>
    rows.inserts.credit_ledger.push({
      client_id: clientId,
      revision: recorded.revision,
      grant_id: line.grantId,
      kind: line.kind,
      change: line.change,
      reason: line.reason ?? null,
      reservation_id: line.reservationId ?? null,
      actor,
      recorded_at: at,
    });
  const accountLedger = (line: {
    kind: string;
    amount: number;
    balanceAfter: number;
    reason: string | null;
  }) =>
    rows.inserts.account_ledger.push({
      client_id: clientId,
      revision: recorded.revision,
      kind: line.kind,
      amount: line.amount,
      balance_after: line.balanceAfter,
      reason: line.reason,
      actor,
      recorded_at: at,
    });
  /** Money the processor took back (a bounced debit, a lost dispute): the bill owes it again. */
  const reopenBill = (billId: string, amount: number) => {
    balance.outstanding += amount;
    rows.bills.update(billId, (bill) => {
      bill.paid -= amount;
      if (bill.status === 'paid') bill.status = 'open';
    });
  };
  switch (event.type) {
    case 'CreditsGranted': {
      const d = event.data;
      rows.grants.insert(d.grantId, {
        grant_id: d.grantId,
        client_id: d.clientId,
        studio_id: studioId,
        event_types: d.eventTypes,
        count: d.count,
        reserved: 0,
        spent: 0,
        expired: 0,
        expires_at: d.expiresAt,
        validity_days_from_first_use: d.validityDaysFromFirstUse,
        source: JSON.stringify(d.source),
        granted_at: at,
      });
      ledger({
        grantId: d.grantId,
        kind: 'granted',
        change: d.count,
        reason: grantSourceReason(event),
      });
      return;
    }
    case 'CreditGrantActivated':
      rows.grants.update(event.data.grantId, (grant) => (grant.expires_at = event.data.expiresAt));
      ledger({ grantId: event.data.grantId, kind: 'validity_started', change: 0 });
      return;
    case 'CreditGrantAdjusted':
      rows.grants.update(event.data.grantId, (grant) => (grant.count = event.data.countAfter));
      ledger({
        grantId: event.data.grantId,
        kind: 'adjusted',
        change: event.data.delta,
        reason: event.data.reason,
      });
      return;
    case 'CreditsReserved':
      rows.grants.update(event.data.grantId, (grant) => (grant.reserved += event.data.count));
      ledger({
        grantId: event.data.grantId,
        kind: 'reserved',
        change: -event.data.count,
        reason: event.data.reason,
        reservationId: event.data.reservationId,
      });
      return;
    case 'CreditsSpent':
      rows.grants.update(event.data.grantId, (grant) => {
        grant.reserved -= event.data.count;
        grant.spent += event.data.count;
      });
      ledger({
        grantId: event.data.grantId,
        kind: 'spent',
        change: 0,
        reason: event.data.reason,
        reservationId: event.data.reservationId,
      });
      return;
    case 'CreditsReturned':
      rows.grants.update(event.data.grantId, (grant) => {
        if (event.data.wasSpent) grant.spent -= event.data.count;
        else grant.reserved -= event.data.count;
      });
      ledger({
        grantId: event.data.grantId,
        kind: 'returned',
        change: event.data.count,
        reason: event.data.reason,
        reservationId: event.data.reservationId,
      });
      return;
    case 'CreditsExpired':
      rows.grants.update(event.data.grantId, (grant) => (grant.expired += event.data.count));
      ledger({ grantId: event.data.grantId, kind: 'expired', change: -event.data.count });
      return;
    case 'AccountCreditAdded':
    case 'AccountCreditDeducted': {
      const { amount, balanceAfter, reason } = event.data;
      balance.currency = balanceAfter.currency;
      balance.account_credit = balanceAfter.amount;
      accountLedger({
        kind: event.type === 'AccountCreditAdded' ? 'added' : 'deducted',
        amount: event.type === 'AccountCreditAdded' ? amount.amount : -amount.amount,
        balanceAfter: balanceAfter.amount,
        reason,
      });
      return;
    }
    case 'SaleRecorded': {
      const d = event.data;
      rows.inserts.sales.push({
        sale_id: d.saleId,
        client_id: d.clientId,
        studio_id: studioId,
        bill_id: d.billId,
        lines: JSON.stringify(d.lines),
        total: d.total.amount,
        currency: d.total.currency,
        payment_method: d.paymentMethod,
        sold_by: actor,
        sold_at: at,
      });
      return;
    }
    case 'BillIssued': {
      const d = event.data;
      balance.currency = d.total.currency;
      balance.outstanding += d.total.amount;
      rows.bills.insert(d.billId, {
        bill_id: d.billId,
        client_id: d.clientId,
        studio_id: studioId,
        origin: JSON.stringify(d.origin),
        lines: JSON.stringify(d.lines),
        total: d.total.amount,
        paid: 0,
        currency: d.total.currency,
        status: d.total.amount === 0 ? 'paid' : 'open',
        due_on: d.dueOn,
        issued_at: at,
      });
      return;
    }
    case 'PaymentRecorded': {
      const d = event.data;
      balance.outstanding -= d.amount.amount;
      rows.payments.insert(d.paymentId, {
        payment_id: d.paymentId,
        bill_id: d.billId,
        client_id: d.clientId,
        studio_id: studioId,
        amount: d.amount.amount,
        currency: d.amount.currency,
        method: d.method,
        reference: d.reference,
        taken_by: actor,
        recorded_at: at,
        refunded: 0,
        failed: null,
        disputes: '[]',
      });
      if (d.reference !== null && rows.unrecordedCharges.rows.has(d.reference)) {
        // The processor told of the charge before the account recorded it: it is recorded now.
        rows.unrecordedCharges.delete(d.reference);
        rows.chargesGone.add(d.reference);
      }
      rows.bills.update(d.billId, (bill) => (bill.paid += d.amount.amount));
      if (d.accountCreditAfter) {
        balance.account_credit = d.accountCreditAfter.amount;
        accountLedger({
          kind: 'spent',
          amount: -d.amount.amount,
          balanceAfter: d.accountCreditAfter.amount,
          reason: `payment of bill ${d.billId}`,
        });
      }
      return;
    }
    case 'BillPaid':
      rows.bills.update(event.data.billId, (bill) => (bill.status = 'paid'));
      return;
    case 'PaymentRefunded': {
      const d = event.data;
      rows.inserts.refunds.push({
        refund_id: d.refundId,
        payment_id: d.paymentId,
        bill_id: d.billId,
        client_id: d.clientId,
        studio_id: studioId,
        amount: d.amount.amount,
        currency: d.amount.currency,
        method: d.method,
        reference: d.reference,
        reason: d.reason,
        refunded_by: actor,
        recorded_at: at,
      });
      rows.payments.update(d.paymentId, (payment) => (payment.refunded += d.amount.amount));
      if (d.accountCreditAfter) {
        balance.account_credit = d.accountCreditAfter.amount;
        accountLedger({
          kind: 'refunded',
          amount: d.amount.amount,
          balanceAfter: d.accountCreditAfter.amount,
          reason: d.reason,
        });
      }
      return;
    }
    case 'PaymentFailed': {
      // The money never came: the bill owes it again, and shows why.
      const d = event.data;
      reopenBill(d.billId, d.amount.amount);
      rows.payments.update(d.paymentId, (payment) => {
        payment.failed = JSON.stringify({
          amount: d.amount,
          reason: d.reason,
          at: at.toISOString(),
        });
      });
      return;
    }
    case 'PaymentDisputed': {
      const d = event.data;
      const dispute = {
        disputeId: d.disputeId,
        amount: d.amount,
        reason: d.reason,
        at: at.toISOString(),
      };
      rows.payments.update(d.paymentId, (payment) => {
        payment.disputes = JSON.stringify([
          ...(JSON.parse(payment.disputes) as unknown[]),
          dispute,
        ]);
      });
      return;
    }
    case 'PaymentDisputeClosed': {
      const d = event.data;
      const outcome = { outcome: d.outcome, closedAt: at.toISOString() };
      rows.payments.update(d.paymentId, (payment) => {
        const disputes = JSON.parse(payment.disputes) as { disputeId?: unknown }[];
        payment.disputes = JSON.stringify(
          disputes.map((x) => (x.disputeId === d.disputeId ? { ...x, ...outcome } : x)),
        );
      });
      // The bank took the money back: the bill owes it again.
      if (d.outcome === 'lost') reopenBill(d.billId, d.amount.amount);
      return;
    }
    case 'ProcessorPaymentConfirmed': {
      // Usually the payment is recorded a moment later (or was a moment before): only a charge
      // still unrecorded stays listed, for the upkeep to give back (ADR 0012).
      const d = event.data;
      const recordedAlready = [...rows.payments.rows.values()].some(
        (payment) => payment.reference === d.reference,
      );
      if (recordedAlready) return;
      rows.unrecordedCharges.insert(d.reference, {
        reference: d.reference,
        client_id: d.clientId,
        studio_id: studioId,
        amount: d.amount.amount,
        currency: d.amount.currency,
        refunded: 0,
        idempotency_key: d.idempotencyKey,
        confirmed_at: at,
      });
      return;
    }
    case 'UnrecordedChargeRefunded':
      rows.unrecordedCharges.update(
        event.data.reference,
        (charge) => (charge.refunded += event.data.amount.amount),
      );
      return;
    // Recorded for the audit history; saved methods are listed from the processor itself.
    case 'PaymentMethodSaved':
    case 'PaymentMethodRemoved':
      return;
    case 'BillVoided':
      balance.outstanding -= event.data.unpaid.amount;
      rows.bills.update(event.data.billId, (bill) => (bill.status = 'voided'));
      return;
    case 'MembershipStarted':
    case 'MembershipImported': {
      const d = event.data;
      rows.memberships.insert(d.membershipId, {
        membership_id: d.membershipId,
        client_id: d.clientId,
        studio_id: studioId,
        product_id: d.productId,
        name: d.name,
        price: d.price.amount,
        currency: d.price.currency,
        billing_period: JSON.stringify(d.billingPeriod),
        event_types: d.eventTypes,
        credits_per_period: d.creditsPerPeriod,
        starts_on: d.startsOn,
        period_from: d.currentPeriod.from,
        period_until: d.currentPeriod.until,
        next_payment_due: d.nextPaymentDue,
        frozen_from: null,
        frozen_until: null,
        cancelled_on: null,
      });
      return;
    }
    case 'MembershipRenewed':
      rows.memberships.update(event.data.membershipId, (membership) => {
        membership.period_from = event.data.period.from;
        membership.period_until = event.data.period.until;
        membership.next_payment_due = event.data.nextPaymentDue;
      });
      return;
    case 'MembershipFrozen':
      rows.memberships.update(event.data.membershipId, (membership) => {
        membership.frozen_from = event.data.from;
        membership.frozen_until = event.data.until;
        membership.next_payment_due = event.data.nextPaymentDue;
      });
      return;
    case 'MembershipUnfrozen':
      rows.memberships.update(event.data.membershipId, (membership) => {
        membership.frozen_from = null;
        membership.frozen_until = null;
        membership.next_payment_due = event.data.nextPaymentDue;
      });
      return;
    case 'MembershipCancelled':
      rows.memberships.update(
        event.data.membershipId,
        (membership) => (membership.cancelled_on = event.data.effectiveOn),
      );
      return;
    case 'VodAccessGranted': {
      const d = event.data;
      rows.inserts.vod_access.push({
        access_id: d.accessId,
        client_id: d.clientId,
        studio_id: studioId,
        product_id: d.productId,
        name: d.name,
        valid_from: d.from,
        valid_until: d.until,
      });
      return;
    }
    case 'PaymentSettingsChanged':
      balance.pay_later = event.data.payLater;
      balance.use_account_credit_for_recurring = event.data.useAccountCreditForRecurring;
      return;
    case 'ProcessorCustomerLinked':
      // Saved methods are listed from the processor itself; this finds the client of a webhook.
      rows.inserts.processor_customers.push({
        customer_id: event.data.customerId,
        client_id: event.data.clientId,
        studio_id: studioId,
      });
      return;
    default:
      assertNever(event);
  }
}

import type { AccountEvent } from '@clientele/entitlements';
import type { RecordedEvent } from '@clientele/eventstore';
import type { Projection } from '@clientele/projector';
import { assertNever } from '@clientele/shared';
import { sql, type Transaction } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables typed per query
type Trx = Transaction<any>;

interface Balance {
  client_id: string;
  studio_id: string;
  currency: string | null;
  account_credit: number;
  outstanding: number;
  pay_later: boolean;
  use_account_credit_for_recurring: boolean;
  version: number;
}

const ACCOUNT_EVENTS: ReadonlySet<AccountEvent['type']> = new Set<AccountEvent['type']>([
  'CreditsGranted',
  'CreditGrantActivated',
  'CreditGrantAdjusted',
  'CreditsReserved',
  'CreditsSpent',
  'CreditsReturned',
  'CreditsExpired',
  'AccountCreditAdded',
  'AccountCreditDeducted',
  'SaleRecorded',
  'BillIssued',
  'PaymentRecorded',
  'BillPaid',
  'PaymentRefunded',
  'BillVoided',
  'PaymentFailed',
  'PaymentDisputed',
  'PaymentDisputeClosed',
  'ProcessorPaymentConfirmed',
  'UnrecordedChargeRefunded',
  'ProcessorCustomerLinked',
  'MembershipStarted',
  'MembershipImported',
  'MembershipRenewed',
  'MembershipFrozen',
  'MembershipUnfrozen',
  'MembershipCancelled',
  'VodAccessGranted',
  'PaymentSettingsChanged',
]);

/**
 * Client accounts for the front desk: balances, credit grants with their ledger, sales, bills
 * and payments, memberships and video access. An account's row holds the last revision applied:
 * events at or below it are skipped, so a replayed batch changes nothing.
 */
export const clientAccountsProjection: Projection = {
  name: 'client_accounts',
  eventTypes: ACCOUNT_EVENTS,

  async apply(trx: Trx, events: RecordedEvent[]) {
    const clientIds = [...new Set(events.map((e) => clientOf(e)))];
    const rows = (await trx
      .selectFrom('account_balances')
      .selectAll()
      .where('client_id', 'in', clientIds)
      .execute()) as Balance[];
    const balances = new Map(
      rows.map((row) => [
        row.client_id,
        {
          ...row,
          account_credit: Number(row.account_credit),
          outstanding: Number(row.outstanding),
        },
      ]),
    );
    for (const recorded of events) {
      const clientId = clientOf(recorded);
      let balance = balances.get(clientId);
      if (!balance) {
        balance = {
          client_id: clientId,
          studio_id: recorded.metadata.studioId,
          currency: null,
          account_credit: 0,
          outstanding: 0,
          pay_later: true,
          use_account_credit_for_recurring: false,
          version: -1,
        };
        balances.set(clientId, balance);
      }
      if (recorded.revision <= balance.version) continue;
      await applyEvent(trx, recorded, balance);
      balance.version = recorded.revision;
    }
    if (balances.size > 0) {
      await trx
        .insertInto('account_balances')
        .values([...balances.values()])
        .onConflict((oc) =>
          oc.column('client_id').doUpdateSet({
            currency: sql`excluded.currency`,
            account_credit: sql`excluded.account_credit`,
            outstanding: sql`excluded.outstanding`,
            pay_later: sql`excluded.pay_later`,
            use_account_credit_for_recurring: sql`excluded.use_account_credit_for_recurring`,
            version: sql`excluded.version`,
          }),
        )
        .execute();
    }
  },
  tables: [
    'account_balances',
    'credit_grants',
    'credit_ledger',
    'account_ledger',
    'sales',
    'bills',
    'payments',
    'refunds',
    'memberships',
    'vod_access',
    'processor_customers',
    'unrecorded_charges',
  ],
};

function clientOf(recorded: RecordedEvent): string {
  return (recorded.data as { clientId: string }).clientId;
}

async function ledger(
  trx: Trx,
  recorded: RecordedEvent,
  line: { grantId: string; kind: string; change: number; reason?: string; reservationId?: string },
) {
  await trx
    .insertInto('credit_ledger')
    .values({
      client_id: clientOf(recorded),
      revision: recorded.revision,
      grant_id: line.grantId,
      kind: line.kind,
      change: line.change,
      reason: line.reason ?? null,
      reservation_id: line.reservationId ?? null,
      actor: JSON.stringify(recorded.metadata.actor),
      recorded_at: recorded.recordedAt,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

async function accountLedger(
  trx: Trx,
  recorded: RecordedEvent,
  line: { kind: string; amount: number; balanceAfter: number; reason: string | null },
) {
  await trx
    .insertInto('account_ledger')
    .values({
      client_id: clientOf(recorded),
      revision: recorded.revision,
      kind: line.kind,
      amount: line.amount,
      balance_after: line.balanceAfter,
      reason: line.reason,
      actor: JSON.stringify(recorded.metadata.actor),
      recorded_at: recorded.recordedAt,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Money the processor took back (a bounced debit, a lost dispute): the bill owes it again. */
async function reopenBill(trx: Trx, balance: Balance, billId: string, amount: number) {
  balance.outstanding += amount;
  await trx
    .updateTable('bills')
    .set({
      paid: sql`paid - ${amount}`,
      status: sql`CASE WHEN status = 'paid' THEN 'open' ELSE status END`,
    })
    .where('bill_id', '=', billId)
    .execute();
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

async function applyEvent(trx: Trx, recorded: RecordedEvent, balance: Balance): Promise<void> {
  const event = recorded as unknown as AccountEvent;
  const studioId = balance.studio_id;
  const updateGrant = (grantId: string) =>
    trx.updateTable('credit_grants').where('grant_id', '=', grantId);
  switch (event.type) {
    case 'CreditsGranted': {
      const d = event.data;
      await trx
        .insertInto('credit_grants')
        .values({
          grant_id: d.grantId,
          client_id: d.clientId,
          studio_id: studioId,
          event_types: d.eventTypes,
          count: d.count,
          expires_at: d.expiresAt,
          validity_days_from_first_use: d.validityDaysFromFirstUse,
          source: JSON.stringify(d.source),
          granted_at: recorded.recordedAt,
        })
        .onConflict((oc) => oc.column('grant_id').doNothing())
        .execute();
      await ledger(trx, recorded, {
        grantId: d.grantId,
        kind: 'granted',
        change: d.count,
        reason: grantSourceReason(event),
      });
      return;
    }
    case 'CreditGrantActivated':
      await updateGrant(event.data.grantId).set({ expires_at: event.data.expiresAt }).execute();
      await ledger(trx, recorded, {
        grantId: event.data.grantId,
        kind: 'validity_started',
        change: 0,
      });
      return;
    case 'CreditGrantAdjusted':
      await updateGrant(event.data.grantId).set({ count: event.data.countAfter }).execute();
      await ledger(trx, recorded, {
        grantId: event.data.grantId,
        kind: 'adjusted',
        change: event.data.delta,
        reason: event.data.reason,
      });
      return;
    case 'CreditsReserved':
      await updateGrant(event.data.grantId)
        .set({ reserved: sql`reserved + ${event.data.count}` })
        .execute();
      await ledger(trx, recorded, {
        grantId: event.data.grantId,
        kind: 'reserved',
        change: -event.data.count,
        reason: event.data.reason,
        reservationId: event.data.reservationId,
      });
      return;
    case 'CreditsSpent':
      await updateGrant(event.data.grantId)
        .set({
          reserved: sql`reserved - ${event.data.count}`,
          spent: sql`spent + ${event.data.count}`,
        })
        .execute();
      await ledger(trx, recorded, {
        grantId: event.data.grantId,
        kind: 'spent',
        change: 0,
        reason: event.data.reason,
        reservationId: event.data.reservationId,
      });
      return;
    case 'CreditsReturned':
      await updateGrant(event.data.grantId)
        .set(
          event.data.wasSpent
            ? { spent: sql`spent - ${event.data.count}` }
            : { reserved: sql`reserved - ${event.data.count}` },
        )
        .execute();
      await ledger(trx, recorded, {
        grantId: event.data.grantId,
        kind: 'returned',
        change: event.data.count,
        reason: event.data.reason,
        reservationId: event.data.reservationId,
      });
      return;
    case 'CreditsExpired':
      await updateGrant(event.data.grantId)
        .set({ expired: sql`expired + ${event.data.count}` })
        .execute();
      await ledger(trx, recorded, {
        grantId: event.data.grantId,
        kind: 'expired',
        change: -event.data.count,
      });
      return;
    case 'AccountCreditAdded':
    case 'AccountCreditDeducted': {
      const { amount, balanceAfter, reason } = event.data;
      balance.currency = balanceAfter.currency;
      balance.account_credit = balanceAfter.amount;
      await accountLedger(trx, recorded, {
        kind: event.type === 'AccountCreditAdded' ? 'added' : 'deducted',
        amount: event.type === 'AccountCreditAdded' ? amount.amount : -amount.amount,
        balanceAfter: balanceAfter.amount,
        reason,
      });
      return;
    }
    case 'SaleRecorded': {
      const d = event.data;
      await trx
        .insertInto('sales')
        .values({
          sale_id: d.saleId,
          client_id: d.clientId,
          studio_id: studioId,
          bill_id: d.billId,
          lines: JSON.stringify(d.lines),
          total: d.total.amount,
          currency: d.total.currency,
          payment_method: d.paymentMethod,
          sold_by: JSON.stringify(recorded.metadata.actor),
          sold_at: recorded.recordedAt,
        })
        .onConflict((oc) => oc.column('sale_id').doNothing())
        .execute();
      return;
    }
    case 'BillIssued': {
      const d = event.data;
      balance.currency = d.total.currency;
      balance.outstanding += d.total.amount;
      await trx
        .insertInto('bills')
        .values({
          bill_id: d.billId,
          client_id: d.clientId,
          studio_id: studioId,
          origin: JSON.stringify(d.origin),
          lines: JSON.stringify(d.lines),
          total: d.total.amount,
          currency: d.total.currency,
          status: d.total.amount === 0 ? 'paid' : 'open',
          due_on: d.dueOn,
          issued_at: recorded.recordedAt,
        })
        .onConflict((oc) => oc.column('bill_id').doNothing())
        .execute();
      return;
    }
    case 'PaymentRecorded': {
      const d = event.data;
      balance.outstanding -= d.amount.amount;
      await trx
        .insertInto('payments')
        .values({
          payment_id: d.paymentId,
          bill_id: d.billId,
          client_id: d.clientId,
          studio_id: studioId,
          amount: d.amount.amount,
          currency: d.amount.currency,
          method: d.method,
          reference: d.reference,
          taken_by: JSON.stringify(recorded.metadata.actor),
          recorded_at: recorded.recordedAt,
        })
        .onConflict((oc) => oc.column('payment_id').doNothing())
        .execute();
      if (d.reference !== null) {
        // The processor told of the charge before the account recorded it: it is recorded now.
        await trx.deleteFrom('unrecorded_charges').where('reference', '=', d.reference).execute();
      }
      await trx
        .updateTable('bills')
        .set({ paid: sql`paid + ${d.amount.amount}` })
        .where('bill_id', '=', d.billId)
        .execute();
      if (d.accountCreditAfter) {
        balance.account_credit = d.accountCreditAfter.amount;
        await accountLedger(trx, recorded, {
          kind: 'spent',
          amount: -d.amount.amount,
          balanceAfter: d.accountCreditAfter.amount,
          reason: `payment of bill ${d.billId}`,
        });
      }
      return;
    }
    case 'BillPaid':
      await trx
        .updateTable('bills')
        .set({ status: 'paid' })
        .where('bill_id', '=', event.data.billId)
        .execute();
      return;
    case 'PaymentRefunded': {
      const d = event.data;
      await trx
        .insertInto('refunds')
        .values({
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
          refunded_by: JSON.stringify(recorded.metadata.actor),
          recorded_at: recorded.recordedAt,
        })
        .onConflict((oc) => oc.column('refund_id').doNothing())
        .execute();
      await trx
        .updateTable('payments')
        .set({ refunded: sql`refunded + ${d.amount.amount}` })
        .where('payment_id', '=', d.paymentId)
        .execute();
      if (d.accountCreditAfter) {
        balance.account_credit = d.accountCreditAfter.amount;
        await accountLedger(trx, recorded, {
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
      await reopenBill(trx, balance, d.billId, d.amount.amount);
      await trx
        .updateTable('payments')
        .set({
          failed: JSON.stringify({
            amount: d.amount,
            reason: d.reason,
            at: recorded.recordedAt.toISOString(),
          }),
        })
        .where('payment_id', '=', d.paymentId)
        .execute();
      return;
    }
    case 'PaymentDisputed': {
      const d = event.data;
      const dispute = {
        disputeId: d.disputeId,
        amount: d.amount,
        reason: d.reason,
        at: recorded.recordedAt.toISOString(),
      };
      await trx
        .updateTable('payments')
        .set({ disputes: sql`disputes || ${JSON.stringify([dispute])}::jsonb` })
        .where('payment_id', '=', d.paymentId)
        .execute();
      return;
    }
    case 'PaymentDisputeClosed': {
      const d = event.data;
      const outcome = { outcome: d.outcome, closedAt: recorded.recordedAt.toISOString() };
      await trx
        .updateTable('payments')
        .set({
          disputes: sql`(SELECT coalesce(jsonb_agg(CASE WHEN x->>'disputeId' = ${d.disputeId} THEN x || ${JSON.stringify(outcome)}::jsonb ELSE x END ORDER BY i), '[]'::jsonb) FROM jsonb_array_elements(disputes) WITH ORDINALITY AS e(x, i))`,
        })
        .where('payment_id', '=', d.paymentId)
        .execute();
      // The bank took the money back: the bill owes it again.
      if (d.outcome === 'lost') await reopenBill(trx, balance, d.billId, d.amount.amount);
      return;
    }
    case 'ProcessorPaymentConfirmed': {
      // Usually the payment is recorded a moment later (or was a moment before): only a charge
      // still unrecorded stays listed, for the upkeep to give back (ADR 0012).
      const d = event.data;
      const recordedAlready = await trx
        .selectFrom('payments')
        .select('payment_id')
        .where('reference', '=', d.reference)
        .executeTakeFirst();
      if (recordedAlready) return;
      await trx
        .insertInto('unrecorded_charges')
        .values({
          reference: d.reference,
          client_id: d.clientId,
          studio_id: studioId,
          amount: d.amount.amount,
          currency: d.amount.currency,
          refunded: 0,
          idempotency_key: d.idempotencyKey,
          confirmed_at: recorded.recordedAt,
        })
        .onConflict((oc) => oc.column('reference').doNothing())
        .execute();
      return;
    }
    case 'UnrecordedChargeRefunded':
      await trx
        .updateTable('unrecorded_charges')
        .set({ refunded: sql`refunded + ${event.data.amount.amount}` })
        .where('reference', '=', event.data.reference)
        .execute();
      return;
    // Recorded for the audit history; saved methods are listed from the processor itself.
    case 'PaymentMethodSaved':
    case 'PaymentMethodRemoved':
      return;
    case 'BillVoided':
      balance.outstanding -= event.data.unpaid.amount;
      await trx
        .updateTable('bills')
        .set({ status: 'voided' })
        .where('bill_id', '=', event.data.billId)
        .execute();
      return;
    case 'MembershipStarted':
    case 'MembershipImported': {
      const d = event.data;
      await trx
        .insertInto('memberships')
        .values({
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
        })
        .onConflict((oc) => oc.column('membership_id').doNothing())
        .execute();
      return;
    }
    case 'MembershipRenewed':
      await trx
        .updateTable('memberships')
        .set({
          period_from: event.data.period.from,
          period_until: event.data.period.until,
          next_payment_due: event.data.nextPaymentDue,
        })
        .where('membership_id', '=', event.data.membershipId)
        .execute();
      return;
    case 'MembershipFrozen':
      await trx
        .updateTable('memberships')
        .set({
          frozen_from: event.data.from,
          frozen_until: event.data.until,
          next_payment_due: event.data.nextPaymentDue,
        })
        .where('membership_id', '=', event.data.membershipId)
        .execute();
      return;
    case 'MembershipUnfrozen':
      await trx
        .updateTable('memberships')
        .set({ frozen_from: null, frozen_until: null, next_payment_due: event.data.nextPaymentDue })
        .where('membership_id', '=', event.data.membershipId)
        .execute();
      return;
    case 'MembershipCancelled':
      await trx
        .updateTable('memberships')
        .set({ cancelled_on: event.data.effectiveOn })
        .where('membership_id', '=', event.data.membershipId)
        .execute();
      return;
    case 'VodAccessGranted': {
      const d = event.data;
      await trx
        .insertInto('vod_access')
        .values({
          access_id: d.accessId,
          client_id: d.clientId,
          studio_id: studioId,
          product_id: d.productId,
          name: d.name,
          valid_from: d.from,
          valid_until: d.until,
        })
        .onConflict((oc) => oc.column('access_id').doNothing())
        .execute();
      return;
    }
    case 'PaymentSettingsChanged':
      balance.pay_later = event.data.payLater;
      balance.use_account_credit_for_recurring = event.data.useAccountCreditForRecurring;
      return;
    case 'ProcessorCustomerLinked':
      // Saved methods are listed from the processor itself; this finds the client of a webhook.
      await trx
        .insertInto('processor_customers')
        .values({
          customer_id: event.data.customerId,
          client_id: event.data.clientId,
          studio_id: studioId,
        })
        .onConflict((oc) => oc.column('customer_id').doNothing())
        .execute();
      return;
    default:
      assertNever(event);
  }
}

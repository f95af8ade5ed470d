import type { AccountEvent } from '@clientele/entitlements';
import type { RecordedEvent } from '@clientele/eventstore';
import type { Projection } from '@clientele/projector';
import { rowsWithKeys, unnestRows, upsertRows } from '@clientele/database';
import { sql, type Transaction } from 'kysely';
import {
  accountKeys,
  accountRows,
  foldAccountEvent,
  newBalanceRow,
  type AccountKeys,
  type AccountRows,
  type BalanceRow,
  type BillRow,
  type Changing,
  type GrantRow,
  type Inserts,
  type MembershipRow,
  type PaymentRow,
  type UnrecordedChargeRow,
} from './client-accounts.fold';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables typed per query
type Trx = Transaction<any>;

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

  // A batch is applied set-wise: the rows it touches are read a statement a table, its events
  // folded into them in memory (client-accounts.fold.ts), and what changed written back a
  // statement a table. A rebuild applies thousands of events a batch: a statement each was a
  // round trip each.
  async apply(trx: Trx, events: RecordedEvent[]) {
    const clientIds = [...new Set(events.map((e) => clientOf(e)))];
    const read = await trx
      .selectFrom('account_balances')
      .selectAll()
      .where('client_id', 'in', clientIds)
      .execute();
    const balances = new Map<string, BalanceRow>(
      read.map((row) => [
        row.client_id as string,
        {
          ...(row as BalanceRow),
          account_credit: Number(row.account_credit),
          outstanding: Number(row.outstanding),
        },
      ]),
    );
    const toApply: RecordedEvent[] = [];
    for (const recorded of events) {
      const clientId = clientOf(recorded);
      let balance = balances.get(clientId);
      if (!balance) {
        balance = newBalanceRow(clientId, recorded.metadata.studioId);
        balances.set(clientId, balance);
      }
      if (recorded.revision <= balance.version) continue;
      toApply.push(recorded);
      balance.version = recorded.revision;
    }
    const rows = accountRows(await readRows(trx, accountKeys(toApply)));
    // The versions were moved ahead to pick the events: the fold sees each balance as it goes.
    for (const recorded of toApply)
      foldAccountEvent(rows, recorded, balances.get(clientOf(recorded))!);
    await writeRows(trx, rows);
    if (balances.size > 0) {
      await upsertRows('account_balances', [...balances.values()], BALANCE_COLUMNS, [
        'client_id',
      ]).execute(trx);
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

const json = (value: unknown) => (value === null ? null : JSON.stringify(value));

async function readRows(trx: Trx, keys: AccountKeys) {
  const grants = await rowsWithKeys(trx, 'credit_grants', 'grant_id', keys.grantIds);
  const bills = await rowsWithKeys(trx, 'bills', 'bill_id', keys.billIds);
  const payments =
    keys.paymentIds.size > 0 || keys.paymentReferences.size > 0
      ? (
          await sql<Record<string, unknown>>`
            SELECT * FROM payments WHERE payment_id = ANY(${[...keys.paymentIds]}::uuid[])
            UNION
            SELECT * FROM payments WHERE reference = ANY(${[...keys.paymentReferences]}::text[])
          `.execute(trx)
        ).rows
      : [];
  const memberships = await rowsWithKeys(trx, 'memberships', 'membership_id', keys.membershipIds);
  const unrecordedCharges = await rowsWithKeys(
    trx,
    'unrecorded_charges',
    'reference',
    keys.chargeReferences,
  );
  return {
    grants: grants.map((row) => ({ ...(row as GrantRow), source: json(row.source)! })),
    bills: bills.map((row) => ({
      ...(row as BillRow),
      origin: json(row.origin)!,
      lines: json(row.lines)!,
      total: Number(row.total),
      paid: Number(row.paid),
    })),
    payments: payments.map((row) => ({
      ...(row as unknown as PaymentRow),
      amount: Number(row.amount),
      refunded: Number(row.refunded),
      taken_by: json(row.taken_by)!,
      failed: json(row.failed),
      disputes: json(row.disputes)!,
    })),
    memberships: memberships.map((row) => ({
      ...(row as MembershipRow),
      price: Number(row.price),
      billing_period: json(row.billing_period)!,
    })),
    unrecordedCharges: unrecordedCharges.map((row) => ({
      ...(row as UnrecordedChargeRow),
      amount: Number(row.amount),
      refunded: Number(row.refunded),
    })),
  };
}

async function writeRows(trx: Trx, rows: AccountRows): Promise<void> {
  if (rows.chargesGone.size > 0) {
    await trx
      .deleteFrom('unrecorded_charges')
      .where('reference', 'in', [...rows.chargesGone])
      .execute();
  }
  await upsertChanged(trx, 'credit_grants', rows.grants, GRANT_COLUMNS, 'grant_id');
  await upsertChanged(trx, 'bills', rows.bills, BILL_COLUMNS, 'bill_id');
  await upsertChanged(trx, 'payments', rows.payments, PAYMENT_COLUMNS, 'payment_id');
  await upsertChanged(trx, 'memberships', rows.memberships, MEMBERSHIP_COLUMNS, 'membership_id');
  await upsertChanged(
    trx,
    'unrecorded_charges',
    rows.unrecordedCharges,
    UNRECORDED_CHARGE_COLUMNS,
    'reference',
  );
  for (const [table, columns] of Object.entries(INSERT_COLUMNS)) {
    const inserted = rows.inserts[table as keyof Inserts];
    if (inserted.length === 0) continue;
    await sql`INSERT INTO ${sql.table(table)} ${unnestRows(inserted, columns)}
      ON CONFLICT DO NOTHING`.execute(trx);
  }
}

async function upsertChanged<Row extends object>(
  trx: Trx,
  table: string,
  changing: Changing<Row>,
  columns: { readonly [K in keyof Row & string]?: string },
  key: keyof Row & string,
): Promise<void> {
  const changed = changing.changedRows();
  if (changed.length > 0) await upsertRows(table, changed, columns, [key]).execute(trx);
}

const BALANCE_COLUMNS = {
  client_id: 'uuid',
  studio_id: 'uuid',
  currency: 'text',
  account_credit: 'bigint',
  outstanding: 'bigint',
  pay_later: 'boolean',
  use_account_credit_for_recurring: 'boolean',
  version: 'int',
} as const;

const GRANT_COLUMNS = {
  grant_id: 'uuid',
  client_id: 'uuid',
  studio_id: 'uuid',
  event_types: 'text[]',
  count: 'int',
  reserved: 'int',
  spent: 'int',
  expired: 'int',
  expires_at: 'timestamptz',
  validity_days_from_first_use: 'int',
  source: 'jsonb',
  granted_at: 'timestamptz',
} as const;

const BILL_COLUMNS = {
  bill_id: 'uuid',
  client_id: 'uuid',
  studio_id: 'uuid',
  origin: 'jsonb',
  lines: 'jsonb',
  total: 'bigint',
  paid: 'bigint',
  currency: 'text',
  status: 'text',
  due_on: 'date',
  issued_at: 'timestamptz',
} as const;

const PAYMENT_COLUMNS = {
  payment_id: 'uuid',
  bill_id: 'uuid',
  client_id: 'uuid',
  studio_id: 'uuid',
  amount: 'bigint',
  currency: 'text',
  method: 'text',
  reference: 'text',
  taken_by: 'jsonb',
  recorded_at: 'timestamptz',
  refunded: 'bigint',
  failed: 'jsonb',
  disputes: 'jsonb',
} as const;

const MEMBERSHIP_COLUMNS = {
  membership_id: 'uuid',
  client_id: 'uuid',
  studio_id: 'uuid',
  product_id: 'uuid',
  name: 'text',
  price: 'bigint',
  currency: 'text',
  billing_period: 'jsonb',
  event_types: 'text[]',
  credits_per_period: 'int',
  starts_on: 'date',
  period_from: 'date',
  period_until: 'date',
  next_payment_due: 'date',
  frozen_from: 'date',
  frozen_until: 'date',
  cancelled_on: 'date',
} as const;

const UNRECORDED_CHARGE_COLUMNS = {
  reference: 'text',
  client_id: 'uuid',
  studio_id: 'uuid',
  amount: 'bigint',
  currency: 'text',
  refunded: 'bigint',
  idempotency_key: 'text',
  confirmed_at: 'timestamptz',
} as const;

const INSERT_COLUMNS: Record<keyof Inserts, Record<string, string>> = {
  credit_ledger: {
    client_id: 'uuid',
    revision: 'int',
    grant_id: 'uuid',
    kind: 'text',
    change: 'int',
    reason: 'text',
    reservation_id: 'text',
    actor: 'jsonb',
    recorded_at: 'timestamptz',
  },
  account_ledger: {
    client_id: 'uuid',
    revision: 'int',
    kind: 'text',
    amount: 'bigint',
    balance_after: 'bigint',
    reason: 'text',
    actor: 'jsonb',
    recorded_at: 'timestamptz',
  },
  sales: {
    sale_id: 'uuid',
    client_id: 'uuid',
    studio_id: 'uuid',
    bill_id: 'uuid',
    lines: 'jsonb',
    total: 'bigint',
    currency: 'text',
    payment_method: 'text',
    sold_by: 'jsonb',
    sold_at: 'timestamptz',
  },
  refunds: {
    refund_id: 'uuid',
    payment_id: 'uuid',
    bill_id: 'uuid',
    client_id: 'uuid',
    studio_id: 'uuid',
    amount: 'bigint',
    currency: 'text',
    method: 'text',
    reference: 'text',
    reason: 'text',
    refunded_by: 'jsonb',
    recorded_at: 'timestamptz',
  },
  vod_access: {
    access_id: 'uuid',
    client_id: 'uuid',
    studio_id: 'uuid',
    product_id: 'uuid',
    name: 'text',
    valid_from: 'timestamptz',
    valid_until: 'timestamptz',
  },
  processor_customers: { customer_id: 'text', client_id: 'uuid', studio_id: 'uuid' },
};

import { sql, type Kysely, type Migration } from 'kysely';

export const clientAccountsMigrations: Record<string, Migration> = {
  '2026-11-23T1500_client_accounts': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      // One row an account: its money and settings, and the last revision applied (the guard
      // that makes a replayed batch change nothing).
      await db.schema
        .createTable('account_balances')
        .addColumn('client_id', 'uuid', (c) => c.primaryKey())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('currency', 'text')
        .addColumn('account_credit', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('outstanding', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('pay_later', 'boolean', (c) => c.notNull().defaultTo(true))
        .addColumn('use_account_credit_for_recurring', 'boolean', (c) =>
          c.notNull().defaultTo(false),
        )
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('credit_grants')
        .addColumn('grant_id', 'uuid', (c) => c.primaryKey())
        .addColumn('client_id', 'uuid', (c) => c.notNull())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('event_types', sql`text[]`, (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('reserved', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('spent', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('expired', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('expires_at', 'timestamptz')
        .addColumn('validity_days_from_first_use', 'integer')
        .addColumn('source', 'jsonb', (c) => c.notNull())
        .addColumn('granted_at', 'timestamptz', (c) => c.notNull())
        .execute();
      await sql`CREATE INDEX credit_grants_by_client ON credit_grants (client_id, granted_at)`.execute(
        db,
      );
      // Every change to a credit, line by line, with who and why.
      await db.schema
        .createTable('credit_ledger')
        .addColumn('client_id', 'uuid', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('grant_id', 'uuid', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('change', 'integer', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('reservation_id', 'text')
        .addColumn('actor', 'jsonb', (c) => c.notNull())
        .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('credit_ledger_pk', ['client_id', 'revision', 'grant_id'])
        .execute();
      await sql`CREATE INDEX credit_ledger_by_grant ON credit_ledger (grant_id, revision)`.execute(
        db,
      );
      await db.schema
        .createTable('account_ledger')
        .addColumn('client_id', 'uuid', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('balance_after', 'bigint', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('actor', 'jsonb', (c) => c.notNull())
        .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('account_ledger_pk', ['client_id', 'revision'])
        .execute();
      await db.schema
        .createTable('sales')
        .addColumn('sale_id', 'uuid', (c) => c.primaryKey())
        .addColumn('client_id', 'uuid', (c) => c.notNull())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('bill_id', 'uuid', (c) => c.notNull())
        .addColumn('lines', 'jsonb', (c) => c.notNull())
        .addColumn('total', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('payment_method', 'text', (c) => c.notNull())
        .addColumn('sold_by', 'jsonb', (c) => c.notNull())
        .addColumn('sold_at', 'timestamptz', (c) => c.notNull())
        .execute();
      await sql`CREATE INDEX sales_by_client ON sales (client_id, sold_at DESC)`.execute(db);
      await sql`CREATE INDEX sales_by_studio ON sales (studio_id, sold_at DESC)`.execute(db);
      await db.schema
        .createTable('bills')
        .addColumn('bill_id', 'uuid', (c) => c.primaryKey())
        .addColumn('client_id', 'uuid', (c) => c.notNull())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('origin', 'jsonb', (c) => c.notNull())
        .addColumn('lines', 'jsonb', (c) => c.notNull())
        .addColumn('total', 'bigint', (c) => c.notNull())
        .addColumn('paid', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('due_on', 'date', (c) => c.notNull())
        .addColumn('issued_at', 'timestamptz', (c) => c.notNull())
        .execute();
      await sql`CREATE INDEX bills_by_client ON bills (client_id, issued_at DESC)`.execute(db);
      await db.schema
        .createTable('payments')
        .addColumn('payment_id', 'uuid', (c) => c.primaryKey())
        .addColumn('bill_id', 'uuid', (c) => c.notNull())
        .addColumn('client_id', 'uuid', (c) => c.notNull())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('reference', 'text')
        .addColumn('taken_by', 'jsonb', (c) => c.notNull())
        .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
        .execute();
      await sql`CREATE INDEX payments_by_bill ON payments (bill_id, recorded_at)`.execute(db);
      await db.schema
        .createTable('memberships')
        .addColumn('membership_id', 'uuid', (c) => c.primaryKey())
        .addColumn('client_id', 'uuid', (c) => c.notNull())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('product_id', 'uuid', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('price', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('billing_period', 'jsonb', (c) => c.notNull())
        .addColumn('event_types', sql`text[]`, (c) => c.notNull())
        .addColumn('credits_per_period', 'integer')
        .addColumn('starts_on', 'date', (c) => c.notNull())
        .addColumn('period_from', 'date', (c) => c.notNull())
        .addColumn('period_until', 'date', (c) => c.notNull())
        .addColumn('next_payment_due', 'date', (c) => c.notNull())
        .addColumn('frozen_from', 'date')
        .addColumn('frozen_until', 'date')
        .addColumn('cancelled_on', 'date')
        .execute();
      await sql`CREATE INDEX memberships_by_client ON memberships (client_id)`.execute(db);
      await sql`CREATE INDEX memberships_due ON memberships (next_payment_due)`.execute(db);
      await db.schema
        .createTable('vod_access')
        .addColumn('access_id', 'uuid', (c) => c.primaryKey())
        .addColumn('client_id', 'uuid', (c) => c.notNull())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('product_id', 'uuid', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('valid_from', 'timestamptz', (c) => c.notNull())
        .addColumn('valid_until', 'timestamptz', (c) => c.notNull())
        .execute();
      await sql`CREATE INDEX vod_access_by_client ON vod_access (client_id)`.execute(db);
    },
  },
  '2026-11-24T0900_refunds': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('payments')
        .addColumn('refunded', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('refunds')
        .addColumn('refund_id', 'uuid', (c) => c.primaryKey())
        .addColumn('payment_id', 'uuid', (c) => c.notNull())
        .addColumn('bill_id', 'uuid', (c) => c.notNull())
        .addColumn('client_id', 'uuid', (c) => c.notNull())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('reference', 'text')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('refunded_by', 'jsonb', (c) => c.notNull())
        .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
        .execute();
      await sql`CREATE INDEX refunds_by_bill ON refunds (bill_id)`.execute(db);
    },
  },
  '2026-11-24T1000_booking_upkeep': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      // The booking upkeep looks for credits left reserved, and for a booking's bill.
      await sql`CREATE INDEX credit_grants_reserved ON credit_grants (grant_id) WHERE reserved > 0`.execute(
        db,
      );
      await sql`CREATE INDEX credit_ledger_by_reservation ON credit_ledger (reservation_id) WHERE reservation_id IS NOT NULL`.execute(
        db,
      );
      await sql`CREATE INDEX bills_by_enrollment ON bills ((origin->>'enrollmentId')) WHERE origin->>'kind' = 'booking'`.execute(
        db,
      );
    },
  },
  '2026-11-25T0900_processor_notices': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      // What the card processor told later about a payment: it failed, it is disputed.
      await db.schema.alterTable('payments').addColumn('failed', 'jsonb').execute();
      await db.schema
        .alterTable('payments')
        .addColumn('disputes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .execute();
      // The webhooks find a payment's account by the processor's reference (ADR 0012).
      await sql`CREATE INDEX payments_by_reference ON payments (reference) WHERE reference IS NOT NULL`.execute(
        db,
      );
      // Events before this migration need no replay: none of them fails or disputes a payment.
    },
  },
  '2026-11-25T1000_processor_customers': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      // Whose customer at the card processor: how a webhook about a saved method finds its client.
      await db.schema
        .createTable('processor_customers')
        .addColumn('customer_id', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'uuid', (c) => c.notNull())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .execute();
      // Customers linked before this table existed come back by replaying the projection from 0.
      await sql`TRUNCATE account_balances, credit_grants, credit_ledger, account_ledger, sales, bills, payments, refunds, memberships, vod_access`.execute(
        db,
      );
      await sql`UPDATE projection_checkpoints SET checkpoint = NULL, events_applied = 0 WHERE name = 'client_accounts'`.execute(
        db,
      );
    },
  },
  '2026-11-26T0900_unrecorded_charges': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      // Charges the processor took that no sale or booking recorded: the upkeep gives them back.
      await db.schema
        .createTable('unrecorded_charges')
        .addColumn('reference', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'uuid', (c) => c.notNull())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('refunded', 'bigint', (c) => c.notNull())
        .addColumn('idempotency_key', 'text')
        .addColumn('confirmed_at', 'timestamptz', (c) => c.notNull())
        .execute();
      await sql`CREATE INDEX unrecorded_charges_to_give_back ON unrecorded_charges (confirmed_at) WHERE refunded < amount`.execute(
        db,
      );
      // Dispute outcomes and lost charges of events before this table come back by a replay.
      await sql`TRUNCATE account_balances, credit_grants, credit_ledger, account_ledger, sales, bills, payments, refunds, memberships, vod_access, processor_customers`.execute(
        db,
      );
      await sql`UPDATE projection_checkpoints SET checkpoint = NULL, events_applied = 0 WHERE name = 'client_accounts'`.execute(
        db,
      );
    },
  },
  '2026-12-03T0400_processor_customers_by_client': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      // The profile screen names the client's customer at the processor (issue 8: it folded the
      // whole account stream on every GET to find it).
      await sql`CREATE INDEX processor_customers_by_client ON processor_customers (client_id)`.execute(
        db,
      );
    },
  },
};

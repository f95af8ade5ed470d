import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { DATABASE, type Database } from '@clientele/database';
import {
  creditsByEventType,
  localDate,
  membershipStatus,
  nextPaymentOf,
  packName,
  type CreditSource,
  type GrantView,
  type MembershipView,
} from '@clientele/entitlements';

export type { GrantView, MembershipView };
import { money, NotFound, type Money } from '@clientele/shared';
import { answeredFor } from '@projections/client-profiles';
import { sql, type Expression } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { GrantRow } from './client-accounts.fold';

export interface Balances {
  credits: { eventType: string; available: number; grants: GrantView[] }[];
  accountCredit: Money;
  outstanding: Money;
}

export interface PaymentSettings {
  payLater: boolean;
  useAccountCreditForRecurring: boolean;
}

/**
 * A grant as the balances read it: its stored row (through JSON in the client screen's
 * statement, so a date may come as text) and whether it can still be spent.
 */
export type GrantRead = Omit<GrantRow, 'studio_id' | 'source' | 'granted_at'> & {
  source: unknown;
  granted_at: Date | string;
  live: boolean;
};

export function toGrant(row: GrantRead): GrantView {
  const left = row.count - row.reserved - row.spent - row.expired;
  return {
    grantId: row.grant_id,
    clientId: row.client_id,
    eventTypes: row.event_types,
    available: row.live ? left : 0,
    count: row.count,
    reserved: row.reserved,
    spent: row.spent,
    expired: row.expired,
    expiresAt: row.expires_at ? new Date(row.expires_at).toISOString() : null,
    validityDaysFromFirstUse: row.expires_at ? null : row.validity_days_from_first_use,
    source: row.source,
    grantedAt: new Date(row.granted_at).toISOString(),
  };
}

/**
 * The account's money and settings, and the studio's currency for an account with nothing yet.
 * What is owed includes the bills of clients merged into this one: it pays them now.
 */
export function accountQuery(db: Database, studioId: string, clientId: string) {
  return db.kysely
    .selectFrom('client_profiles as p')
    .innerJoin('studios as s', 's.studio_id', 'p.studio_id')
    .leftJoin('account_balances as b', 'b.client_id', 'p.client_id')
    .select([
      's.currency as studio_currency',
      's.timezone as studio_timezone',
      'b.account_credit',
      sql<string>`(SELECT sum(outstanding) FROM account_balances WHERE client_id IN ${answeredFor(clientId)})`.as(
        'outstanding',
      ),
      'b.pay_later',
      'b.use_account_credit_for_recurring',
    ])
    .where('p.client_id', '=', clientId)
    .where('p.studio_id', '=', studioId);
}

/** `accountQuery`'s row; read through JSON, its sums and amounts are numbers. */
export interface AccountRow {
  studio_currency: string;
  studio_timezone: string;
  account_credit: string | number | null;
  outstanding: string | number | null;
  pay_later: boolean | null;
  use_account_credit_for_recurring: boolean | null;
}

async function accountRow(db: Database, studioId: string, clientId: string): Promise<AccountRow> {
  const row = await accountQuery(db, studioId, clientId).executeTakeFirst();
  if (!row) throw new NotFound('client', clientId);
  return row as AccountRow;
}

/** The client's credit grants (with those of clients merged into it), oldest first. */
export function grantsQuery(db: Database, clientId: string, now: Date) {
  return db.kysely
    .selectFrom('credit_grants')
    .select([
      'grant_id',
      'client_id',
      'event_types',
      'count',
      'reserved',
      'spent',
      'expired',
      'expires_at',
      'validity_days_from_first_use',
      'source',
      'granted_at',
      sql<boolean>`(expires_at IS NULL OR expires_at > ${now})`.as('live'),
    ])
    .where('client_id', 'in', answeredFor(clientId))
    .orderBy('granted_at')
    .orderBy('grant_id');
}

async function grantsOf(db: Database, clientId: string, now: Date): Promise<GrantView[]> {
  return ((await grantsQuery(db, clientId, now).execute()) as GrantRead[]).map(toGrant);
}

export class GetClientBalances extends Query<Balances & { paymentSettings: PaymentSettings }> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
    readonly now: Date,
  ) {
    super();
  }
}

@QueryHandler(GetClientBalances)
export class GetClientBalancesHandler implements IQueryHandler<GetClientBalances> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, clientId, now }: GetClientBalances) {
    const account = await accountRow(this.db, studioId, clientId);
    return toBalances(account, await grantsOf(this.db, clientId, now));
  }
}

export function toBalances(
  account: AccountRow,
  grants: GrantView[],
): Balances & { paymentSettings: PaymentSettings } {
  const currency = account.studio_currency;
  return {
    credits: creditsByEventType(grants),
    accountCredit: money(Number(account.account_credit ?? 0), currency),
    outstanding: money(Number(account.outstanding ?? 0), currency),
    paymentSettings: {
      payLater: account.pay_later ?? true,
      useAccountCreditForRecurring: account.use_account_credit_for_recurring ?? false,
    },
  };
}

export interface LedgerLine {
  kind: string;
  change: number;
  reason: string | null;
  reservationId: string | null;
  actor: unknown;
  at: string;
}

export class GetClientCredits extends Query<{
  credits: Balances['credits'];
  grants: (GrantView & { ledger: LedgerLine[] })[];
}> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
    readonly now: Date,
  ) {
    super();
  }
}

@QueryHandler(GetClientCredits)
export class GetClientCreditsHandler implements IQueryHandler<GetClientCredits> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, clientId, now }: GetClientCredits) {
    await accountRow(this.db, studioId, clientId);
    const grants = await grantsOf(this.db, clientId, now);
    const lines = (await this.db.kysely
      .selectFrom('credit_ledger')
      .select(['grant_id', 'kind', 'change', 'reason', 'reservation_id', 'actor', 'recorded_at'])
      .where('client_id', 'in', answeredFor(clientId))
      .orderBy('recorded_at')
      .orderBy('revision')
      .execute()) as {
      grant_id: string;
      kind: string;
      change: number;
      reason: string | null;
      reservation_id: string | null;
      actor: unknown;
      recorded_at: Date;
    }[];
    const byGrant = new Map<string, LedgerLine[]>();
    for (const line of lines) {
      byGrant.set(line.grant_id, [
        ...(byGrant.get(line.grant_id) ?? []),
        {
          kind: line.kind,
          change: line.change,
          reason: line.reason,
          reservationId: line.reservation_id,
          actor: line.actor,
          at: new Date(line.recorded_at).toISOString(),
        },
      ]);
    }
    return {
      credits: creditsByEventType(grants),
      grants: grants.map((grant) => ({ ...grant, ledger: byGrant.get(grant.grantId) ?? [] })),
    };
  }
}

export interface BillView {
  billId: string;
  clientId: string;
  origin: unknown;
  lines: unknown;
  total: Money;
  paid: Money;
  outstanding: Money;
  status: BillStatus;
  dueOn: string;
  issuedAt: string;
  payments: {
    paymentId: string;
    amount: Money;
    /** What went back to where it came from (a card, account credit, the till). */
    refunded: Money;
    method: string;
    reference: string | null;
    takenBy: unknown;
    at: string;
    /** The processor said later the money never came (a bounced debit): the bill owes it again. */
    failed: { amount: Money; reason: string; at: string } | null;
    /** Disputes the cardholder opened with their bank. */
    disputes: { disputeId: string; amount: Money; reason: string; at: string }[];
  }[];
}

/** A voided bill is owed no more: its booking was cancelled before it was paid. */
export type BillStatus = 'open' | 'paid' | 'voided';

interface BillRow {
  bill_id: string;
  client_id: string;
  origin: unknown;
  lines: unknown;
  total: string | number;
  paid: string | number;
  currency: string;
  status: BillStatus;
  due_on: Date | string;
  issued_at: Date | string;
}

function dateOnly(value: Date | string): string {
  return typeof value === 'string' ? value.slice(0, 10) : value.toISOString().slice(0, 10);
}

interface PaymentRow {
  payment_id: string;
  amount: string | number;
  refunded: string | number;
  currency: string;
  method: string;
  reference: string | null;
  taken_by: unknown;
  recorded_at: Date | string;
  failed: { amount: Money; reason: string; at: string } | null;
  disputes: { disputeId: string; amount: Money; reason: string; at: string }[];
}

/** `billsQuery`'s row: the bill with its payments as JSON. */
export type BillWithPaymentsRow = BillRow & { payments: PaymentRow[] };

/** Bills, newest first, each with its payments (oldest first) in the same statement. */
export function billsQuery(
  db: Database,
  where: { studioId: string; clientId?: string; billId?: string; status?: BillStatus },
) {
  let query = db.kysely
    .selectFrom('bills')
    .selectAll('bills')
    .select((eb) =>
      jsonArrayFrom(
        eb
          .selectFrom('payments')
          .select([
            'payment_id',
            'amount',
            'refunded',
            'currency',
            'method',
            'reference',
            'taken_by',
            'recorded_at',
            'failed',
            'disputes',
          ])
          .whereRef('payments.bill_id', '=', 'bills.bill_id')
          .orderBy('recorded_at'),
      ).as('payments'),
    )
    .where('studio_id', '=', where.studioId)
    .orderBy('issued_at', 'desc')
    .orderBy('bill_id');
  if (where.clientId) query = query.where('client_id', 'in', answeredFor(where.clientId));
  if (where.billId) query = query.where('bill_id', '=', where.billId);
  if (where.status) query = query.where('status', '=', where.status);
  return query;
}

export function toBill(bill: BillWithPaymentsRow): BillView {
  const total = Number(bill.total);
  const paid = Number(bill.paid);
  return {
    billId: bill.bill_id,
    clientId: bill.client_id,
    origin: bill.origin,
    lines: bill.lines,
    total: money(total, bill.currency),
    paid: money(paid, bill.currency),
    outstanding: money(bill.status === 'voided' ? 0 : total - paid, bill.currency),
    status: bill.status,
    dueOn: dateOnly(bill.due_on),
    issuedAt: new Date(bill.issued_at).toISOString(),
    payments: bill.payments.map((p) => ({
      paymentId: p.payment_id,
      amount: money(Number(p.amount), p.currency),
      refunded: money(Number(p.refunded), p.currency),
      method: p.method,
      reference: p.reference,
      takenBy: p.taken_by,
      at: new Date(p.recorded_at).toISOString(),
      failed: p.failed ?? null,
      disputes: p.disputes ?? [],
    })),
  };
}

async function billsWhere(
  db: Database,
  where: { studioId: string; clientId?: string; billId?: string; status?: BillStatus },
): Promise<BillView[]> {
  const rows = (await billsQuery(db, where).execute()) as BillWithPaymentsRow[];
  return rows.map(toBill);
}

export class GetBill extends Query<BillView> {
  constructor(
    readonly studioId: string,
    readonly billId: string,
  ) {
    super();
  }
}

@QueryHandler(GetBill)
export class GetBillHandler implements IQueryHandler<GetBill> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, billId }: GetBill) {
    const [bill] = await billsWhere(this.db, { studioId, billId });
    if (!bill) throw new NotFound('bill', billId);
    return bill;
  }
}

export interface PaymentView {
  paymentId: string;
  clientId: string;
  billId: string;
  amount: Money;
  refunded: Money;
  method: string;
  reference: string | null;
  at: string;
}

export class GetPayment extends Query<PaymentView> {
  constructor(
    readonly studioId: string,
    readonly paymentId: string,
  ) {
    super();
  }
}

/** A payment of the studio, with what was refunded of it; another studio's is not there. */
@QueryHandler(GetPayment)
export class GetPaymentHandler implements IQueryHandler<GetPayment> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, paymentId }: GetPayment): Promise<PaymentView> {
    const row = await this.db.kysely
      .selectFrom('payments')
      .selectAll()
      .where('payment_id', '=', paymentId)
      .where('studio_id', '=', studioId)
      .executeTakeFirst();
    if (!row) throw new NotFound('payment', paymentId);
    return {
      paymentId: row.payment_id as string,
      clientId: row.client_id as string,
      billId: row.bill_id as string,
      amount: money(Number(row.amount), row.currency as string),
      refunded: money(Number(row.refunded), row.currency as string),
      method: row.method as string,
      reference: (row.reference as string | null) ?? null,
      at: new Date(row.recorded_at as Date).toISOString(),
    };
  }
}

export class ListClientBills extends Query<{ items: BillView[] }> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
    readonly status?: BillStatus,
  ) {
    super();
  }
}

@QueryHandler(ListClientBills)
export class ListClientBillsHandler implements IQueryHandler<ListClientBills> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, clientId, status }: ListClientBills) {
    await accountRow(this.db, studioId, clientId);
    return {
      items: await billsWhere(this.db, { studioId, clientId, ...(status ? { status } : {}) }),
    };
  }
}

export interface SaleView {
  saleId: string;
  clientId: string;
  billId: string;
  lines: unknown;
  total: Money;
  paymentMethod: string;
  soldBy: unknown;
  soldAt: string;
}

export class ListClientSales extends Query<{ items: SaleView[] }> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
    readonly limit: number,
  ) {
    super();
  }
}

/** The client's sales (with those of clients merged into it), newest first. */
export function salesQuery(db: Database, clientId: string, limit: number) {
  return db.kysely
    .selectFrom('sales')
    .selectAll()
    .where('client_id', 'in', answeredFor(clientId))
    .orderBy('sold_at', 'desc')
    .orderBy('sale_id')
    .limit(limit);
}

export function toSale(row: Record<string, unknown>): SaleView {
  return {
    saleId: row.sale_id as string,
    clientId: row.client_id as string,
    billId: row.bill_id as string,
    lines: row.lines,
    total: money(Number(row.total), row.currency as string),
    paymentMethod: row.payment_method as string,
    soldBy: row.sold_by,
    soldAt: new Date(row.sold_at as Date | string).toISOString(),
  };
}

@QueryHandler(ListClientSales)
export class ListClientSalesHandler implements IQueryHandler<ListClientSales> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, clientId, limit }: ListClientSales) {
    await accountRow(this.db, studioId, clientId);
    const rows = await salesQuery(this.db, clientId, limit).execute();
    return { items: rows.map(toSale) };
  }
}

export interface ActiveItems {
  memberships: MembershipView[];
  packs: (GrantView & { productName: string })[];
  vod: {
    accessId: string;
    clientId: string;
    productId: string;
    name: string;
    from: string;
    until: string;
  }[];
}

export class GetActiveItems extends Query<ActiveItems> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
    readonly now: Date,
  ) {
    super();
  }
}

/** The client's memberships (with those of clients merged into it) not ended by `today`. */
export function membershipsQuery(
  db: Database,
  clientId: string,
  today: string | Expression<string>,
) {
  return db.kysely
    .selectFrom('memberships')
    .selectAll()
    .where('client_id', 'in', answeredFor(clientId))
    .where((eb) => eb.or([eb('cancelled_on', 'is', null), eb('cancelled_on', '>', today)]))
    .orderBy('starts_on');
}

/** The client's video access (with that of clients merged into it) not yet over. */
export function vodQuery(db: Database, clientId: string, now: Date) {
  return db.kysely
    .selectFrom('vod_access')
    .selectAll()
    .where('client_id', 'in', answeredFor(clientId))
    .where('valid_until', '>', now)
    .orderBy('valid_until');
}

/** What the client holds on `today`, from the rows of the queries above and its grants. */
export function toActiveItems(
  rows: { memberships: Record<string, unknown>[]; vod: Record<string, unknown>[] },
  grants: GrantView[],
  today: string,
): ActiveItems {
  return {
    memberships: rows.memberships.map((m) => toMembership(m, today)),
    packs: grants
      .filter((g) => g.available > 0 && packName(g.source as CreditSource) !== null)
      .map((g) => ({ ...g, productName: packName(g.source as CreditSource)! })),
    vod: rows.vod.map((v) => ({
      accessId: v.access_id as string,
      clientId: v.client_id as string,
      productId: v.product_id as string,
      name: v.name as string,
      from: new Date(v.valid_from as Date | string).toISOString(),
      until: new Date(v.valid_until as Date | string).toISOString(),
    })),
  };
}

/** What the client holds now: memberships not yet ended, packs and passes with credits left, video access. */
@QueryHandler(GetActiveItems)
export class GetActiveItemsHandler implements IQueryHandler<GetActiveItems> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, clientId, now }: GetActiveItems): Promise<ActiveItems> {
    const account = await accountRow(this.db, studioId, clientId);
    // Memberships run by the studio's days.
    const today = localDate(now, account.studio_timezone);
    const memberships = await membershipsQuery(this.db, clientId, today).execute();
    const grants = await grantsOf(this.db, clientId, now);
    const vod = await vodQuery(this.db, clientId, now).execute();
    return toActiveItems({ memberships, vod }, grants, today);
  }
}

/** A membership row as the desk reads it on `today`, the studio's day. */
export function toMembership(m: Record<string, unknown>, today: string): MembershipView {
  const date = (value: unknown) => (value ? dateOnly(value as Date | string) : null);
  const frozenFrom = date(m.frozen_from);
  const frozenUntil = date(m.frozen_until);
  const cancelledOn = date(m.cancelled_on);
  const freeze = frozenFrom && frozenUntil ? { from: frozenFrom, until: frozenUntil } : null;
  return {
    membershipId: m.membership_id as string,
    clientId: m.client_id as string,
    productId: m.product_id as string,
    name: m.name as string,
    price: money(Number(m.price), m.currency as string),
    billingPeriod: m.billing_period,
    eventTypes: m.event_types as string[],
    creditsPerPeriod: (m.credits_per_period as number | null) ?? null,
    status: membershipStatus(freeze, cancelledOn, today),
    startsOn: date(m.starts_on)!,
    currentPeriod: { from: date(m.period_from)!, until: date(m.period_until)! },
    nextPaymentDue: nextPaymentOf(date(m.next_payment_due)!, cancelledOn),
    freeze,
    cancelledOn,
  };
}

/**
 * Accounts with something to keep: a membership period come due (by the date in UTC a day
 * ahead, so every time zone's today is covered; the account's own decision uses the studio's
 * today), or an expired grant with credits left.
 */
export async function accountsNeedingUpkeep(
  db: Database,
  now: Date,
  limit: number,
): Promise<{ studioId: string; clientId: string }[]> {
  const horizon = new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10);
  const rows = await db.kysely
    .selectFrom('memberships')
    .select(['studio_id', 'client_id'])
    .where('next_payment_due', '<=', horizon)
    .where((eb) =>
      eb.or([eb('cancelled_on', 'is', null), eb('cancelled_on', '>', eb.ref('next_payment_due'))]),
    )
    .union(
      db.kysely
        .selectFrom('credit_grants')
        .select(['studio_id', 'client_id'])
        .where('expires_at', '<=', now)
        .where(sql<boolean>`count - reserved - spent - expired > 0`),
    )
    .limit(limit)
    .execute();
  return (rows as { studio_id: string; client_id: string }[]).map((row) => ({
    studioId: row.studio_id,
    clientId: row.client_id,
  }));
}

/**
 * The account a processor's payment reference (a PaymentIntent id) was recorded on, or confirmed
 * on without a record, if any: how a webhook whose object carries none of our metadata (a
 * dispute) finds its client.
 */
export async function accountOfPaymentReference(
  db: Database,
  reference: string,
): Promise<{ studioId: string; clientId: string } | null> {
  const row = await db.kysely
    .selectFrom('payments')
    .select(['studio_id', 'client_id'])
    .where('reference', '=', reference)
    .union(
      db.kysely
        .selectFrom('unrecorded_charges')
        .select(['studio_id', 'client_id'])
        .where('reference', '=', reference),
    )
    .executeTakeFirst();
  return row ? { studioId: row.studio_id as string, clientId: row.client_id as string } : null;
}

/** Card charges no sale or booking recorded, confirmed by the processor before `before`. */
export async function unrecordedChargesToGiveBack(
  db: Database,
  before: Date,
  limit: number,
): Promise<{ studioId: string; clientId: string; reference: string; amount: number }[]> {
  const rows = await db.kysely
    .selectFrom('unrecorded_charges')
    .select(['studio_id', 'client_id', 'reference', sql<string>`amount - refunded`.as('left')])
    .where('confirmed_at', '<', before)
    .where(sql<boolean>`refunded < amount`)
    .orderBy('confirmed_at')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    studioId: row.studio_id as string,
    clientId: row.client_id as string,
    reference: row.reference as string,
    amount: Number(row.left),
  }));
}

/** The client's customer at the card processor (the first linked is the only one), if any. */
export function processorCustomerQuery(db: Database, clientId: string) {
  return db.kysely
    .selectFrom('processor_customers')
    .select('customer_id')
    .where('client_id', '=', clientId);
}

/** The account whose customer at the card processor this is (ProcessorCustomerLinked), if any. */
export async function accountOfProcessorCustomer(
  db: Database,
  customerId: string,
): Promise<{ studioId: string; clientId: string } | null> {
  const row = await db.kysely
    .selectFrom('processor_customers')
    .select(['studio_id', 'client_id'])
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return row ? { studioId: row.studio_id as string, clientId: row.client_id as string } : null;
}

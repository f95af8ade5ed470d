import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { DATABASE, type Database } from '@clientele/database';
import { money, NotFound, type Money } from '@clientele/shared';
import { sql } from 'kysely';

export interface GrantView {
  grantId: string;
  eventTypes: string[];
  /** Usable now: granted and adjusted, less reserved, spent and expired; 0 once expired. */
  available: number;
  count: number;
  reserved: number;
  spent: number;
  expired: number;
  expiresAt: string | null;
  /** A pack whose validity starts on first use and has not been used yet. */
  validityDaysFromFirstUse: number | null;
  source: unknown;
  grantedAt: string;
}

export interface Balances {
  credits: { eventType: string; available: number; grants: GrantView[] }[];
  accountCredit: Money;
  outstanding: Money;
}

export interface PaymentSettings {
  payLater: boolean;
  useAccountCreditForRecurring: boolean;
}

interface GrantRow {
  grant_id: string;
  event_types: string[];
  count: number;
  reserved: number;
  spent: number;
  expired: number;
  expires_at: Date | null;
  validity_days_from_first_use: number | null;
  source: unknown;
  granted_at: Date;
  live: boolean;
}

function toGrant(row: GrantRow): GrantView {
  const left = row.count - row.reserved - row.spent - row.expired;
  return {
    grantId: row.grant_id,
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

/** Credits per event type, soonest expiry first: the order they will be spent in. */
function creditsByEventType(grants: GrantView[]): Balances['credits'] {
  const byType = new Map<string, GrantView[]>();
  for (const grant of grants) {
    if (grant.available <= 0) continue;
    for (const type of grant.eventTypes) byType.set(type, [...(byType.get(type) ?? []), grant]);
  }
  return [...byType.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([eventType, list]) => ({
      eventType,
      available: list.reduce((n, g) => n + g.available, 0),
      grants: [...list].sort(
        (a, b) =>
          (a.expiresAt ? Date.parse(a.expiresAt) : Infinity) -
          (b.expiresAt ? Date.parse(b.expiresAt) : Infinity),
      ),
    }));
}

/** The account's money and settings, and the studio's currency for an account with nothing yet. */
async function accountRow(db: Database, studioId: string, clientId: string) {
  const row = await db.kysely
    .selectFrom('client_profiles as p')
    .innerJoin('studios as s', 's.studio_id', 'p.studio_id')
    .leftJoin('account_balances as b', 'b.client_id', 'p.client_id')
    .select([
      's.currency as studio_currency',
      'b.account_credit',
      'b.outstanding',
      'b.pay_later',
      'b.use_account_credit_for_recurring',
    ])
    .where('p.client_id', '=', clientId)
    .where('p.studio_id', '=', studioId)
    .executeTakeFirst();
  if (!row) throw new NotFound('client', clientId);
  return row as {
    studio_currency: string;
    account_credit: string | null;
    outstanding: string | null;
    pay_later: boolean | null;
    use_account_credit_for_recurring: boolean | null;
  };
}

async function grantsOf(db: Database, clientId: string, now: Date): Promise<GrantView[]> {
  const rows = (await db.kysely
    .selectFrom('credit_grants')
    .select([
      'grant_id',
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
    .where('client_id', '=', clientId)
    .orderBy('granted_at')
    .orderBy('grant_id')
    .execute()) as GrantRow[];
  return rows.map(toGrant);
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
    const currency = account.studio_currency;
    const grants = await grantsOf(this.db, clientId, now);
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
      .where('client_id', '=', clientId)
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

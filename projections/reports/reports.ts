import type { Database } from '@clientele/database';
import { localDate } from '@clientele/entitlements';
import { sql, type Expression, type SqlBool } from 'kysely';
import { toMembership } from '../client-accounts/client-accounts.queries';
import { survivorOf } from '../client-profiles/client-merge.queries';
import {
  CLIENT_COLUMNS,
  clientItem,
  dateRange,
  iso,
  moneyOf,
  searchMatches,
  type ReportDefinition,
  type ReportParams,
} from './report';

const MEMBERSHIP_COLUMNS = [
  ...CLIENT_COLUMNS,
  'membershipId',
  'membership',
  'productId',
  'status',
  'startsOn',
  'periodFrom',
  'periodUntil',
  'nextPaymentDue',
  'price',
  'frozenFrom',
  'frozenUntil',
  'cancelledOn',
] as const;

/** Memberships not ended on the studio's today, ordered by one of their dates. */
function membershipSource(db: Database, params: ReportParams, sortColumn: string) {
  const today = localDate(params.now, params.timezone);
  return db.kysely
    .selectFrom('memberships as ms')
    .select([
      'ms.client_id as holder_id',
      sql.ref(sortColumn).as('sort_key'),
      'ms.membership_id as row_id',
      'ms.membership_id',
      'ms.product_id',
      'ms.name',
      'ms.price',
      'ms.currency',
      'ms.billing_period',
      'ms.event_types',
      'ms.credits_per_period',
      'ms.starts_on',
      'ms.period_from',
      'ms.period_until',
      'ms.next_payment_due',
      'ms.frozen_from',
      'ms.frozen_until',
      'ms.cancelled_on',
    ])
    .where('ms.studio_id', '=', params.studioId)
    .where((eb) => eb.or([eb('ms.cancelled_on', 'is', null), eb('ms.cancelled_on', '>', today)]))
    .where(searchMatches(db, params, 'ms.client_id'));
}

function membershipItem(row: Record<string, unknown>, params: ReportParams) {
  const membership = toMembership(row, localDate(params.now, params.timezone));
  return {
    ...clientItem(row),
    membershipId: membership.membershipId,
    membership: membership.name,
    productId: membership.productId,
    status: membership.status,
    startsOn: membership.startsOn,
    periodFrom: membership.currentPeriod.from,
    periodUntil: membership.currentPeriod.until,
    nextPaymentDue: membership.nextPaymentDue,
    price: membership.price,
    frozenFrom: membership.freeze?.from ?? null,
    frozenUntil: membership.freeze?.until ?? null,
    cancelledOn: membership.cancelledOn,
  };
}

/** A report of memberships, newest first by the date it is about (and filters on). */
function membershipReport(
  report: Pick<ReportDefinition, 'name' | 'title' | 'dateFilter'> & { dateColumn: string },
  only: (params: ReportParams) => Expression<SqlBool> = () => sql<boolean>`true`,
): ReportDefinition {
  const { dateColumn, ...named } = report;
  return {
    ...named,
    filters: {},
    columns: MEMBERSHIP_COLUMNS,
    money: ['price'],
    order: 'desc',
    keyType: 'date',
    source: (db, params) =>
      membershipSource(db, params, dateColumn)
        .where(only(params))
        .where(dateRange(dateColumn, 'date', params)),
    item: membershipItem,
  };
}

const clientsOnMembership = membershipReport({
  name: 'clients-on-membership',
  title: 'Clients on a membership',
  dateFilter: 'startsOn (the day the membership began)',
  dateColumn: 'ms.starts_on',
});

// Frozen now, or to be: a freeze not over yet.
const frozenMemberships = membershipReport(
  {
    name: 'frozen-memberships',
    title: 'Frozen memberships',
    dateFilter: 'frozenFrom (the first day of the freeze)',
    dateColumn: 'ms.frozen_from',
  },
  (params) =>
    sql<boolean>`(ms.frozen_from IS NOT NULL AND ms.frozen_until > ${localDate(params.now, params.timezone)})`,
);

const vodPurchases: ReportDefinition = {
  name: 'vod-purchases',
  title: 'Video on demand purchases',
  dateFilter: 'validFrom (when the access was bought)',
  filters: {},
  columns: [
    ...CLIENT_COLUMNS,
    'accessId',
    'video',
    'productId',
    'validFrom',
    'validUntil',
    'active',
  ],
  order: 'desc',
  keyType: 'timestamptz',
  source: (db, params) =>
    db.kysely
      .selectFrom('vod_access as v')
      .select([
        'v.client_id as holder_id',
        'v.valid_from as sort_key',
        'v.access_id as row_id',
        'v.name',
        'v.product_id',
        'v.valid_from',
        'v.valid_until',
        sql<boolean>`v.valid_until > ${params.now}`.as('active'),
      ])
      .where('v.studio_id', '=', params.studioId)
      .where(searchMatches(db, params, 'v.client_id'))
      .where(dateRange('v.valid_from', 'timestamptz', params)),
  item: (row) => ({
    ...clientItem(row),
    accessId: row.row_id as string,
    video: row.name as string,
    productId: row.product_id as string,
    validFrom: iso(row.valid_from),
    validUntil: iso(row.valid_until),
    active: row.active as boolean,
  }),
};

/** Places on sessions, newest session first; the attendance report keeps those marked. */
function placesSource(db: Database, params: ReportParams) {
  let query = db.kysely
    .selectFrom('session_places as sp')
    .innerJoin('sessions as s', 's.session_id', 'sp.session_id')
    .select([
      'sp.client_id as holder_id',
      's.starts_at as sort_key',
      'sp.enrollment_id as row_id',
      's.session_id',
      's.title',
      's.event_type',
      's.format',
      's.starts_at',
      'sp.status',
      'sp.channel',
      'sp.pay_with',
      'sp.attendance',
      'sp.penalty',
      'sp.cancelled_late',
      'sp.booked_at',
    ])
    .where('sp.studio_id', '=', params.studioId)
    // Said of the session too: the planner then walks the studio's sessions in time order
    // (sessions_by_time) and stops after the page, instead of sorting every place.
    .where('s.studio_id', '=', params.studioId)
    .where(searchMatches(db, params, 'sp.client_id'))
    .where(dateRange('s.starts_at', 'timestamptz', params));
  for (const [filter, column] of [
    ['eventType', 's.event_type'],
    ['status', 'sp.status'],
    ['attendance', 'sp.attendance'],
  ] as const) {
    const value = params.filters[filter];
    if (value !== undefined) query = query.where(column, '=', value);
  }
  return query;
}

const PLACE_COLUMNS = [
  ...CLIENT_COLUMNS,
  'enrollmentId',
  'sessionId',
  'session',
  'eventType',
  'startsAt',
] as const;

function placeItem(row: Record<string, unknown>) {
  return {
    ...clientItem(row),
    enrollmentId: row.row_id as string,
    sessionId: row.session_id as string,
    session: row.title as string,
    eventType: row.event_type as string,
    startsAt: iso(row.starts_at),
  };
}

const bookingHistory: ReportDefinition = {
  name: 'booking-history',
  title: 'Booking history',
  dateFilter: "startsAt (the session's start)",
  filters: {
    status: {
      kind: 'choice',
      values: ['held', 'confirmed', 'waitlisted', 'cancelled', 'released'],
    },
    eventType: { kind: 'text' },
  },
  columns: [
    ...PLACE_COLUMNS,
    'format',
    'status',
    'channel',
    'payWith',
    'attendance',
    'cancelledLate',
    'bookedAt',
  ],
  order: 'desc',
  keyType: 'timestamptz',
  source: placesSource,
  item: (row) => ({
    ...placeItem(row),
    format: row.format as string,
    status: row.status as string,
    channel: row.channel as string,
    payWith: row.pay_with as string,
    attendance: (row.attendance as string | null) ?? null,
    cancelledLate: (row.cancelled_late as boolean | null) ?? null,
    bookedAt: iso(row.booked_at),
  }),
};

const attendance: ReportDefinition = {
  name: 'attendance',
  title: 'Attendance',
  dateFilter: "startsAt (the session's start)",
  filters: {
    attendance: { kind: 'choice', values: ['checked_in', 'no_show'] },
    eventType: { kind: 'text' },
  },
  columns: [...PLACE_COLUMNS, 'attendance', 'penalty'],
  order: 'desc',
  keyType: 'timestamptz',
  source: (db, params) => placesSource(db, params).where('sp.attendance', 'is not', null),
  item: (row) => ({
    ...placeItem(row),
    attendance: row.attendance as string,
    penalty: (row.penalty as string | null) ?? null,
  }),
};

const LEFT = sql<number>`g.count - g.reserved - g.spent - g.expired`;
/** A grant with credits to spend now: not expired, not used up. */
const live = (now: Date) =>
  sql<boolean>`((g.expires_at IS NULL OR g.expires_at > ${now}) AND ${LEFT} > 0)`;

function grantSource(db: Database, params: ReportParams) {
  return db.kysely
    .selectFrom('credit_grants as g')
    .select([
      'g.client_id as holder_id',
      'g.grant_id as row_id',
      'g.event_types',
      'g.count',
      'g.reserved',
      'g.spent',
      'g.expired',
      'g.expires_at',
      'g.granted_at',
      'g.source',
      LEFT.as('left'),
      live(params.now).as('live'),
    ])
    .where('g.studio_id', '=', params.studioId)
    .where(searchMatches(db, params, 'g.client_id'));
}

function grantItem(row: Record<string, unknown>) {
  const source = row.source as { kind: string; productName?: string; reason?: string };
  return {
    ...clientItem(row),
    grantId: row.row_id as string,
    eventTypes: row.event_types as string[],
    left: row.live ? Number(row.left) : 0,
    expiresAt: iso(row.expires_at),
    source: source.kind,
    product: source.productName ?? null,
  };
}

const packs: ReportDefinition = {
  name: 'packs',
  title: 'Class packs and passes, active and inactive',
  dateFilter: 'grantedAt (when the pack was bought)',
  filters: { status: { kind: 'choice', values: ['active', 'inactive'] } },
  columns: [
    ...CLIENT_COLUMNS,
    'grantId',
    'product',
    'eventTypes',
    'status',
    'count',
    'spent',
    'reserved',
    'expired',
    'left',
    'grantedAt',
    'expiresAt',
  ],
  order: 'desc',
  keyType: 'timestamptz',
  source: (db, params) => {
    let query = grantSource(db, params)
      .select('g.granted_at as sort_key')
      // Packs and passes are what a client bought, here or (imported) before; membership and
      // complimentary credits are not, nor an imported count of credits of no product.
      .where(
        sql<boolean>`(g.source->>'kind' = 'sale' OR (g.source->>'kind' = 'import' AND g.source->>'productName' IS NOT NULL))`,
      )
      .where(dateRange('g.granted_at', 'timestamptz', params));
    const status = params.filters.status;
    if (status !== undefined) {
      const now = live(params.now);
      query = query.where(status === 'active' ? now : sql<boolean>`NOT ${now}`);
    }
    return query;
  },
  item: (row) => {
    const { source: _source, ...grant } = grantItem(row);
    return {
      ...grant,
      status: row.live ? 'active' : 'inactive',
      count: Number(row.count),
      spent: Number(row.spent),
      reserved: Number(row.reserved),
      expired: Number(row.expired),
      grantedAt: iso(row.granted_at),
    };
  },
};

const creditsExpiring: ReportDefinition = {
  name: 'credits-expiring',
  title: 'Credits expiring soon',
  dateFilter: 'expiresAt (when the credits expire)',
  filters: { days: { kind: 'integer', min: 1, max: 365, default: 14 } },
  columns: [...CLIENT_COLUMNS, 'grantId', 'source', 'product', 'eventTypes', 'left', 'expiresAt'],
  order: 'asc',
  keyType: 'timestamptz',
  source: (db, params) => {
    const horizon = new Date(params.now.getTime() + Number(params.filters.days) * 86_400_000);
    return grantSource(db, params)
      .select('g.expires_at as sort_key')
      .where('g.expires_at', '>', params.now)
      .where('g.expires_at', '<=', horizon)
      .where(sql<boolean>`${LEFT} > 0`)
      .where(dateRange('g.expires_at', 'timestamptz', params));
  },
  item: grantItem,
};

const outstandingBalances: ReportDefinition = {
  name: 'outstanding-balances',
  title: 'Outstanding balances',
  dateFilter: 'oldestDueOn (the due date of the oldest open bill)',
  filters: {},
  columns: [...CLIENT_COLUMNS, 'outstanding', 'openBills', 'oldestDueOn'],
  money: ['outstanding'],
  order: 'desc',
  keyType: 'bigint',
  source: (db, params) => {
    // A survivor owes what its duplicates owe (ADR 0016): one row for all of them.
    const owed = db.kysely
      .selectFrom('account_balances as b')
      .select([
        survivorOf('b.client_id').as('owner_id'),
        'b.currency',
        sql<string>`sum(b.outstanding)`.as('outstanding'),
        sql<string>`sum((SELECT count(*) FROM bills WHERE client_id = b.client_id AND status = 'open'))`.as(
          'open_bills',
        ),
        sql<string>`min((SELECT min(due_on) FROM bills WHERE client_id = b.client_id AND status = 'open'))`.as(
          'oldest_due_on',
        ),
      ])
      .where('b.studio_id', '=', params.studioId)
      .where('b.outstanding', '>', 0 as never)
      .where(searchMatches(db, params, 'b.client_id'))
      .groupBy([survivorOf('b.client_id'), 'b.currency']);
    return db.kysely
      .selectFrom(owed.as('o'))
      .select([
        'o.owner_id as holder_id',
        'o.outstanding as sort_key',
        'o.owner_id as row_id',
        'o.currency',
        'o.open_bills',
        'o.oldest_due_on',
      ])
      .where(dateRange('o.oldest_due_on', 'date', params));
  },
  item: (row) => ({
    ...clientItem(row),
    outstanding: moneyOf(row.sort_key, row.currency),
    openBills: Number(row.open_bills),
    oldestDueOn: (row.oldest_due_on as string | null) ?? null,
  }),
};

const sales: ReportDefinition = {
  name: 'sales',
  title: 'Sales by period',
  dateFilter: "the sale's soldAt and the refund's recordedAt (whole periods are the studio's)",
  filters: { period: { kind: 'choice', values: ['day', 'week', 'month'], default: 'day' } },
  columns: ['period', 'sales', 'total', 'refunds', 'net'],
  money: ['total', 'refunds', 'net'],
  order: 'desc',
  keyType: 'date',
  idPattern: /^[A-Z]{3}$/,
  source: (db, params) => {
    // Days, weeks (from Monday) and months on the studio's wall, not in UTC.
    const bucket = (column: string) =>
      sql<string>`date_trunc(${String(params.filters.period)}, ${sql.ref(column)} AT TIME ZONE ${params.timezone})::date`;
    const sold = db.kysely
      .selectFrom('sales as s')
      .select([
        bucket('s.sold_at').as('period'),
        's.currency',
        sql<number>`1`.as('sales'),
        's.total',
        sql<string>`0::bigint`.as('refunds'),
      ])
      .where('s.studio_id', '=', params.studioId)
      .where(searchMatches(db, params, 's.client_id'))
      .where(dateRange('s.sold_at', 'timestamptz', params));
    const refunded = db.kysely
      .selectFrom('refunds as r')
      .select([
        bucket('r.recorded_at').as('period'),
        'r.currency',
        sql<number>`0`.as('sales'),
        sql<string>`0::bigint`.as('total'),
        'r.amount as refunds',
      ])
      .where('r.studio_id', '=', params.studioId)
      .where(searchMatches(db, params, 'r.client_id'))
      .where(dateRange('r.recorded_at', 'timestamptz', params));
    return db.kysely
      .selectFrom(sold.unionAll(refunded).as('x'))
      .select([
        'x.period as sort_key',
        'x.currency as row_id',
        sql<number>`sum(x.sales)::int`.as('sales'),
        sql<string>`sum(x.total)`.as('total'),
        sql<string>`sum(x.refunds)`.as('refunds'),
      ])
      .groupBy(['x.period', 'x.currency']);
  },
  item: (row) => ({
    period: row.sort_key as string,
    sales: Number(row.sales),
    total: moneyOf(row.total, row.row_id),
    refunds: moneyOf(row.refunds, row.row_id),
    net: moneyOf(Number(row.total) - Number(row.refunds), row.row_id),
  }),
};

/** Every report, by the name in its URL. */
export const REPORTS: ReadonlyMap<string, ReportDefinition> = new Map(
  [
    clientsOnMembership,
    vodPurchases,
    bookingHistory,
    packs,
    frozenMemberships,
    sales,
    attendance,
    outstandingBalances,
    creditsExpiring,
  ].map((report) => [report.name, report]),
);

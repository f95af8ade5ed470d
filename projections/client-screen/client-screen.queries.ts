import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import type { ClientMemo, ClientProfile } from '@clientele/clients';
import { DATABASE, prebuilt, type Database } from '@clientele/database';
import { localDate } from '@clientele/entitlements';
import { NotFound } from '@clientele/shared';
import {
  accountQuery,
  billsQuery,
  grantsQuery,
  membershipsQuery,
  processorCustomerQuery,
  salesQuery,
  toActiveItems,
  toBalances,
  toBill,
  toGrant,
  toSale,
  vodQuery,
  type AccountRow,
  type ActiveItems,
  type Balances,
  type BillView,
  type BillWithPaymentsRow,
  type GrantRead,
  type PaymentSettings,
  type SaleView,
} from '@projections/client-accounts';
import {
  documentsQuery,
  memosQuery,
  mergedClientsQuery,
  profileQuery,
  toDocument,
  toMemo,
  toMergedClient,
  toProfile,
  type ClientDocument,
  type MergedClient,
} from '@projections/client-profiles';
import {
  relationshipsQuery,
  toRelationship,
  type ClientRelationship,
} from '@projections/relationships';
import {
  registrationsPage,
  registrationsQuery,
  type Registration,
  type RegistrationRow,
} from '@projections/schedule';
import {
  signatureRequestsQuery,
  signedWaiversQuery,
  toClientWaivers,
  type ClientWaivers,
} from '@projections/waivers';
import { sql, type Expression } from 'kysely';
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres';

/** What the front desk sees of a client on one screen, but the processor's saved methods. */
export interface ClientScreen {
  profile: ClientProfile;
  /** Whose saved methods to ask the processor for: none were saved without a customer there. */
  processorCustomerId: string | null;
  balances: Balances;
  paymentSettings: PaymentSettings;
  activeItems: ActiveItems;
  openBills: BillView[];
  recentSales: SaleView[];
  upcomingRegistrations: Registration[];
  waivers: ClientWaivers;
  relationships: ClientRelationship[];
  memos: ClientMemo[];
  documents: ClientDocument[];
  merged: MergedClient[];
}

/** How many recent sales and upcoming classes the screen shows. */
const SHOWN = 5;

export class GetClientScreen extends Query<ClientScreen> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
    readonly now: Date,
  ) {
    super();
  }
}

/** The rows of a raw query as one JSON array, as `jsonArrayFrom` does for a built one. */
function jsonRows<R>(rows: Expression<R>) {
  return sql<R[]>`(SELECT coalesce(json_agg(r), '[]') FROM (${rows}) AS r)`;
}

/** The studio's day at `now`: memberships run by it. */
function studioToday(studioId: string, now: Date) {
  return sql<string>`(SELECT (${now}::timestamptz AT TIME ZONE timezone)::date FROM studios WHERE studio_id = ${studioId})`;
}

type ScreenInput = Pick<GetClientScreen, 'studioId' | 'clientId' | 'now'>;

function screenQuery(db: Database, { studioId, clientId, now }: ScreenInput) {
  const upcoming = {
    studioId,
    clientId,
    when: 'upcoming' as const,
    limit: SHOWN,
    cursor: undefined,
    now,
  };
  return profileQuery(db, studioId, clientId).select([
    jsonObjectFrom(accountQuery(db, studioId, clientId)).as('account'),
    jsonArrayFrom(grantsQuery(db, clientId, now)).as('grants'),
    jsonArrayFrom(membershipsQuery(db, clientId, studioToday(studioId, now))).as('memberships'),
    jsonArrayFrom(vodQuery(db, clientId, now)).as('vod'),
    jsonArrayFrom(billsQuery(db, { studioId, clientId, status: 'open' })).as('open_bills'),
    jsonArrayFrom(salesQuery(db, clientId, SHOWN)).as('recent_sales'),
    jsonRows(registrationsQuery(upcoming)).as('upcoming'),
    jsonArrayFrom(signedWaiversQuery(db, studioId, clientId)).as('signed_waivers'),
    jsonArrayFrom(signatureRequestsQuery(db, studioId, clientId)).as('signature_requests'),
    jsonArrayFrom(relationshipsQuery(db, studioId, clientId)).as('relationships'),
    jsonArrayFrom(memosQuery(db, clientId)).as('memos'),
    jsonArrayFrom(documentsQuery(db, studioId, clientId)).as('documents'),
    jsonArrayFrom(mergedClientsQuery(db, studioId, clientId)).as('merged'),
    processorCustomerQuery(db, clientId).as('processor_customer_id'),
  ]);
}

/**
 * The profile with every part of its screen in ONE statement: each part is the same query its
 * own handler runs, nested as JSON, and read with the same mapper. Issue 8: the profile had
 * run ~22 statements on 12 handlers, each checking the client again. Built once (`prebuilt`).
 */
@QueryHandler(GetClientScreen)
export class GetClientScreenHandler implements IQueryHandler<GetClientScreen> {
  private readonly statement = prebuilt((input: ScreenInput) =>
    screenQuery(this.db, input).compile(),
  );

  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, clientId, now }: GetClientScreen): Promise<ClientScreen> {
    const query = this.statement({ studioId, clientId, now });
    // Planning this statement costs several times running it: prepared under one name, each
    // connection plans it once (its text never changes, only its parameters).
    const [row] = await this.db.derivedSql.query<Record<string, unknown>>(
      query.sql,
      query.parameters,
      { name: 'clientele_client_screen' },
    );
    if (!row) throw new NotFound('client', clientId);
    const account = row.account as AccountRow;
    const grants = (row.grants as GrantRead[]).map(toGrant);
    const { paymentSettings, ...balances } = toBalances(account, grants);
    return {
      profile: toProfile(row as Parameters<typeof toProfile>[0]),
      processorCustomerId: (row.processor_customer_id as string | null) ?? null,
      balances,
      paymentSettings,
      activeItems: toActiveItems(
        {
          memberships: row.memberships as Record<string, unknown>[],
          vod: row.vod as Record<string, unknown>[],
        },
        grants,
        localDate(now, account.studio_timezone),
      ),
      openBills: (row.open_bills as BillWithPaymentsRow[]).map(toBill),
      recentSales: (row.recent_sales as Record<string, unknown>[]).map(toSale),
      upcomingRegistrations: registrationsPage(row.upcoming as RegistrationRow[], SHOWN).items,
      waivers: toClientWaivers(
        row.signed_waivers as Record<string, unknown>[],
        row.signature_requests as Record<string, unknown>[],
      ),
      relationships: (row.relationships as Record<string, unknown>[]).map(toRelationship),
      memos: (row.memos as Parameters<typeof toMemo>[0][]).map(toMemo),
      documents: (row.documents as Record<string, unknown>[]).map(toDocument),
      merged: (row.merged as Record<string, unknown>[]).map(toMergedClient),
    };
  }
}

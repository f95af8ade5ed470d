import { Controller, Get, Inject, Param } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  clientStream,
  GetErasureReport,
  relationshipId,
  relationshipStream,
} from '@clientele/clients';
import { historyEntry } from '@clientele/audit';
import { accountStream } from '@clientele/entitlements';
import { EVENT_STORE, type EventStore } from '@clientele/eventstore';
import type { RequestContext } from '@clientele/shared';
import { signaturesStream } from '@clientele/waivers';
import {
  GetActiveItems,
  GetClientBalances,
  GetClientCredits,
  ListClientBills,
  ListClientSales,
} from '@projections/client-accounts';
import {
  GetClientProfile,
  ListClientDocuments,
  ListClientMemos,
} from '@projections/client-profiles';
import { ListClientRelationships } from '@projections/relationships';
import { ListClientBookings, ListClientRecurring } from '@projections/schedule';
import { ListClientNotifications } from '@clientele/notifications';
import { GetClientWaivers, ListClientSignatures } from '@projections/waivers';
import { Ctx, RequirePermission, uuidParam } from '../http/auth';

const uuid = uuidParam('id');
const ALL = 100_000;

/**
 * The right of access (GDPR art. 15): everything held on a client, as one JSON document. The
 * read models give what the desk sees; the client's own streams give every change, with who
 * made it, so nothing folded away is missing. An erased client's export holds what is left (money,
 * attendance, the facts of their events, with every `personal` null) and says when and how they
 * were erased.
 */
@ApiTags('clients')
@ApiBearerAuth()
@Controller('v1/clients/:id/export')
export class ClientExportController {
  constructor(
    private readonly queries: QueryBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get()
  @RequirePermission('clients:audit')
  @ApiOperation({
    summary:
      'Everything held on the client as one JSON document: profile, account, bookings, waivers, relationships, memos, documents, and every event of their streams',
  })
  async export(@Param('id', uuid) id: string, @Ctx() context: RequestContext) {
    const { studioId, now } = context;
    // The profile first: another studio's client, or none, is a 404 before anything is read.
    const profile = await this.queries.execute(new GetClientProfile(studioId, id));
    const [
      balances,
      credits,
      activeItems,
      bills,
      sales,
      bookings,
      recurring,
      waivers,
      signatures,
      relationships,
      memos,
      documents,
      notifications,
    ] = await Promise.all([
      this.queries.execute(new GetClientBalances(studioId, id, now)),
      this.queries.execute(new GetClientCredits(studioId, id, now)),
      this.queries.execute(new GetActiveItems(studioId, id, now)),
      this.queries.execute(new ListClientBills(studioId, id)),
      this.queries.execute(new ListClientSales(studioId, id, ALL)),
      this.allPages((cursor) =>
        this.queries.execute(new ListClientBookings(studioId, id, 100, cursor, now)),
      ),
      this.queries.execute(new ListClientRecurring(studioId, id)),
      this.queries.execute(new GetClientWaivers(studioId, id)),
      this.queries.execute(new ListClientSignatures(studioId, id)),
      this.queries.execute(new ListClientRelationships(studioId, id)),
      this.queries.execute(new ListClientMemos(studioId, id)),
      this.queries.execute(new ListClientDocuments(studioId, id)),
      this.allPages((cursor) =>
        this.queries.execute(new ListClientNotifications(studioId, id, 100, cursor)),
      ),
    ]);
    const streams = [
      clientStream(id),
      accountStream(id),
      signaturesStream(id),
      ...relationships.map((r) => relationshipStream(relationshipId(id, r.clientId))),
    ];
    const events = (await Promise.all(streams.map((s) => this.store.readStream(s))))
      .flat()
      .sort((a, b) => a.recordedAt.getTime() - b.recordedAt.getTime())
      .map((event) => historyEntry(event, id));
    const erasure = profile.erased
      ? await this.queries.execute(new GetErasureReport(studioId, id))
      : null;
    return {
      exportedAt: now.toISOString(),
      exportedBy: context.actor,
      erased: profile.erased,
      erasure,
      profile,
      account: {
        ...balances,
        grants: credits.grants,
        activeItems,
        bills: bills.items,
        sales: sales.items,
      },
      bookings,
      recurringRegistrations: recurring.items,
      waivers: { ...waivers, signatures },
      relationships,
      // Internal memos are data about the client too: the right of access includes them.
      memos: memos.items,
      documents,
      notifications,
      events,
    };
  }

  /** Every item of a paged list. */
  private async allPages<T>(
    page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
  ): Promise<T[]> {
    const all: T[] = [];
    let cursor: string | undefined;
    do {
      const next = await page(cursor);
      all.push(...next.items);
      cursor = next.nextCursor ?? undefined;
    } while (cursor);
    return all;
  }
}

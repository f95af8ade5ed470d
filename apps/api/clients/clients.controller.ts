import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RegisterClient, UpdateClientProfile, type ClientProfile } from '@clientele/clients';
import { GetClientHistory } from '@projections/audit';
import { SavedPaymentMethodsOf } from '@clientele/entitlements';
import { Unavailable, type RequestContext } from '@clientele/shared';
import { SearchClients } from '@projections/client-profiles';
import { GetClientScreen } from '@projections/client-screen';
import type { FastifyReply } from 'fastify';
import { Ctx, RequirePermission, uuidParam } from '../http/auth';
import {
  HistoryQuery,
  RegisterClientRequest,
  SearchClientsQuery,
  UpdateClientRequest,
} from './client.dto';

const uuid = uuidParam('id');

function withEtag(reply: FastifyReply, profile: ClientProfile): ClientProfile {
  void reply.header('etag', `"${profile.version}"`);
  return profile;
}

@ApiTags('clients')
@ApiBearerAuth()
@Controller('v1/clients')
export class ClientsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @HttpCode(201)
  @RequirePermission('clients:write')
  @ApiOperation({ summary: 'Register a client (RegisterClient)' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async register(
    @Body() body: RegisterClientRequest,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClientProfile> {
    const profile = await this.commands.execute(new RegisterClient(body, context));
    void reply.header('location', `/v1/clients/${profile.id}`);
    return withEtag(reply, profile);
  }

  @Get()
  @RequirePermission('clients:read')
  @ApiOperation({ summary: 'Find clients by name or email, paged' })
  search(@Query() query: SearchClientsQuery, @Ctx() context: RequestContext) {
    return this.queries.execute(
      new SearchClients(context.studioId, query.search, query.limit ?? 25, query.cursor),
    );
  }

  @Get(':id')
  @RequirePermission('clients:read')
  @ApiOperation({
    summary:
      'The client profile, with balances (credits per event type, account credit, outstanding), active items, open bills, recent sales, the next 5 registrations, saved payment methods, signed waivers, signatures asked for, relationships, internal memos, documents and the clients merged into it. A client merged into another answers 307 with the survivor in Location and mergedInto',
  })
  async get(
    @Param('id', uuid) id: string,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    // One screen, one statement on the read models; saved methods are asked of the processor.
    const screen = await this.queries.execute(
      new GetClientScreen(context.studioId, id, context.now),
    );
    const { profile, waivers, ...parts } = screen;
    if (profile.mergedInto) {
      // Where it went; its own history stays readable at /history.
      void reply.status(307).header('location', `/v1/clients/${profile.mergedInto}`);
      return { id, mergedInto: profile.mergedInto, mergedAt: profile.mergedAt };
    }
    return {
      ...withEtag(reply, profile),
      balances: parts.balances,
      paymentSettings: parts.paymentSettings,
      activeItems: parts.activeItems,
      openBills: parts.openBills,
      recentSales: parts.recentSales,
      upcomingRegistrations: parts.upcomingRegistrations,
      paymentMethods: await this.savedMethods(screen.processorCustomerId),
      signedWaivers: waivers.signed,
      signatureRequests: waivers.requested,
      relationships: parts.relationships,
      memos: parts.memos,
      documents: parts.documents,
      merged: parts.merged,
    };
  }

  /**
   * Saved cards and mandates live at the processor: asked live, so the desk sees today's. The
   * processor out of reach costs the profile only this part (null), not the whole screen.
   */
  private async savedMethods(customerId: string | null) {
    // No customer at the processor: nothing was ever saved.
    if (customerId === null) return [];
    return this.queries.execute(new SavedPaymentMethodsOf(customerId)).catch((error: unknown) => {
      if (error instanceof Unavailable) return null;
      throw error;
    });
  }

  @Patch(':id')
  @RequirePermission('clients:write')
  @ApiOperation({
    summary:
      'Change a client profile (UpdateClientProfile); If-Match makes it conditional (412 when stale)',
  })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag last read, e.g. "3"' })
  async update(
    @Param('id', uuid) id: string,
    @Body() body: UpdateClientRequest,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClientProfile> {
    const profile = await this.commands.execute(new UpdateClientProfile(id, body, context));
    return withEtag(reply, profile);
  }

  // Waits for the read models like any GET: they say which sessions and pairs to read.
  @Get(':id/history')
  @RequirePermission('clients:audit')
  @ApiOperation({
    summary:
      'Every event of every stream that touched the client (and the clients merged into it), with actor and correlation id; the account (balances, active items, registrations, waivers) folded as it stood at asOf',
  })
  history(
    @Param('id', uuid) id: string,
    @Query() query: HistoryQuery,
    @Ctx() context: RequestContext,
  ) {
    const asOf = query.asOf ? new Date(query.asOf) : context.now;
    return this.queries.execute(new GetClientHistory(context.studioId, id, asOf));
  }
}

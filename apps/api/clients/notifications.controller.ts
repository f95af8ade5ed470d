import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequestClientMessage } from '@clientele/clients';
import { ListClientNotifications } from '@clientele/notifications';
import type { RequestContext } from '@clientele/shared';
import { GetClientProfile } from '@projections/client-profiles';
import { Ctx, RequirePermission, uuidParam } from '../http/auth';
import { PageQuery } from '../http/page-query';

const uuid = uuidParam('id');

/**
 * What Clientele tells a client by email (ADR 0014): the two messages staff ask for by hand (the
 * seed's phone icon), and every notification with how far it got.
 */
@ApiTags('clients')
@ApiBearerAuth()
@Controller('v1/clients/:id')
export class NotificationsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post('password-reset')
  @HttpCode(202)
  @RequirePermission('clients:write')
  @ApiOperation({
    summary:
      'RequestPasswordReset: mails the client that a reset of their app password was asked, with its reference (Clientele holds no password)',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  passwordReset(@Param('id', uuid) clientId: string, @Ctx() context: RequestContext) {
    return this.commands.execute(new RequestClientMessage(clientId, 'password_reset', context));
  }

  @Post('welcome')
  @HttpCode(202)
  @RequirePermission('clients:write')
  @ApiOperation({
    summary: 'ResendWelcome: mails the welcome message again, for a client who never logged in',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  welcome(@Param('id', uuid) clientId: string, @Ctx() context: RequestContext) {
    return this.commands.execute(new RequestClientMessage(clientId, 'welcome', context));
  }

  @Get('notifications')
  @RequirePermission('clients:read')
  @ApiOperation({
    summary:
      'The client’s notifications, newest first: kind, pending, sent or failed, attempts, when sent, the last error',
  })
  async list(
    @Param('id', uuid) clientId: string,
    @Query() query: PageQuery,
    @Ctx() context: RequestContext,
  ) {
    // Another studio's client, or none: 404 (invariant 6), not an empty list.
    await this.queries.execute(new GetClientProfile(context.studioId, clientId));
    return this.queries.execute(
      new ListClientNotifications(context.studioId, clientId, query.limit ?? 25, query.cursor),
    );
  }
}

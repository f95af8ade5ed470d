import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AddMemo, EditMemo, RemoveMemo, type ClientMemo } from '@clientele/clients';
import type { RequestContext } from '@clientele/shared';
import { GetClientMemo, ListClientMemos } from '@projections/client-profiles';
import type { FastifyReply } from 'fastify';
import { Ctx, RequirePermission, uuidParam } from '../http/auth';
import { AddMemoRequest, EditMemoRequest } from './memo.dto';

const uuid = uuidParam('id');
const memoUuid = uuidParam('memoId');

/** Internal memos of staff about a client: staff routes only, never shown to the client. */
@ApiTags('clients')
@ApiBearerAuth()
@Controller('v1/clients/:id/memos')
export class MemosController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @HttpCode(201)
  @RequirePermission('clients:write')
  @ApiOperation({ summary: 'Add an internal memo (AddMemo); starred, it shows on rosters' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async add(
    @Param('id', uuid) clientId: string,
    @Body() body: AddMemoRequest,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClientMemo> {
    const memo = await this.commands.execute(new AddMemo(clientId, body, context));
    void reply.header('location', `/v1/clients/${clientId}/memos/${memo.id}`);
    return memo;
  }

  @Get()
  @RequirePermission('clients:read')
  @ApiOperation({ summary: 'The client’s memos: starred first, then newest first' })
  list(@Param('id', uuid) clientId: string, @Ctx() context: RequestContext) {
    return this.queries.execute(new ListClientMemos(context.studioId, clientId));
  }

  @Get(':memoId')
  @RequirePermission('clients:read')
  @ApiOperation({ summary: 'One memo' })
  get(
    @Param('id', uuid) clientId: string,
    @Param('memoId', memoUuid) memoId: string,
    @Ctx() context: RequestContext,
  ) {
    return this.queries.execute(new GetClientMemo(context.studioId, clientId, memoId));
  }

  @Patch(':memoId')
  @RequirePermission('clients:write')
  @ApiOperation({ summary: 'Edit a memo’s text, star or unstar it (EditMemo)' })
  edit(
    @Param('id', uuid) clientId: string,
    @Param('memoId', memoUuid) memoId: string,
    @Body() body: EditMemoRequest,
    @Ctx() context: RequestContext,
  ): Promise<ClientMemo> {
    return this.commands.execute(new EditMemo(clientId, memoId, body, context));
  }

  @Delete(':memoId')
  @HttpCode(204)
  @RequirePermission('clients:write')
  @ApiOperation({ summary: 'Remove a memo (RemoveMemo); the history keeps it' })
  async remove(
    @Param('id', uuid) clientId: string,
    @Param('memoId', memoUuid) memoId: string,
    @Ctx() context: RequestContext,
  ): Promise<void> {
    await this.commands.execute(new RemoveMemo(clientId, memoId, context));
  }
}

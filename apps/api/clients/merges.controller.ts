import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { MergeClients, UnmergeClients } from '@clientele/clients';
import type { RequestContext } from '@clientele/shared';
import { IsUUID } from 'class-validator';
import { Ctx, RequirePermission, uuidParam } from '../http/auth';

export class MergeRequest {
  @ApiProperty({ description: 'The duplicate: the client merged into (or out of) this one' })
  @IsUUID()
  duplicateId!: string;
}

const uuid = uuidParam('id');

/** Merging duplicates and undoing it (ADR 0016); the survivor is the client in the path. */
@ApiTags('clients')
@ApiBearerAuth()
@Controller('v1/clients/:id')
export class MergesController {
  constructor(private readonly commands: CommandBus) {}

  @Post('merge')
  @HttpCode(200)
  @RequirePermission('clients:write')
  @ApiOperation({
    summary:
      'Merge a duplicate into this client (MergeClients): its credits, items, bills, bookings, payments, waivers, memos and relationships are answered for here; its profile points here',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  merge(@Param('id', uuid) id: string, @Body() body: MergeRequest, @Ctx() context: RequestContext) {
    return this.commands.execute(new MergeClients(id, body.duplicateId, context));
  }

  @Post('unmerge')
  @HttpCode(200)
  @RequirePermission('clients:write')
  @ApiOperation({
    summary:
      'Undo a merge (UnmergeClients): the duplicate stands alone again with what it brought; what was used of it meanwhile stays used and is listed',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  unmerge(
    @Param('id', uuid) id: string,
    @Body() body: MergeRequest,
    @Ctx() context: RequestContext,
  ) {
    return this.commands.execute(new UnmergeClients(id, body.duplicateId, context));
  }
}

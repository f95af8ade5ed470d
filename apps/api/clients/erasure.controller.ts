import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EraseClient, GetErasureReport, type ErasureReport } from '@clientele/clients';
import type { RequestContext } from '@clientele/shared';
import { Ctx, RequirePermission, uuidParam } from '../http/auth';
import { ReadsTheLog } from '../http/read-consistency.interceptor';

const uuid = uuidParam('id');

/** The right to be forgotten (GDPR art. 17), by forgetting the client's key (ADR 0015). */
@ApiTags('clients')
@ApiBearerAuth()
@Controller('v1/clients/:id')
export class ErasureController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post('erase')
  @HttpCode(200)
  @RequirePermission('clients:erase')
  @ApiOperation({
    summary:
      'EraseClient: destroys the client’s key, deletes their files, cancels their pending notifications, frees their email; money and attendance stay. Answers the erasure report',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  erase(@Param('id', uuid) id: string, @Ctx() context: RequestContext): Promise<ErasureReport> {
    return this.commands.execute(new EraseClient(id, context));
  }

  @Get('erasure')
  @RequirePermission('clients:audit')
  @ReadsTheLog()
  @ApiOperation({
    summary: 'The report of the client’s erasure: what was erased, what was kept and why',
  })
  report(@Param('id', uuid) id: string, @Ctx() context: RequestContext): Promise<ErasureReport> {
    return this.queries.execute(new GetErasureReport(context.studioId, id));
  }
}

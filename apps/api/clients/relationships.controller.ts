import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ChangeRelationship, RELATIONSHIP_ROLES, type RelationshipRole } from '@clientele/clients';
import type { RequestContext } from '@clientele/shared';
import { ListClientRelationships } from '@projections/relationships';
import { IsIn, IsUUID } from 'class-validator';
import { Ctx, RequirePermission, uuidParam } from '../http/auth';

export class RelateRequest {
  @ApiProperty({ description: 'The other client' }) @IsUUID() clientId!: string;
  @ApiProperty({
    enum: RELATIONSHIP_ROLES,
    description: 'What the other client is to this one: their guardian, child, partner, family',
  })
  @IsIn(RELATIONSHIP_ROLES)
  role!: RelationshipRole;
}

const uuid = uuidParam('id');
const otherUuid = uuidParam('otherClientId');

@ApiTags('clients')
@ApiBearerAuth()
@Controller('v1/clients/:id/relationships')
export class RelationshipsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @HttpCode(201)
  @RequirePermission('clients:write')
  @ApiOperation({
    summary:
      'Relate two clients; the other profile shows the reverse side (a guardian’s child, a partner’s partner)',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  relate(
    @Param('id', uuid) clientId: string,
    @Body() body: RelateRequest,
    @Ctx() context: RequestContext,
  ) {
    return this.commands.execute(
      new ChangeRelationship(clientId, body.clientId, body.role, context),
    );
  }

  @Get()
  @RequirePermission('clients:read')
  @ApiOperation({ summary: "The client's relationships, with what each other client is to them" })
  list(@Param('id', uuid) clientId: string, @Ctx() context: RequestContext) {
    return this.queries.execute(new ListClientRelationships(context.studioId, clientId));
  }

  @Delete(':otherClientId')
  @HttpCode(204)
  @RequirePermission('clients:write')
  @ApiOperation({ summary: 'End the relationship between the two clients (both sides)' })
  async end(
    @Param('id', uuid) clientId: string,
    @Param('otherClientId', otherUuid) otherClientId: string,
    @Ctx() context: RequestContext,
  ): Promise<void> {
    await this.commands.execute(new ChangeRelationship(clientId, otherClientId, null, context));
  }
}

import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ReadConsistency } from '@clientele/projector';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import {
  AddStaffMember,
  IssueStaffToken,
  RevokeStaffToken,
  ROLES,
  SetBookingPolicy,
} from '@clientele/staff';
import type { RequestContext } from '@clientele/shared';
import { GetStudio, ListStaff } from '@projections/staff-directory';
import { IsEmail, IsIn, IsInt, IsNotEmpty, IsString, Max, MaxLength, Min } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { Ctx, RequirePermission, uuidParam } from '../http/auth';
import { ShownOnce } from '../http/idempotency.interceptor';

export class AddStaffMemberRequest {
  @ApiProperty({ example: 'Fran Desk' }) @IsString() @IsNotEmpty() @MaxLength(100) name!: string;
  @ApiProperty({ example: 'fran@example.com' }) @IsEmail() @MaxLength(254) email!: string;
  @ApiProperty({ enum: ROLES }) @IsIn(ROLES as unknown as string[]) role!: string;
}

export class IssueTokenRequest {
  @ApiProperty({ example: 'front desk iPad' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  label!: string;
}

export class BookingPolicyRequest {
  @ApiProperty({
    example: 720,
    description:
      'Cancelling less than this many minutes before the start forfeits the credit or payment',
  })
  @IsInt()
  @Min(0)
  @Max(20160)
  lateCancelMinutes!: number;
}

const uuid = uuidParam('id');
const tokenUuid = uuidParam('tokenId');

@ApiTags('studio and staff')
@ApiBearerAuth()
@Controller('v1')
export class StaffController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(ReadConsistency) private readonly consistency: ReadConsistency,
  ) {}

  @Get('studio')
  @RequirePermission('studio:read')
  @ApiOperation({ summary: 'The studio the token belongs to' })
  studio(@Ctx() context: RequestContext) {
    return this.queries.execute(new GetStudio(context.studioId));
  }

  @Put('studio/booking-policy')
  @RequirePermission('studio:manage')
  @ApiOperation({ summary: 'Set the late-cancel window (12 hours until set)' })
  bookingPolicy(@Body() body: BookingPolicyRequest, @Ctx() context: RequestContext) {
    return this.commands.execute(
      new SetBookingPolicy({ lateCancelMinutes: body.lateCancelMinutes }, context),
    );
  }

  @Get('staff')
  @RequirePermission('staff:read')
  @ApiOperation({ summary: 'Staff of the studio with their tokens (never the tokens themselves)' })
  list(@Ctx() context: RequestContext) {
    return this.queries.execute(new ListStaff(context.studioId)).then((items) => ({ items }));
  }

  @Post('staff')
  @HttpCode(201)
  @RequirePermission('staff:manage')
  @ApiOperation({ summary: 'Add a staff member with a role' })
  async add(
    @Body() body: AddStaffMemberRequest,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { staffId } = await this.commands.execute(new AddStaffMember(body, context));
    void reply.header('location', `/v1/staff/${staffId}`);
    return { id: staffId, ...body };
  }

  @Post('staff/:id/tokens')
  @HttpCode(201)
  @ShownOnce()
  @RequirePermission('staff:manage')
  @ApiOperation({
    summary: 'Issue a bearer token for a staff member: shown once, stored as a hash',
  })
  issueToken(
    @Param('id', uuid) id: string,
    @Body() body: IssueTokenRequest,
    @Ctx() context: RequestContext,
  ) {
    return this.commands.execute(new IssueStaffToken(id, body.label, context));
  }

  @Post('staff/:id/tokens/:tokenId/revoke')
  @HttpCode(204)
  @RequirePermission('staff:manage')
  @ApiOperation({ summary: 'Revoke a token' })
  async revoke(
    @Param('id', uuid) id: string,
    @Param('tokenId', tokenUuid) tokenId: string,
    @Ctx() context: RequestContext,
  ): Promise<void> {
    await this.commands.execute(new RevokeStaffToken(id, tokenId, context));
    // The guard reads tokens from a read model: answer only once it has the revocation, so a
    // revoked token is refused from the moment the 204 is out.
    await this.consistency.awaitHead();
  }
}

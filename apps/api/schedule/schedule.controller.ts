import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import {
  AcceptInvitation,
  CancelEnrollment,
  CheckInClient,
  CreateClassType,
  DeclineInvitation,
  EnrollClient,
  ForgivePenalty,
  FORMATS,
  InviteClient,
  ScheduleSession,
  type Format,
} from '@clientele/scheduling';
import { EVENT_TYPE, InvalidInput, PermissionDenied, type RequestContext } from '@clientele/shared';
import { Type } from 'class-transformer';
import { GetSession, ListClassTypes, ListSessions } from '@projections/schedule';
import {
  IsBoolean,
  IsIn,
  IsNotEmpty,
  ValidateNested,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import type { FastifyReply } from 'fastify';
import { MoneyDto } from '../catalog/product.dto';
import { Allows, Ctx, RequirePermission, uuidParam } from '../http/auth';

const PAY_WITH = ['credit', 'membership', 'card', 'hold'] as const;
const CHANNELS = ['online', 'studio'] as const;
const OUTCOMES = ['cancel_and_refund', 'cancel_no_refund', 'refund_only'] as const;

export class CreateClassTypeRequest {
  @ApiProperty({ example: 'Morning Flow' }) @IsString() @MinLength(1) @MaxLength(100) name!: string;
  @ApiProperty({ enum: FORMATS }) @IsIn(FORMATS as unknown as string[]) format!: Format;
  @ApiProperty({ example: 'yoga', description: 'The event type whose credits pay for it' })
  @Matches(EVENT_TYPE, {
    message: 'eventType must be lower-case letters, digits, _ and -',
  })
  eventType!: string;
  @ApiPropertyOptional({
    type: MoneyDto,
    description: 'The price of one visit paid by card or held on a bill',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  dropInPrice?: MoneyDto;
}

export class ScheduleSessionRequest {
  @ApiProperty() @IsUUID() classTypeId!: string;
  @ApiProperty({ example: '2026-12-01T09:00:00-05:00' })
  @IsISO8601({ strict: true })
  startsAt!: string;
  @ApiProperty({ example: 60 }) @IsInt() @Min(5) @Max(1440) durationMinutes!: number;
  @ApiProperty({ example: 12, description: '1 for a one-on-one (private) session' })
  @IsInt()
  @Min(1)
  @Max(1000)
  capacity!: number;
  @ApiPropertyOptional({ description: 'The class type’s name when left out' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  title?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() instructorId?: string;
  @ApiPropertyOptional({ example: 'Studio A' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  place?: string;
  @ApiPropertyOptional({ example: 'https://meet.example/flow' })
  @IsOptional()
  @IsUrl({ require_protocol: true, protocols: ['https', 'http'] })
  @MaxLength(500)
  link?: string;
  @ApiPropertyOptional({ description: 'A waiver that must be signed before booking' })
  @IsOptional()
  @IsUUID()
  waiverId?: string;
  @ApiPropertyOptional({
    type: MoneyDto,
    description: 'The class type’s drop-in price when left out',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  dropInPrice?: MoneyDto;
}

export class PaymentChoice {
  @ApiProperty({
    enum: PAY_WITH,
    description: 'card and hold need the session’s drop-in price; hold leaves an open bill',
  })
  @IsIn(PAY_WITH as unknown as string[])
  payWith!: (typeof PAY_WITH)[number];
  @ApiProperty({ enum: CHANNELS })
  @IsIn(CHANNELS as unknown as string[])
  channel!: (typeof CHANNELS)[number];
  @ApiPropertyOptional({ description: 'A place on the waitlist when the session is full' })
  @IsOptional()
  @IsBoolean()
  waitlist?: boolean;
}

export class EnrollRequest extends PaymentChoice {
  @ApiProperty() @IsUUID() clientId!: string;
  @ApiPropertyOptional({
    description: 'A make-up visit: spends nothing (needs enrollments:override)',
  })
  @IsOptional()
  @IsBoolean()
  makeUp?: boolean;
}

export class InviteRequest {
  @ApiProperty() @IsUUID() clientId!: string;
}

export class CancelRequest {
  @ApiProperty({ enum: OUTCOMES })
  @IsIn(OUTCOMES as unknown as string[])
  outcome!: (typeof OUTCOMES)[number];
  @ApiPropertyOptional({
    description: 'Give back inside the late-cancel window (needs enrollments:override)',
  })
  @IsOptional()
  @IsBoolean()
  override?: boolean;
  @ApiPropertyOptional({ example: 'client asked by phone' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason?: string;
}

export class ForgiveRequest {
  @ApiProperty({ example: 'family emergency' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;
}

export class SessionsQuery {
  @ApiProperty({ example: '2026-12-01T00:00:00Z' }) @IsISO8601({ strict: true }) from!: string;
  @ApiProperty({ example: '2026-12-08T00:00:00Z' }) @IsISO8601({ strict: true }) to!: string;
}

const uuid = uuidParam('id');
const clientUuid = uuidParam('clientId');
const WEEKS_AT_MOST = 6;

@ApiTags('schedule')
@ApiBearerAuth()
@Controller('v1')
export class ScheduleController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post('class-types')
  @HttpCode(201)
  @RequirePermission('schedule:manage')
  @ApiOperation({ summary: 'Create a class type: a format and the event type that pays for it' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async createClassType(
    @Body() body: CreateClassTypeRequest,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const created = await this.commands.execute(new CreateClassType(body, context));
    void reply.header('location', `/v1/class-types/${created.classTypeId}`);
    return {
      id: created.classTypeId,
      name: created.name,
      format: created.format,
      eventType: created.eventType,
      dropInPrice: created.dropInPrice ?? null,
    };
  }

  @Get('class-types')
  @RequirePermission('schedule:read')
  @ApiOperation({ summary: 'The studio’s class types by name' })
  classTypes(@Ctx() context: RequestContext) {
    return this.queries.execute(new ListClassTypes(context.studioId));
  }

  @Post('sessions')
  @HttpCode(201)
  @RequirePermission('schedule:manage')
  @ApiOperation({ summary: 'Schedule a session of a class type' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async schedule(
    @Body() body: ScheduleSessionRequest,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { sessionId, version } = await this.commands.execute(new ScheduleSession(body, context));
    void reply.header('location', `/v1/sessions/${sessionId}`);
    void reply.header('etag', `"${version}"`);
    return { id: sessionId, ...body };
  }

  @Get('sessions')
  @RequirePermission('schedule:read')
  @ApiOperation({
    summary: `Sessions that start between from and to (${WEEKS_AT_MOST} weeks at most)`,
  })
  sessions(@Query() query: SessionsQuery, @Ctx() context: RequestContext) {
    const from = new Date(query.from);
    const to = new Date(query.to);
    if (!(to > from) || to.getTime() - from.getTime() > WEEKS_AT_MOST * 7 * 86_400_000) {
      throw new InvalidInput(`to must come after from, at most ${WEEKS_AT_MOST} weeks later.`, [
        { field: 'to', message: `must be after from, within ${WEEKS_AT_MOST} weeks` },
      ]);
    }
    return this.queries.execute(new ListSessions(context.studioId, from, to));
  }

  @Post('sessions/:id/enrollments')
  @HttpCode(201)
  @RequirePermission('enrollments:write')
  @ApiOperation({
    summary:
      'Enroll a client (EnrollClient): with a credit or a membership; full → 422 session_full, or the waitlist',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  enroll(
    @Param('id', uuid) id: string,
    @Body() body: EnrollRequest,
    @Ctx() context: RequestContext,
    @Allows('enrollments:override') mayOverride: boolean,
  ) {
    if (body.makeUp && !mayOverride) throw new PermissionDenied('enrollments:override');
    return this.commands.execute(new EnrollClient(id, body, context));
  }

  @Post('sessions/:id/enrollments/:clientId/cancel')
  @HttpCode(200)
  @RequirePermission('enrollments:write')
  @ApiOperation({
    summary:
      'Cancel a place (CancelEnrollment): cancel_and_refund, cancel_no_refund, or refund_only (stays enrolled)',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  cancel(
    @Param('id', uuid) id: string,
    @Param('clientId', clientUuid) clientId: string,
    @Body() body: CancelRequest,
    @Ctx() context: RequestContext,
    @Allows('enrollments:override') mayOverride: boolean,
  ) {
    if (body.override && !mayOverride) throw new PermissionDenied('enrollments:override');
    const reason = body.reason ?? 'cancelled at the desk';
    return this.commands.execute(
      new CancelEnrollment(
        id,
        clientId,
        { outcome: body.outcome, override: body.override ?? false, reason },
        context,
      ),
    );
  }

  @Post('sessions/:id/enrollments/:clientId/forgive')
  @HttpCode(200)
  @RequirePermission('enrollments:override')
  @ApiOperation({ summary: 'Forgive a late cancel or a no-show: the credit or payment goes back' })
  forgive(
    @Param('id', uuid) id: string,
    @Param('clientId', clientUuid) clientId: string,
    @Body() body: ForgiveRequest,
    @Ctx() context: RequestContext,
  ) {
    return this.commands.execute(new ForgivePenalty(id, clientId, body.reason, context));
  }

  @Post('sessions/:id/invitations')
  @HttpCode(201)
  @RequirePermission('enrollments:write')
  @ApiOperation({ summary: 'Invite a client to a session; their acceptance books them' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  invite(
    @Param('id', uuid) id: string,
    @Body() body: InviteRequest,
    @Ctx() context: RequestContext,
  ) {
    return this.commands.execute(new InviteClient(id, body.clientId, context));
  }

  @Post('sessions/:id/invitations/:clientId/accept')
  @HttpCode(201)
  @RequirePermission('enrollments:write')
  @ApiOperation({ summary: 'Accept an invitation: enrolls the client by the usual rules' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  accept(
    @Param('id', uuid) id: string,
    @Param('clientId', clientUuid) clientId: string,
    @Body() body: PaymentChoice,
    @Ctx() context: RequestContext,
  ) {
    return this.commands.execute(
      new AcceptInvitation(
        id,
        clientId,
        { payWith: body.payWith, channel: body.channel, waitlist: body.waitlist ?? false },
        context,
      ),
    );
  }

  @Post('sessions/:id/invitations/:clientId/decline')
  @HttpCode(200)
  @RequirePermission('enrollments:write')
  @ApiOperation({ summary: 'Decline an invitation' })
  decline(
    @Param('id', uuid) id: string,
    @Param('clientId', clientUuid) clientId: string,
    @Ctx() context: RequestContext,
  ) {
    return this.commands.execute(new DeclineInvitation(id, clientId, context));
  }

  @Post('sessions/:id/enrollments/:clientId/check-in')
  @HttpCode(200)
  @RequirePermission('attendance:write')
  @ApiOperation({ summary: 'Check a client in: marks attendance (twice changes nothing)' })
  checkIn(
    @Param('id', uuid) id: string,
    @Param('clientId', clientUuid) clientId: string,
    @Ctx() context: RequestContext,
  ) {
    return this.commands.execute(new CheckInClient(id, clientId, context));
  }

  @Get('sessions/:id')
  @RequirePermission('schedule:read')
  @ApiOperation({ summary: 'A session' })
  session(@Param('id', uuid) id: string, @Ctx() context: RequestContext) {
    return this.queries.execute(new GetSession(context.studioId, id));
  }
}

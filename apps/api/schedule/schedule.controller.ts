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
  CheckInClient,
  CreateClassType,
  EnrollClient,
  FORMATS,
  ScheduleSession,
  type Format,
} from '@clientele/scheduling';
import { EVENT_TYPE, InvalidInput, type RequestContext } from '@clientele/shared';
import { GetSession, ListClassTypes, ListSessions } from '@projections/schedule';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
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
import { Ctx, RequirePermission, uuidParam } from '../http/auth';

export class CreateClassTypeRequest {
  @ApiProperty({ example: 'Morning Flow' }) @IsString() @MinLength(1) @MaxLength(100) name!: string;
  @ApiProperty({ enum: FORMATS }) @IsIn(FORMATS as unknown as string[]) format!: Format;
  @ApiProperty({ example: 'yoga', description: 'The event type whose credits pay for it' })
  @Matches(EVENT_TYPE, {
    message: 'eventType must be lower-case letters, digits, _ and -',
  })
  eventType!: string;
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
}

export class EnrollRequest {
  @ApiProperty() @IsUUID() clientId!: string;
  @ApiProperty({ enum: ['credit', 'membership', 'card', 'hold'] })
  @IsIn(['credit', 'membership', 'card', 'hold'])
  payWith!: 'credit' | 'membership' | 'card' | 'hold';
  @ApiProperty({ enum: ['online', 'studio'] }) @IsIn(['online', 'studio']) channel!:
    'online' | 'studio';
  @ApiPropertyOptional({ description: 'A place on the waitlist when the session is full' })
  @IsOptional()
  @IsBoolean()
  waitlist?: boolean;
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
  ) {
    return this.commands.execute(new EnrollClient(id, body, context));
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

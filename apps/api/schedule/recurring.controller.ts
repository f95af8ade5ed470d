import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ReadConsistency } from '@clientele/projector';
import { EndRecurring, RegisterRecurring } from '@clientele/scheduling';
import type { RequestContext } from '@clientele/shared';
import { ListClientRecurring } from '@projections/schedule';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { Ctx, RequirePermission, uuidParam } from '../http/auth';

export class RecurringRequest {
  @ApiProperty() @IsUUID() classTypeId!: string;
  @ApiProperty({ example: 1, description: 'ISO weekday: 1 is Monday, 7 is Sunday' })
  @IsInt()
  @Min(1)
  @Max(7)
  weekday!: number;
  @ApiProperty({ example: '09:00', description: 'The sessions’ start, the studio’s local time' })
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'time must be HH:MM, 24-hour' })
  time!: string;
  @ApiProperty({ example: '2027-03-31', description: 'The last day booked, inclusive' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'until must be YYYY-MM-DD' })
  until!: string;
  @ApiProperty({ enum: ['credit', 'membership', 'card', 'hold'] })
  @IsIn(['credit', 'membership', 'card', 'hold'])
  payWith!: 'credit' | 'membership' | 'card' | 'hold';
  @ApiProperty({ enum: ['online', 'studio'] }) @IsIn(['online', 'studio']) channel!:
    'online' | 'studio';
}

export class EndRecurringRequest {
  @ApiProperty({ example: 'moved away', required: false })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason?: string;
}

const uuid = uuidParam('id');
const registrationUuid = uuidParam('registrationId');

@ApiTags('schedule')
@ApiBearerAuth()
@Controller('v1/clients/:id/recurring-registrations')
export class RecurringController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(ReadConsistency) private readonly consistency: ReadConsistency,
  ) {}

  @Post()
  @HttpCode(201)
  @RequirePermission('enrollments:write')
  @ApiOperation({
    summary:
      'Book a client into every session of a class type on a weekday and time until a date; answers what was booked and what could not be, and why',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async register(
    @Param('id', uuid) clientId: string,
    @Body() body: RecurringRequest,
    @Ctx() context: RequestContext,
  ) {
    // It books from the calendar's read model: every session scheduled before this request is in.
    await this.consistency.awaitHead();
    return this.commands.execute(new RegisterRecurring(clientId, body, context));
  }

  @Get()
  @RequirePermission('clients:read')
  @ApiOperation({ summary: 'A client’s recurring registrations, each session booked or failed' })
  list(@Param('id', uuid) clientId: string, @Ctx() context: RequestContext) {
    return this.queries.execute(new ListClientRecurring(context.studioId, clientId));
  }

  @Post(':registrationId/end')
  @HttpCode(200)
  @RequirePermission('enrollments:write')
  @ApiOperation({ summary: 'Stop booking future sessions (places already booked stay)' })
  end(
    @Param('id', uuid) clientId: string,
    @Param('registrationId', registrationUuid) registrationId: string,
    @Body() body: EndRecurringRequest,
    @Ctx() context: RequestContext,
  ) {
    return this.commands.execute(
      new EndRecurring(clientId, registrationId, body.reason ?? 'ended at the desk', context),
    );
  }
}

import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { RequestContext } from '@clientele/shared';
import { GetRoster, ListClientBookings, ListClientRegistrations } from '@projections/schedule';
import { IsIn, IsOptional } from 'class-validator';
import { Ctx, RequirePermission, uuidParam } from '../http/auth';
import { pageQueryOf } from '../http/page-query';

const DEFAULT_LIMIT = 50;

/** Bookings and registrations page by 50 unless asked. */
export class BookingsQuery extends pageQueryOf(DEFAULT_LIMIT) {}

export class RegistrationsQuery extends BookingsQuery {
  @ApiPropertyOptional({ enum: ['upcoming', 'past'], default: 'upcoming' })
  @IsOptional()
  @IsIn(['upcoming', 'past'])
  when?: 'upcoming' | 'past';
}

const uuid = uuidParam('id');

/** The read side of bookings: a session's roster, a client's registrations and history. */
@ApiTags('schedule')
@ApiBearerAuth()
@Controller('v1')
export class RosterController {
  constructor(private readonly queries: QueryBus) {}

  @Get('sessions/:id/roster')
  @RequirePermission('schedule:read')
  @ApiOperation({
    summary:
      'The roster: counts, confirmed and held places in order of arrival, then the waitlist; each client’s payment status',
  })
  roster(@Param('id', uuid) id: string, @Ctx() context: RequestContext) {
    return this.queries.execute(new GetRoster(context.studioId, id, context.now));
  }

  @Get('clients/:id/registrations')
  @RequirePermission('clients:read')
  @ApiOperation({
    summary:
      'A client’s places in sessions to come (soonest first) or past (latest first), with what is still required',
  })
  registrations(
    @Param('id', uuid) id: string,
    @Query() query: RegistrationsQuery,
    @Ctx() context: RequestContext,
  ) {
    return this.queries.execute(
      new ListClientRegistrations(
        context.studioId,
        id,
        query.when ?? 'upcoming',
        query.limit ?? DEFAULT_LIMIT,
        query.cursor,
        context.now,
      ),
    );
  }

  @Get('clients/:id/bookings')
  @RequirePermission('clients:read')
  @ApiOperation({
    summary:
      'Every booking of a client, latest class first: channel, what paid, status, attendance, late cancels',
  })
  bookings(
    @Param('id', uuid) id: string,
    @Query() query: BookingsQuery,
    @Ctx() context: RequestContext,
  ) {
    return this.queries.execute(
      new ListClientBookings(
        context.studioId,
        id,
        query.limit ?? DEFAULT_LIMIT,
        query.cursor,
        context.now,
      ),
    );
  }
}

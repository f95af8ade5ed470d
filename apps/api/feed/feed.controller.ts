import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { EVENT_STORE, type EventStore } from '@clientele/eventstore';
import { readFeed, type FeedPage } from '@clientele/feed';
import type { RequestContext } from '@clientele/shared';
import { Ctx, RequirePermission } from '../http/auth';
import { ReadsTheLog } from '../http/read-consistency.interceptor';

export class FeedQuery {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page; from the start without' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  after?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

/** The outbound feed for integrations (docs/feed.md, ADR 0019): pulled, resumable, public. */
@ApiTags('feed')
@ApiBearerAuth()
@Controller('v1/feed')
export class FeedController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get()
  @ReadsTheLog()
  @RequirePermission('feed:read')
  @ApiOperation({
    summary:
      'The studio’s events in the log’s order, in the public shape, after a cursor; pass nextCursor back as after',
  })
  feed(@Query() query: FeedQuery, @Ctx() context: RequestContext): Promise<FeedPage> {
    return readFeed(this.store, {
      studioId: context.studioId,
      after: query.after,
      limit: query.limit ?? 100,
    });
  }
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** `limit` and `cursor` of a paged list, `defaultLimit` to a page unless asked. */
export function pageQueryOf(defaultLimit: number) {
  class Paged {
    @ApiPropertyOptional({ minimum: 1, maximum: 100, default: defaultLimit })
    @IsOptional()
    @Type(() => Number)
    @IsInt()
    @Min(1)
    @Max(100)
    limit?: number;
    @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
    @IsOptional()
    @IsString()
    @MaxLength(1000)
    cursor?: string;
  }
  return Paged;
}

/** The paging of most lists: 25 to a page unless asked. */
export class PageQuery extends pageQueryOf(25) {}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { pageQueryOf } from '../http/page-query';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
// PostgreSQL text cannot hold NUL: refused here rather than failing in the database.
const NO_NUL = /^[^\0]*$/;

/** A report's query: search, dates, paging, the format, and the filters some reports take. */
export class ReportQuery extends pageQueryOf(50) {
  @ApiPropertyOptional({ description: 'client name or email, as the client search matches it' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(NO_NUL, { message: 'must not contain NUL characters' })
  search?: string;

  @ApiPropertyOptional({ description: "first day (YYYY-MM-DD, the studio's), included" })
  @IsOptional()
  @Matches(DAY, { message: 'must be a date as YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'must be a real date' })
  from?: string;

  @ApiPropertyOptional({ description: "last day (YYYY-MM-DD, the studio's), included" })
  @IsOptional()
  @Matches(DAY, { message: 'must be a date as YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'must be a real date' })
  to?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], description: 'csv: the whole report as a file' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';

  @ApiPropertyOptional({ description: 'packs: active|inactive; booking-history: a place status' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  status?: string;

  @ApiPropertyOptional({ description: 'booking-history, attendance: the event type' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(NO_NUL, { message: 'must not contain NUL characters' })
  eventType?: string;

  @ApiPropertyOptional({ description: 'attendance: checked_in|no_show' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  attendance?: string;

  @ApiPropertyOptional({ description: 'credits-expiring: expiring within this many days (14)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  days?: number;

  @ApiPropertyOptional({ description: 'sales: day|week|month (day)' })
  @IsOptional()
  @IsString()
  @MaxLength(10)
  period?: string;
}

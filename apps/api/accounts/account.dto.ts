import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EVENT_TYPE } from '@clientele/shared';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

const EVENT_TYPE_MESSAGE = 'each event type is lower-case letters, digits, _ and -';

export class IssueCreditsRequest {
  @ApiProperty({ example: ['yoga'], description: 'Event types the credits pay for' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @Matches(EVENT_TYPE, { each: true, message: EVENT_TYPE_MESSAGE })
  eventTypes!: string[];

  @ApiProperty({ example: 5 }) @IsInt() @Min(1) @Max(1000) count!: number;

  @ApiPropertyOptional({
    example: '2027-03-01T00:00:00Z',
    description: 'When they expire; leave out for credits that never do',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;

  @ApiProperty({ example: 'Welcome offer' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason!: string;
}

export class BulkIssueCreditsRequest extends IssueCreditsRequest {
  @ApiProperty({ type: [String], description: 'Up to 1,000 clients of the studio' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  clientIds!: string[];
}

export class AdjustCreditGrantRequest {
  @ApiProperty({ example: -1, description: 'Credits to add (positive) or take away (negative)' })
  @IsInt()
  @Min(-1000)
  @Max(1000)
  delta!: number;

  @ApiProperty({ example: 'Counted twice by mistake' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason!: string;
}

export class AdjustAccountCreditRequest {
  @ApiProperty({
    example: 2500,
    description: 'Minor units of the studio currency; negative to deduct',
  })
  @IsInt()
  @Min(-1_000_000_000)
  @Max(1_000_000_000)
  amount!: number;

  @ApiProperty({ example: 'Refund of a cancelled workshop as credit' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason!: string;
}

export class PaymentSettingsRequest {
  @ApiProperty({ description: 'Whether purchases and bookings may leave a bill open' })
  @IsBoolean()
  payLater!: boolean;

  @ApiProperty({ description: 'Whether recurring payments take account credit first' })
  @IsBoolean()
  useAccountCreditForRecurring!: boolean;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

const SALE_METHODS = ['cash', 'external', 'card', 'account_credit', 'pay_later'] as const;
const PAYMENT_METHODS = ['cash', 'external', 'card', 'account_credit'] as const;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class SaleItemDto {
  @ApiProperty() @IsUUID() productId!: string;
  @ApiPropertyOptional({ example: 1, description: '1 when left out' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  quantity?: number;
}

export class SalePaymentDto {
  @ApiProperty({ enum: SALE_METHODS })
  @IsIn(SALE_METHODS as unknown as string[])
  method!: (typeof SALE_METHODS)[number];

  @ApiPropertyOptional({ description: 'A receipt or terminal reference, kept on the payment' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  reference?: string;
}

export class SellProductsRequest {
  @ApiProperty() @IsUUID() clientId!: string;

  @ApiProperty({ type: [SaleItemDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  // ValidateNested alone lets a list inside the list through ([[]]): each must be an object.
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => SaleItemDto)
  items!: SaleItemDto[];

  @ApiProperty({ type: SalePaymentDto })
  @IsObject()
  @ValidateNested()
  @Type(() => SalePaymentDto)
  payment!: SalePaymentDto;
}

export class PayBillRequest {
  @ApiProperty({ example: 2500, description: 'Minor units of the studio currency' })
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  amount!: number;

  @ApiProperty({ enum: PAYMENT_METHODS })
  @IsIn(PAYMENT_METHODS as unknown as string[])
  method!: (typeof PAYMENT_METHODS)[number];

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) reference?: string;
}

export class BillsQuery {
  @ApiPropertyOptional({ enum: ['open', 'paid', 'voided'] })
  @IsOptional()
  @IsIn(['open', 'paid', 'voided'])
  status?: 'open' | 'paid' | 'voided';
}

export class FreezeMembershipRequest {
  @ApiProperty({ example: '2026-12-01' })
  @Matches(DAY, { message: 'from must be YYYY-MM-DD' })
  from!: string;
  @ApiProperty({ example: '2026-12-15', description: 'The first day billed again' })
  @Matches(DAY, { message: 'until must be YYYY-MM-DD' })
  until!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(500) reason!: string;
}

export class CancelMembershipRequest {
  @ApiProperty({ enum: ['now', 'period_end'] })
  @IsIn(['now', 'period_end'])
  when!: 'now' | 'period_end';
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(500) reason!: string;
}

export class RefundRequest {
  @ApiPropertyOptional({ example: 1500, description: 'Minor units; all that is left when absent' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount?: number;
  @ApiProperty({ example: 'class cancelled by the studio' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;
}

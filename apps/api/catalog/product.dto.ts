import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { isProductKind, PRODUCT_KINDS, type ProductKind } from '@clientele/catalog';
import { EVENT_TYPE } from '@clientele/shared';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  Equals,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../http/page-query';

/** A whole number in a range, or null where null means something: one message either way. */
function WholeFrom(min: number, max: number, nullMeans?: string) {
  return ValidateBy({
    name: 'wholeFrom',
    validator: {
      validate: (value: unknown) =>
        (value === null && nullMeans !== undefined) ||
        (Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max),
      defaultMessage: (args) =>
        `${args!.property} must be a whole number from ${min} to ${max}${nullMeans ? `, or null ${nullMeans}` : ''}`,
    },
  });
}

export class MoneyDto {
  @ApiProperty({ example: 12000, description: 'Minor units (cents): 12000 is 120.00' })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  amount!: number;
  @ApiProperty({ example: 'USD', description: "ISO 4217; the studio's currency" })
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as USD' })
  currency!: string;
}

export class BillingPeriodDto {
  @ApiProperty({ enum: ['week', 'month', 'year'] })
  @IsIn(['week', 'month', 'year'])
  unit!: 'week' | 'month' | 'year';
  @ApiProperty({ minimum: 1, maximum: 12, example: 1 }) @WholeFrom(1, 12) count!: number;
}

const EventTypes = () =>
  applyDecorators(
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(50),
    ArrayUnique(),
    Matches(EVENT_TYPE, {
      each: true,
      message: 'each event type must be a-z, 0-9, _ and - (up to 63 characters)',
    }),
  );

export class CreditsDto {
  @ApiProperty({ minimum: 1, maximum: 1000, example: 10 }) @WholeFrom(1, 1000) count!: number;
  @ApiProperty({ example: ['yoga', 'pilates-mat'], description: 'Session kinds a credit covers' })
  @EventTypes()
  eventTypes!: string[];
}

/**
 * A field of some kinds only: checked (and required unless `optional`) for those kinds, and a
 * 400 naming it when sent with any other, so a pack never quietly carries a billing period.
 */
function ForKinds(kinds: readonly ProductKind[], options: { optional?: boolean } = {}) {
  return applyDecorators(
    ValidateIf((request: CreateProductRequest, value: unknown) => {
      // An unknown kind is reported on `kind` alone.
      if (!isProductKind(request.kind)) return false;
      if (!kinds.includes(request.kind)) return value !== undefined;
      return !(options.optional && value === undefined);
    }),
    ValidateBy({
      name: 'forKinds',
      validator: {
        validate: (_value, args) => kinds.includes((args!.object as CreateProductRequest).kind),
        defaultMessage: (args) =>
          `${args!.property} is not a field of a ${(args!.object as CreateProductRequest).kind} (only of ${kinds.join(', ')})`,
      },
    }),
  );
}

const PACKS: ProductKind[] = ['class_pack', 'private_pass'];

export class CreateProductRequest {
  @ApiProperty({ enum: PRODUCT_KINDS })
  @IsIn(PRODUCT_KINDS as unknown as string[])
  kind!: ProductKind;
  @ApiProperty({ example: '10 classes' }) @IsString() @IsNotEmpty() @MaxLength(100) name!: string;
  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;
  @ApiProperty({ type: MoneyDto })
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  price!: MoneyDto;

  @ApiPropertyOptional({ type: BillingPeriodDto, description: 'membership: required' })
  @ForKinds(['membership'])
  @IsObject()
  @ValidateNested()
  @Type(() => BillingPeriodDto)
  billingPeriod?: BillingPeriodDto;
  @ApiPropertyOptional({
    example: ['yoga'],
    description: 'membership: required, the session kinds it covers',
  })
  @ForKinds(['membership'])
  @EventTypes()
  eventTypes?: string[];
  @ApiPropertyOptional({
    nullable: true,
    minimum: 1,
    maximum: 1000,
    description: 'membership: required, null for unlimited visits',
  })
  @ForKinds(['membership'])
  @WholeFrom(1, 1000, 'for unlimited visits')
  creditsPerPeriod?: number | null;

  @ApiPropertyOptional({ type: CreditsDto, description: 'class_pack, private_pass: required' })
  @ForKinds(PACKS)
  @IsObject()
  @ValidateNested()
  @Type(() => CreditsDto)
  credits?: CreditsDto;
  @ApiPropertyOptional({
    nullable: true,
    minimum: 1,
    maximum: 3650,
    description: 'class_pack, private_pass: required, null for credits that never expire',
  })
  @ForKinds(PACKS)
  @WholeFrom(1, 3650, 'for credits that never expire')
  validityDays?: number | null;
  @ApiPropertyOptional({
    enum: ['purchase', 'first_use'],
    default: 'purchase',
    description: 'class_pack, private_pass: when the validity days start',
  })
  @ForKinds(PACKS, { optional: true })
  @IsIn(['purchase', 'first_use'])
  validityStarts?: 'purchase' | 'first_use';

  @ApiPropertyOptional({ minimum: 1, maximum: 3650, description: 'vod: required' })
  @ForKinds(['vod'])
  @WholeFrom(1, 3650)
  accessDays?: number;
}

/** Left out, the field stays; `null` is not a value for a required field (IsOptional allows it). */
const Given = () => ValidateIf((_, v) => v !== undefined);

export class UpdateProductRequest {
  @ApiPropertyOptional() @Given() @IsString() @IsNotEmpty() @MaxLength(100) name?: string;
  @ApiPropertyOptional({ nullable: true, description: 'null clears it' })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsString()
  @MaxLength(2000)
  description?: string | null;
  @ApiPropertyOptional({ type: MoneyDto, description: 'For future sales only' })
  @Given()
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  price?: MoneyDto;
  @ApiPropertyOptional({
    enum: [true],
    description: 'true archives it: no longer sold or changed, still readable',
  })
  @Given()
  @Equals(true, { message: 'archived can only be true: an archived product stays archived' })
  archived?: true;
}

export class ListProductsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: PRODUCT_KINDS })
  @IsOptional()
  @IsIn(PRODUCT_KINDS as unknown as string[])
  kind?: ProductKind;
  @ApiPropertyOptional({ default: false, description: 'true lists archived products too' })
  @IsOptional()
  // "false" is a true string: only the words true and false are booleans here.
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'includeArchived must be true or false' })
  includeArchived?: boolean;
}

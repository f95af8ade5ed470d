import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsEmail,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../http/page-query';

export class AddressDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) line1?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) line2?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) city?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) region?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(20) postalCode?: string;
  @ApiPropertyOptional({ description: 'ISO 3166-1 alpha-2' })
  @IsOptional()
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code such as US' })
  country?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Emails pasted with a stray space are still emails. */
const Trimmed = () => Transform(({ value }) => (typeof value === 'string' ? value.trim() : value));
const PHONE = /^[+0-9 ()./-]{3,32}$/;

export class RegisterClientRequest {
  @ApiProperty({ example: 'Jane' }) @IsString() @IsNotEmpty() @MaxLength(100) firstName!: string;
  @ApiProperty({ example: 'Doe' }) @IsString() @IsNotEmpty() @MaxLength(100) lastName!: string;
  @ApiProperty({ example: 'jane@example.com' })
  @Trimmed()
  @IsEmail()
  @MaxLength(254)
  email!: string;
  @ApiPropertyOptional({ example: '+1 555 0100' })
  @IsOptional()
  @Matches(PHONE, { message: 'phone must be digits, spaces and + ( ) . / -' })
  phone?: string;
  @ApiPropertyOptional({ example: '1990-04-01', description: 'YYYY-MM-DD' })
  @IsOptional()
  @Matches(DAY, { message: 'birthday must be YYYY-MM-DD' })
  birthday?: string;
  @ApiPropertyOptional({ type: AddressDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AddressDto)
  address?: AddressDto;
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() @MaxLength(64) username?: string;
}

/** Fields left out stay as they are; `null` clears an optional one. */
/** Left out, the field stays; `null` is not a value for a required field (IsOptional allows it). */
export const Given = () => ValidateIf((_, v) => v !== undefined);

export class UpdateClientRequest {
  @ApiPropertyOptional() @Given() @IsString() @IsNotEmpty() @MaxLength(100) firstName?: string;
  @ApiPropertyOptional() @Given() @IsString() @IsNotEmpty() @MaxLength(100) lastName?: string;
  @ApiPropertyOptional() @Given() @Trimmed() @IsEmail() @MaxLength(254) email?: string;
  @ApiPropertyOptional({ nullable: true })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @Matches(PHONE, { message: 'phone must be digits, spaces and + ( ) . / -' })
  phone?: string | null;
  @ApiPropertyOptional({ nullable: true })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @Matches(DAY, { message: 'birthday must be YYYY-MM-DD' })
  birthday?: string | null;
  @ApiPropertyOptional({ type: AddressDto, nullable: true })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsObject()
  @ValidateNested()
  @Type(() => AddressDto)
  address?: AddressDto | null;
  @ApiPropertyOptional({ nullable: true })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  username?: string | null;
}

export class SearchClientsQuery extends PageQuery {
  @ApiPropertyOptional({
    description: 'Part of a first name, last name or email; any case, any accents.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^[^\0]*$/, { message: 'search must not contain NUL characters' })
  search?: string;
}

export class HistoryQuery {
  @ApiPropertyOptional({ description: 'ISO 8601 instant; the account as it stood then' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'asOf must be an ISO 8601 date-time' })
  asOf?: string;
}

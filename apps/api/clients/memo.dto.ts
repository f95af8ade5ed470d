import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsString } from 'class-validator';
import { Given } from './client.dto';

const TEXT = { example: 'Allergic to peanuts', description: '1–2000 characters, trimmed' };
const STARRED = { description: 'Starred, the memo is shown on every roster that holds the client' };

export class AddMemoRequest {
  @ApiProperty(TEXT) @IsString() text!: string;
  @ApiPropertyOptional({ ...STARRED, default: false }) @Given() @IsBoolean() starred?: boolean;
}

export class EditMemoRequest {
  @ApiPropertyOptional(TEXT) @Given() @IsString() text?: string;
  @ApiPropertyOptional(STARRED) @Given() @IsBoolean() starred?: boolean;
}

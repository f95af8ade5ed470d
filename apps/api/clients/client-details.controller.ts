import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import {
  ChangeClientDetails,
  DefineClientFields,
  readClientFields,
  type CustomFieldType,
  type CustomFieldValue,
} from '@clientele/clients';
import { EVENT_STORE, type EventStore } from '@clientele/eventstore';
import type { RequestContext } from '@clientele/shared';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { Inject } from '@nestjs/common';
import { Ctx, RequirePermission, uuidParam } from '../http/auth';

const TYPES: CustomFieldType[] = ['text', 'number', 'date', 'boolean', 'choice'];

export class CustomFieldDefinitionDto {
  @ApiProperty({ example: 'emergencyContact' }) @IsString() @MaxLength(50) key!: string;
  @ApiProperty({ example: 'Emergency contact' }) @IsString() @MaxLength(100) label!: string;
  @ApiProperty({ enum: TYPES }) @IsIn(TYPES) type!: CustomFieldType;
  @ApiProperty({ required: false, type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  choices?: string[];
}

export class ClientFieldsRequest {
  @ApiProperty({ type: [String], example: ['Students', 'Seniors'] })
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  customerGroups!: string[];
  @ApiProperty({ type: [CustomFieldDefinitionDto] })
  @IsArray()
  @ArrayMaxSize(100)
  // ValidateNested alone lets a list inside the list through ([[]]): each must be an object.
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => CustomFieldDefinitionDto)
  customFields!: CustomFieldDefinitionDto[];
  @ApiProperty({ type: [String], example: ['mailchimp'] })
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  integrations!: string[];
}

export class ClientDetailsRequest {
  @ApiProperty({ required: false, nullable: true, description: "One of the studio's groups" })
  @IsOptional()
  @IsString()
  customerGroup?: string | null;
  @ApiProperty({ required: false }) @IsOptional() @IsBoolean() newsletter?: boolean;
  @ApiProperty({
    required: false,
    example: { mailchimp: false },
    description: 'Per integration of the studio: false stops syncing the client to it',
  })
  @IsOptional()
  @IsObject()
  sync?: Record<string, boolean>;
  @ApiProperty({
    required: false,
    example: { emergencyContact: 'Sam, +1 555 0101' },
    description: "Values of the studio's custom fields; null clears one",
  })
  @IsOptional()
  @IsObject()
  customFields?: Record<string, CustomFieldValue>;
}

export class ConsentRequest {
  @ApiProperty({ example: 'data_protection' }) @IsString() @MaxLength(50) consent!: string;
  @ApiProperty({ example: '2026-01', description: 'The version of the text consented to' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  version!: string;
}

const uuid = uuidParam('id');

@ApiTags('clients')
@ApiBearerAuth()
@Controller('v1')
export class ClientDetailsController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Put('studio/client-fields')
  @RequirePermission('studio:manage')
  @ApiOperation({
    summary:
      "Define the studio's customer groups, custom client fields and integrations (replaced whole)",
  })
  define(@Body() body: ClientFieldsRequest, @Ctx() context: RequestContext) {
    return this.commands.execute(new DefineClientFields(body, context));
  }

  @Get('studio/client-fields')
  @RequirePermission('studio:read')
  @ApiOperation({ summary: "The studio's customer groups, custom client fields and integrations" })
  fields(@Ctx() context: RequestContext) {
    return readClientFields(this.store, context.studioId);
  }

  @Patch('clients/:id/details')
  @RequirePermission('clients:write')
  @ApiOperation({
    summary:
      'Change customer group, newsletter, sync toggles or custom fields; answers the profile',
  })
  details(
    @Param('id', uuid) clientId: string,
    @Body() body: ClientDetailsRequest,
    @Ctx() context: RequestContext,
  ) {
    return this.commands.execute(
      new ChangeClientDetails(clientId, { kind: 'details', changes: body }, context),
    );
  }

  @Post('clients/:id/consents')
  @HttpCode(201)
  @RequirePermission('clients:write')
  @ApiOperation({ summary: 'Record the version of a text (data protection) the client accepted' })
  consent(
    @Param('id', uuid) clientId: string,
    @Body() body: ConsentRequest,
    @Ctx() context: RequestContext,
  ) {
    return this.commands.execute(
      new ChangeClientDetails(clientId, { kind: 'consent', ...body }, context),
    );
  }

  @Post('clients/:id/consents/:consent/withdraw')
  @HttpCode(200)
  @RequirePermission('clients:write')
  @ApiOperation({ summary: 'The client withdrew a consent' })
  withdraw(
    @Param('id', uuid) clientId: string,
    @Param('consent') consent: string,
    @Ctx() context: RequestContext,
  ) {
    return this.commands.execute(
      new ChangeClientDetails(clientId, { kind: 'withdraw', consent }, context),
    );
  }
}

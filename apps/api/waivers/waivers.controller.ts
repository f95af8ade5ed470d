import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { RequestContext } from '@clientele/shared';
import {
  CreateWaiver,
  PublishWaiverVersion,
  RequestSignature,
  SignWaiver,
  type Signature,
} from '@clientele/waivers';
import {
  GetClientWaivers,
  GetWaiver,
  ListClientSignatures,
  ListWaivers,
} from '@projections/waivers';
import { IsBoolean, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { Ctx, RequirePermission, uuidParam } from '../http/auth';

export class CreateWaiverRequest {
  @ApiProperty({ example: 'Liability waiver' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title!: string;
  @ApiProperty({ example: 'I take part in classes at my own risk…' })
  @IsString()
  @MinLength(1)
  @MaxLength(100_000)
  body!: string;
}

export class PublishVersionRequest {
  @ApiProperty({ required: false, description: 'A new title; the current one when left out' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title?: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(100_000) body!: string;
  @ApiProperty({
    description:
      'true: the terms changed, every client signs this version again; false: earlier signatures still count',
  })
  @IsBoolean()
  requiresResigning!: boolean;
}

export class SignWaiverRequest {
  @ApiProperty() @IsUUID() waiverId!: string;
  @ApiProperty({
    example: 'Mia Lee',
    description:
      'The typed name of the signer, or a drawn signature as a data URL (data:image/png;base64,… or image/jpeg, at most 256 KB)',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(400_000)
  signature!: string;
  @ApiProperty({
    required: false,
    description: 'A guardian signing for a minor: the client related to them as guardian',
  })
  @IsOptional()
  @IsUUID()
  guardianId?: string;
}

export class RequestSignatureRequest {
  @ApiProperty() @IsUUID() waiverId!: string;
}

const DATA_URL = /^data:(image\/png|image\/jpeg);base64,(.*)$/s;

/** A data URL is a drawn signature; anything else is the signer's typed name. */
function signatureOf(text: string): Signature {
  const image = DATA_URL.exec(text);
  if (!image) return { kind: 'typed', name: text };
  return { kind: 'image', mediaType: image[1] as 'image/png' | 'image/jpeg', data: image[2]! };
}

const uuid = uuidParam('id');
const waiverUuid = uuidParam('waiverId');

@ApiTags('waivers')
@ApiBearerAuth()
@Controller('v1/waivers')
export class WaiversController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @HttpCode(201)
  @RequirePermission('waivers:manage')
  @ApiOperation({ summary: 'Create a waiver (version 1)' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  create(@Body() body: CreateWaiverRequest, @Ctx() context: RequestContext) {
    return this.commands.execute(new CreateWaiver(body, context));
  }

  @Get()
  @RequirePermission('studio:read')
  @ApiOperation({ summary: "The studio's waivers, by title" })
  list(@Ctx() context: RequestContext) {
    return this.queries.execute(new ListWaivers(context.studioId));
  }

  @Get(':waiverId')
  @RequirePermission('studio:read')
  @ApiOperation({ summary: 'A waiver with every version of its text' })
  get(@Param('waiverId', waiverUuid) waiverId: string, @Ctx() context: RequestContext) {
    return this.queries.execute(new GetWaiver(context.studioId, waiverId));
  }

  @Post(':waiverId/versions')
  @HttpCode(201)
  @RequirePermission('waivers:manage')
  @ApiOperation({ summary: 'Publish a new version; say whether clients must sign it again' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  publish(
    @Param('waiverId', waiverUuid) waiverId: string,
    @Body() body: PublishVersionRequest,
    @Ctx() context: RequestContext,
  ) {
    return this.commands.execute(new PublishWaiverVersion(waiverId, body, context));
  }
}

@ApiTags('waivers')
@ApiBearerAuth()
@Controller('v1/clients/:id')
export class ClientWaiversController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post('signatures')
  @HttpCode(201)
  @RequirePermission('clients:write')
  @ApiOperation({
    summary:
      'SignWaiver: records the signer, the version, the signature, the time, IP and user agent; a guardian signs for a minor',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  sign(
    @Param('id', uuid) clientId: string,
    @Body() body: SignWaiverRequest,
    @Req() request: FastifyRequest,
    @Ctx() context: RequestContext,
  ) {
    const userAgent = request.headers['user-agent'];
    return this.commands.execute(
      new SignWaiver(
        clientId,
        {
          waiverId: body.waiverId,
          signature: signatureOf(body.signature),
          guardianId: body.guardianId ?? null,
          ip: request.ip ?? null,
          userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 500) : null,
        },
        context,
      ),
    );
  }

  @Get('signatures')
  @RequirePermission('clients:read')
  @ApiOperation({ summary: 'Every signature of the client, newest first, with what was signed' })
  signatures(@Param('id', uuid) clientId: string, @Ctx() context: RequestContext) {
    return this.queries.execute(new ListClientSignatures(context.studioId, clientId));
  }

  @Get('waivers')
  @RequirePermission('clients:read')
  @ApiOperation({
    summary: 'The waivers the client signed (newest signature of each) and was asked to sign',
  })
  waivers(@Param('id', uuid) clientId: string, @Ctx() context: RequestContext) {
    return this.queries.execute(new GetClientWaivers(context.studioId, clientId));
  }

  @Post('signature-requests')
  @HttpCode(201)
  @RequirePermission('clients:write')
  @ApiOperation({
    summary:
      'RequestSignature: asks the client to sign the current version; until then a session that requires it refuses them',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  request(
    @Param('id', uuid) clientId: string,
    @Body() body: RequestSignatureRequest,
    @Ctx() context: RequestContext,
  ) {
    return this.commands.execute(new RequestSignature(clientId, body.waiverId, context));
  }
}

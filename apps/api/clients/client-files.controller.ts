import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ChangeClientFiles } from '@clientele/clients';
import { FILE_STORE, type FileStore } from '@clientele/files';
import { InvalidInput, NotFound, type RequestContext } from '@clientele/shared';
import { GetClientProfile, ListClientDocuments } from '@projections/client-profiles';
import type { FastifyReply } from 'fastify';
import { Ctx, RequirePermission, uuidParam } from '../http/auth';

const uuid = uuidParam('id');
const documentUuid = uuidParam('documentId');
/** The body is the file itself, as sent: the document says so, with each type it takes. */
const FILE = { type: 'string', format: 'binary' } as const;

/** The bytes of a file upload: the body parsers of create-app.ts give them as a Buffer. */
function bytesOf(body: unknown): Buffer {
  if (!Buffer.isBuffer(body)) {
    throw new InvalidInput('The body must be the file itself.', [
      { field: 'Content-Type', message: 'must be the file’s type, e.g. application/pdf' },
    ]);
  }
  return body;
}

@ApiTags('clients')
@ApiBearerAuth()
@Controller('v1/clients/:id')
export class ClientFilesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(FILE_STORE) private readonly files: FileStore,
  ) {}

  @Put('image')
  @RequirePermission('clients:write')
  @ApiConsumes('image/png', 'image/jpeg', 'image/webp')
  @ApiBody({ schema: FILE })
  @ApiOperation({
    summary: 'Set the profile image: the body is the image (PNG, JPEG or WebP, 2 MB at most)',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async setImage(
    @Param('id', uuid) clientId: string,
    @Body() body: unknown,
    @Headers('content-type') mediaType: string | undefined,
    @Ctx() context: RequestContext,
  ) {
    const request = { kind: 'image' as const, mediaType: mediaType ?? '', bytes: bytesOf(body) };
    return (await this.commands.execute(new ChangeClientFiles(clientId, request, context))).profile;
  }

  @Delete('image')
  @HttpCode(204)
  @RequirePermission('clients:write')
  @ApiOperation({ summary: 'Remove the profile image (its bytes are deleted)' })
  async removeImage(@Param('id', uuid) clientId: string, @Ctx() context: RequestContext) {
    await this.commands.execute(new ChangeClientFiles(clientId, { kind: 'remove_image' }, context));
  }

  @Get('image')
  @RequirePermission('clients:read')
  @ApiOperation({ summary: 'The profile image itself' })
  async image(
    @Param('id', uuid) clientId: string,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const profile = await this.queries.execute(new GetClientProfile(context.studioId, clientId));
    if (!profile.image) throw new NotFound('image', clientId);
    return this.send(reply, context, clientId, profile.image.fileId);
  }

  @Post('documents')
  @HttpCode(201)
  @RequirePermission('clients:write')
  @ApiConsumes('application/pdf')
  @ApiBody({ schema: FILE })
  @ApiOperation({
    summary: 'Attach a PDF document: the body is the PDF (10 MB at most); ?name= names it',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async attach(
    @Param('id', uuid) clientId: string,
    @Query('name') name: string | undefined,
    @Body() body: unknown,
    @Headers('content-type') mediaType: string | undefined,
    @Ctx() context: RequestContext,
  ) {
    const request = {
      kind: 'document' as const,
      name: name ?? '',
      mediaType: mediaType ?? '',
      bytes: bytesOf(body),
    };
    const { file } = await this.commands.execute(new ChangeClientFiles(clientId, request, context));
    const { fileId, ...facts } = file!;
    return {
      documentId: fileId,
      name: request.name.trim(),
      ...facts,
      uploadedAt: context.now.toISOString(),
      uploadedBy: context.actor,
    };
  }

  @Get('documents')
  @RequirePermission('clients:read')
  @ApiOperation({ summary: "The client's documents, newest first" })
  documents(@Param('id', uuid) clientId: string, @Ctx() context: RequestContext) {
    return this.queries.execute(new ListClientDocuments(context.studioId, clientId));
  }

  @Get('documents/:documentId')
  @RequirePermission('clients:read')
  @ApiOperation({ summary: 'The document itself' })
  async document(
    @Param('id', uuid) clientId: string,
    @Param('documentId', documentUuid) documentId: string,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    // Only a document the profile lists: bytes a crash left unnamed by any event are not one.
    const documents = await this.queries.execute(
      new ListClientDocuments(context.studioId, clientId),
    );
    if (!documents.some((d) => d.documentId === documentId))
      throw new NotFound('document', documentId);
    return this.send(reply, context, clientId, documentId);
  }

  @Delete('documents/:documentId')
  @HttpCode(204)
  @RequirePermission('clients:write')
  @ApiOperation({
    summary: 'Remove a document (its bytes are deleted; the history keeps that it was there)',
  })
  async remove(
    @Param('id', uuid) clientId: string,
    @Param('documentId', documentUuid) documentId: string,
    @Ctx() context: RequestContext,
  ) {
    await this.commands.execute(
      new ChangeClientFiles(clientId, { kind: 'remove_document', documentId }, context),
    );
  }

  private async send(
    reply: FastifyReply,
    context: RequestContext,
    clientId: string,
    fileId: string,
  ) {
    const file = await this.files.get(context.studioId, clientId, fileId);
    if (!file) throw new NotFound('document', fileId);
    void reply.header('content-type', file.mediaType);
    void reply.header('cache-control', 'private, no-store');
    return file.bytes;
  }
}

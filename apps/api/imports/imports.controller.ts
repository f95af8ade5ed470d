import { createWriteStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  applyDecorators,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { idForRequest } from '@clientele/eventstore';
import {
  failedRowsCsv,
  IMPORT_COLUMNS,
  parseColumnMapping,
  publicJob,
  type ColumnMapping,
  type DateOrder,
  type ImportKind,
} from '@clientele/imports';
import type { Runtime } from '@clientele/runtime';
import { InvalidInput, type RequestContext } from '@clientele/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Ctx, RequirePermission, uuidParam } from '../http/auth';
import { RUNTIME } from '../internal/admin.controller';

/** A studio's whole client list fits many times over; a bigger file is refused with 413. */
export const IMPORT_MAX_BYTES = 200 * 1024 * 1024;

const uuid = uuidParam('id');
const DATE_ORDERS: readonly DateOrder[] = ['auto', 'dmy', 'mdy'];
/** The multipart parser's words for a body that ends inside a part: the sender's fault. */
const CUT_SHORT = /^Unexpected end of (multipart data|form)$/;

interface UploadFields {
  mapping: ColumnMapping;
  dryRun: boolean;
  dateOrder: DateOrder;
  fileName: string | null;
}

/** The upload's parts, documented so a consumer (and the hostile-input suite) knows them. */
const Upload = (kind: ImportKind) =>
  applyDecorators(
    ApiConsumes('multipart/form-data'),
    ApiBody({
      schema: {
        type: 'object',
        required: ['file'],
        properties: {
          file: { type: 'string', format: 'binary', description: 'The CSV, at most 200 MB' },
          mapping: {
            type: 'string',
            example: 'email=E-mail',
            description: `field=Header pairs, comma-separated, or a JSON object of field to header; fields: ${IMPORT_COLUMNS[kind].fields.join(', ')}. Headers are matched by name when left out`,
          },
          dryRun: {
            type: 'string',
            enum: ['true', 'false'],
            description: 'true: check every row, write nothing',
          },
          dateOrder: {
            type: 'string',
            enum: [...DATE_ORDERS],
            description: 'How to read 03/04/1990; auto when the file tells',
          },
        },
      },
    }),
  );

function invalid(field: string, message: string): InvalidInput {
  return new InvalidInput(`The ${field} ${message}.`, [{ field, message }]);
}

@ApiTags('imports')
@ApiBearerAuth()
@Controller('v1/imports')
export class ImportsController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Post('clients')
  @HttpCode(202)
  @RequirePermission('clients:import')
  @Upload('clients')
  @ApiOperation({
    summary:
      'Import clients from a CSV file (multipart: `file`, and `mapping`, `dryRun`, `dateOrder` as fields): answers the job, which runs in the background',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  importClients(
    @Req() request: FastifyRequest,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.upload('clients', request, context, reply);
  }

  @Post('credits')
  @HttpCode(202)
  @RequirePermission('clients:import')
  @Upload('credits')
  @ApiOperation({
    summary:
      'Import the credits clients have left in another product (a row: email, the pack by name or id or the event types of a plain count, the credits left, their expiry, the purchase date), recorded as imported with their row; multipart as for clients. Clients are imported first',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  importCredits(
    @Req() request: FastifyRequest,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.upload('credits', request, context, reply);
  }

  @Post('memberships')
  @HttpCode(202)
  @RequirePermission('clients:import')
  @Upload('memberships')
  @ApiOperation({
    summary:
      'Import the memberships clients hold in another product (a row: email, the membership by name or id, start date, next payment date, an optional freeze from/until), recorded as imported with their row: the first renewal bills on the next payment date; multipart as for clients',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  importMemberships(
    @Req() request: FastifyRequest,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.upload('memberships', request, context, reply);
  }

  /** Takes the upload to disk, checks its columns, records the job and starts it. */
  private async upload(
    kind: ImportKind,
    request: FastifyRequest,
    context: RequestContext,
    reply: FastifyReply,
  ) {
    if (!request.isMultipart()) {
      throw invalid('body', 'must be multipart/form-data with the CSV as `file`');
    }
    const id = idForRequest('import', context);
    const dir = join(this.runtime.config.dataDir, 'imports');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const filePath = join(dir, `${id}.csv`);
    try {
      const fields = await this.receive(kind, request, filePath);
      if (fields.fileName === null) throw invalid('file', 'is required: the CSV as `file`');
      const job = await this.runtime.imports.create({
        id,
        kind,
        studioId: context.studioId,
        actor: context.actor,
        dryRun: fields.dryRun,
        fileName: fields.fileName,
        filePath,
        mapping: fields.mapping,
        dateOrder: fields.dateOrder,
      });
      void this.runtime.imports
        .start(job)
        .catch((error: unknown) => console.error(`import ${job.id} failed`, error));
      void reply.header('location', `/v1/imports/${job.id}`);
      return publicJob(job);
    } catch (error) {
      await unlink(filePath).catch(() => undefined);
      throw error;
    }
  }

  /** Reads the parts in any order; the file goes to disk as it arrives (memory stays flat). */
  private async receive(
    kind: ImportKind,
    request: FastifyRequest,
    filePath: string,
  ): Promise<UploadFields> {
    try {
      return await this.receiveParts(kind, request, filePath);
    } catch (error) {
      if (error instanceof Error && CUT_SHORT.test(error.message)) {
        throw invalid('body', 'ended before its last part did: send the whole multipart body');
      }
      throw error;
    }
  }

  private async receiveParts(
    kind: ImportKind,
    request: FastifyRequest,
    filePath: string,
  ): Promise<UploadFields> {
    const fields: UploadFields = { mapping: {}, dryRun: false, dateOrder: 'auto', fileName: null };
    for await (const part of request.parts({ limits: { fileSize: IMPORT_MAX_BYTES, files: 1 } })) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') throw invalid(part.fieldname, 'is not a field of an import');
        await pipeline(part.file, createWriteStream(filePath, { mode: 0o600 }));
        fields.fileName = part.filename || `${kind}.csv`;
        continue;
      }
      const value = typeof part.value === 'string' ? part.value : '';
      if (part.fieldname === 'mapping') {
        fields.mapping = parseColumnMapping(value, IMPORT_COLUMNS[kind]);
      } else if (part.fieldname === 'dryRun') {
        if (value !== 'true' && value !== 'false') throw invalid('dryRun', 'must be true or false');
        fields.dryRun = value === 'true';
      } else if (part.fieldname === 'dateOrder') {
        if (!(DATE_ORDERS as readonly string[]).includes(value)) {
          throw invalid('dateOrder', `must be one of ${DATE_ORDERS.join(', ')}`);
        }
        fields.dateOrder = value as DateOrder;
      } else throw invalid(part.fieldname, 'is not a field of an import');
    }
    return fields;
  }

  @Get(':id')
  @RequirePermission('clients:import')
  @ApiOperation({
    summary:
      'The import job: its kind (clients, credits, memberships), status, processed/total, created, updated, skipped, errors',
  })
  async get(@Param('id', uuid) id: string, @Ctx() context: RequestContext) {
    return publicJob(await this.runtime.imports.jobs.get(context.studioId, id));
  }

  @Get(':id/errors.csv')
  @RequirePermission('clients:import')
  @ApiOperation({ summary: 'The rows that failed, as the file had them, with `row` and `reason`' })
  async failedRows(
    @Param('id', uuid) id: string,
    @Ctx() context: RequestContext,
    @Res() reply: FastifyReply,
  ) {
    const job = await this.runtime.imports.jobs.get(context.studioId, id);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="import-${id}-errors.csv"`)
      .send(failedRowsCsv(this.runtime.imports.jobs, job));
  }
}

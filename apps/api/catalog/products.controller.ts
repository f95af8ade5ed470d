import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CreateProduct, UpdateProduct, type NewProduct, type Product } from '@clientele/catalog';
import type { RequestContext } from '@clientele/shared';
import { GetProduct, ListProducts } from '@projections/catalog';
import type { FastifyReply } from 'fastify';
import { Ctx, RequirePermission, uuidParam } from '../http/auth';
import { CreateProductRequest, ListProductsQuery, UpdateProductRequest } from './product.dto';

const uuid = uuidParam('id');

function withEtag(reply: FastifyReply, product: Product): Product {
  void reply.header('etag', `"${product.version}"`);
  return product;
}

/** The request, validated for its kind (product.dto.ts), as the domain takes it. */
function newProduct(body: CreateProductRequest): NewProduct {
  const { name, description = null, price } = body;
  switch (body.kind) {
    case 'membership':
      return {
        kind: body.kind,
        name,
        description,
        price,
        billingPeriod: body.billingPeriod!,
        eventTypes: body.eventTypes!,
        creditsPerPeriod: body.creditsPerPeriod!,
      };
    case 'class_pack':
    case 'private_pass':
      return {
        kind: body.kind,
        name,
        description,
        price,
        credits: body.credits!,
        validityDays: body.validityDays!,
        validityStarts: body.validityStarts,
      };
    case 'vod':
      return { kind: body.kind, name, description, price, accessDays: body.accessDays! };
    case 'service':
      return { kind: body.kind, name, description, price };
  }
}

@ApiTags('catalog')
@ApiBearerAuth()
@Controller('v1/products')
export class ProductsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @HttpCode(201)
  @RequirePermission('catalog:manage')
  @ApiOperation({
    summary:
      'Add a product (CreateProduct): a membership, class pack, private pass, video access or service',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async create(
    @Body() body: CreateProductRequest,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Product> {
    const product = await this.commands.execute(new CreateProduct(newProduct(body), context));
    void reply.header('location', `/v1/products/${product.id}`);
    return withEtag(reply, product);
  }

  @Get()
  @RequirePermission('catalog:read')
  @ApiOperation({ summary: 'The catalog by name, paged; archived products only when asked' })
  list(@Query() query: ListProductsQuery, @Ctx() context: RequestContext) {
    return this.queries.execute(
      new ListProducts(
        context.studioId,
        { kind: query.kind, includeArchived: query.includeArchived ?? false },
        query.limit ?? 25,
        query.cursor,
      ),
    );
  }

  @Get(':id')
  @RequirePermission('catalog:read')
  @ApiOperation({ summary: 'A product, archived or not' })
  async get(
    @Param('id', uuid) id: string,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Product> {
    return withEtag(reply, await this.queries.execute(new GetProduct(context.studioId, id)));
  }

  @Patch(':id')
  @RequirePermission('catalog:manage')
  @ApiOperation({
    summary:
      'Rename, describe, reprice (future sales only) or archive a product (UpdateProduct); If-Match makes it conditional (412 when stale)',
  })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag last read, e.g. "3"' })
  async update(
    @Param('id', uuid) id: string,
    @Body() body: UpdateProductRequest,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Product> {
    const product = await this.commands.execute(new UpdateProduct(id, body, context));
    return withEtag(reply, product);
  }
}

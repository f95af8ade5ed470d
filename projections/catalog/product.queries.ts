import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import type { Product, ProductDetails, ProductKind } from '@clientele/catalog';
import { DATABASE, type Database } from '@clientele/database';
import { InvalidInput, NotFound } from '@clientele/shared';
import type { ProductRow } from './products.table';

const COLUMNS = [
  'product_id',
  'studio_id',
  'kind',
  'name',
  'description',
  'price_amount',
  'price_currency',
  'details',
  'archived',
  'version',
  'sort_key',
] as const;

function toProduct(row: ProductRow): Product {
  return {
    id: row.product_id,
    studioId: row.studio_id,
    name: row.name,
    description: row.description,
    // Stored from safe integers only (the decider refuses others), so exact as a number.
    price: { amount: Number(row.price_amount), currency: row.price_currency },
    ...({ kind: row.kind, ...row.details } as ProductDetails),
    archived: row.archived,
    version: Number(row.version),
  };
}

export class GetProduct extends Query<Product> {
  constructor(
    readonly studioId: string,
    readonly productId: string,
  ) {
    super();
  }
}

@QueryHandler(GetProduct)
export class GetProductHandler implements IQueryHandler<GetProduct> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, productId }: GetProduct): Promise<Product> {
    const row = await this.db.kysely
      .selectFrom('products')
      .select(COLUMNS)
      .where('product_id', '=', productId)
      // Another studio's product is simply not there (invariant 6).
      .where('studio_id', '=', studioId)
      .executeTakeFirst();
    if (!row) throw new NotFound('product', productId);
    return toProduct(row as ProductRow);
  }
}

export interface ProductPage {
  items: Product[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface ProductFilter {
  kind?: ProductKind;
  includeArchived: boolean;
}

export class ListProducts extends Query<ProductPage> {
  constructor(
    readonly studioId: string,
    readonly filter: ProductFilter,
    readonly limit: number,
    readonly cursor: string | undefined,
  ) {
    super();
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function encodeCursor(row: { sort_key: string; product_id: string }): string {
  return Buffer.from(JSON.stringify([row.sort_key, row.product_id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      !value[0].includes('\0') &&
      typeof value[1] === 'string' &&
      UUID.test(value[1])
    ) {
      return value as [string, string];
    }
  } catch {
    // fall through to the error below
  }
  throw new InvalidInput('The cursor is not one this API gave out.', [
    { field: 'cursor', message: 'must be the nextCursor of a previous page' },
  ]);
}

@QueryHandler(ListProducts)
export class ListProductsHandler implements IQueryHandler<ListProducts> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, filter, limit, cursor }: ListProducts): Promise<ProductPage> {
    let query = this.db.kysely
      .selectFrom('products')
      .select(COLUMNS)
      .where('studio_id', '=', studioId);
    if (filter.kind) query = query.where('kind', '=', filter.kind);
    if (!filter.includeArchived) query = query.where('archived', '=', false);
    if (cursor) {
      const [sortKey, productId] = decodeCursor(cursor);
      query = query.where((eb) =>
        eb.or([
          eb('sort_key', '>', sortKey),
          eb.and([eb('sort_key', '=', sortKey), eb('product_id', '>', productId)]),
        ]),
      );
    }
    const rows = (await query
      .orderBy('sort_key')
      .orderBy('product_id')
      .limit(limit + 1)
      .execute()) as ProductRow[];
    const page = rows.slice(0, limit);
    return {
      items: page.map(toProduct),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!) : null,
    };
  }
}

import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import type { Product, ProductDetails, ProductKind } from '@clientele/catalog';
import { DATABASE, afterPageCursor, encodePageCursor, type Database } from '@clientele/database';
import { NotFound } from '@clientele/shared';
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
    if (cursor) query = query.where(afterPageCursor(cursor, 'product_id'));
    const rows = (await query
      .orderBy('sort_key')
      .orderBy('product_id')
      .limit(limit + 1)
      .execute()) as ProductRow[];
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toProduct),
      nextCursor:
        rows.length > limit && last ? encodePageCursor(last.sort_key, last.product_id) : null,
    };
  }
}

/** Every product of a studio, archived ones too: an import finds the products its rows name. */
export async function studioProducts(db: Database, studioId: string): Promise<Product[]> {
  const rows = await db.kysely
    .selectFrom('products')
    .select(COLUMNS)
    .where('studio_id', '=', studioId)
    .orderBy('sort_key')
    .execute();
  return (rows as ProductRow[]).map(toProduct);
}

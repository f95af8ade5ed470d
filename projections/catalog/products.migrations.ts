import { sql, type Kysely, type Migration } from 'kysely';

export const productsMigrations: Record<string, Migration> = {
  '2026-11-23T1400_products': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('products')
        .addColumn('product_id', 'uuid', (c) => c.primaryKey())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('price_amount', 'bigint', (c) => c.notNull())
        .addColumn('price_currency', 'text', (c) => c.notNull())
        .addColumn('details', 'jsonb', (c) => c.notNull())
        .addColumn('archived', 'boolean', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('sort_key', 'text', (c) => c.notNull())
        .execute();
      await sql`CREATE INDEX products_by_name ON products (studio_id, sort_key, product_id)`.execute(
        db,
      );
    },
  },
};

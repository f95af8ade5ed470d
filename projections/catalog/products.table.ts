import type { ProductDetails } from '@clientele/catalog';
import type { ColumnType, Selectable, Updateable } from 'kysely';

type WithoutKind<T> = T extends unknown ? Omit<T, 'kind'> : never;
/** What a product's kind adds to it, without the kind (its own column). */
export type StoredDetails = WithoutKind<ProductDetails>;

/** `products`: one row a product, archived ones included. */
export interface ProductsTable {
  product_id: string;
  studio_id: string;
  kind: ProductDetails['kind'];
  name: string;
  description: string | null;
  /** bigint: read back as a string (libs/database), written as a number. */
  price_amount: ColumnType<string, number, number>;
  price_currency: string;
  /** jsonb: written as JSON text, read back as an object. */
  details: ColumnType<StoredDetails, string, string>;
  archived: boolean;
  version: number;
  /** The name folded for ordering: case and accents do not split the list. */
  sort_key: string;
}

export type ProductRow = Selectable<ProductsTable>;
export type ProductRowChanges = Updateable<ProductsTable>;

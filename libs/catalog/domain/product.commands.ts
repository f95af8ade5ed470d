import type { Money } from '@clientele/shared';
import type { ProductDetails } from './product.events';

/** A pack's or a pass's validity starts at purchase unless the studio says otherwise. */
export type ProductDetailsInput =
  | Exclude<ProductDetails, { kind: 'class_pack' | 'private_pass' }>
  | (Omit<Extract<ProductDetails, { kind: 'class_pack' | 'private_pass' }>, 'validityStarts'> & {
      validityStarts?: 'purchase' | 'first_use';
    });

/** Facts every product command carries: which product, whose, and the money the studio uses. */
export interface ProductScope {
  productId: string;
  studioId: string;
  studioCurrency: string;
}

/** What staff say about a new product. */
export type NewProduct = {
  name: string;
  description?: string | null;
  price: Money;
} & ProductDetailsInput;

export type CreateProductCommand = { type: 'CreateProduct'; data: ProductScope & NewProduct };

export interface ProductChanges {
  name?: string;
  /** `null` clears it. */
  description?: string | null;
  price?: Money;
  /** Only ever `true`: an archived product stays archived. */
  archived?: true;
}

export type UpdateProductCommand = {
  type: 'UpdateProduct';
  data: ProductScope & { changes: ProductChanges };
};

export type ProductCommand = CreateProductCommand | UpdateProductCommand;

import type { Money } from '@clientele/shared';

/** A product's own stream: `product-<uuid>`. A sale copies what it needs (ADR 0009). */
export const productStream = (productId: string) => `product-${productId}`;

export const PRODUCT_KINDS = [
  'membership',
  'class_pack',
  'private_pass',
  'vod',
  'service',
] as const;
export type ProductKind = (typeof PRODUCT_KINDS)[number];

export function isProductKind(value: unknown): value is ProductKind {
  return typeof value === 'string' && (PRODUCT_KINDS as readonly string[]).includes(value);
}

export interface BillingPeriod {
  unit: 'week' | 'month' | 'year';
  count: number;
}

export interface Credits {
  count: number;
  /** The kinds of session (`yoga`, `reformer`) a credit can be spent on. */
  eventTypes: string[];
}

/** What a product is beyond its name and price: a shape per kind. */
export type ProductDetails =
  | {
      kind: 'membership';
      billingPeriod: BillingPeriod;
      eventTypes: string[];
      /** null: unlimited visits. */
      creditsPerPeriod: number | null;
    }
  | {
      kind: 'class_pack' | 'private_pass';
      credits: Credits;
      /** null: the credits never expire. */
      validityDays: number | null;
      validityStarts: 'purchase' | 'first_use';
    }
  | { kind: 'vod'; accessDays: number }
  | { kind: 'service' };

export type ProductCreated = {
  type: 'ProductCreated';
  data: {
    productId: string;
    studioId: string;
    name: string;
    description: string | null;
    price: Money;
  } & ProductDetails;
};

/** Future sales only: a sale keeps the price it was made at. */
export type ProductPriceChanged = {
  type: 'ProductPriceChanged';
  data: { productId: string; price: Money; previousPrice: Money };
};

/** Only the fields that changed; `description: null` cleared it. */
export type ProductDetailsChanged = {
  type: 'ProductDetailsChanged';
  data: { productId: string; name?: string; description?: string | null };
};

export type ProductArchived = { type: 'ProductArchived'; data: { productId: string } };

export type ProductEvent =
  ProductCreated | ProductPriceChanged | ProductDetailsChanged | ProductArchived;

export const productEventTypes: ReadonlySet<ProductEvent['type']> = new Set([
  'ProductCreated',
  'ProductPriceChanged',
  'ProductDetailsChanged',
  'ProductArchived',
]);

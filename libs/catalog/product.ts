import type { ProductFacts } from './domain/product.decider';

/** A product as the API and the sales code see it: its facts and its stream revision. */
export type Product = ProductFacts & {
  /** The stream revision: the ETag, and what `If-Match` names. */
  version: number;
};

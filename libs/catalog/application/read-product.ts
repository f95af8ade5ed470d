import { lastRevision, type EventStore } from '@clientele/eventstore';
import { fold, NotFound } from '@clientele/shared';
import { productDecider, type ProductState } from '../domain/product.decider';
import { productStream, type ProductEvent } from '../domain/product.events';
import type { Product } from '../product';

export function toProduct(state: ProductState, version: number): Product {
  if (state.status !== 'created') throw new Error('A product needs to have been created.');
  return { ...state.product, version };
}

/**
 * A product as it is now, from its stream (the write side, not the read model), for a command
 * that sells it: unknown, or another studio's (invariant 6), is NotFound.
 */
export async function readProduct(
  store: EventStore,
  studioId: string,
  productId: string,
): Promise<Product> {
  const history = await store.readStream(productStream(productId));
  const state = fold(productDecider, history as unknown as ProductEvent[]);
  if (state.status !== 'created' || state.product.studioId !== studioId) {
    throw new NotFound('product', productId);
  }
  return toProduct(state, lastRevision(history));
}

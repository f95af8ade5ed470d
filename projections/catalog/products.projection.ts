import { productEventTypes, type ProductEvent } from '@clientele/catalog';
import type { RecordedEvent } from '@clientele/eventstore';
import type { Projection } from '@clientele/projector';
import type { Transaction } from 'kysely';
import type { ProductRowChanges } from './products.table';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables typed per query
type Trx = Transaction<any>;

/** Orders "yoga" with "Yoga" and "Zoë" with "Zoe", on PGlite and PostgreSQL alike. */
function sortKeyOf(name: string): string {
  return name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** A change to an existing row, guarded by revision: applying an old event again changes nothing. */
async function advance(
  trx: Trx,
  productId: string,
  revision: number,
  changes: ProductRowChanges,
): Promise<void> {
  await trx
    .updateTable('products')
    .set({ ...changes, version: revision })
    .where('product_id', '=', productId)
    .where('version', '<', revision)
    .execute();
}

/** The catalog as staff and sales screens list it, archived products included. */
export const productsProjection: Projection = {
  name: 'products',
  eventTypes: productEventTypes,

  async apply(trx: Trx, events: RecordedEvent[]) {
    for (const recorded of events) {
      const event = recorded as unknown as ProductEvent & RecordedEvent;
      switch (event.type) {
        case 'ProductCreated': {
          const { productId, studioId, kind, name, description, price, ...details } = event.data;
          // A replayed batch finds the row already there: first write wins.
          await trx
            .insertInto('products')
            .values({
              product_id: productId,
              studio_id: studioId,
              kind,
              name,
              description,
              price_amount: price.amount,
              price_currency: price.currency,
              details: JSON.stringify(details),
              archived: false,
              version: recorded.revision,
              sort_key: sortKeyOf(name),
            })
            .onConflict((oc) => oc.column('product_id').doNothing())
            .execute();
          break;
        }
        case 'ProductPriceChanged':
          await advance(trx, event.data.productId, recorded.revision, {
            price_amount: event.data.price.amount,
            price_currency: event.data.price.currency,
          });
          break;
        case 'ProductDetailsChanged': {
          const { productId, name, description } = event.data;
          await advance(trx, productId, recorded.revision, {
            ...(name !== undefined ? { name, sort_key: sortKeyOf(name) } : {}),
            ...(description !== undefined ? { description } : {}),
          });
          break;
        }
        case 'ProductArchived':
          await advance(trx, event.data.productId, recorded.revision, { archived: true });
          break;
      }
    }
  },
  tables: ['products'],
};

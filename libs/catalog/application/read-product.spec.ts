import { randomUUID } from 'node:crypto';
import { migrateToLatest, type Database } from '@clientele/database';
import { eventStoreMigrations, PostgresEventStore, type EventStore } from '@clientele/eventstore';
import { NotFound } from '@clientele/shared';
import { openTestDatabase } from '../../../test/support/test-database';
import { productStream, type ProductEvent } from '../domain/product.events';
import { readProduct } from './read-product';

const studioId = randomUUID();
const productId = randomUUID();
const usd = (amount: number) => ({ amount, currency: 'USD' });
const metadata = {
  studioId,
  actor: { type: 'system' as const, id: 'read-product.spec' },
  correlationId: 'read-product.spec',
  schemaVersion: 1,
};

let db: Database;
let store: EventStore;

beforeAll(async () => {
  db = await openTestDatabase();
  await migrateToLatest(db, eventStoreMigrations);
  store = new PostgresEventStore(db.sql, { name: db.kind });
  const history: ProductEvent[] = [
    {
      type: 'ProductCreated',
      data: {
        productId,
        studioId,
        name: 'Monthly',
        description: null,
        price: usd(9900),
        kind: 'membership',
        billingPeriod: { unit: 'month', count: 1 },
        eventTypes: ['yoga'],
        creditsPerPeriod: 8,
      },
    },
    {
      type: 'ProductPriceChanged',
      data: { productId, price: usd(10900), previousPrice: usd(9900) },
    },
  ];
  await store.append(
    productStream(productId),
    history.map((event) => ({ ...event, metadata })),
    { expectedRevision: 'no_stream' },
  );
});
afterAll(() => db.close());

describe('reading a product for a sale', () => {
  it('folds its stream: the price to sell at now, and the version', async () => {
    expect(await readProduct(store, studioId, productId)).toEqual({
      id: productId,
      studioId,
      name: 'Monthly',
      description: null,
      price: usd(10900),
      kind: 'membership',
      billingPeriod: { unit: 'month', count: 1 },
      eventTypes: ['yoga'],
      creditsPerPeriod: 8,
      archived: false,
      version: 1,
    });
  });

  it('does not know a product of another studio, or one never created (invariant 6)', async () => {
    await expect(readProduct(store, randomUUID(), productId)).rejects.toThrow(NotFound);
    await expect(readProduct(store, studioId, randomUUID())).rejects.toThrow(NotFound);
  });
});

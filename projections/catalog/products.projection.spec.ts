import { productStream, type ProductEvent, type ProductCreated } from '@clientele/catalog';
import { migrateToLatest, type Database } from '@clientele/database';
import {
  eventStoreMigrations,
  PostgresEventStore,
  type RecordedEvent,
} from '@clientele/eventstore';
import { openTestDatabase } from '../../test/support/test-database';
import { GetProductHandler, GetProduct } from './product.queries';
import { productsMigrations } from './products.migrations';
import { productsProjection } from './products.projection';

const studioId = 'b7e0d7a2-0000-4000-8000-000000000002';
const productId = '5b8e1c2d-0000-4000-8000-000000000001';
const metadata = {
  studioId,
  actor: { type: 'system' as const, id: 'products.projection.spec' },
  correlationId: 'products.projection.spec',
  schemaVersion: 1,
};
const usd = (amount: number) => ({ amount, currency: 'USD' });
const created: ProductCreated = {
  type: 'ProductCreated',
  data: {
    productId,
    studioId,
    name: '10 classes',
    description: null,
    price: usd(12000),
    kind: 'class_pack',
    credits: { count: 10, eventTypes: ['yoga'] },
    validityDays: 90,
    validityStarts: 'purchase',
  },
};
const history: ProductEvent[] = [
  created,
  {
    type: 'ProductPriceChanged',
    data: { productId, price: usd(13000), previousPrice: usd(12000) },
  },
  { type: 'ProductDetailsChanged', data: { productId, name: 'Ten classes' } },
  { type: 'ProductDetailsChanged', data: { productId, description: 'Any mat class' } },
  // Above 2^31 (a price in rupiah): the bigint column, read back as a string, answers a number.
  {
    type: 'ProductPriceChanged',
    data: { productId, price: usd(3_000_000_000), previousPrice: usd(13000) },
  },
  { type: 'ProductArchived', data: { productId } },
];

let db: Database;
let events: RecordedEvent[];

beforeAll(async () => {
  db = await openTestDatabase();
  await migrateToLatest(db, eventStoreMigrations, productsMigrations);
  const store = new PostgresEventStore(db.sql, { name: db.kind });
  await store.append(
    productStream(productId),
    history.map((event) => ({ ...event, metadata })),
    { expectedRevision: 'no_stream' },
  );
  // The log is read below the server's oldest open transaction (ADR 0002): on a shared
  // PostgreSQL another's may hold it back a moment.
  do events = await store.readAll({ from: null, limit: 100 });
  while (events.length < history.length);
});
afterAll(() => db.close());

const apply = (batch: RecordedEvent[]) =>
  db.kysely.transaction().execute((trx) => productsProjection.apply(trx, batch));
const read = () => new GetProductHandler(db).execute(new GetProduct(studioId, productId));

describe('the products projection', () => {
  it('folds the events into the product; a replayed or older batch changes nothing', async () => {
    await apply(events);
    const product = await read();
    expect(product).toEqual({
      id: productId,
      studioId,
      kind: 'class_pack',
      name: 'Ten classes',
      description: 'Any mat class',
      price: usd(3_000_000_000),
      credits: { count: 10, eventTypes: ['yoga'] },
      validityDays: 90,
      validityStarts: 'purchase',
      archived: true,
      version: 5,
    });

    await apply(events);
    await apply(events.slice(0, 3));
    expect(await read()).toEqual(product);
  });
});

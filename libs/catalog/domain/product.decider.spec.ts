import { CurrencyMismatch, fold, InvalidInput, NotFound } from '@clientele/shared';
import { deciderSpec } from '@clientele/shared/testing/decider-spec';
import type { CreateProductCommand, ProductChanges } from './product.commands';
import { productDecider } from './product.decider';
import type { ProductCreated, ProductEvent } from './product.events';
import { ArchivedProductCannotChange, ProductMustNotBeCreatedTwice } from './product.rules';

const spec = deciderSpec(productDecider);
const productId = '5b8e1c2d-0000-4000-8000-000000000001';
const studioId = 'b7e0d7a2-0000-4000-8000-000000000002';
const scope = { productId, studioId, studioCurrency: 'USD' };
const usd = (amount: number) => ({ amount, currency: 'USD' });

const pack = (data: Record<string, unknown> = {}): CreateProductCommand =>
  ({
    type: 'CreateProduct',
    data: {
      ...scope,
      kind: 'class_pack',
      name: '10 classes',
      price: usd(12000),
      credits: { count: 10, eventTypes: ['yoga', 'pilates-mat'] },
      validityDays: 90,
      ...data,
    },
  }) as CreateProductCommand;

const packCreated: ProductCreated = {
  type: 'ProductCreated',
  data: {
    productId,
    studioId,
    name: '10 classes',
    description: null,
    price: usd(12000),
    kind: 'class_pack',
    credits: { count: 10, eventTypes: ['yoga', 'pilates-mat'] },
    validityDays: 90,
    validityStarts: 'purchase',
  },
};

const update = (changes: ProductChanges, inStudio = studioId) => ({
  type: 'UpdateProduct' as const,
  data: { ...scope, studioId: inStudio, changes },
});
const archived: ProductEvent = { type: 'ProductArchived', data: { productId } };

describe('creating a product', () => {
  it('records a class pack whose validity starts at purchase unless told otherwise', () => {
    spec.given([]).when(pack()).then([packCreated]);
  });

  it('records each kind with the details of that kind', () => {
    spec
      .given([])
      .when({
        type: 'CreateProduct',
        data: {
          ...scope,
          kind: 'membership',
          name: 'Unlimited monthly',
          description: 'Every class, every day',
          price: usd(15900),
          billingPeriod: { unit: 'month', count: 1 },
          eventTypes: ['yoga'],
          creditsPerPeriod: null,
        },
      })
      .then([
        {
          type: 'ProductCreated',
          data: {
            productId,
            studioId,
            name: 'Unlimited monthly',
            description: 'Every class, every day',
            price: usd(15900),
            kind: 'membership',
            billingPeriod: { unit: 'month', count: 1 },
            eventTypes: ['yoga'],
            creditsPerPeriod: null,
          },
        },
      ]);
    spec
      .given([])
      .when(
        pack({
          kind: 'private_pass',
          name: '5 privates',
          validityDays: null,
          validityStarts: 'first_use',
        }),
      )
      .then([
        {
          type: 'ProductCreated',
          data: {
            productId,
            studioId,
            name: '5 privates',
            description: null,
            price: usd(12000),
            kind: 'private_pass',
            credits: { count: 10, eventTypes: ['yoga', 'pilates-mat'] },
            validityDays: null,
            validityStarts: 'first_use',
          },
        },
      ]);
    spec
      .given([])
      .when({
        type: 'CreateProduct',
        data: { ...scope, kind: 'vod', name: 'On demand', price: usd(900), accessDays: 30 },
      })
      .then([
        {
          type: 'ProductCreated',
          data: {
            productId,
            studioId,
            name: 'On demand',
            description: null,
            price: usd(900),
            kind: 'vod',
            accessDays: 30,
          },
        },
      ]);
    spec
      .given([])
      .when({
        type: 'CreateProduct',
        data: { ...scope, kind: 'service', name: 'Towel', price: usd(0) },
      })
      .then([
        {
          type: 'ProductCreated',
          data: {
            productId,
            studioId,
            name: 'Towel',
            description: null,
            price: usd(0),
            kind: 'service',
          },
        },
      ]);
  });

  it('trims the name, and keeps no blank description and no field of another kind', () => {
    spec
      .given([])
      .when(pack({ name: '  10 classes ', description: '   ', accessDays: 30 }))
      .then([packCreated]);
  });

  it('cannot create the same product twice', () => {
    spec.given([packCreated]).when(pack()).thenThrows(ProductMustNotBeCreatedTwice);
  });

  it('refuses a price in another currency than the studio’s', () => {
    spec
      .given([])
      .when(pack({ price: { amount: 12000, currency: 'EUR' } }))
      .thenThrows(CurrencyMismatch, (error) =>
        expect(error.extensions).toEqual({ expectedCurrency: 'USD', currency: 'EUR' }),
      );
  });

  const membership = (data: Record<string, unknown>) =>
    ({
      type: 'CreateProduct',
      data: {
        ...scope,
        kind: 'membership',
        name: 'Monthly',
        price: usd(9900),
        billingPeriod: { unit: 'month', count: 1 },
        eventTypes: ['yoga'],
        creditsPerPeriod: 8,
        ...data,
      },
    }) as CreateProductCommand;
  const vod = (accessDays: number) =>
    ({
      type: 'CreateProduct',
      data: { ...scope, kind: 'vod', name: 'Videos', price: usd(900), accessDays },
    }) as CreateProductCommand;

  it.each<[string, CreateProductCommand, string]>([
    ['a blank name', pack({ name: '   ' }), 'name'],
    ['a name of 101 characters', pack({ name: 'x'.repeat(101) }), 'name'],
    ['a description of 2,001 characters', pack({ description: 'x'.repeat(2001) }), 'description'],
    ['a negative price', pack({ price: usd(-1) }), 'price.amount'],
    ['a fractional price', pack({ price: usd(12.5) }), 'price.amount'],
    ['an unsafe price', pack({ price: usd(Number.MAX_SAFE_INTEGER + 1) }), 'price.amount'],
    ['a malformed currency', pack({ price: { amount: 1, currency: 'usd' } }), 'price.currency'],
    ['no event types', pack({ credits: { count: 10, eventTypes: [] } }), 'credits.eventTypes'],
    [
      'an event type with capitals',
      pack({ credits: { count: 10, eventTypes: ['Yoga'] } }),
      'credits.eventTypes',
    ],
    [
      'an event type of 64 characters',
      pack({ credits: { count: 10, eventTypes: ['y'.repeat(64)] } }),
      'credits.eventTypes',
    ],
    [
      'an event type twice',
      pack({ credits: { count: 10, eventTypes: ['yoga', 'yoga'] } }),
      'credits.eventTypes',
    ],
    [
      '51 event types',
      pack({ credits: { count: 10, eventTypes: Array.from({ length: 51 }, (_, i) => `t${i}`) } }),
      'credits.eventTypes',
    ],
    ['no credits', pack({ credits: { count: 0, eventTypes: ['yoga'] } }), 'credits.count'],
    ['1,001 credits', pack({ credits: { count: 1001, eventTypes: ['yoga'] } }), 'credits.count'],
    ['a validity of 0 days', pack({ validityDays: 0 }), 'validityDays'],
    ['a validity of 3,651 days', pack({ validityDays: 3651 }), 'validityDays'],
    ['a validity that starts at lunch', pack({ validityStarts: 'lunch' }), 'validityStarts'],
    [
      'a billing period of 13 months',
      membership({ billingPeriod: { unit: 'month', count: 13 } }),
      'billingPeriod.count',
    ],
    [
      'a billing period of 0 weeks',
      membership({ billingPeriod: { unit: 'week', count: 0 } }),
      'billingPeriod.count',
    ],
    [
      'a billing period in days',
      membership({ billingPeriod: { unit: 'day', count: 1 } }),
      'billingPeriod.unit',
    ],
    ['a membership for no event type', membership({ eventTypes: [] }), 'eventTypes'],
    [
      'a membership with 0 credits a period',
      membership({ creditsPerPeriod: 0 }),
      'creditsPerPeriod',
    ],
    ['video access for 0 days', vod(0), 'accessDays'],
    ['video access for 3,651 days', vod(3651), 'accessDays'],
    ['video access for 1.5 days', vod(1.5), 'accessDays'],
  ])('refuses %s, naming the field', (_, command, field) => {
    spec
      .given([])
      .when(command)
      .thenThrows(InvalidInput, (error) =>
        expect(error.errors.map((e) => e.field)).toEqual([field]),
      );
  });

  it('names every bad field at once', () => {
    spec
      .given([])
      .when(pack({ name: '', price: usd(-5), credits: { count: 0, eventTypes: [] } }))
      .thenThrows(InvalidInput, (error) =>
        expect(error.errors.map((e) => e.field)).toEqual([
          'name',
          'price.amount',
          'credits.count',
          'credits.eventTypes',
        ]),
      );
  });
});

describe('changing a product', () => {
  it('changes the price for future sales, recording the previous one', () => {
    spec
      .given([packCreated])
      .when(update({ price: usd(13000) }))
      .then([
        {
          type: 'ProductPriceChanged',
          data: { productId, price: usd(13000), previousPrice: usd(12000) },
        },
      ]);
  });

  it('records nothing when the price is the same', () => {
    spec
      .given([packCreated])
      .when(update({ price: usd(12000) }))
      .then([]);
  });

  it('records only the details that change, and clears a description with null', () => {
    const described: ProductEvent = {
      type: 'ProductDetailsChanged',
      data: { productId, description: 'Any mat class' },
    };
    spec
      .given([packCreated])
      .when(update({ name: '10 classes', description: ' Any mat class ' }))
      .then([described]);
    spec
      .given([packCreated, described])
      .when(update({ name: 'Ten classes', description: null }))
      .then([
        {
          type: 'ProductDetailsChanged',
          data: { productId, name: 'Ten classes', description: null },
        },
      ]);
  });

  it('applies the changes sent with an archive before archiving', () => {
    spec
      .given([packCreated])
      .when(update({ name: 'Old pack', price: usd(9000), archived: true }))
      .then([
        { type: 'ProductDetailsChanged', data: { productId, name: 'Old pack' } },
        {
          type: 'ProductPriceChanged',
          data: { productId, price: usd(9000), previousPrice: usd(12000) },
        },
        archived,
      ]);
  });

  it('archives once: archiving again records nothing', () => {
    spec
      .given([packCreated])
      .when(update({ archived: true }))
      .then([archived]);
    spec
      .given([packCreated, archived])
      .when(update({ archived: true }))
      .then([]);
  });

  it('refuses to change an archived product, but takes a request that changes nothing', () => {
    spec
      .given([packCreated, archived])
      .when(update({ price: usd(1) }))
      .thenThrows(ArchivedProductCannotChange);
    spec
      .given([packCreated, archived])
      .when(update({ name: 'Revived' }))
      .thenThrows(ArchivedProductCannotChange);
    spec
      .given([packCreated, archived])
      .when(update({ name: '10 classes', price: usd(12000), archived: true }))
      .then([]);
  });

  it('refuses a price in another currency than the studio’s', () => {
    spec
      .given([packCreated])
      .when(update({ price: { amount: 12000, currency: 'GBP' } }))
      .thenThrows(CurrencyMismatch);
  });

  it.each<[string, ProductChanges, string]>([
    ['a blank name', { name: ' ' }, 'name'],
    ['a description of 2,001 characters', { description: 'x'.repeat(2001) }, 'description'],
    ['a negative price', { price: usd(-1) }, 'price.amount'],
    ['a price in "dollars"', { price: { amount: 1, currency: 'dollars' } }, 'price.currency'],
  ])('refuses %s, naming the field', (_, changes, field) => {
    spec
      .given([packCreated])
      .when(update(changes))
      .thenThrows(InvalidInput, (error) =>
        expect(error.errors.map((e) => e.field)).toEqual([field]),
      );
  });

  it('does not know a product of another studio, or one never created', () => {
    spec
      .given([packCreated])
      .when(update({ name: 'Mine now' }, 'another-studio'))
      .thenThrows(NotFound);
    spec
      .given([])
      .when(update({ name: 'Ghost' }))
      .thenThrows(NotFound);
  });
});

describe('the folded product', () => {
  it('is what its events made it', () => {
    const state = fold(productDecider, [
      packCreated,
      {
        type: 'ProductPriceChanged',
        data: { productId, price: usd(1), previousPrice: usd(12000) },
      },
      { type: 'ProductDetailsChanged', data: { productId, description: 'Cheap' } },
      archived,
    ]);
    expect(state).toEqual({
      status: 'created',
      product: {
        id: productId,
        studioId,
        name: '10 classes',
        description: 'Cheap',
        price: usd(1),
        kind: 'class_pack',
        credits: { count: 10, eventTypes: ['yoga', 'pilates-mat'] },
        validityDays: 90,
        validityStarts: 'purchase',
        archived: true,
      },
    });
  });
});

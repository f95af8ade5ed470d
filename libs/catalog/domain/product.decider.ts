import {
  EVENT_TYPE,
  assertNever,
  CurrencyMismatch,
  InvalidInput,
  isCurrency,
  money,
  NotFound,
  type Decider,
  type FieldError,
  type Money,
} from '@clientele/shared';
import type {
  CreateProductCommand,
  ProductCommand,
  ProductDetailsInput,
  UpdateProductCommand,
} from './product.commands';
import type { ProductDetails, ProductEvent } from './product.events';
import { ArchivedProductCannotChange, ProductMustNotBeCreatedTwice } from './product.rules';

/** A product as its events leave it. */
export type ProductFacts = {
  id: string;
  studioId: string;
  name: string;
  description: string | null;
  price: Money;
  archived: boolean;
} & ProductDetails;

export type ProductState = { status: 'none' } | { status: 'created'; product: ProductFacts };

const NAME_MAX = 100;
const DESCRIPTION_MAX = 2000;
const EVENT_TYPES_MAX = 50;
const CREDITS_MAX = 1000;
const DAYS_MAX = 3650;
const PERIODS_MAX = 12;
const PERIOD_UNITS: readonly string[] = ['week', 'month', 'year'];
const VALIDITY_STARTS: readonly string[] = ['purchase', 'first_use'];

function wholeFrom(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}

function checkName(name: string, errors: FieldError[]): void {
  const length = name.trim().length;
  if (length === 0) errors.push({ field: 'name', message: 'must not be blank' });
  else if (length > NAME_MAX) {
    errors.push({ field: 'name', message: `must be at most ${NAME_MAX} characters` });
  }
}

/** A blank description is no description. */
function tidyDescription(description: string | null | undefined): string | null {
  const trimmed = description?.trim();
  return trimmed ? trimmed : null;
}

function checkDescription(description: string | null, errors: FieldError[]): void {
  if (description !== null && description.length > DESCRIPTION_MAX) {
    errors.push({
      field: 'description',
      message: `must be at most ${DESCRIPTION_MAX} characters`,
    });
  }
}

function checkPrice(price: Money, errors: FieldError[]): void {
  if (!wholeFrom(price.amount, 0, Number.MAX_SAFE_INTEGER)) {
    errors.push({
      field: 'price.amount',
      message: 'must be a whole number of minor units, 0 or more',
    });
  }
  if (!isCurrency(price.currency)) {
    errors.push({ field: 'price.currency', message: 'must be an ISO 4217 code such as USD' });
  }
}

function checkEventTypes(field: string, eventTypes: string[], errors: FieldError[]): void {
  if (eventTypes.length === 0 || eventTypes.length > EVENT_TYPES_MAX) {
    errors.push({ field, message: `must name 1 to ${EVENT_TYPES_MAX} event types` });
  }
  for (const type of eventTypes) {
    if (!EVENT_TYPE.test(type)) {
      errors.push({ field, message: `"${type}" is not an event type (a-z, 0-9, _ and -)` });
    }
  }
  if (new Set(eventTypes).size !== eventTypes.length) {
    errors.push({ field, message: 'must not repeat an event type' });
  }
}

/** A number of days from 1 to 3650; null too, where null means something (`nullMeans`). */
function checkDays(field: string, days: number | null, errors: FieldError[], nullMeans?: string) {
  if (days === null && nullMeans) return;
  if (days === null || !wholeFrom(days, 1, DAYS_MAX)) {
    errors.push({
      field,
      message: `must be a whole number of days from 1 to ${DAYS_MAX}${nullMeans ? `, or null ${nullMeans}` : ''}`,
    });
  }
}

/** Checks the details of the product's kind, and keeps only the fields of that kind. */
function detailsOf(input: ProductDetailsInput, errors: FieldError[]): ProductDetails {
  switch (input.kind) {
    case 'membership': {
      const { billingPeriod, eventTypes, creditsPerPeriod } = input;
      if (!PERIOD_UNITS.includes(billingPeriod.unit)) {
        errors.push({ field: 'billingPeriod.unit', message: 'must be week, month or year' });
      }
      if (!wholeFrom(billingPeriod.count, 1, PERIODS_MAX)) {
        errors.push({
          field: 'billingPeriod.count',
          message: `must be a whole number from 1 to ${PERIODS_MAX}`,
        });
      }
      checkEventTypes('eventTypes', eventTypes, errors);
      if (creditsPerPeriod !== null && !wholeFrom(creditsPerPeriod, 1, CREDITS_MAX)) {
        errors.push({
          field: 'creditsPerPeriod',
          message: `must be a whole number from 1 to ${CREDITS_MAX}, or null for unlimited visits`,
        });
      }
      return {
        kind: input.kind,
        billingPeriod: { unit: billingPeriod.unit, count: billingPeriod.count },
        eventTypes,
        creditsPerPeriod,
      };
    }
    case 'class_pack':
    case 'private_pass': {
      const { credits, validityDays, validityStarts = 'purchase' } = input;
      if (!wholeFrom(credits.count, 1, CREDITS_MAX)) {
        errors.push({
          field: 'credits.count',
          message: `must be a whole number from 1 to ${CREDITS_MAX}`,
        });
      }
      checkEventTypes('credits.eventTypes', credits.eventTypes, errors);
      checkDays('validityDays', validityDays, errors, 'for credits that never expire');
      if (!VALIDITY_STARTS.includes(validityStarts)) {
        errors.push({ field: 'validityStarts', message: 'must be purchase or first_use' });
      }
      return {
        kind: input.kind,
        credits: { count: credits.count, eventTypes: credits.eventTypes },
        validityDays,
        validityStarts,
      };
    }
    case 'vod':
      checkDays('accessDays', input.accessDays, errors);
      return { kind: input.kind, accessDays: input.accessDays };
    case 'service':
      return { kind: input.kind };
    default:
      return assertNever(input);
  }
}

function invalid(errors: FieldError[]): void {
  if (errors.length > 0) throw new InvalidInput('The product is not valid.', errors);
}

/** A studio prices in one currency; nothing converts. */
function assertStudioCurrency(price: Money, studioCurrency: string): void {
  if (price.currency !== studioCurrency) throw new CurrencyMismatch(studioCurrency, price.currency);
}

function create(command: CreateProductCommand, state: ProductState): ProductEvent[] {
  const { productId, studioId, studioCurrency, name, price } = command.data;
  if (state.status !== 'none') throw new ProductMustNotBeCreatedTwice(productId);
  const description = tidyDescription(command.data.description);
  const errors: FieldError[] = [];
  checkName(name, errors);
  checkDescription(description, errors);
  checkPrice(price, errors);
  const details = detailsOf(command.data, errors);
  invalid(errors);
  assertStudioCurrency(price, studioCurrency);
  return [
    {
      type: 'ProductCreated',
      data: {
        productId,
        studioId,
        name: name.trim(),
        description,
        price: money(price.amount, price.currency),
        ...details,
      },
    },
  ];
}

function update(command: UpdateProductCommand, state: ProductState): ProductEvent[] {
  const { productId, studioId, studioCurrency, changes } = command.data;
  if (state.status !== 'created' || state.product.studioId !== studioId) {
    throw new NotFound('product', productId);
  }
  const errors: FieldError[] = [];
  if (changes.name !== undefined) checkName(changes.name, errors);
  const description =
    changes.description === undefined ? undefined : tidyDescription(changes.description);
  if (description !== undefined) checkDescription(description, errors);
  if (changes.price !== undefined) checkPrice(changes.price, errors);
  invalid(errors);
  if (changes.price !== undefined) assertStudioCurrency(changes.price, studioCurrency);

  // Only what really changes becomes an event: the same name or price again records nothing.
  const { product } = state;
  const events: ProductEvent[] = [];
  const name = changes.name?.trim();
  const renamed = name !== undefined && name !== product.name;
  const redescribed = description !== undefined && description !== product.description;
  if (renamed || redescribed) {
    events.push({
      type: 'ProductDetailsChanged',
      data: {
        productId,
        ...(renamed ? { name } : {}),
        ...(redescribed ? { description } : {}),
      },
    });
  }
  const price = changes.price;
  if (
    price &&
    (price.amount !== product.price.amount || price.currency !== product.price.currency)
  ) {
    events.push({
      type: 'ProductPriceChanged',
      data: {
        productId,
        price: money(price.amount, price.currency),
        previousPrice: product.price,
      },
    });
  }
  if (product.archived && events.length > 0) throw new ArchivedProductCannotChange(productId);
  // Archived last, so the changes sent with it land first.
  if (changes.archived === true && !product.archived) {
    events.push({ type: 'ProductArchived', data: { productId } });
  }
  return events;
}

export const productDecider: Decider<ProductCommand, ProductEvent, ProductState> = {
  initialState: { status: 'none' },
  evolve(state, event) {
    switch (event.type) {
      case 'ProductCreated': {
        const { productId, ...created } = event.data;
        return { status: 'created', product: { id: productId, ...created, archived: false } };
      }
      case 'ProductPriceChanged':
        if (state.status !== 'created') return state;
        return { ...state, product: { ...state.product, price: event.data.price } };
      case 'ProductDetailsChanged': {
        if (state.status !== 'created') return state;
        const { name, description } = event.data;
        return {
          ...state,
          product: {
            ...state.product,
            ...(name !== undefined ? { name } : {}),
            ...(description !== undefined ? { description } : {}),
          },
        };
      }
      case 'ProductArchived':
        if (state.status !== 'created') return state;
        return { ...state, product: { ...state.product, archived: true } };
      default:
        return assertNever(event);
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'CreateProduct':
        return create(command, state);
      case 'UpdateProduct':
        return update(command, state);
      default:
        return assertNever(command);
    }
  },
};

import { InvalidInput, RuleViolation } from './errors';

/**
 * The one money type: an integer of minor units (cents, pence, yen) and an ISO 4217 currency.
 * Never a float, never rounded: amounts are only added, subtracted and multiplied by whole
 * quantities, which stay exact.
 */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

const CURRENCY = /^[A-Z]{3}$/;

export function isCurrency(value: unknown): value is string {
  return typeof value === 'string' && CURRENCY.test(value);
}

/** Money from trusted parts; throws on a fractional or unsafe amount or a malformed currency. */
export function money(amount: number, currency: string): Money {
  if (!Number.isSafeInteger(amount)) {
    throw new InvalidInput(`A money amount is a whole number of minor units, got ${amount}.`, [
      { field: 'amount', message: 'must be a whole number of minor units' },
    ]);
  }
  if (!isCurrency(currency)) {
    throw new InvalidInput(`A currency is an ISO 4217 code such as "USD", got "${currency}".`, [
      { field: 'currency', message: 'must be an ISO 4217 code' },
    ]);
  }
  return { amount, currency };
}

export const zero = (currency: string): Money => money(0, currency);

export class CurrencyMismatch extends RuleViolation {
  constructor(expected: string, actual: string) {
    super('currency_mismatch', `The studio works in ${expected}; ${actual} cannot be used here.`, {
      expectedCurrency: expected,
      currency: actual,
    });
  }
}

/** Refuses to mix currencies: a studio has one, and nothing converts. */
export function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new CurrencyMismatch(a.currency, b.currency);
}

export function add(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amount + b.amount, a.currency);
}

export function subtract(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amount - b.amount, a.currency);
}

export function times(a: Money, quantity: number): Money {
  if (!Number.isSafeInteger(quantity)) throw new RangeError(`Not a whole quantity: ${quantity}`);
  return money(a.amount * quantity, a.currency);
}

export function sum(amounts: readonly Money[], currency: string): Money {
  return amounts.reduce(add, zero(currency));
}

/**
 * The amount as a decimal in the currency's own minor unit ("12.50" USD, "1250" JPY, "1.250"
 * BHD), for a spreadsheet: computed from the integer, never through a float.
 */
export function decimalAmount({ amount, currency }: Money): string {
  const digits =
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits ?? 2;
  const whole = Math.abs(amount)
    .toString()
    .padStart(digits + 1, '0');
  const units = digits === 0 ? whole : `${whole.slice(0, -digits)}.${whole.slice(-digits)}`;
  return amount < 0 ? `-${units}` : units;
}

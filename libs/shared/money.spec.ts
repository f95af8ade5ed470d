import { InvalidInput } from './errors';
import { add, CurrencyMismatch, decimalAmount, money, subtract, sum, times } from './money';

describe('Money', () => {
  it('adds, subtracts and multiplies whole minor units exactly', () => {
    // 0.1 + 0.2 in floats is 0.30000000000000004; in minor units it is 30.
    expect(add(money(10, 'USD'), money(20, 'USD'))).toEqual({ amount: 30, currency: 'USD' });
    expect(subtract(money(1999, 'EUR'), money(2000, 'EUR'))).toEqual({
      amount: -1,
      currency: 'EUR',
    });
    expect(times(money(1999, 'EUR'), 3)).toEqual({ amount: 5997, currency: 'EUR' });
    expect(sum([money(1, 'JPY'), money(2, 'JPY')], 'JPY')).toEqual({ amount: 3, currency: 'JPY' });
    expect(sum([], 'GBP')).toEqual({ amount: 0, currency: 'GBP' });
  });

  it('refuses fractions, unsafe integers and malformed currencies', () => {
    expect(() => money(12.5, 'USD')).toThrow(InvalidInput);
    expect(() => money(Number.MAX_SAFE_INTEGER + 1, 'USD')).toThrow(InvalidInput);
    expect(() => money(Number.NaN, 'USD')).toThrow(InvalidInput);
    expect(() => money(1, 'usd')).toThrow(InvalidInput);
    expect(() => money(1, 'DOLLARS')).toThrow(InvalidInput);
    expect(() => times(money(1, 'USD'), 1.5)).toThrow(RangeError);
    expect(() => times(money(Number.MAX_SAFE_INTEGER, 'USD'), 2)).toThrow(InvalidInput);
  });

  it('never mixes currencies', () => {
    expect(() => add(money(1, 'USD'), money(1, 'EUR'))).toThrow(CurrencyMismatch);
    expect(() => sum([money(1, 'USD')], 'EUR')).toThrow(CurrencyMismatch);
  });

  it('writes a decimal in the minor unit of its currency, exactly', () => {
    expect(decimalAmount(money(1250, 'USD'))).toBe('12.50');
    expect(decimalAmount(money(5, 'EUR'))).toBe('0.05');
    expect(decimalAmount(money(-5, 'EUR'))).toBe('-0.05');
    expect(decimalAmount(money(1250, 'JPY'))).toBe('1250');
    expect(decimalAmount(money(1250, 'BHD'))).toBe('1.250');
    expect(decimalAmount(money(Number.MAX_SAFE_INTEGER, 'USD'))).toBe('90071992547409.91');
  });
});

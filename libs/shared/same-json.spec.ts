import { sameJson } from './same-json';

describe('sameJson', () => {
  it('finds objects alike whatever the order of their keys, at any depth', () => {
    expect(
      sameJson(
        { a: 1, b: { c: [1, { d: 'x', e: null }] } },
        { b: { c: [1, { e: null, d: 'x' }] }, a: 1 },
      ),
    ).toBe(true);
  });

  it('takes a key holding undefined as absent, as JSON does', () => {
    expect(sameJson({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: null })).toBe(false);
  });

  it('takes a class instance as its fields', () => {
    class Address {
      constructor(readonly city: string) {}
    }
    expect(sameJson(new Address('Springfield'), { city: 'Springfield' })).toBe(true);
  });

  it('reads dates, non-finite numbers and holes as JSON writes them', () => {
    expect(sameJson(new Date(0), new Date(1))).toBe(false);
    expect(sameJson(new Date(0), '1970-01-01T00:00:00.000Z')).toBe(true);
    expect(sameJson({ n: NaN }, { n: NaN })).toBe(true);
    expect(sameJson({ n: Infinity }, { n: null })).toBe(true);
    expect(sameJson([undefined], [null])).toBe(true);
    // eslint-disable-next-line no-sparse-arrays -- a hole, as JSON writes null for it
    expect(sameJson([, 1], [5, 1])).toBe(false);
  });

  it('tells apart what differs: a value, a key, the order of a list, a list from an object', () => {
    expect(sameJson({ a: 1 }, { a: 2 })).toBe(false);
    expect(sameJson({ a: 1 }, { b: 1 })).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson([1], { 0: 1 })).toBe(false);
    expect(sameJson({ a: null }, { a: {} })).toBe(false);
    expect(sameJson('1', 1)).toBe(false);
  });
});

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

  it('tells apart what differs: a value, a key, the order of a list, a list from an object', () => {
    expect(sameJson({ a: 1 }, { a: 2 })).toBe(false);
    expect(sameJson({ a: 1 }, { b: 1 })).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson([1], { 0: 1 })).toBe(false);
    expect(sameJson({ a: null }, { a: {} })).toBe(false);
    expect(sameJson('1', 1)).toBe(false);
  });
});

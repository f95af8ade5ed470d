import type { EventStore } from '../event-store.port';

/**
 * A store as one request sees it, held at its `nth` call of `method` on `stream` (before the
 * call goes through) until `release()`; `reached` resolves when the request gets there. Race
 * tests put two requests one after the other at the exact point they mean to test.
 */
export function heldStore(
  store: EventStore,
  at: { method: 'append' | 'readStream'; stream: string; nth?: number },
): { store: EventStore; reached: Promise<void>; release: () => void } {
  let reachedIt!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (reachedIt = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  let calls = 0;
  const held = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property !== at.method) return value.bind(target);
      return async (stream: string, ...rest: unknown[]) => {
        if (stream === at.stream && ++calls === (at.nth ?? 1)) {
          reachedIt();
          await gate;
        }
        return value.call(target, stream, ...rest);
      };
    },
  });
  return { store: held, reached, release };
}

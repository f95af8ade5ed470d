import { DEFAULT_RETRY, nextAttempt } from './retry';

const now = new Date('2026-11-27T09:00:00.000Z');
const waitAfter = (attempts: number, policy = DEFAULT_RETRY) => {
  const next = nextAttempt(policy, attempts, now);
  return next === null ? null : next.getTime() - now.getTime();
};

describe('trying a notification again', () => {
  it('waits twice as long after each failure', () => {
    expect([1, 2, 3, 7].map((attempts) => waitAfter(attempts))).toEqual([
      30_000,
      60_000,
      120_000,
      32 * 60_000,
    ]);
  });

  it('never waits longer than the cap', () => {
    const patient = { ...DEFAULT_RETRY, maxAttempts: 20 };
    expect(waitAfter(8, patient)).toBe(60 * 60_000);
    expect(waitAfter(19, patient)).toBe(60 * 60_000);
  });

  it('gives up after the last attempt', () => {
    expect(waitAfter(8)).toBeNull();
    expect(waitAfter(9)).toBeNull();
  });
});

import { TooManyRequests } from '@clientele/shared';
import { FailedAuthentications } from './failed-authentications';

describe('FailedAuthentications', () => {
  let now: number;
  const limiter = () => new FailedAuthentications(3, 60, () => now);
  beforeEach(() => {
    now = 1_000_000;
  });

  const refusal = (f: FailedAuthentications, address: string): TooManyRequests | undefined => {
    try {
      f.check(address);
      return undefined;
    } catch (error) {
      if (error instanceof TooManyRequests) return error;
      throw error;
    }
  };

  it('lets an address fail up to the limit, then refuses it until its window ends', () => {
    const f = limiter();
    for (let i = 0; i < 3; i++) {
      expect(refusal(f, '10.0.0.1')).toBeUndefined();
      f.record('10.0.0.1');
    }
    now += 15_000;
    expect(refusal(f, '10.0.0.1')).toMatchObject({
      code: 'too_many_requests',
      retryAfterSeconds: 45,
    });
    now += 44_999;
    expect(refusal(f, '10.0.0.1')?.retryAfterSeconds).toBe(1);
    now += 1;
    expect(refusal(f, '10.0.0.1')).toBeUndefined();
  });

  it('counts each address on its own', () => {
    const f = limiter();
    for (let i = 0; i < 3; i++) f.record('10.0.0.1');
    expect(refusal(f, '10.0.0.1')).toBeDefined();
    expect(refusal(f, '10.0.0.2')).toBeUndefined();
  });

  it('starts a fresh window after one ends: old failures do not add up', () => {
    const f = limiter();
    f.record('10.0.0.1');
    f.record('10.0.0.1');
    now += 60_000;
    f.record('10.0.0.1');
    f.record('10.0.0.1');
    expect(refusal(f, '10.0.0.1')).toBeUndefined();
  });

  it('remembers a bounded number of addresses, still refusing the newest past the limit', () => {
    const f = limiter();
    for (let i = 0; i < 10_050; i++) f.record(`addr-${i}`);
    for (let i = 0; i < 2; i++) f.record('addr-10049');
    expect(refusal(f, 'addr-10049')).toBeDefined();
    expect((f as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(
      10_000,
    );
  });
});

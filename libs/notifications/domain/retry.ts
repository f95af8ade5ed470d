/** How often a notification is tried, and how long apart. */
export interface RetryPolicy {
  maxAttempts: number;
  /** The wait after the first failure; each further failure doubles it. */
  firstDelayMs: number;
  /** No wait is longer than this. */
  maxDelayMs: number;
}

/** 8 tries over about an hour: 30 s after the first, then 1, 2, 4, 8, 16 and 32 minutes. */
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 8,
  firstDelayMs: 30_000,
  maxDelayMs: 60 * 60_000,
};

/** After the `attempts`-th failed try: when to try again, or null when it has failed for good. */
export function nextAttempt(policy: RetryPolicy, attempts: number, now: Date): Date | null {
  if (attempts >= policy.maxAttempts) return null;
  const delay = Math.min(policy.firstDelayMs * 2 ** (attempts - 1), policy.maxDelayMs);
  return new Date(now.getTime() + delay);
}

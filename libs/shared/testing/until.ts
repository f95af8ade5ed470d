export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits for a condition that becomes true on its own, failing after `timeoutMs`. On a
 * PostgreSQL server shared by suites, the log is read below the oldest open transaction
 * (ADR 0002): what was just appended may show a moment later.
 */
export async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('Timed out waiting for a condition.');
    await delay(10);
  }
}

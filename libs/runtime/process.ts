/** Runs a process's `main`: closes cleanly once on SIGINT/SIGTERM, and exits 1 with a message on failure. */
export function runMain(main: () => Promise<() => Promise<void>>): void {
  main()
    .then((close) => {
      let closing = false;
      const shutdown = async () => {
        if (closing) return;
        closing = true;
        await close();
        process.exit(0);
      };
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
    })
    .catch((error: unknown) => {
      console.error(failureText(error));
      process.exit(1);
    });
}

/**
 * What failed, in words: the message, and its cause's when it has one, such as the refused
 * connection behind a DatabaseUnavailable, whose own message is written for API consumers.
 */
export function failureText(error: unknown): string {
  const { message, cause } = (error ?? {}) as { message?: unknown; cause?: { message?: unknown } };
  if (typeof message !== 'string') return String(error);
  return typeof cause?.message === 'string' ? `${message} (${cause.message})` : message;
}

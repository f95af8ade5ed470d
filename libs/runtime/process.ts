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
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}

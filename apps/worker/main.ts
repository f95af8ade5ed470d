import 'reflect-metadata';
import { loadConfig, openRuntime } from '@clientele/runtime';

/**
 * Runs the projectors on their own, for scale-out: start the API with PROJECTIONS=off and as
 * many workers as you like; for each batch of each projection one of them wins an advisory lock.
 */
async function main() {
  const runtime = await openRuntime(loadConfig(), 'worker');
  runtime.runner.start();
  console.log(
    `Clientele worker: projecting ${runtime.runner.names.join(', ')} from ${runtime.store.name}`,
  );
  const shutdown = async () => {
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

import 'reflect-metadata';
import { loadConfig, openRuntime, runMain } from '@clientele/runtime';

/**
 * Runs the projectors on their own, for scale-out: start the API with PROJECTIONS=off and as
 * many workers as you like; for each batch of each projection one of them wins an advisory lock.
 */
runMain(async () => {
  const runtime = await openRuntime(loadConfig(), 'worker');
  runtime.runner.start();
  console.log(
    `Clientele worker: projecting ${runtime.runner.names.join(', ')} from ${runtime.store.name}`,
  );
  return () => runtime.close();
});

import 'reflect-metadata';
import { loadConfig, openRuntime, runMain } from '@clientele/runtime';

/**
 * Runs the projectors and the account upkeep on their own, for scale-out: start the API with
 * PROJECTIONS=off and as many workers as you like; for each batch of each projection one of them
 * wins an advisory lock, and each account's renewal is one decision at a revision.
 */
runMain(async () => {
  const runtime = await openRuntime(loadConfig(), 'worker');
  runtime.runner.start();
  runtime.startUpkeep();
  console.log(
    `Clientele worker: projecting ${runtime.runner.names.join(', ')} from ${runtime.store.name}; renewing memberships, expiring credits, settling bookings and marking no-shows every minute`,
  );
  return () => runtime.close();
});

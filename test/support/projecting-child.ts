import 'reflect-metadata';
import { loadConfig, openRuntime, runMain } from '@clientele/runtime';

/**
 * apps/worker for the embedded database, which a worker cannot open beside the API (one process
 * holds the folder): the same runtime with its projections started, and nothing else, for the
 * fault tests to kill. On PostgreSQL they run apps/worker itself.
 */
runMain(async () => {
  const runtime = await openRuntime(loadConfig(), 'server');
  runtime.runner.start();
  process.stdout.write(`projecting ${runtime.runner.names.join(', ')}\n`);
  return () => runtime.close();
});

import 'reflect-metadata';
import { announceServer, loadConfig, openRuntime, runMain } from '@clientele/runtime';
import { createApp } from './create-app';

runMain(async () => {
  const config = loadConfig();
  const runtime = await openRuntime(config, 'server');
  if (config.projections === 'in-process') {
    runtime.runner.start();
    runtime.startUpkeep();
  }
  // Imports a stopped process left running go on where they stopped.
  await runtime.imports.resumeUnfinished();
  const adminSecret: { value: string | null } = { value: null };
  const app = await createApp(runtime, { adminSecret });
  await app.listen({ port: config.port, host: process.env.HOST ?? '0.0.0.0' });
  if (!config.databaseUrl) {
    // The embedded database is ours alone: the CLI now sends its actions here.
    adminSecret.value = announceServer(
      config.dataDir,
      `http://127.0.0.1:${config.port}`,
    ).adminSecret;
  }
  const where = config.databaseUrl ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`;
  console.log(
    `Clientele API on http://localhost:${config.port} (${where}; events on ${runtime.store.name})`,
  );
  console.log(`OpenAPI: http://localhost:${config.port}/docs`);
  console.log(
    'First studio: npx clientele studio create --name "Sunrise Yoga" --currency USD --timezone America/New_York --owner-email owner@example.com',
  );
  return async () => {
    await app.close();
    await runtime.close();
  };
});

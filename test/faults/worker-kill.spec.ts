import { join } from 'node:path';
import 'reflect-metadata';
import { covers, parseCheckpoint } from '@clientele/eventstore';
import type { Runtime } from '@clientele/runtime';
import { delay } from '@clientele/shared/testing/until';
import { faultRandom, faultSuite, startChild } from '../support/fault-processes';
import { expectCountersToMatchTheStreams, writeTraffic } from '../support/fault-traffic';
import { expectReadModelsToEqualRebuild, forgetReadModels } from '../support/read-models';

/**
 * Issue 8, item 3: the process that runs the projections is killed (SIGKILL) while it catches up
 * with a log it has not projected yet, at a random moment, and started again, more than once;
 * afterwards nothing was applied twice or skipped and the read models equal a rebuild from
 * scratch. On PostgreSQL that process is apps/worker; on the embedded database, the API (which
 * runs the projections there: a worker needs a server).
 */
const suite = faultSuite('fault-worker');

/** apps/worker on PostgreSQL; its stand-in on the embedded database (projecting-child.ts). */
async function startProjecting() {
  const worker = suite.db.schema
    ? startChild(join(suite.out, 'apps/worker/main.js'), [], suite.db.env)
    : startChild(join(suite.out, 'test/support/projecting-child.js'), [], suite.db.env);
  await worker.said('projecting');
  return worker;
}

it('applies every event once when the projecting process is killed mid-catch-up', async () => {
  const random = faultRandom('worker-kill');
  let runtime: Runtime = await suite.db.open();
  const { traffic, head } = await writeTraffic(runtime, random, {
    clients: 30,
    sessions: 4,
    imported: 1500,
  })
    .then(async (traffic) => ({ traffic, head: await runtime.store.head() }))
    .finally(() => runtime.close());

  /** Kills that left a projection part of the way: some batches committed, more to go. */
  let caught = 0;
  let windowMs = 2000;
  for (let round = 0; caught < 2 && round < 10; round++) {
    const child = await startProjecting();
    await delay(Math.floor(random() * windowMs));
    await child.kill();
    runtime = await suite.db.open();
    try {
      const checkpoints = (await runtime.runner.status()).map((s) => parseCheckpoint(s.checkpoint));
      if (checkpoints.some((c) => c !== null && !covers(c, head))) caught++;
      else if (checkpoints.every((c) => covers(c, head))) {
        // It had finished: start over from nothing, and kill sooner.
        windowMs /= 2;
        await forgetReadModels(runtime.db);
      }
    } finally {
      await runtime.close();
    }
  }
  expect(caught).toBeGreaterThan(0);

  runtime = await suite.db.open();
  try {
    await runtime.runner.catchUp();
    await expectCountersToMatchTheStreams(runtime, traffic);
    await expectReadModelsToEqualRebuild(runtime);
  } finally {
    await runtime.close();
  }
}, 240_000);

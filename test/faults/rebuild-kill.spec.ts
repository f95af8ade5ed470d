import { join } from 'node:path';
import 'reflect-metadata';
import type { Runtime } from '@clientele/runtime';
import { delay } from '@clientele/shared/testing/until';
import { faultRandom, faultSuite, startChild } from '../support/fault-processes';
import { expectCountersToMatchTheStreams, writeTraffic } from '../support/fault-traffic';
import {
  expectReadModelsToEqualRebuild,
  readModelTables,
  tableDifferences,
} from '../support/read-models';

/**
 * Issue 8, item 3: `clientele projections rebuild` is killed (SIGKILL) mid-rebuild, at a random
 * moment after its first page is replayed: the live tables keep answering the same, the claim
 * and the half-made tables it leaves do not block the next rebuild, which completes at once
 * (ADR 0020), and the read models equal a rebuild from scratch.
 */
const suite = faultSuite('fault-rebuild');

it('keeps serving the live tables when a rebuild is killed, and rebuilds again at once', async () => {
  const random = faultRandom('rebuild-kill');
  let runtime: Runtime = await suite.db.open();
  const { traffic, before } = await writeTraffic(runtime, random, {
    clients: 12,
    sessions: 3,
    imported: 1000,
  })
    .then(async (traffic) => {
      await runtime.runner.catchUp();
      return { traffic, before: await readModelTables(runtime.db) };
    })
    .finally(() => runtime.close());

  // On a server, another process reads the live tables while the rebuild runs. (The embedded
  // database is the rebuilding process's alone meanwhile.)
  const reader = suite.db.schema ? await suite.db.open() : null;
  /** Kills that left a rebuild unfinished: its claim still in projection_rebuilds. */
  let caught = 0;
  let windowMs = 1000;
  for (let round = 0; caught < 1 && round < 10; round++) {
    const cli = startChild(
      join(suite.out, 'apps/cli/main.js'),
      ['projections', 'rebuild'],
      suite.db.env,
    );
    // Its first progress line: the new tables are made and a first page replayed into them.
    await cli.said('events read');
    const killing = delay(Math.floor(random() * windowMs)).then(() => cli.kill());
    if (reader) expect(tableDifferences(before, await readModelTables(reader.db))).toEqual({});
    await killing;
    runtime = await suite.db.open();
    try {
      // Swapped in or not, every table answers what it answered before the rebuild.
      expect(tableDifferences(before, await readModelTables(runtime.db))).toEqual({});
      const claims = await runtime.db.kysely
        .selectFrom('projection_rebuilds')
        .selectAll()
        .execute();
      // Missed (it had finished, or not claimed yet): kill sooner.
      if (claims.length > 0) caught++;
      else windowMs /= 2;
    } finally {
      await runtime.close();
    }
  }
  await reader?.close();
  expect(caught).toBeGreaterThan(0);

  runtime = await suite.db.open();
  try {
    // Right after the kill: the dead rebuild's claim does not refuse this one.
    await expectReadModelsToEqualRebuild(runtime);
    expect(tableDifferences(before, await readModelTables(runtime.db))).toEqual({});
    await expectCountersToMatchTheStreams(runtime, traffic);
    expect(await runtime.db.kysely.selectFrom('projection_rebuilds').selectAll().execute()).toEqual(
      [],
    );
  } finally {
    await runtime.close();
  }
}, 240_000);

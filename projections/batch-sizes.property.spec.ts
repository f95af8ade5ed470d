import fc from 'fast-check';
import { migrateToLatest } from '@clientele/database';
import { accountDecider, accountStream } from '@clientele/entitlements';
import { accountSteps } from '@clientele/entitlements/testing/account-steps';
import { eventStoreMigrations, PostgresEventStore } from '@clientele/eventstore';
import { ProjectionRunner, projectorMigrations, type Projection } from '@clientele/projector';
import { sessionDecider, sessionStream } from '@clientele/scheduling';
import {
  schedule,
  scheduleCommand,
  sessionSteps,
} from '@clientele/scheduling/testing/session-steps';
import { uuidFrom } from '@clientele/shared';
import { propertyParameters, runSteps } from '@clientele/shared/testing/decider-property';
import { forgetReadModels, readModelTables } from '../test/support/read-models';
import { onPostgres, openTestDatabase } from '../test/support/test-database';
import { clientAccountsMigrations, clientAccountsProjection } from './client-accounts';
import { scheduleMigrations, scheduleProjection } from './schedule';

/**
 * Issue 8: the projections fed the same log in any batch sizes reach the same tables. The log is
 * what the deciders decide for random commands of a few accounts and sessions, appended one
 * decision at a time with the streams interleaved; the runner then applies it live (caught up
 * after every few appends), caught up afresh with other live and catch-up batch sizes, and
 * rebuilt beside the live tables in batches of yet another size (ADR 0020).
 */

const projections: Projection[] = [clientAccountsProjection, scheduleProjection];
const tables = projections.flatMap((p) => p.tables);
const clients = [1, 2, 3, 4].map((n) => uuidFrom(`batch-sizes:client-${n}`));
const sessions = [1, 2, 3, 4].map((n) => uuidFrom(`batch-sizes:session-${n}`));
const metadata = {
  studioId: uuidFrom('studio-1'),
  actor: { type: 'system' as const, id: 'batch-sizes.property.spec' },
  correlationId: 'batch-sizes.property.spec',
  schemaVersion: 1,
};
const START = new Date('2026-11-23T10:00:00Z');

/** One decision's events, appended together as its handler would. */
interface Append {
  stream: string;
  events: { type: string; data: unknown }[];
}

const streamsOf = fc.record({
  accounts: fc.tuple(
    ...clients.map((client) =>
      fc.array(fc.oneof(...accountSteps(client)), { minLength: 40, maxLength: 80 }),
    ),
  ),
  sessions: fc.tuple(
    ...sessions.map((session) =>
      fc.tuple(
        schedule.filter((s) => s.capacity > 0),
        fc.array(fc.oneof(...sessionSteps(session)), { minLength: 40, maxLength: 80 }),
      ),
    ),
  ),
  /** Which stream appends next, cycled through. */
  order: fc.array(fc.nat(), { minLength: 1, maxLength: 50 }),
});

type Generated = typeof streamsOf extends fc.Arbitrary<infer T> ? T : never;

const batchSizes = fc.record({
  liveBatchSize: fc.integer({ min: 1, max: 40 }),
  catchUpBatchSize: fc.integer({ min: 1, max: 150 }),
  rebuildBatchSize: fc.integer({ min: 1, max: 300 }),
  /** Appends between two catch-ups when applied live. */
  appendsPerCatchUp: fc.integer({ min: 1, max: 30 }),
});

/** The decisions of every stream, interleaved in the generated order, each stream's kept. */
function logOf(generated: Generated): Append[] {
  const perStream: Append[][] = [];
  generated.accounts.forEach((steps, i) => {
    const appends: Append[] = [];
    runSteps(accountDecider, START, steps, ({ events }) => {
      if (events.length > 0) appends.push({ stream: accountStream(clients[i]!), events });
    });
    perStream.push(appends);
  });
  generated.sessions.forEach(([first, steps], i) => {
    const appends: Append[] = [];
    const session = sessions[i]!;
    const all = [{ advanceMinutes: 0, command: () => scheduleCommand(session)(first) }, ...steps];
    runSteps(sessionDecider, START, all, ({ events }) => {
      if (events.length > 0) appends.push({ stream: sessionStream(session), events });
    });
    perStream.push(appends);
  });
  const log: Append[] = [];
  for (let k = 0; perStream.some((appends) => appends.length > 0); k++) {
    const open = perStream.filter((appends) => appends.length > 0);
    log.push(open[generated.order[k % generated.order.length]! % open.length]!.shift()!);
  }
  return log;
}

describe(`projections fed in any batch sizes (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('reach the same tables live, caught up afresh and rebuilt', async () => {
    await fc.assert(
      fc.asyncProperty(
        streamsOf,
        fc.array(batchSizes, { minLength: 2, maxLength: 2 }),
        async (generated, [live, other]) => {
          const log = logOf(generated);
          const db = await openTestDatabase();
          await migrateToLatest(
            db,
            eventStoreMigrations,
            projectorMigrations,
            clientAccountsMigrations,
            scheduleMigrations,
          );
          const store = PostgresEventStore.forDatabase(db);
          try {
            const runner = (sizes: typeof live) =>
              new ProjectionRunner(db, store, projections, sizes);
            const liveRunner = runner(live!);
            for (const [i, { stream, events }] of log.entries()) {
              await store.append(
                stream,
                events.map((event) => ({ ...event, metadata })),
                { expectedRevision: 'any' },
              );
              if ((i + 1) % live!.appendsPerCatchUp === 0) await liveRunner.catchUp();
            }
            await liveRunner.catchUp();
            const expected = await readModelTables(db, tables);

            await forgetReadModels(db, projections);
            await runner(other!).catchUp();
            expect(await readModelTables(db, tables)).toEqual(expected);

            const rebuilding = runner(other!);
            for (const { name } of projections) await rebuilding.rebuild(name);
            expect(await readModelTables(db, tables)).toEqual(expected);
          } finally {
            await store.close();
            await db.close();
          }
        },
      ),
      // Each run is a database of its own: shrinking would take minutes. FC_SEED replays a
      // failure, and FC_SHRINK=1 shrinks it where there is time to.
      { ...propertyParameters(5), endOnFailure: !process.env.FC_SHRINK },
    );
  });
});

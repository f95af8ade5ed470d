import { randomUUID } from 'node:crypto';
import 'reflect-metadata';
import { openDatabase } from '@clientele/database';
import { loadConfig, openRuntime } from '@clientele/runtime';
import {
  CancelEnrollment,
  CancelEnrollmentHandler,
  EnrollClient,
  EnrollClientHandler,
} from '@clientele/scheduling';
import { ClienteleError, type RequestContext } from '@clientele/shared';

/**
 * The process the crash test kills: clients book and cancel places without pause, many at once,
 * until SIGKILL stops it wherever it is. Started by test/e2e/booking-crash.e2e.spec.ts.
 */
export interface CrashPlan {
  studioId: string;
  sessionIds: string[];
  clientIds: string[];
  dataDir?: string;
  databaseUrl?: string;
  schema?: string;
}

async function main() {
  const plan = JSON.parse(process.env.CRASH_PLAN!) as CrashPlan;
  const database = plan.databaseUrl
    ? await openDatabase({ url: plan.databaseUrl, schema: plan.schema!, poolSize: 12 })
    : undefined;
  const runtime = await openRuntime(
    loadConfig(plan.dataDir ? { CLIENTELE_DATA_DIR: plan.dataDir } : {}),
    'server',
    database ? { database } : {},
  );
  const enroll = new EnrollClientHandler(runtime.store, runtime.gateway);
  const cancel = new CancelEnrollmentHandler(runtime.store, runtime.gateway);
  const context = (): RequestContext => ({
    studioId: plan.studioId,
    actor: { type: 'staff', id: 'crash-test' },
    correlationId: randomUUID(),
    now: new Date(),
  });
  let announced = false;
  const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)]!;
  const cancelPlace = (sessionId: string, clientId: string) =>
    cancel.execute(
      new CancelEnrollment(
        sessionId,
        clientId,
        { outcome: 'cancel_and_refund', override: false, reason: 'crash test' },
        context(),
      ),
    );
  await Promise.all(
    plan.clientIds.map(async (clientId) => {
      for (;;) {
        const sessionId = pick(plan.sessionIds);
        try {
          const booked = await enroll.execute(
            new EnrollClient(
              sessionId,
              { clientId, payWith: 'credit', channel: 'online' },
              context(),
            ),
          );
          if (booked.status === 'confirmed' && Math.random() < 0.6) {
            await cancelPlace(sessionId, clientId);
          }
        } catch (error) {
          // Full, no credit left, already booked, too much contention: refusals are expected.
          if (!(error instanceof ClienteleError)) throw error;
          // A place the last run left is given up now and then, so seats keep changing hands
          // in every run, not only the first.
          if (error.code === 'already_enrolled' && Math.random() < 0.6) {
            await cancelPlace(sessionId, clientId).catch((refused: unknown) => {
              if (!(refused instanceof ClienteleError)) throw refused;
            });
          }
        } finally {
          // Running once a first attempt is over, whatever its answer: a later run may find
          // every seat taken by the last one, and must still be killed.
          if (!announced) {
            announced = true;
            process.stdout.write('running\n');
          }
        }
      }
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

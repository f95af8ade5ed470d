import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { openDatabase } from '@clientele/database';
import type { NewEvent } from '@clientele/eventstore';
import { loadConfig, openRuntime } from '@clientele/runtime';

const EVENTS = Number(process.env.REBUILD_BENCH_EVENTS ?? 200_000);
const PER_CLIENT = 5;
const IN_FLIGHT = 16;

/**
 * Rebuilding every projection (ADR 0020) from a log of `REBUILD_BENCH_EVENTS` events (200,000 by
 * default): client streams of a registration and four memo events each, appended through the
 * runtime's store, so personal data is sealed with a key per client as in production and every
 * rebuild opens it again. Each projection reads the whole log; events/s is events read over the
 * time of its rebuild, new tables and swap included.
 */
export async function benchRebuild(url: string): Promise<object> {
  const schema = `bench_rebuild_${randomBytes(4).toString('hex')}`;
  const database = await openDatabase({ url, schema, poolSize: 8 });
  const runtime = await openRuntime({ ...loadConfig({}), databaseUrl: url }, 'client', {
    database,
  });
  try {
    const studioId = randomUUID();
    const metadata = {
      studioId,
      actor: { type: 'system' as const, id: 'bench' },
      correlationId: 'bench',
      schemaVersion: 1,
    };
    const clients = Math.ceil(EVENTS / PER_CLIENT);
    const appendStart = performance.now();
    let next = 0;
    const worker = async () => {
      for (let n = next++; n < clients; n = next++) {
        const clientId = randomUUID();
        const events: NewEvent[] = [
          {
            type: 'ClientRegistered',
            data: {
              clientId,
              studioId,
              registeredAt: new Date().toISOString(),
              personal: {
                firstName: `Ana${n}`,
                lastName: 'Müller',
                email: `ana${n}@rebuild.example`,
                phone: null,
                birthday: null,
                address: null,
                username: null,
              },
            },
            metadata,
          },
          ...[1, 2, 3].map((i) => ({
            type: 'MemoAdded',
            data: {
              clientId,
              memoId: randomUUID(),
              starred: i === 1,
              personal: { text: `Memo ${i}` },
            },
            metadata,
          })),
          { type: 'PasswordResetRequested', data: { clientId }, metadata },
        ];
        await runtime.store.append(`client-${clientId}`, events, {
          expectedRevision: 'no_stream',
        });
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const appendSeconds = (performance.now() - appendStart) / 1000;
    console.error(`bench: rebuild: ${clients * PER_CLIENT} events appended`);

    const projections: { name: string; eventsRead: number; seconds: number; perSecond: number }[] =
      [];
    const allStart = performance.now();
    for (const name of runtime.runner.names) {
      const started = performance.now();
      const { eventsRead } = await runtime.runner.rebuild(name);
      const seconds = (performance.now() - started) / 1000;
      projections.push({ name, eventsRead, seconds, perSecond: Math.round(eventsRead / seconds) });
      console.error(`bench: rebuild: ${name} ${Math.round(eventsRead / seconds)} events/s`);
    }
    const allSeconds = (performance.now() - allStart) / 1000;
    const eventsRead = projections.reduce((sum, p) => sum + p.eventsRead, 0);
    return {
      events: clients * PER_CLIENT,
      appendPerSecond: Math.round((clients * PER_CLIENT) / appendSeconds),
      projections,
      everyProjection: {
        seconds: Number(allSeconds.toFixed(1)),
        eventsReadPerSecond: Math.round(eventsRead / allSeconds),
      },
    };
  } finally {
    await runtime.close();
    await database.sql.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
    await database.close();
  }
}

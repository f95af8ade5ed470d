import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { openDatabase } from '@clientele/database';
import type { EventStore, NewEvent } from '@clientele/eventstore';
import { loadConfig, openRuntime, type Runtime } from '@clientele/runtime';
import { ownCpuMeter } from './support';

const EVENTS = Number(process.env.REBUILD_BENCH_EVENTS ?? 200_000);
const PER_CLIENT = 5;
const IN_FLIGHT = Number(process.env.REBUILD_BENCH_IN_FLIGHT ?? 16);
/** A schema to keep: seeded on the first run, its log rebuilt again by the next ones. */
const KEPT_SCHEMA = process.env.REBUILD_BENCH_SCHEMA;
/** Only these projections (comma-separated names); all by default. */
const ONLY = process.env.REBUILD_BENCH_ONLY?.split(',');

/**
 * Rebuilding every projection (ADR 0020) from a log of `REBUILD_BENCH_EVENTS` events (200,000 by
 * default): client streams of a registration and four memo events each, appended through the
 * runtime's store, so personal data is sealed with a key per client as in production and every
 * rebuild opens it again. Each projection reads the whole log; events/s is events read over the
 * time of its rebuild, new tables and swap included.
 */
export async function benchRebuild(url: string): Promise<object> {
  const schema = KEPT_SCHEMA ?? `bench_rebuild_${randomBytes(4).toString('hex')}`;
  // Its connections carry the schema's name, so the CPU of its own backends can be told apart.
  const named = new URL(url);
  named.searchParams.set('application_name', schema);
  const database = await openDatabase({ url: named.toString(), schema, poolSize: 8 });
  const cpu = ownCpuMeter(database.sql, schema);
  const runtime = await openRuntime({ ...loadConfig({}), databaseUrl: url }, 'client', {
    database,
  });
  try {
    const seeded = (await runtime.store.head()) === null ? await seed(runtime.store) : null;
    const [{ events }] = (await database.sql.query<{ events: string }>(
      'SELECT count(*) AS events FROM events',
    )) as [{ events: string }];

    const projections: {
      name: string;
      eventsRead: number;
      seconds: number;
      perSecond: number;
      cpuMicrosecondsPerEvent: { node: number; postgres: number };
    }[] = [];
    const allStart = performance.now();
    const allCpu = await cpu.start();
    for (const name of runtime.runner.names) {
      if (ONLY && !ONLY.includes(name)) continue;
      const started = performance.now();
      const projectionCpu = await cpu.start();
      const { eventsRead } = await runtime.runner.rebuild(name);
      const seconds = (performance.now() - started) / 1000;
      const perSecond = Math.round(eventsRead / seconds);
      const cpuMicrosecondsPerEvent = await projectionCpu.perUnit(eventsRead);
      projections.push({ name, eventsRead, seconds, perSecond, cpuMicrosecondsPerEvent });
      console.error(
        `bench: rebuild: ${name} ${perSecond} events/s, CPU µs/event ${JSON.stringify(cpuMicrosecondsPerEvent)}`,
      );
    }
    const allSeconds = (performance.now() - allStart) / 1000;
    const eventsRead = projections.reduce((sum, p) => sum + p.eventsRead, 0);
    const allCpuPerEvent = await allCpu.perUnit(eventsRead);
    // What `projections rebuild` without a name does: every projection at once, one read.
    const together = ONLY ? null : await rebuildTogether(runtime, cpu, Number(events));
    return {
      events: Number(events),
      ...(seeded ?? {}),
      projections,
      // None rebuilt (REBUILD_BENCH_ONLY named none): a seeding run, nothing to divide by.
      everyProjection:
        eventsRead === 0
          ? null
          : {
              seconds: Number(allSeconds.toFixed(1)),
              eventsReadPerSecond: Math.round(eventsRead / allSeconds),
              cpuMicrosecondsPerEvent: allCpuPerEvent,
            },
      together,
    };
  } finally {
    await runtime.close();
    if (!KEPT_SCHEMA)
      await database.sql.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
    await database.close();
  }
}

/** Every projection rebuilt together (one read of the log): the log's events over the time. */
async function rebuildTogether(
  runtime: Runtime,
  cpu: ReturnType<typeof ownCpuMeter>,
  events: number,
): Promise<object> {
  const started = performance.now();
  const meter = await cpu.start();
  await runtime.runner.rebuildTogether(runtime.runner.names);
  const seconds = (performance.now() - started) / 1000;
  const result = {
    seconds: Number(seconds.toFixed(1)),
    logEventsPerSecond: Math.round(events / seconds),
    cpuMicrosecondsPerLogEvent: await meter.perUnit(events),
  };
  console.error(`bench: rebuild: every projection together ${JSON.stringify(result)}`);
  return result;
}

/** The log: client streams of a registration, three memos and a password-reset request each. */
async function seed(store: EventStore): Promise<{ appendPerSecond: number }> {
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
      await store.append(`client-${clientId}`, events, { expectedRevision: 'no_stream' });
      if ((n + 1) % 20_000 === 0)
        console.error(`bench: rebuild: ${(n + 1) * PER_CLIENT} events appended`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const appendSeconds = (performance.now() - appendStart) / 1000;
  console.error(`bench: rebuild: ${clients * PER_CLIENT} events appended`);
  return { appendPerSecond: Math.round((clients * PER_CLIENT) / appendSeconds) };
}

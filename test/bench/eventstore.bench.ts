import { randomBytes, randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fork } from 'node:child_process';
import type { PostgresEventStore as EmmettStore } from '@event-driven-io/emmett-postgresql';
import { Pool } from 'pg';
import { migrateToLatest, openDatabase, quoteIdent } from '@clientele/database';
import {
  eventStoreMigrations,
  PostgresEventStore,
  type EventMetadata,
  type NewEvent,
} from '@clientele/eventstore';

/**
 * Appends per second and latency of our PostgreSQL adapter against Emmett's PostgreSQL event
 * store, side by side in one run on one server, each in a schema of its own.
 *
 * Every writer appends one event at a time to streams of its own with the exact expected
 * revision; "read then append" reads the stream first, as a command handler does. Each figure
 * is taken in a fresh process after a warm-up at the same concurrency on fresh streams; the order
 * of the two stores alternates from one phase to the next.
 */
export interface EventStoreBenchOptions {
  /** Length of each timed run. */
  seconds?: number;
  warmUpSeconds?: number;
  /** Connections in our adapter's pool. */
  poolSize?: number;
}

interface Contender {
  name: string;
  /** Creates the stream with its first event. */
  create(stream: string, events: number): Promise<void>;
  /** Appends one event at the revision this writer last saw. */
  appendNext(stream: string): Promise<void>;
  /** Reads the stream, then appends at the revision read; returns how many events it read. */
  readThenAppend(stream: string): Promise<number>;
  close(): Promise<void>;
}

interface RunResult {
  writers: number;
  operations: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Read then append only: the mean length of the streams read. */
  eventsPerRead?: number;
}

const STREAMS_PER_WRITER = 8;
/** Read then append: events a stream starts with, warm-up rounds, timed rounds. */
const READ_SEED = 20;
const READ_WARM_UP_ROUNDS = 2;
const READ_ROUNDS = 30;

export async function benchEventStore(
  url: string,
  options: EventStoreBenchOptions = {},
): Promise<object> {
  const seconds = options.seconds ?? 5;
  const warmUpSeconds = options.warmUpSeconds ?? 1.5;
  const poolSize = options.poolSize ?? 32;
  const suffix = randomBytes(4).toString('hex');
  const schemas = { ours: `bench_ours_${suffix}`, emmett: `bench_emmett_${suffix}` };
  const results: Record<Name, Record<string, RunResult>> = { ours: {}, emmett: {} };

  try {
    await prepareOurs(url, schemas.ours);
    await prepareEmmett(url, schemas.emmett);
    for (const [index, phase] of PHASES.entries()) {
      // Alternate who goes first, so a drift in the machine's load does not favour one side.
      const order: Name[] = index % 2 === 0 ? ['ours', 'emmett'] : ['emmett', 'ours'];
      for (const name of order) {
        const result = await runInChild({
          name,
          url,
          schema: schemas[name],
          poolSize,
          seconds,
          warmUpSeconds,
          ...phase,
        });
        results[name][phase.label] = result;
        console.error(
          `eventStore ${name} ${phase.label}: ${result.perSecond}/s p50 ${result.p50Ms} ms p99 ${result.p99Ms} ms`,
        );
      }
    }
  } finally {
    await dropSchemas(url, Object.values(schemas));
  }

  const ratio = Object.fromEntries(
    PHASES.map(({ label }) => [
      label,
      round(results.ours[label]!.perSecond / results.emmett[label]!.perSecond, 2),
    ]),
  );
  return {
    setup: {
      node: process.version,
      cpus: cpus().length,
      postgres: await serverVersion(url),
      secondsPerRun: seconds,
      warmUpSecondsPerRun: warmUpSeconds,
      streamsPerWriter: STREAMS_PER_WRITER,
      readThenAppend: `fixed work: streams seeded with ${READ_SEED} events, ${READ_WARM_UP_ROUNDS} warm-up rounds, then ${READ_ROUNDS} timed rounds (one read and one append per stream per round)`,
      eventJsonBytes: {
        data: JSON.stringify(eventData()).length,
        metadata: JSON.stringify(metadata()).length,
      },
      isolation:
        'each run in a fresh Node process (Emmett sets pg type parsers process-wide), each store in its own schema, fresh streams per run',
      ours: `PostgresEventStore, pg pool of ${poolSize}, one named statement per append`,
      emmett:
        '@event-driven-io/emmett-postgresql 0.42.0, getPostgreSQLEventStore(connectionString) with its default pg pool of 10, schema migrated once beforehand (autoMigration None)',
    },
    ours: results.ours,
    emmett: results.emmett,
    oursOverEmmett: ratio,
  };
}

type Name = 'ours' | 'emmett';

const PHASES = [
  { label: 'append_1_writer', writers: 1, mode: 'append' },
  { label: 'append_8_writers', writers: 8, mode: 'append' },
  { label: 'append_32_writers', writers: 32, mode: 'append' },
  { label: 'read_then_append_32_writers', writers: 32, mode: 'readThenAppend' },
] as const;

interface Job {
  name: Name;
  url: string;
  schema: string;
  poolSize: number;
  seconds: number;
  warmUpSeconds: number;
  label: string;
  writers: number;
  mode: 'append' | 'readThenAppend';
}

const CHILD_FLAG = '--eventstore-bench-child';

function runInChild(job: Job): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // stdout stays clean for the one JSON document; progress and errors go to stderr.
    const child = fork(__filename, [CHILD_FLAG], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    let result: RunResult | undefined;
    child.once('message', (message) => (result = message as RunResult));
    child.once('error', reject);
    child.once('exit', (code) =>
      result && code === 0
        ? resolve(result)
        : reject(new Error(`Bench run ${job.name} ${job.label} exited with code ${code}`)),
    );
    child.send(job);
  });
}

async function runJob(job: Job): Promise<RunResult> {
  const contender =
    job.name === 'ours'
      ? await openOurs(job.url, job.schema, job.poolSize)
      : await openEmmett(job.url, job.schema);
  try {
    const streams = Array.from({ length: job.writers }, (_, writer) =>
      Array.from(
        { length: STREAMS_PER_WRITER },
        (_, i) => `bench-${job.label}-${writer}-${i}-${randomUUID()}`,
      ),
    );
    if (job.mode === 'append') {
      for (const own of streams)
        await Promise.all(own.map((stream) => contender.create(stream, 1)));
      const op = (stream: string) => contender.appendNext(stream);
      await runFor({ seconds: job.warmUpSeconds }, streams, op);
      return await runFor({ seconds: job.seconds }, streams, op);
    }
    // Reading costs what the stream holds: both stores read streams of the same lengths, seeded
    // with READ_SEED events and growing by one per round.
    for (const own of streams) {
      await Promise.all(own.map((stream) => contender.create(stream, READ_SEED)));
    }
    const op = (stream: string) => contender.readThenAppend(stream);
    await runFor({ rounds: READ_WARM_UP_ROUNDS }, streams, op);
    return await runFor({ rounds: READ_ROUNDS }, streams, op);
  } finally {
    await contender.close();
  }
}

if (process.argv.includes(CHILD_FLAG)) {
  process.once('message', (job: Job) => {
    runJob(job).then(
      (result) => process.send!(result, () => process.exit(0)),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}

/** Runs until `seconds` have passed, or until each writer has gone `rounds` times over its streams. */
async function runFor(
  limit: { seconds: number } | { rounds: number },
  streams: string[][],
  op: (stream: string) => Promise<number | void>,
): Promise<RunResult> {
  const latencies: number[] = [];
  let eventsRead = 0;
  const started = performance.now();
  const deadline = 'seconds' in limit ? started + limit.seconds * 1000 : Infinity;
  const count = 'rounds' in limit ? limit.rounds * STREAMS_PER_WRITER : Infinity;
  await Promise.all(
    streams.map(async (own) => {
      for (let i = 0; i < count && performance.now() < deadline; i++) {
        const t0 = performance.now();
        const read = await op(own[i % own.length]!);
        eventsRead += read ?? 0; // not `x += await …`: that would read x before the await
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    writers: streams.length,
    operations: latencies.length,
    seconds: round(elapsed, 2),
    perSecond: Math.round(latencies.length / elapsed),
    p50Ms: round(percentile(latencies, 0.5), 2),
    p99Ms: round(percentile(latencies, 0.99), 2),
    ...(eventsRead > 0 ? { eventsPerRead: round(eventsRead / latencies.length, 1) } : {}),
  };
}

async function prepareOurs(url: string, schema: string): Promise<void> {
  const db = await openDatabase({ url, schema, poolSize: 1 });
  try {
    await migrateToLatest(db, eventStoreMigrations);
  } finally {
    await db.close();
  }
}

async function openOurs(url: string, schema: string, poolSize: number): Promise<Contender> {
  const db = await openDatabase({ url, schema, poolSize });
  const store = PostgresEventStore.forDatabase(db, { closeDatabase: true });
  const revisions = new Map<string, number>();
  const event = (): NewEvent => ({
    type: 'BenchEventHappened',
    data: eventData(),
    metadata: metadata(),
  });
  return {
    name: 'ours',
    async create(stream, events) {
      const result = await store.append(stream, Array.from({ length: events }, event), {
        expectedRevision: 'no_stream',
      });
      revisions.set(stream, result.nextExpectedRevision);
    },
    async appendNext(stream) {
      const result = await store.append(stream, [event()], {
        expectedRevision: revisions.get(stream)!,
      });
      revisions.set(stream, result.nextExpectedRevision);
    },
    async readThenAppend(stream) {
      const events = await store.readStream(stream);
      const last = events[events.length - 1];
      await store.append(stream, [event()], {
        expectedRevision: last ? last.revision : 'no_stream',
      });
      return events.length;
    },
    close: () => store.close(),
  };
}

async function prepareEmmett(url: string, schema: string): Promise<void> {
  const admin = new Pool({ connectionString: url, max: 1 });
  await admin.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  await admin.end();
  const store = await emmettStore(url, schema);
  try {
    await store.schema.migrate();
  } finally {
    await store.close();
  }
}

/** Loaded on demand: Emmett sets pg's type parsers for the whole process when it connects. */
async function emmettStore(url: string, schema: string): Promise<EmmettStore> {
  const { getPostgreSQLEventStore } = await import('@event-driven-io/emmett-postgresql');
  const connectionString = new URL(url);
  connectionString.searchParams.set('options', `-c search_path=${schema},public`);
  return getPostgreSQLEventStore(connectionString.toString(), {
    schema: { autoMigration: 'None' },
  });
}

async function openEmmett(url: string, schema: string): Promise<Contender> {
  const store = await emmettStore(url, schema);
  const versions = new Map<string, bigint>();
  const event = () => ({ type: 'BenchEventHappened', data: eventData(), metadata: metadata() });
  return {
    name: 'emmett',
    async create(stream, events) {
      const result = await store.appendToStream(stream, Array.from({ length: events }, event));
      versions.set(stream, result.nextExpectedStreamVersion);
    },
    async appendNext(stream) {
      const result = await store.appendToStream(stream, [event()], {
        expectedStreamVersion: versions.get(stream)!,
      });
      versions.set(stream, result.nextExpectedStreamVersion);
    },
    async readThenAppend(stream) {
      const read = await store.readStream(stream);
      await store.appendToStream(stream, [event()], {
        expectedStreamVersion: read.currentStreamVersion,
      });
      return read.events.length;
    },
    close: () => store.close(),
  };
}

/** About 300 bytes of JSON, shaped like a studio's event. */
function eventData() {
  return {
    clientId: randomUUID(),
    studioId: 'studio-bench',
    email: 'ada.lovelace@example.com',
    name: { given: 'Ada', family: 'Lovelace' },
    phone: '+44 20 7946 0000',
    credits: 10,
    priceMinor: 12_500,
    currency: 'GBP',
    note: 'Prefers morning reformer classes; knee injury 2025, ask before jumps.',
    tags: ['reformer', 'intro-offer', 'morning'],
  };
}

function metadata(): EventMetadata {
  return {
    studioId: 'studio-bench',
    actor: { type: 'staff', id: 'staff-bench' },
    correlationId: randomUUID(),
    causationId: null,
    idempotencyKey: null,
    schemaVersion: 1,
  };
}

async function dropSchemas(url: string, schemas: string[]): Promise<void> {
  const admin = new Pool({ connectionString: url, max: 1 });
  try {
    for (const schema of schemas)
      await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  } finally {
    await admin.end();
  }
}

async function serverVersion(url: string): Promise<string> {
  const admin = new Pool({ connectionString: url, max: 1 });
  try {
    const { rows } = await admin.query<{ server_version: string }>('SHOW server_version');
    return rows[0]!.server_version;
  } finally {
    await admin.end();
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

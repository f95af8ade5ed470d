import { randomBytes, randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  getPostgreSQLEventStore,
  type PostgresEventStore as EmmettStore,
} from '@event-driven-io/emmett-postgresql';
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
 * follows a warm-up at the same concurrency; the order of the two stores alternates.
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
  create(stream: string): Promise<void>;
  /** Appends one event at the revision this writer last saw. */
  appendNext(stream: string): Promise<void>;
  /** Reads the stream, then appends at the revision read. */
  readThenAppend(stream: string): Promise<void>;
  close(): Promise<void>;
}

interface RunResult {
  writers: number;
  operations: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const STREAMS_PER_WRITER = 8;

export async function benchEventStore(
  url: string,
  options: EventStoreBenchOptions = {},
): Promise<object> {
  const seconds = options.seconds ?? 5;
  const warmUpSeconds = options.warmUpSeconds ?? 1.5;
  const poolSize = options.poolSize ?? 32;
  const suffix = randomBytes(4).toString('hex');
  const oursSchema = `bench_ours_${suffix}`;
  const emmettSchema = `bench_emmett_${suffix}`;

  const ours = await openOurs(url, oursSchema, poolSize);
  const emmett = await openEmmett(url, emmettSchema);
  const contenders = { ours, emmett };
  const results: Record<string, Record<string, RunResult>> = { ours: {}, emmett: {} };

  try {
    const phases: { label: string; writers: number; mode: 'append' | 'readThenAppend' }[] = [
      { label: 'append_1_writer', writers: 1, mode: 'append' },
      { label: 'append_8_writers', writers: 8, mode: 'append' },
      { label: 'append_32_writers', writers: 32, mode: 'append' },
      { label: 'read_then_append_32_writers', writers: 32, mode: 'readThenAppend' },
    ];
    for (const [index, phase] of phases.entries()) {
      const order = index % 2 === 0 ? (['ours', 'emmett'] as const) : (['emmett', 'ours'] as const);
      for (const name of order) {
        const contender = contenders[name];
        const streams = Array.from({ length: phase.writers }, (_, writer) =>
          Array.from(
            { length: STREAMS_PER_WRITER },
            (_, i) => `bench-${phase.label}-${writer}-${i}-${randomUUID()}`,
          ),
        );
        await Promise.all(streams.flat().map((stream) => contender.create(stream)));
        const op = (stream: string) =>
          phase.mode === 'append' ? contender.appendNext(stream) : contender.readThenAppend(stream);
        await runFor(warmUpSeconds, streams, op);
        const result = await runFor(seconds, streams, op);
        results[name]![phase.label] = result;
        console.error(
          `eventStore ${name} ${phase.label}: ${result.perSecond}/s p50 ${result.p50Ms} ms p99 ${result.p99Ms} ms`,
        );
      }
    }
  } finally {
    await ours.close();
    await emmett.close();
    await dropSchemas(url, [oursSchema, emmettSchema]);
  }

  const ratio = Object.fromEntries(
    Object.keys(results.ours!).map((label) => [
      label,
      round(results.ours![label]!.perSecond / results.emmett![label]!.perSecond, 2),
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
      eventJsonBytes: {
        data: JSON.stringify(eventData()).length,
        metadata: JSON.stringify(metadata()).length,
      },
      ours: `PostgresEventStore, pg pool of ${poolSize}, one statement per append`,
      emmett: `@event-driven-io/emmett-postgresql 0.42.0, getPostgreSQLEventStore(connectionString) defaults (pg pool of 10)`,
    },
    ours: results.ours,
    emmett: results.emmett,
    oursOverEmmett: ratio,
  };
}

async function runFor(
  seconds: number,
  streams: string[][],
  op: (stream: string) => Promise<void>,
): Promise<RunResult> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    streams.map(async (own) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t0 = performance.now();
        await op(own[i % own.length]!);
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
  };
}

async function openOurs(url: string, schema: string, poolSize: number): Promise<Contender> {
  const db = await openDatabase({ url, schema, poolSize });
  await migrateToLatest(db, eventStoreMigrations);
  const store = PostgresEventStore.forDatabase(db, { closeDatabase: true });
  const revisions = new Map<string, number>();
  const event = (): NewEvent => ({
    type: 'BenchEventHappened',
    data: eventData(),
    metadata: metadata(),
  });
  return {
    name: 'ours',
    async create(stream) {
      const result = await store.append(stream, [event()], { expectedRevision: 'no_stream' });
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
    },
    close: () => store.close(),
  };
}

async function openEmmett(url: string, schema: string): Promise<Contender> {
  const admin = new Pool({ connectionString: url, max: 1 });
  await admin.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  await admin.end();
  const connectionString = new URL(url);
  connectionString.searchParams.set('options', `-c search_path=${schema},public`);
  const store: EmmettStore = getPostgreSQLEventStore(connectionString.toString());
  await store.schema.migrate();
  const versions = new Map<string, bigint>();
  const event = () => ({ type: 'BenchEventHappened', data: eventData(), metadata: metadata() });
  return {
    name: 'emmett',
    async create(stream) {
      const result = await store.appendToStream(stream, [event()]);
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

import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { measureMix, prepareStudio } from './mix.bench';
import { measureQueries, sampleStudio } from './queries.bench';
import { caughtUp, cli, freePort, startApi, startWorker, stop, withSearchPath } from './support';

const CLIENTS = Number(process.env.SCALE_BENCH_CLIENTS ?? 100_000);
const MONTHS = Number(process.env.SCALE_BENCH_MONTHS ?? 12);
const MIX_CONNECTIONS = 32;
/** A schema to keep: seeded (and its summary kept in bench_seed) on the first run, reused after. */
const KEPT_SCHEMA = process.env.SCALE_BENCH_SCHEMA;

/** What `dev seed --json` prints, in part. */
interface Seeded {
  clients: number;
  /** Not printed by the seed: the bench keeps it beside the summary. */
  months: number;
  eventsAppended: number;
  seconds: number;
  studios: { studioId: string; name: string; token: string; clients: number }[];
}

/**
 * Issue 8 at scale, in one run on one fresh schema (or SCALE_BENCH_SCHEMA's, kept): `clientele dev seed` makes a year of several
 * studios through the real commands, and the upkeep and the notifications due are run once, so
 * the API starts in a steady state. Then, on the API in its own process with its projections
 * (the default): the reads of the largest studio (profile, search, roster, report) with nothing
 * else running, and the command mix with projection lag. Again the mix with the projections in
 * apps/worker beside an API without them. At last every projection rebuilt together from the
 * whole log, nothing else running.
 */
export async function benchAtScale(url: string): Promise<object> {
  const schema = KEPT_SCHEMA ?? `bench_scale_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await admin.query('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public');
  await admin.query(`CREATE TABLE IF NOT EXISTS ${schema}.bench_seed (summary jsonb NOT NULL)`);
  const databaseUrl = withSearchPath(url, schema);
  try {
    const kept = await admin.query<{ summary: Seeded }>(`SELECT summary FROM ${schema}.bench_seed`);
    let seed = kept.rows[0]?.summary;
    if (seed) {
      console.error(
        `bench: scale: the dataset of ${schema}, seeded before (${seed.eventsAppended} events)`,
      );
    } else {
      console.error(`bench: scale: seeding ${CLIENTS} clients over ${MONTHS} months…`);
      const printed = JSON.parse(
        await cli(databaseUrl, [
          'dev',
          'seed',
          '--clients',
          String(CLIENTS),
          '--months',
          String(MONTHS),
          '--json',
        ]),
      ) as Omit<Seeded, 'months'>;
      seed = { ...printed, months: MONTHS };
      await admin.query(`INSERT INTO ${schema}.bench_seed (summary) VALUES ($1)`, [seed]);
      console.error(`bench: scale: ${seed.eventsAppended} events in ${Math.round(seed.seconds)} s`);
    }
    for (const action of [
      ['accounts', 'upkeep'],
      ['bookings', 'upkeep'],
      ['notifications', 'send'],
    ]) {
      await cli(databaseUrl, [...action, '--json'], 'ignore');
    }
    const studio = [...seed.studios].sort((a, b) => b.clients - a.clients)[0]!;

    const inProcess = await onApi(databaseUrl, 'in-process', async (api, base) => {
      console.error(`bench: scale: reads of ${studio.name} (${studio.clients} clients)…`);
      const sample = await sampleStudio(databaseUrl, studio.studioId, base, studio.token);
      const queries = await measureQueries(base, studio.token, sample);
      console.error('bench: scale: the command mix, projections in the API…');
      const mixStudio = await prepareStudio(base, studio.token);
      const commandMix = await measureMix(api, base, mixStudio, MIX_CONNECTIONS);
      return { queries: { studioClients: studio.clients, ...queries }, commandMix };
    });
    const inWorker = await onApi(databaseUrl, 'worker', async (api, base, worker) => {
      console.error('bench: scale: the command mix, projections in apps/worker…');
      const mixStudio = await prepareStudio(base, studio.token);
      return measureMix(api, base, mixStudio, MIX_CONNECTIONS, worker);
    });
    console.error('bench: scale: rebuilding every projection from the log…');
    const rebuild = await rebuildAll(databaseUrl);
    return {
      seed,
      ...inProcess,
      commandMixWithWorker: inWorker,
      rebuild,
    };
  } finally {
    if (!KEPT_SCHEMA) await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

/** An API (and a worker when the projections run there) caught up with the log, then `use`. */
async function onApi<T>(
  databaseUrl: string,
  projections: 'in-process' | 'worker',
  use: (api: ChildProcess, base: string, worker?: ChildProcess) => Promise<T>,
): Promise<T> {
  const port = await freePort();
  const worker = projections === 'worker' ? await startWorker(databaseUrl) : undefined;
  const api = await startApi(
    databaseUrl,
    port,
    projections === 'worker' ? { PROJECTIONS: 'off' } : {},
  );
  try {
    const base = `http://127.0.0.1:${port}`;
    await caughtUp(base);
    return await use(api, base, worker);
  } finally {
    await stop(api);
    if (worker) await stop(worker);
  }
}

/** Every projection from one read of the whole log, by `clientele projections rebuild`. */
async function rebuildAll(databaseUrl: string) {
  const started = performance.now();
  const { rebuilt } = JSON.parse(
    await cli(databaseUrl, ['projections', 'rebuild', '--json'], 'ignore'),
  ) as { rebuilt: { eventsRead: number }[] };
  const seconds = (performance.now() - started) / 1000;
  const eventsRead = Math.max(...rebuilt.map((result) => result.eventsRead));
  return {
    projections: rebuilt.length,
    eventsRead,
    seconds: Math.round(seconds * 10) / 10,
    eventsPerSecond: Math.round(eventsRead / seconds),
  };
}

import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openDatabase } from '@clientele/database';
import { loadConfig, openRuntime } from '@clientele/runtime';
import { measureMix, prepareStudio } from './mix.bench';
import { measureQueries, sampleStudio } from './queries.bench';
import { withApi } from './support';

const CLIENTS = Number(process.env.SCALE_BENCH_CLIENTS ?? 100_000);
const MONTHS = Number(process.env.SCALE_BENCH_MONTHS ?? 12);
const MIX_CONNECTIONS = 32;

interface Seeded {
  events: number;
  seconds: number;
  studios: { studioId: string; name: string; token: string; clients: number }[];
}

/**
 * Issue 8 at scale, in one run on one database: `clientele dev seed` makes a year of several
 * studios through the real commands; then, on the API in its own process, the reads of the
 * largest studio (profile, search, roster, report) while nothing else runs, the command mix with
 * projection lag while those studios' data is there, and at last every projection rebuilt
 * together from the whole log, the API stopped.
 */
export async function benchAtScale(url: string): Promise<object> {
  let seeded: Seeded | undefined;
  return withApi(
    url,
    'scale',
    async ({ databaseUrl, base, process: api }) => {
      const studio = [...seeded!.studios].sort((a, b) => b.clients - a.clients)[0]!;
      await caughtUp(base);
      console.error(`bench: scale: reads of ${studio.name} (${studio.clients} clients)…`);
      const sample = await sampleStudio(databaseUrl, studio.studioId, base, studio.token);
      const queries = await measureQueries(base, studio.token, sample);
      console.error('bench: scale: the command mix…');
      const mixStudio = await prepareStudio(base, studio.token);
      const mix = await measureMix(api, base, mixStudio, MIX_CONNECTIONS);
      return {
        seed: { clients: CLIENTS, months: MONTHS, ...seeded },
        queries,
        commandMix: mix,
      };
    },
    {
      async before(databaseUrl) {
        console.error(`bench: scale: seeding ${CLIENTS} clients over ${MONTHS} months…`);
        seeded = await seed(databaseUrl);
        console.error(`bench: scale: ${seeded.events} events in ${Math.round(seeded.seconds)} s`);
      },
      async after(databaseUrl) {
        console.error('bench: scale: rebuilding every projection from the log…');
        return { rebuild: await rebuildAll(databaseUrl) };
      },
    },
  );
}

function seed(databaseUrl: string): Promise<Seeded> {
  const root = join(__dirname, '..', '..');
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(root, 'apps/cli/main.js'),
        'dev',
        'seed',
        '--clients',
        String(CLIENTS),
        '--months',
        String(MONTHS),
        '--json',
      ],
      { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let text = '';
    child.stdout.on('data', (chunk) => (text += chunk));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(text) as Seeded) : reject(new Error(`seed exited ${code}`)),
    );
  });
}

async function caughtUp(base: string): Promise<void> {
  for (;;) {
    const health = (await (await fetch(`${base}/health`)).json()) as {
      projections?: { caughtUp: boolean }[];
    };
    if (health.projections?.every((p) => p.caughtUp)) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Every projection from one read of the whole log (`clientele projections rebuild`). */
async function rebuildAll(databaseUrl: string) {
  const database = await openDatabase({ url: databaseUrl, poolSize: 8 });
  const runtime = await openRuntime({ ...loadConfig({}), databaseUrl }, 'client', { database });
  try {
    const started = performance.now();
    const results = await runtime.runner.rebuildTogether(runtime.runner.names);
    const seconds = (performance.now() - started) / 1000;
    const eventsRead = Math.max(...[...results.values()].map((result) => result.eventsRead));
    return {
      projections: results.size,
      eventsRead,
      seconds: Math.round(seconds * 10) / 10,
      eventsPerSecond: Math.round(eventsRead / seconds),
    };
  } finally {
    await runtime.close();
    await database.close();
  }
}

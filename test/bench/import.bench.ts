import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Pool } from 'pg';
import type { ImportJob } from '@clientele/imports';
import { adminActions, loadConfig, openRuntime, type Runtime } from '@clientele/runtime';
import type { ChildProcess } from 'node:child_process';
import { cpuMeter, ownCpuMeter, withSearchPath } from './support';

const ROWS = Number(process.env.IMPORT_BENCH_ROWS ?? 100_000);
const FIRST = ['Anna', 'Zoë', 'José', 'Марія', 'Liam', '美咲', 'Émilie', 'Jürgen'];
const LAST = ['Müller', 'García', 'Smith', 'Nguyen', 'Коваленко', '田中', 'Dubois', 'Okafor'];

/** A messy export: BOM, `;`, CRLF, a studio product's headers, quoted fields, blank lines. */
async function writeFile(path: string): Promise<void> {
  const out = createWriteStream(path);
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, 'drain');
  };
  await write('\uFEFF"First Name";"Last Name";"E-Mail Address";"Mobile";"Date of Birth"\r\n');
  for (let i = 0; i < ROWS; i++) {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[(i * 7) % LAST.length]!;
    const day = String((i % 28) + 1).padStart(2, '0');
    const month = String((i % 12) + 1).padStart(2, '0');
    await write(
      `"${first}";"${last}";client${i}@example.com;+1 555 ${String(i).padStart(7, '0')};${day}.${month}.${1950 + (i % 50)}\r\n`,
    );
    if (i % 10_000 === 0) await write('\r\n');
  }
  out.end();
  await once(out, 'finish');
}

/** With a progress listener, an import action answers when its job ends (not when it starts). */
const untilDone = { job: () => undefined };

type Timed = ImportJob & {
  seconds: number;
  rowsPerSecond: number;
  cpuMicrosPerRow: object;
  /** The peak so far: after the first run, the first run's own. */
  peakRssMb: number;
};

/**
 * A fresh schema with a studio and the clients file written, the runtime open in this process
 * (what `npx clientele import …` does with DATABASE_URL), projections not running; the peak
 * resident memory sampled every 50 ms while `work` runs.
 */
async function withImportStudio(
  url: string,
  work: (setup: {
    runtime: Runtime;
    studioId: string;
    dir: string;
    clients: string;
    /** Runs an import job of `rows` rows: rows per second, CPU per row (Node, PostgreSQL). */
    timed: (rows: number, job: () => Promise<ImportJob>) => Promise<Timed>;
  }) => Promise<object>,
): Promise<object> {
  const schema = `bench_import_${randomBytes(4).toString('hex')}`;
  const admin = new Pool({ connectionString: url, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const dir = mkdtempSync(join(tmpdir(), 'clientele-import-bench-'));
  const clients = join(dir, 'clients.csv');
  await writeFile(clients);
  // Its own name, so its backends' CPU is told apart from other work on a shared server.
  const databaseUrl = new URL(withSearchPath(url, schema));
  databaseUrl.searchParams.set('application_name', schema);
  const config = { ...loadConfig({}), databaseUrl: databaseUrl.toString(), dataDir: dir };
  const runtime = await openRuntime(config, 'client');
  let peakRss = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    const memory = process.memoryUsage();
    peakRss = Math.max(peakRss, memory.rss);
    peakHeap = Math.max(peakHeap, memory.heapUsed);
  }, 50);
  try {
    const { studioId } = await adminActions['studio.create'](runtime, {
      name: 'Bench Studio',
      currency: 'USD',
      timezone: 'UTC',
      ownerEmail: 'bench@example.com',
    });
    const timed = async (rows: number, job: () => Promise<ImportJob>): Promise<Timed> => {
      // This process is the importer: its CPU and PostgreSQL's, per row.
      const meter = cpuMeter({ pid: process.pid } as ChildProcess);
      const own = await ownCpuMeter(runtime.db.sql, schema).start();
      const started = Date.now();
      const done = await job();
      const seconds = (Date.now() - started) / 1000;
      console.error(`bench: import ${JSON.stringify(done)} in ${seconds}s`);
      const cpu = meter.perRequest(rows);
      return {
        ...done,
        seconds,
        rowsPerSecond: Math.round(rows / seconds),
        cpuMicrosPerRow: {
          importer: cpu.api,
          postgresBackends: (await own.perUnit(rows)).postgres,
          postgresAll: cpu.postgres,
        },
        peakRssMb: Math.round(peakRss / 1024 / 1024),
      };
    };
    const result = await work({ runtime, studioId, dir, clients, timed });
    return {
      ...result,
      peakRssMb: Math.round(peakRss / 1024 / 1024),
      peakHeapUsedMb: Math.round(peakHeap / 1024 / 1024),
    };
  } finally {
    clearInterval(sampler);
    await runtime.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The file imported, then the same file again (every row skipped). */
async function firstAndAgain(run: () => Promise<Timed>): Promise<object> {
  const first = await run();
  const again = await run();
  return {
    rows: ROWS,
    first: {
      rowsPerSecond: first.rowsPerSecond,
      cpuMicrosPerRow: first.cpuMicrosPerRow,
      seconds: first.seconds,
      created: first.created,
      errors: first.errors,
      peakRssMb: first.peakRssMb,
    },
    again: {
      rowsPerSecond: again.rowsPerSecond,
      cpuMicrosPerRow: again.cpuMicrosPerRow,
      seconds: again.seconds,
      skipped: again.skipped,
    },
  };
}

/**
 * 100,000 rows imported in process into a fresh schema: rows per second and the peak resident
 * memory. Then the same file again (every row skipped).
 */
export function benchImport(url: string): Promise<object> {
  return withImportStudio(url, async ({ runtime, studioId, clients, timed }) => {
    const run = () =>
      timed(ROWS, () =>
        adminActions['imports.clients'](runtime, { path: clients, studio: studioId }, untilDone),
      );
    return firstAndAgain(run);
  });
}

/**
 * The credits clients have left (ADR 0021), a row per client of the clients file (imported
 * first, not measured): each row finds its client by email and runs ImportCredits on the
 * account. Then the same file again (every row skipped).
 */
export function benchImportCredits(url: string): Promise<object> {
  return withImportStudio(url, async ({ runtime, studioId, dir, clients, timed }) => {
    await adminActions['imports.clients'](runtime, { path: clients, studio: studioId }, untilDone);
    const credits = join(dir, 'credits.csv');
    const out = createWriteStream(credits);
    const write = async (line: string) => {
      if (!out.write(line)) await once(out, 'drain');
    };
    await write('\uFEFFE-Mail Address;Credits left;Expiry date;Class type\r\n');
    for (let i = 0; i < ROWS; i++) {
      await write(`client${i}@example.com;${(i % 9) + 1};2099-12-31;yoga\r\n`);
    }
    out.end();
    await once(out, 'finish');
    const run = () =>
      timed(ROWS, () =>
        adminActions['imports.credits'](runtime, { path: credits, studio: studioId }, untilDone),
      );
    return firstAndAgain(run);
  });
}

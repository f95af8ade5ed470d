import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Pool } from 'pg';
import { adminActions, loadConfig, openRuntime } from '@clientele/runtime';
import type { ChildProcess } from 'node:child_process';
import { backendCpuMeter, cpuMeter, withSearchPath } from './support';

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

/**
 * 100,000 rows imported in process (what `npx clientele import clients` does with DATABASE_URL)
 * into a fresh schema, projections not running: rows per second and the peak resident memory,
 * sampled every 50 ms. Then the same file again (every row skipped).
 */
export async function benchImport(url: string): Promise<object> {
  const schema = `bench_import_${randomBytes(4).toString('hex')}`;
  const admin = new Pool({ connectionString: url, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const dir = mkdtempSync(join(tmpdir(), 'clientele-import-bench-'));
  const file = join(dir, 'clients.csv');
  await writeFile(file);
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
    const run = async () => {
      // This process is the importer: its CPU and PostgreSQL's, per row.
      const meter = cpuMeter({ pid: process.pid } as ChildProcess);
      const backends = await backendCpuMeter(admin, schema);
      const started = Date.now();
      // With a job listener the action answers when the job ends, as the CLI's does.
      const job = await adminActions['imports.clients'](
        runtime,
        { path: file, studio: studioId },
        { job: () => undefined },
      );
      const seconds = (Date.now() - started) / 1000;
      console.error(`bench: import ${JSON.stringify(job)} in ${seconds}s`);
      const cpu = meter.perRequest(ROWS);
      // The peak so far: after the first run, the first run's own.
      const memory = { peakRssMb: Math.round(peakRss / 1024 / 1024) };
      const cpuMicrosPerRow = {
        importer: cpu.api,
        postgresBackends: await backends.perUnit(ROWS),
        postgresAll: cpu.postgres,
      };
      return {
        ...job,
        seconds,
        rowsPerSecond: Math.round(ROWS / seconds),
        cpuMicrosPerRow,
        memory,
      };
    };
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
        peakRssMb: first.memory.peakRssMb,
      },
      again: {
        rowsPerSecond: again.rowsPerSecond,
        cpuMicrosPerRow: again.cpuMicrosPerRow,
        seconds: again.seconds,
        skipped: again.skipped,
      },
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
